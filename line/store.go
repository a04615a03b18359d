package line

import (
	"context"
	"time"
)

// Store records what the station does. Every method that changes a record
// runs as one durable transaction: when it returns nil the change and its
// journal entries are on disk, and when it returns an error nothing of it
// was stored. actor names who caused the change, a user id or the
// operator signed in at the station for device input.
//
// The station is the only writer of its shift's records, so it may keep
// what a method returned in memory instead of reading it again.
type Store interface {
	// OpenShift creates the batch in the open state. When the batch
	// exists it returns the batch and what the shift has recorded so far,
	// so that a restarted station continues the shift.
	OpenShift(ctx context.Context, actor string, id BatchID, shiftStart time.Time) (Shift, error)

	// EnterCarcass gives the next carcass number of the batch's day to a
	// tag read. It calls assess with the line's history as of this
	// transaction and stores the carcass and the decisions assess
	// returns, held or blocked as they require. Two reads of one ear tag
	// can never both pass, because assess reads every carcass committed
	// before.
	EnterCarcass(ctx context.Context, actor string, batch BatchID, read TagRead, at time.Time,
		assess func(History) Intake) (CarcassRecord, []Decision, error)

	// AddCarcassWeighing stores a hot or chilled weight of a carcass, and
	// the decisions it leads to, and moves the carcass as far along its
	// stages as its recorded facts and its state allow.
	AddCarcassWeighing(ctx context.Context, actor string, w Weighing, decisions []Decision) (CarcassRecord, error)

	// RecordInspection stores a carcass's inspection result, the weighing
	// of its condemned parts and the decisions the result leads to, and
	// moves the carcass along as AddCarcassWeighing does.
	RecordInspection(ctx context.Context, actor string, in InspectionRecord, decisions []Decision) (CarcassRecord, error)

	// RecordLabResult stores a β-agonist result. It calls decide, unless
	// it is nil, for each carcass of the result's consignment already
	// entered and stores the decisions decide returns, blocking or
	// holding those carcasses. It returns the carcasses that got a
	// decision.
	RecordLabResult(ctx context.Context, actor string, t LabTest, at time.Time,
		decide func(CarcassRecord) (Decision, bool)) ([]CarcassRecord, error)

	// AddOutput weighs a pack or a by-product out of a carcass or a lot
	// through the mass balance. An accepted pack gets the next pack serial.
	// A weighing that would break the balance is not stored: the store
	// stores the decision out.Refuse returns instead and reports the
	// refusal in the result, with a nil error.
	AddOutput(ctx context.Context, actor string, out OutputRequest) (OutputResult, error)

	// CloseCarcass closes a carcass's cutting. It calls judge, unless it
	// is nil, with the closed balance and stores the decision judge
	// returns, holding the carcass.
	CloseCarcass(ctx context.Context, actor string, number string, at time.Time,
		judge func(Balance) (Decision, bool)) (CarcassRecord, Balance, []Decision, error)

	// ReleaseCarcass releases a held carcass with a reason. A carcass with
	// a blocking decision cannot be released.
	ReleaseCarcass(ctx context.Context, actor, number, reason string, at time.Time) (CarcassRecord, error)

	// BlockCarcass stores a blocking decision made by a person and blocks
	// the carcass it names.
	BlockCarcass(ctx context.Context, actor string, d Decision, at time.Time) (CarcassRecord, error)

	// OpenLot opens a mixed lot of the batch for trim and packs.
	OpenLot(ctx context.Context, actor string, batch BatchID, id, product string) (LotRecord, error)

	// CloseLot closes a lot to further trim and packs. It calls judge,
	// unless it is nil, with the lot's balance and stores the decision
	// judge returns.
	CloseLot(ctx context.Context, actor, id string, at time.Time,
		judge func(Balance) (Decision, bool)) (LotRecord, Balance, []Decision, error)

	// ReleaseLot releases every unreleased review decision on a lot.
	ReleaseLot(ctx context.Context, actor, id, reason string, at time.Time) error

	// QueuePrint commits a first print job of a label. Only after it
	// returns may the label's bytes go to the printer.
	QueuePrint(ctx context.Context, actor string, req PrintRequest) (PrintJob, error)

	// QueueReprint commits a job that prints a label again, with a reason.
	QueueReprint(ctx context.Context, actor string, of int64, req PrintRequest, reason string) (PrintJob, error)

	// SetPrintState moves a job to sent, confirmed or failed; failure is
	// the printer's error for failed and empty otherwise.
	SetPrintState(ctx context.Context, actor string, id int64, to PrintState, failure string) error

	// ConfirmPrints marks sent jobs confirmed, all in one transaction.
	ConfirmPrints(ctx context.Context, actor string, ids []int64) error

	// VoidLabel makes a printed label invalid, with a reason.
	VoidLabel(ctx context.Context, actor, serial, reason string) error

	// PrintJobs returns the jobs of one label in the order they were queued.
	PrintJobs(ctx context.Context, serial string) ([]PrintJob, error)

	// Pack returns a stored pack by its serial.
	Pack(ctx context.Context, serial string) (PackRecord, error)

	// Decisions returns the decisions on a carcass in the order they were
	// made, each with its release.
	Decisions(ctx context.Context, carcass string) ([]DecisionRecord, error)

	// Balance rebuilds the mass balance of a carcass, or of a lot when
	// carcass is empty.
	Balance(ctx context.Context, carcass, lot string) (Balance, error)

	// BatchFacts reads everything the batch document states about a
	// batch, in one read transaction, so the facts are one consistent
	// state.
	BatchFacts(ctx context.Context, batch BatchID) (*BatchFacts, error)

	// ReviewBatch closes a batch to the line for sign-off: it moves an
	// open or cutting batch to review and records the product quarantine
	// certificate number. A batch already in review gets the new number.
	// actor must be a veterinarian.
	ReviewBatch(ctx context.Context, actor string, batch BatchID, certificate string) error

	// SealBatch stores the signed document of a batch in review, queues it
	// for upload and moves the batch through signed to sealed, all in one
	// transaction. actor must be a veterinarian.
	SealBatch(ctx context.Context, actor string, batch BatchID, doc SealedDocument) error
}

// Shift is a batch as stored and what its shift has recorded so far.
type Shift struct {
	Batch      BatchID
	ShiftStart time.Time
	State      BatchState
	Carcasses  []CarcassRecord // in entry order
	Lots       []LotRecord
	LabTests   []LabTest  // every recorded lab result, of any batch
	PrintJobs  []PrintJob // jobs still queued or sent, whose outcome was never confirmed
	Packs      int        // packs of the batch
}

// CarcassRecord is a carcass as stored, with the facts recorded for it.
type CarcassRecord struct {
	Number      string
	Batch       BatchID
	RawRead     string // the reader output, printable
	RFID        RFID
	EarTag      EarTag // empty when the tag is unknown or unreadable
	Consignment string
	State       CarcassState
	Stage       CarcassState
	EnteredAt   time.Time
	Hot         Mass   // hot weight, 0 until weighed
	Chilled     Mass   // chilled weight, 0 until weighed
	Inspection  string // inspection result, empty until inspected
	Outputs     int    // packs and by-products weighed out of it
}

// Facts returns what has been recorded for the carcass, for its state
// machine.
func (c CarcassRecord) Facts() CarcassFacts {
	return CarcassFacts{HotWeighed: c.Hot > 0, Inspected: c.Inspection != "", ChillWeighed: c.Chilled > 0, Cut: c.Outputs > 0}
}

// WeighingStage is the point of the line a weight was taken at.
type WeighingStage string

// Weighing stages. Hot and chilled carcass weights are inputs; condemned
// parts, packs and by-products are outputs of a carcass. A lot's input is
// the trim sent to it.
const (
	StageHot       WeighingStage = "hot"
	StageChilled   WeighingStage = "chilled"
	StageCondemned WeighingStage = "condemned"
	StagePack      WeighingStage = "pack"
	StageByproduct WeighingStage = "byproduct"
)

// Weighing is one accepted weight of a carcass or a lot.
type Weighing struct {
	Carcass string
	Lot     string
	Stage   WeighingStage
	Kind    string  // product key or by-product bin; empty for carcass weights
	Reading Reading // the steady reading: grams, scale, division and time
	ToLot   string  // the lot that trim goes on to
}

// InspectionRecord is the synchronous post-mortem inspection result of a
// carcass.
type InspectionRecord struct {
	Carcass   string
	Result    string // InspectionPass, InspectionPartial or InspectionCondemned
	Reason    string
	Inspector string
	At        time.Time
	Condemned *Reading // the weighing of the condemned parts; nil when nothing was condemned
}

// OutputRequest is a pack or a by-product to weigh out of a carcass or a
// lot.
type OutputRequest struct {
	Batch     BatchID
	Weighing  Weighing // stage StagePack or StageByproduct
	Product   *Product // the product of a pack
	Grassland bool     // the pack's label may claim grassland lamb
	// Refuse returns the decision to store when the mass balance refuses
	// the weighing.
	Refuse func(*MassError) Decision
}

// OutputResult is the outcome of an output weighing: a stored pack or
// by-product, or a refusal.
type OutputResult struct {
	Pack     *PackRecord // the stored pack; nil for a by-product and for a refusal
	Refused  *MassError  // the mass balance error of a refused weighing
	Decision *Decision   // the mass.excess decision stored for a refusal
	Balance  Balance     // the balance after the weighing
	// Carcass is the carcass after the weighing, which the first output
	// moves to the cutting stage; nil for a lot.
	Carcass *CarcassRecord
}

// PackRecord is a labelled pack as stored.
type PackRecord struct {
	Serial    string
	Batch     BatchID
	Product   string // product key
	GTIN      GTIN
	Grams     Mass
	Carcass   string // source carcass, empty for a lot pack
	Lot       string // source lot, empty for a carcass pack
	Grassland bool
	PackedAt  time.Time
}

// LotState is the state of a mixed lot.
type LotState string

// Lot states.
const (
	LotOpen   LotState = "open"
	LotClosed LotState = "closed"
)

// LotRecord is a mixed lot as stored.
type LotRecord struct {
	ID      string
	Batch   BatchID
	Product string
	State   LotState
}

// DecisionRecord is a stored decision with its release, if any.
type DecisionRecord struct {
	ID int64
	Decision
	DecidedAt     time.Time
	ReleasedBy    string // empty while unreleased
	ReleaseReason string
}

// LabelKind is the item a label goes on, which fixes the form of its
// serial.
type LabelKind string

// Label kinds.
const (
	LabelCarcass LabelKind = "carcass" // serial is the carcass number
	LabelPack    LabelKind = "pack"    // serial is the 12-digit pack serial
)

// PrintState is the progress of a print job from the store to the label.
type PrintState string

// Print job states: queued when committed, sent when the printer took the
// bytes, confirmed when the printer reported it printed them, failed when
// it did not.
const (
	PrintQueued    PrintState = "queued"
	PrintSent      PrintState = "sent"
	PrintConfirmed PrintState = "confirmed"
	PrintFailed    PrintState = "failed"
)

// PrintRequest is a label to print.
type PrintRequest struct {
	Serial  string
	Kind    LabelKind
	Printer string // the printer's name in the configuration
	Data    []byte // the exact bytes that go to the printer
}

// PrintJob is one attempt to print a label.
type PrintJob struct {
	ID        int64
	Serial    string
	Kind      LabelKind
	Printer   string
	SHA256    string // hex SHA-256 of the bytes
	State     PrintState
	ReprintOf int64  // the job this one prints again; 0 for a first print
	Reason    string // the reason given for a reprint
	Error     string // the printer's error for a failed job
	CreatedAt time.Time
	User      string // who queued the job
}
