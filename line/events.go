package line

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Event is something the station did or saw, published to subscribers
// after it was recorded. A UI switches on the concrete type:
//
//	switch e := ev.(type) {
//	case line.CarcassHeldEvent:
//		// show e.Decisions in red
//	}
type Event interface {
	// When returns the time of the event.
	When() time.Time
}

// ShiftOpenedEvent: the station opened a new shift or resumed a stored one.
type ShiftOpenedEvent struct {
	At      time.Time
	Batch   BatchID
	State   BatchState
	Resumed bool // the batch existed and the station continues it
	// Unfinished lists print jobs that were queued or sent before a
	// restart and whose outcome was never confirmed. Someone decides for
	// each whether its label came out (ResolvePrint), then reprints or
	// voids it.
	Unfinished []PrintJob
}

// CarcassEnteredEvent: a tag read created a carcass. Decisions are the intake
// decisions; the carcass is held or blocked when there are any.
type CarcassEnteredEvent struct {
	At        time.Time
	Carcass   CarcassRecord
	Decisions []Decision
}

// CarcassHeldEvent: new decisions hold a carcass until quality staff release
// it. A kiosk shows every decision's Reason until someone acknowledges
// them.
type CarcassHeldEvent struct {
	At        time.Time
	Carcass   CarcassRecord
	Decisions []Decision // the decisions just made
}

// CarcassBlockedEvent: a carcass is blocked, or has new decisions while
// blocked. It yields no labelled pack.
type CarcassBlockedEvent struct {
	At        time.Time
	Carcass   CarcassRecord
	Decisions []Decision // the decisions just made
}

// CarcassReleasedEvent: quality staff, or the station's release policy,
// released a held carcass.
type CarcassReleasedEvent struct {
	At      time.Time
	Carcass CarcassRecord
	By      string
	Reason  string
}

// CarcassClosedEvent: the cutting of a carcass is closed; Mass is its final
// balance.
type CarcassClosedEvent struct {
	At      time.Time
	Carcass CarcassRecord
	Mass    MassFigures
}

// InspectionRecordedEvent: an inspection result was recorded.
type InspectionRecordedEvent struct {
	At        time.Time
	Carcass   CarcassRecord
	Result    string
	Condemned Mass
	Decisions []Decision
}

// LabResultRecordedEvent: a β-agonist result was recorded. Blocked lists the
// carcasses a positive result blocked.
type LabResultRecordedEvent struct {
	At      time.Time
	Test    LabTest
	Blocked []string
}

// ScaleReadingEvent: a reading came from a scale. Steady is true when the
// stability window accepts it; Armed is true when the scale was empty
// since the last weight was taken from it, so a steady weight would be
// taken. A UI shows it as the live weight.
type ScaleReadingEvent struct {
	Reading Reading
	Steady  bool
	Armed   bool
}

// WeightAcceptedEvent: a hot or chilled carcass weight was recorded.
type WeightAcceptedEvent struct {
	At      time.Time
	Stage   WeighingStage
	Carcass CarcassRecord
	Reading Reading
}

// WeightRefusedEvent: a steady weight was not taken, for example because no
// carcass waits for a hot weight or no product is picked. It is published
// once per load.
type WeightRefusedEvent struct {
	At      time.Time
	Reading Reading
	Refusal Refusal
}

// PackAcceptedEvent: a pack was weighed out of a carcass or lot and stored
// with its serial. Remaining is how much more the balance accepts from
// one more weighing on the same scale.
type PackAcceptedEvent struct {
	At        time.Time
	Pack      PackRecord
	Balance   MassFigures
	Remaining Mass
}

// PackRefusedEvent: a pack was not labelled. When the mass balance refused it,
// Refusal.Decision is the stored mass.excess decision with the reason.
type PackRefusedEvent struct {
	At      time.Time
	Carcass string
	Lot     string
	Product string
	Reading Reading
	Refusal Refusal
}

// ByproductAcceptedEvent: a by-product was weighed into its bin.
type ByproductAcceptedEvent struct {
	At        time.Time
	Weighing  Weighing
	Balance   MassFigures
	Remaining Mass
}

// ByproductRefusedEvent: a by-product weighing was not taken.
type ByproductRefusedEvent struct {
	At      time.Time
	Carcass string
	Kind    string
	Reading Reading
	Refusal Refusal
}

// CuttingChangedEvent: the carcass or lot being cut, or the product or bin
// picked, changed.
type CuttingChangedEvent struct {
	At      time.Time
	Cutting Cutting
}

// LotOpenedEvent: a mixed lot was opened.
type LotOpenedEvent struct {
	At  time.Time
	Lot LotRecord
}

// LotClosedEvent: a mixed lot was closed; Decisions holds a mass.loss decision
// when its loss is too high.
type LotClosedEvent struct {
	At        time.Time
	Lot       LotRecord
	Mass      MassFigures
	Decisions []Decision
}

// LotReleasedEvent: the review decisions on a lot were released.
type LotReleasedEvent struct {
	At     time.Time
	Lot    string
	By     string
	Reason string
}

// PrintQueuedEvent: a print job was committed and waits for its printer.
type PrintQueuedEvent struct {
	At  time.Time
	Job PrintJob
}

// PrintSentEvent: the printer took a job's bytes.
type PrintSentEvent struct {
	At  time.Time
	Job PrintJob
}

// PrintsConfirmedEvent: the printer reported that it printed every job sent to
// it so far.
type PrintsConfirmedEvent struct {
	At      time.Time
	Printer string
	Jobs    []int64
}

// PrintFailedEvent: a job did not reach the printer, or may have reached it
// only in part. The station never resends a job by itself.
type PrintFailedEvent struct {
	At    time.Time
	Job   PrintJob
	Error string
}

// PrinterStatusChangedEvent: a printer's status changed, or it stopped or
// resumed replying to status requests. Err is the error of the status request, if any.
type PrinterStatusChangedEvent struct {
	At      time.Time
	Printer string
	Status  PrinterStatus
	Err     error
}

// FaultEvent: the station caught an error of a device input that has no
// caller to return it to. Refusal is set when the station refused the
// input; otherwise Err is a failure such as a store error.
type FaultEvent struct {
	At      time.Time
	Op      string // such as "tag read" or "scale reading"
	Err     error
	Refusal *Refusal
}

// SignOffProgressEvent: the veterinarian's sign-off reached a step. A
// sign-off screen shows the step until the next event.
type SignOffProgressEvent struct {
	At    time.Time
	Batch BatchID
	Step  SignOffStep
}

// SignOffRefusedEvent: the batch cannot be signed off yet. Refusals lists
// every blocker; each Text names the carcasses, lots, labels or
// consignments concerned.
type SignOffRefusedEvent struct {
	At       time.Time
	Batch    BatchID
	Refusals []Refusal
}

// BatchSealedEvent: the veterinarian signed off the batch and its signed
// document is sealed into the outbox. At is the signing time.
type BatchSealedEvent struct {
	At          time.Time
	Batch       BatchID
	By          string // the veterinarian
	Certificate string // the product quarantine certificate number
	Format      string
	SHA256      string // hex digest of the signed document
	Size        int    // bytes of the signed document
}

func (e ShiftOpenedEvent) When() time.Time          { return e.At }
func (e CarcassEnteredEvent) When() time.Time       { return e.At }
func (e CarcassHeldEvent) When() time.Time          { return e.At }
func (e CarcassBlockedEvent) When() time.Time       { return e.At }
func (e CarcassReleasedEvent) When() time.Time      { return e.At }
func (e CarcassClosedEvent) When() time.Time        { return e.At }
func (e InspectionRecordedEvent) When() time.Time   { return e.At }
func (e LabResultRecordedEvent) When() time.Time    { return e.At }
func (e ScaleReadingEvent) When() time.Time         { return e.Reading.At }
func (e WeightAcceptedEvent) When() time.Time       { return e.At }
func (e WeightRefusedEvent) When() time.Time        { return e.At }
func (e PackAcceptedEvent) When() time.Time         { return e.At }
func (e PackRefusedEvent) When() time.Time          { return e.At }
func (e ByproductAcceptedEvent) When() time.Time    { return e.At }
func (e ByproductRefusedEvent) When() time.Time     { return e.At }
func (e CuttingChangedEvent) When() time.Time       { return e.At }
func (e LotOpenedEvent) When() time.Time            { return e.At }
func (e LotClosedEvent) When() time.Time            { return e.At }
func (e LotReleasedEvent) When() time.Time          { return e.At }
func (e PrintQueuedEvent) When() time.Time          { return e.At }
func (e PrintSentEvent) When() time.Time            { return e.At }
func (e PrintsConfirmedEvent) When() time.Time      { return e.At }
func (e PrintFailedEvent) When() time.Time          { return e.At }
func (e PrinterStatusChangedEvent) When() time.Time { return e.At }
func (e FaultEvent) When() time.Time                { return e.At }
func (e SignOffProgressEvent) When() time.Time      { return e.At }
func (e SignOffRefusedEvent) When() time.Time       { return e.At }
func (e BatchSealedEvent) When() time.Time          { return e.At }

// Subscription receives the station's events in the order they happened
// on C. Delivery never blocks the station: when C is full the event is
// dropped and counted, and a UI that fell behind reads the state afresh
// with Station.Snapshot.
type Subscription struct {
	C <-chan Event

	ch      chan Event
	dropped atomic.Int64
	hub     *hub
}

// Dropped returns how many events did not fit into C.
func (s *Subscription) Dropped() int64 { return s.dropped.Load() }

// Close ends the subscription and closes C. It is safe to call more than
// once.
func (s *Subscription) Close() { s.hub.remove(s) }

// hub fans events out to subscriptions.
type hub struct {
	mu   sync.Mutex
	subs []*Subscription
	log  *slog.Logger
}

func (h *hub) add(buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan Event, buffer)
	s := &Subscription{C: ch, ch: ch, hub: h}
	h.mu.Lock()
	h.subs = append(h.subs, s)
	h.mu.Unlock()
	return s
}

func (h *hub) remove(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, sub := range h.subs {
		if sub == s {
			h.subs = append(h.subs[:i], h.subs[i+1:]...)
			close(s.ch)
			return
		}
	}
}

// publish offers ev to every subscription without waiting.
func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		select {
		case s.ch <- ev:
		default:
			// Log the first drop and then every 1000th, not each one.
			if n := s.dropped.Add(1); n == 1 || n%1000 == 0 {
				h.log.Warn("station event dropped: subscriber too slow", "dropped", n)
			}
		}
	}
}
