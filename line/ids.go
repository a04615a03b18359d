package line

import "fmt"

// IDKind names the kind of identifier in an IDError.
type IDKind string

// Identifier kinds.
const (
	KindEarTag  IDKind = "ear_tag"
	KindRFID    IDKind = "rfid"
	KindCarcass IDKind = "carcass_number"
	KindSerial  IDKind = "pack_serial"
	KindBatch   IDKind = "batch_id"
	KindGTIN    IDKind = "gtin"
)

// IDProblem says what is wrong with an identifier. Each problem has a
// message in the translation catalogs under "id.<problem>".
type IDProblem string

// Identifier problems.
const (
	ProblemLength  IDProblem = "length"  // wrong length or not all digits
	ProblemRange   IDProblem = "range"   // a field exceeds its limit
	ProblemSpecies IDProblem = "species" // ear tag species digit unknown or not sheep
	ProblemCounty  IDProblem = "county"  // ear tag county code not a known GB/T 2260 county
	ProblemSyntax  IDProblem = "syntax"  // characters or layout not allowed
	ProblemCheck   IDProblem = "check"   // check digit does not match
)

// IDError reports an identifier that is structurally invalid.
type IDError struct {
	Kind    IDKind
	Value   string
	Problem IDProblem
	Detail  string // optional English detail, such as the expected check digit
}

func (e *IDError) Error() string {
	msg := fmt.Sprintf("invalid %s %q: %s", e.Kind, e.Value, problemText[e.Problem])
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

var problemText = map[IDProblem]string{
	ProblemLength:  "wrong length or not all digits",
	ProblemRange:   "a field is out of range",
	ProblemSpecies: "species digit is not 3 (sheep and goats)",
	ProblemCounty:  "county code is not a known GB/T 2260 county",
	ProblemSyntax:  "contains characters or a layout that is not allowed",
	ProblemCheck:   "check digit does not match",
}
