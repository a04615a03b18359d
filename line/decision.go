package line

import (
	"maps"
	"strconv"
)

// Code identifies an intake, inspection, lab or mass rule. Codes are
// stable: they are stored, journaled and uploaded.
type Code string

// Rule codes.
const (
	CodeTagUnknown                 Code = "tag.unknown"
	CodeTagInvalid                 Code = "tag.invalid"
	CodeTagReused                  Code = "tag.reused"
	CodeTagLate                    Code = "tag.late"
	CodeTagRecent                  Code = "tag.recent"
	CodeOriginNonPastoral          Code = "origin.non_pastoral"
	CodeOriginFeedlot              Code = "origin.feedlot"
	CodeDrugWithdrawal             Code = "drug.withdrawal"
	CodeConsignmentLateDeclaration Code = "consignment.late_declaration"
	CodeConsignmentOverHeadCount   Code = "consignment.over_head_count"
	CodeCertificateMissing         Code = "certificate.missing"
	CodeCertificateExpired         Code = "certificate.expired"
	CodeWeightImplausible          Code = "weight.implausible"
	CodeInspectionCondemned        Code = "inspection.condemned"
	CodeLabPositive                Code = "lab.positive"
	CodeMassExcess                 Code = "mass.excess"
	CodeMassLoss                   Code = "mass.loss"
)

// Codes lists every rule code in the order rules are evaluated and
// reported.
var Codes = []Code{
	CodeTagUnknown, CodeTagInvalid, CodeTagReused, CodeTagLate, CodeTagRecent,
	CodeOriginNonPastoral, CodeOriginFeedlot, CodeDrugWithdrawal,
	CodeConsignmentLateDeclaration, CodeConsignmentOverHeadCount,
	CodeCertificateMissing, CodeCertificateExpired,
	CodeWeightImplausible, CodeInspectionCondemned, CodeLabPositive,
	CodeMassExcess, CodeMassLoss, CodeQualityBlocked,
}

// Severity is the effect of a decision on its carcass.
type Severity string

// Severities.
const (
	// SeverityBlock means the carcass (or the refused weighing) yields
	// nothing: no pack of it is labelled.
	SeverityBlock Severity = "block"
	// SeverityReview holds the carcass until quality staff release it
	// with a reason.
	SeverityReview Severity = "review"
)

// DefaultSeverity returns the severity of a code under the default rules.
func DefaultSeverity(c Code) Severity {
	switch c {
	case CodeTagLate, CodeTagRecent, CodeOriginNonPastoral, CodeOriginFeedlot,
		CodeConsignmentLateDeclaration, CodeWeightImplausible, CodeMassLoss:
		return SeverityReview
	}
	return SeverityBlock
}

// Decision is the outcome of one rule for one carcass, lot or weighing:
// the code, what it does, who it concerns and the facts it rests on. Facts
// are strings keyed by name; masses are in grams and shares in basis
// points, so the record is exact and the messages format them.
type Decision struct {
	Code        Code
	Severity    Severity
	RFID        RFID
	EarTag      EarTag
	Consignment string
	Carcass     string // carcass number, when one was assigned
	Lot         string // mixed lot id, for decisions on a lot
	Facts       map[string]string
}

// Blocks reports whether the decision blocks its carcass or weighing.
func (d Decision) Blocks() bool { return d.Severity == SeverityBlock }

// BlocksCarcass reports whether the decision blocks its whole carcass or
// lot. A mass.excess decision refuses only the one weighing it names.
func (d Decision) BlocksCarcass() bool { return d.Blocks() && d.Code != CodeMassExcess }

// Reason renders the decision's reason for a person in lang.
func (d Decision) Reason(lang Lang) string {
	data := maps.Clone(d.Facts)
	if data == nil {
		data = make(map[string]string)
	}
	data["rfid"] = string(d.RFID)
	data["ear_tag"] = string(d.EarTag)
	data["consignment"] = d.Consignment
	data["lot"] = d.Lot
	if p, ok := d.Facts["problem"]; ok {
		data["problem_text"] = Translate(lang, "id."+p, nil)
	}
	if kind, ok := d.Facts["kind"]; ok {
		// A by-product bin the catalogs do not know keeps its key.
		data["kind_text"] = kind
		if text := Translate(lang, "output."+kind, nil); text != "output."+kind {
			data["kind_text"] = text
		}
	}
	return Translate(lang, "decision."+string(d.Code), data)
}

func itoa(n int) string     { return strconv.Itoa(n) }
func grams(m Mass) string   { return strconv.FormatInt(int64(m), 10) }
func i64toa(n int64) string { return strconv.FormatInt(n, 10) }
