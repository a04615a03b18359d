package line

import "time"

// BatchFacts is everything the station recorded about one batch that the
// batch document states: the plant and station, the batch, its
// consignments with their declared animals, its carcasses, decisions, lab
// results, by-products, mixed lots and packs, and the journal head. The
// store reads it in one read transaction, so the facts are one consistent
// snapshot. Lists are in a fixed order, given with each field, so the
// same database gives the same facts.
type BatchFacts struct {
	Plant         PlantIdentity
	StationID     string // the station name in every journal entry
	StationNumber int    // the 1 to 99 number that pack serials start with

	Batch              BatchID
	ShiftStart         time.Time
	State              BatchState
	ProductCertificate string // product quarantine certificate number; empty until the vet enters it

	Journal JournalHead

	// Products are the products of the batch's packs and lots, in the
	// order of the product master.
	Products []*Product
	// Consignments are those with at least one carcass in the batch, by
	// id, each with every animal the registry declared for it.
	Consignments []*Consignment
	// Carcasses are in carcass number order.
	Carcasses []CarcassFact
	// Decisions are those on the batch's carcasses and lots, in the order
	// they were made.
	Decisions []DecisionFact
	// LabResults are those of the batch's consignments, by sample.
	LabResults []LabResult
	// Byproducts are the by-product weighings of the batch's carcasses, in
	// the order they were weighed.
	Byproducts []WeighingFact
	// Lots are the batch's mixed lots, by id.
	Lots []LotFact
	// Packs are in serial order.
	Packs []PackFact
}

// PlantIdentity names the plant.
type PlantIdentity struct {
	Name             string
	ApprovalNumber   string // the slaughterhouse's approval number (定点屠宰证号)
	GS1CompanyPrefix string
}

// JournalHead is the last journal entry when the facts were read.
type JournalHead struct {
	Seq       int64
	Hash      string // hex
	Algorithm string // sha256 or sm3
	At        time.Time
}

// CarcassFact is one carcass as the store holds it.
type CarcassFact struct {
	Number      string
	RawRead     string // the reader output, printable
	RFID        RFID   // empty when the read did not decode
	EarTag      EarTag // empty when the tag is not in the registry
	Consignment string // empty when the tag is not in the registry
	State       CarcassState
	Stage       CarcassState
	EnteredAt   time.Time
	// Weighings are the hot, chilled and condemned weighings, in the order
	// taken. By-products and packs are listed on their own.
	Weighings  []WeighingFact
	Inspection *InspectionFact // nil when not inspected
	// Balance is the carcass's mass balance: the chilled weight in, the
	// condemned parts, packs and by-products out. It is nil for a carcass
	// that was never chilled and has no outputs, such as one condemned
	// whole or blocked at intake.
	Balance *Balance
}

// WeighingFact is one accepted weight.
type WeighingFact struct {
	ID       int64
	Carcass  string // the carcass weighed, empty for a lot's weighing
	Lot      string // the lot weighed, empty for a carcass's weighing
	Stage    string // hot, chilled, condemned, pack or byproduct
	Kind     string // the product key, the by-product bin, or the stage
	Grams    Mass
	ScaleID  string
	Division Mass
	Stable   bool
	At       time.Time
	ToLot    string // the mixed lot that trim went to, if any
}

// InspectionFact is a carcass's synchronous post-mortem inspection.
type InspectionFact struct {
	Result    string // InspectionPass, InspectionPartial or InspectionCondemned
	Condemned Mass
	Reason    string
	Inspector string
	At        time.Time
}

// DecisionFact is a stored decision with who recorded it and its
// release, if any.
type DecisionFact struct {
	ID int64
	Decision
	DecidedAt  time.Time
	RecordedBy string       // the user whose action led to the decision
	Release    *ReleaseFact // nil while unreleased
}

// ReleaseFact is the release of a review decision.
type ReleaseFact struct {
	By     string
	Reason string
	At     time.Time
}

// LabResult is a stored β-agonist screening result.
type LabResult struct {
	LabTest
	RecordedBy string
	At         time.Time
}

// LotFact is a mixed lot with its sources and mass balance.
type LotFact struct {
	ID      string
	Product string
	State   string // open or closed
	// Sources are the trim weighings sent to the lot, in the order
	// weighed.
	Sources []LotSourceFact
	// Balance is the lot's mass balance: the counted sources in, its
	// packs out.
	Balance Balance
}

// LotSourceFact is one carcass's trim sent to a mixed lot.
type LotSourceFact struct {
	Weighing int64
	Carcass  string
	EarTag   EarTag
	Grams    Mass
	Division Mass
	// Counted reports whether the trim counts as the lot's input. Trim of
	// a carcass that was blocked does not.
	Counted bool
}

// PackFact is a labelled pack with its weighing and label history.
type PackFact struct {
	Serial    string
	GTIN      GTIN
	Product   string // product key
	Weighing  WeighingFact
	Carcass   string // the source carcass, or empty for a lot's pack
	Lot       string // the source lot, or empty for a carcass's pack
	Grassland bool   // the label may claim grassland lamb
	PackedAt  time.Time
	Prints    []PrintFact // in the order queued
	Void      *VoidFact   // nil while the label is valid
}

// PrintFact is one print job of a pack's label.
type PrintFact struct {
	Job       int64
	Printer   string
	ZPLSHA256 string // hex SHA-256 of the bytes sent to the printer
	State     string // queued, sent, confirmed or failed
	ReprintOf int64  // the job this one prints again; 0 for a first print
	Reason    string // the reason for a reprint
	Error     string // the printer's error for a failed job
	By        string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// VoidFact is the void of a pack's label.
type VoidFact struct {
	Reason string
	By     string
	At     time.Time
}
