package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"lambtrace/line"
)

// lineWatch follows what the station did with the simulated line's
// input, so the simulated line can tell when to go on, and notes the wall
// times the latency figures are made of. It learns from the station's
// events, from the drivers' deliveries, which it passes on to the
// station, and from the simulated printers. It is safe for concurrent
// use.
type lineWatch struct {
	roles line.ScaleRoles
	log   *slog.Logger

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every change a waiter waits for
	waiters int

	judged  map[string]int // loads each scale's station took or refused
	empties map[string]int // readings of each empty scale the station processed
	entered []string       // carcass numbers in entry order; "" for a tag read that failed
	tagDone []time.Time    // when each tag read's delivery to the station returned
	packs   int            // packs accepted
	faults  int
	failed  int // print jobs that failed

	tagWritten map[string]time.Time // by carcass: when the simulated reader wrote its tag
	stable     map[string]time.Time // by pack serial: when its steady reading reached the station
	printed    map[string]time.Time // by label serial: when its first job reached the printer
	labels     int                  // jobs the printers took
	starts     readingStarts        // pack scale readings by line time, for stable
}

func newLineWatch(roles line.ScaleRoles, log *slog.Logger) *lineWatch {
	return &lineWatch{roles: roles, log: log, changed: make(chan struct{}),
		judged: make(map[string]int), empties: make(map[string]int),
		tagWritten: make(map[string]time.Time), stable: make(map[string]time.Time), printed: make(map[string]time.Time)}
}

// changedLocked wakes the waiters; w.mu is held.
func (w *lineWatch) changedLocked() {
	if w.waiters > 0 {
		close(w.changed)
		w.changed = make(chan struct{})
	}
}

// wait returns once cond, called with w.mu held, is true, or an error
// naming what when timeout passes or ctx is done first.
func (w *lineWatch) wait(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	w.mu.Lock()
	for !cond() {
		w.waiters++
		ch := w.changed
		w.mu.Unlock()
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = ctx.Err()
		case <-timer.C:
			err = fmt.Errorf("%s: nothing happened within %s", what, timeout)
		}
		w.mu.Lock()
		w.waiters--
		if err != nil {
			w.mu.Unlock()
			return err
		}
	}
	w.mu.Unlock()
	return nil
}

// deliverTag hands a tag read to the station and notes when the station
// was done with it.
func (w *lineWatch) deliverTag(st *line.Station) func(line.TagEvent) {
	return func(ev line.TagEvent) {
		st.DeliverTag(ev)
		done := time.Now()
		w.mu.Lock()
		w.tagDone = append(w.tagDone, done)
		w.changedLocked()
		w.mu.Unlock()
	}
}

// deliverReading hands a reading to the station and notes a reading of an
// empty scale, which arms the station for the scale's next load.
func (w *lineWatch) deliverReading(st *line.Station) func(line.Reading) {
	return func(r line.Reading) {
		if r.Scale == w.roles.Pack {
			w.starts.add(r.At, time.Now())
		}
		st.DeliverReading(r)
		if r.Overload || r.Grams >= emptyLoad(r.Division) {
			return
		}
		w.mu.Lock()
		w.empties[r.Scale]++
		w.changedLocked()
		w.mu.Unlock()
	}
}

// emptyLoad is the load below which the station takes a scale with
// division as empty, at the station's default threshold.
func emptyLoad(division line.Mass) line.Mass {
	return line.DefaultEmptyDivisions * max(division, 1)
}

// follow reads the station's events until sub is closed.
func (w *lineWatch) follow(sub *line.Subscription) {
	for ev := range sub.C {
		w.event(ev)
	}
}

func (w *lineWatch) event(ev line.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch e := ev.(type) {
	case line.CarcassEnteredEvent:
		w.entered = append(w.entered, e.Carcass.Number)
	case line.WeightAcceptedEvent:
		w.judged[e.Reading.Scale]++
	case line.WeightRefusedEvent:
		w.judged[e.Reading.Scale]++
	case line.PackAcceptedEvent:
		w.judged[w.roles.Pack]++
		w.packs++
		if at, ok := w.starts.find(e.At); ok {
			w.stable[e.Pack.Serial] = at
		}
	case line.PackRefusedEvent:
		w.judged[e.Reading.Scale]++
	case line.ByproductAcceptedEvent:
		w.judged[e.Weighing.Reading.Scale]++
	case line.ByproductRefusedEvent:
		w.judged[e.Reading.Scale]++
	case line.PrintSentEvent, line.PrintsConfirmedEvent:
		// Waiters for the print queues to empty look at the station.
	case line.PrintFailedEvent:
		w.failed++
	case line.FaultEvent:
		w.faults++
		if e.Op == "tag read" {
			// The read entered no carcass; keep entered in step with
			// tagDone.
			w.entered = append(w.entered, "")
		}
	default:
		return
	}
	w.changedLocked()
}

// labelPrinted notes that a label's job reached a printer at at.
func (w *lineWatch) labelPrinted(serial string, at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.labels++
	if _, ok := w.printed[serial]; !ok {
		w.printed[serial] = at
	}
	w.changedLocked()
}

// tagWrote notes when the simulated reader wrote the tag of a carcass.
func (w *lineWatch) tagWrote(carcass string, at time.Time) {
	w.mu.Lock()
	w.tagWritten[carcass] = at
	w.mu.Unlock()
}

// judgedCount returns how many loads the station took or refused from a
// scale.
func (w *lineWatch) judgedCount(scale string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.judged[scale]
}

func (w *lineWatch) emptyCount(scale string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.empties[scale]
}

func (w *lineWatch) enteredCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.entered)
}

// progress returns the carcasses entered, packs accepted and labels at
// the printers so far.
func (w *lineWatch) progress() (carcasses, packs, labels int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.entered), w.packs, w.labels
}

// latencies returns the latency figures of the run so far.
func (w *lineWatch) latencies() Latencies {
	w.mu.Lock()
	defer w.mu.Unlock()
	var committed, tagLabel, packLabel []time.Duration
	for i, number := range w.entered {
		written, ok := w.tagWritten[number]
		if !ok || number == "" {
			continue
		}
		if i < len(w.tagDone) {
			committed = append(committed, w.tagDone[i].Sub(written))
		}
		if at, ok := w.printed[number]; ok {
			tagLabel = append(tagLabel, at.Sub(written))
		}
	}
	for serial, stable := range w.stable {
		if at, ok := w.printed[serial]; ok {
			packLabel = append(packLabel, at.Sub(stable))
		}
	}
	return Latencies{
		TagToCommitted:    figuresOf(committed),
		TagToCarcassLabel: figuresOf(tagLabel),
		PackStableToLabel: figuresOf(packLabel),
	}
}

// Latencies are the latency figures of a simulated day, in milliseconds
// of wall time.
type Latencies struct {
	// TagToCommitted runs from the simulated reader writing a tag to the
	// pty until the station committed the carcass it entered.
	TagToCommitted Figures `json:"tag_to_carcass_committed"`
	// TagToCarcassLabel runs from the same write until the carcass's
	// label job reached the simulated printer.
	TagToCarcassLabel Figures `json:"tag_to_carcass_label_at_printer"`
	// PackStableToLabel runs from the pack scale's driver delivering the
	// reading the stability window accepted until the pack's label job
	// reached the simulated printer.
	PackStableToLabel Figures `json:"pack_stable_weight_to_label_at_printer"`
}

// Figures summarise one latency.
type Figures struct {
	Count int     `json:"count"`
	P50MS float64 `json:"p50_ms"`
	P99MS float64 `json:"p99_ms"`
	MaxMS float64 `json:"max_ms"`
}

// figuresOf returns the count, median, 99th percentile (nearest rank) and
// maximum of samples.
func figuresOf(samples []time.Duration) Figures {
	if len(samples) == 0 {
		return Figures{}
	}
	slices.Sort(samples)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(samples))+0.999999) - 1
		return samples[min(max(i, 0), len(samples)-1)]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Figures{Count: len(samples), P50MS: ms(rank(0.50)), P99MS: ms(rank(0.99)), MaxMS: ms(samples[len(samples)-1])}
}

// readingStarts remembers when the latest readings of the pack scale
// reached the station, by the readings' line time, so an accepted pack,
// whose event carries its reading's time, finds when its steady reading
// arrived. It keeps the last readingStartsKept.
type readingStarts struct {
	mu   sync.Mutex
	next int
	line [readingStartsKept]time.Time
	wall [readingStartsKept]time.Time
}

// readingStartsKept covers far more readings than arrive while the event
// of one accepted pack waits to be read.
const readingStartsKept = 512

func (s *readingStarts) add(lineAt, wallAt time.Time) {
	s.mu.Lock()
	s.line[s.next], s.wall[s.next] = lineAt, wallAt
	s.next = (s.next + 1) % readingStartsKept
	s.mu.Unlock()
}

func (s *readingStarts) find(lineAt time.Time) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range readingStartsKept {
		if s.line[i].Equal(lineAt) && !s.wall[i].IsZero() {
			return s.wall[i], true
		}
	}
	return time.Time{}, false
}
