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

// IDProblem is the reason an identifier is invalid. Each problem has a
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

	// Problems of reader output that names no RFID number.
	ProblemUnrecognized IDProblem = "unrecognized" // not a known reader format
	ProblemChecksum     IDProblem = "checksum"     // a frame's checksum does not match
	ProblemFrame        IDProblem = "frame"        // a frame's length, delimiters, digits or flags are wrong
	ProblemUnsupported  IDProblem = "unsupported"  // a tag kind the line does not accept
)

// IDProblemer is implemented by errors that know the IDProblem they
// report, such as the reader decoders' errors.
type IDProblemer interface {
	IDProblem() IDProblem
}

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

	ProblemUnrecognized: "not a known reader output format",
	ProblemChecksum:     "checksum does not match",
	ProblemFrame:        "damaged reader frame",
	ProblemUnsupported:  "tag kind not accepted",
}

// FormatCarcassNumber returns the carcass number (胴体号) of the seq-th
// carcass killed on day: "20261204-0031". Head, viscera and carcass carry
// it through synchronous inspection; it is unique per plant and day.
func FormatCarcassNumber(day Date, seq int) (string, error) {
	if seq < 1 || seq > 9999 {
		return "", &IDError{Kind: KindCarcass, Value: itoa(seq), Problem: ProblemRange, Detail: "sequence must be 1 to 9999"}
	}
	return fmt.Sprintf("%04d%02d%02d-%04d", day.Year, int(day.Month), day.Day, seq), nil
}

// ParseCarcassNumber splits a carcass number into its day and sequence.
func ParseCarcassNumber(s string) (Date, int, error) {
	bad := &IDError{Kind: KindCarcass, Value: s, Problem: ProblemSyntax, Detail: "expected YYYYMMDD-NNNN"}
	if len(s) != 13 || s[8] != '-' || !isDigits(s[:8]) || !isDigits(s[9:]) {
		return Date{}, 0, bad
	}
	day, err := ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:8])
	if err != nil {
		return Date{}, 0, bad
	}
	seq := atoi(s[9:])
	if seq < 1 {
		return Date{}, 0, &IDError{Kind: KindCarcass, Value: s, Problem: ProblemRange, Detail: "sequence must be 1 to 9999"}
	}
	return day, seq, nil
}

// FormatPackSerial returns the serial of a pack: the 2-digit station
// number then a 10-digit counter, "010000004806". Digits only, so it is
// valid in GS1 AI 21 and quick to read aloud. The counter is per station
// and never goes back, so serials are unique per plant and never reused.
func FormatPackSerial(station int, counter int64) (string, error) {
	if station < 1 || station > 99 || counter < 1 || counter > 9_999_999_999 {
		return "", &IDError{Kind: KindSerial, Value: fmt.Sprintf("%d/%d", station, counter), Problem: ProblemRange,
			Detail: "station must be 1 to 99 and counter 1 to 9999999999"}
	}
	return fmt.Sprintf("%02d%010d", station, counter), nil
}

// ParsePackSerial splits a pack serial into its station and counter.
func ParsePackSerial(s string) (station int, counter int64, err error) {
	if len(s) != 12 || !isDigits(s) {
		return 0, 0, &IDError{Kind: KindSerial, Value: s, Problem: ProblemLength, Detail: "expected 12 digits"}
	}
	station = atoi(s[:2])
	for _, c := range s[2:] {
		counter = counter*10 + int64(c-'0')
	}
	if station < 1 || counter < 1 {
		return 0, 0, &IDError{Kind: KindSerial, Value: s, Problem: ProblemRange, Detail: "station and counter start at 1"}
	}
	return station, counter, nil
}

// BatchID identifies one shift's production on one line: "20261204-L1-1"
// is day 2026-12-04, line 1, shift 1. It is the GS1 batch (AI 10).
type BatchID struct {
	Day   Date
	Line  int // 1 to 99
	Shift int // 1 to 9
}

// String formats the batch id.
func (b BatchID) String() string {
	return fmt.Sprintf("%04d%02d%02d-L%d-%d", b.Day.Year, int(b.Day.Month), b.Day.Day, b.Line, b.Shift)
}

// Validate checks the line and shift numbers.
func (b BatchID) Validate() error {
	if b.Day.IsZero() || b.Line < 1 || b.Line > 99 || b.Shift < 1 || b.Shift > 9 {
		return &IDError{Kind: KindBatch, Value: b.String(), Problem: ProblemRange, Detail: "line must be 1 to 99 and shift 1 to 9"}
	}
	return nil
}

// ParseBatchID parses a batch id written as YYYYMMDD-L<line>-<shift>.
func ParseBatchID(s string) (BatchID, error) {
	bad := &IDError{Kind: KindBatch, Value: s, Problem: ProblemSyntax, Detail: "expected YYYYMMDD-L<line>-<shift>"}
	if len(s) < 13 || len(s) > 14 || s[8] != '-' || s[9] != 'L' || s[len(s)-2] != '-' {
		return BatchID{}, bad
	}
	day, err := ParseDate(s[:4] + "-" + s[4:6] + "-" + s[6:8])
	lineDigits, shiftDigit := s[10:len(s)-2], s[len(s)-1:]
	if err != nil || !isDigits(s[:8]) || !isDigits(lineDigits) || !isDigits(shiftDigit) || lineDigits[0] == '0' {
		return BatchID{}, bad
	}
	b := BatchID{Day: day, Line: atoi(lineDigits), Shift: atoi(shiftDigit)}
	if err := b.Validate(); err != nil {
		return BatchID{}, err
	}
	return b, nil
}

// atoi converts a short string of digits already checked by isDigits.
func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
