package line

import "time"

// Labeler renders the bytes of a label, such as a ZPL job, from the
// station's data on the carcass or the pack. The same data must give
// the same bytes, so a reprint prints what the first job printed.
type Labeler interface {
	CarcassLabel(l CarcassLabel) ([]byte, error)
	PackLabel(l PackLabel) ([]byte, error)
}

// Plant is the identity of the plant that labels carry.
type Plant struct {
	Name     string
	Approval string // the plant's approval number, for GS1 AI 7030 without the country code
}

// CarcassLabel is the content of a carcass label. The label is printed when
// the carcass enters the line, before it is weighed.
type CarcassLabel struct {
	Plant     Plant
	Batch     BatchID
	Number    string // carcass number
	RFID      RFID
	EarTag    EarTag  // empty when the tag is unknown
	Animal    *Animal // nil when the tag is unknown
	EnteredAt time.Time
	Held      bool // the carcass is held for a quality decision
}

// PackLabel is the content of a pack label.
type PackLabel struct {
	Plant     Plant
	Batch     BatchID
	Serial    string
	Product   *Product
	Net       Mass
	PackedAt  time.Time
	Carcass   string  // source carcass number, empty for a lot pack
	EarTag    EarTag  // the source animal's ear tag, empty for a lot pack
	Animal    *Animal // the source animal, nil for a lot pack
	Lot       string  // source lot, empty for a carcass pack
	Grassland bool    // the label may claim grassland lamb (草原放牧)
}
