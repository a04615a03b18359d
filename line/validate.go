package line

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ProblemCode classifies a problem found while importing a file. Each code
// has a message in the translation catalogs under "import.<code>".
type ProblemCode string

// Import problem codes.
const (
	ProblemMissing   ProblemCode = "missing"   // a required field is absent or null
	ProblemType      ProblemCode = "type"      // a field has the wrong JSON type
	ProblemInvalid   ProblemCode = "invalid"   // a value breaks the format's rules
	ProblemDuplicate ProblemCode = "duplicate" // a key that must be unique repeats
	ProblemReference ProblemCode = "reference" // a value names something that does not exist
	ProblemSyntaxErr ProblemCode = "syntax"    // the file is not well-formed JSON
	ProblemFormat    ProblemCode = "format"    // the format tag is not the expected one
)

// Problem is one thing wrong in an imported file, located by its JSON path
// and, where known, by the consignment and animal it belongs to.
type Problem struct {
	Path        string            `json:"path"`                  // consignments[3].animals[5].born_on
	Consignment string            `json:"consignment,omitempty"` // consignment id
	Animal      string            `json:"animal,omitempty"`      // ear tag
	Pass        int               `json:"pass,omitempty"`        // 1-based line run pass
	Field       string            `json:"field"`
	Code        ProblemCode       `json:"code"`
	Detail      string            `json:"detail,omitempty"` // expected type or rule broken, in English
	DetailKey   string            `json:"-"`                // catalog key of Detail, under "detail."
	DetailArgs  map[string]string `json:"-"`
	Value       string            `json:"value,omitempty"` // the offending value, shortened
}

// problemDetail is the catalog key and arguments of a problem's detail.
type problemDetail struct {
	key  string
	args map[string]string
}

// detail builds a problem detail from a catalog key and name, value pairs.
func detail(key string, nameValues ...string) problemDetail {
	d := problemDetail{key: key}
	if len(nameValues) > 0 {
		d.args = make(map[string]string, len(nameValues)/2)
		for i := 0; i+1 < len(nameValues); i += 2 {
			d.args[nameValues[i]] = nameValues[i+1]
		}
	}
	return d
}

// render returns the detail's text in lang. An argument named "type"
// holds a type key and one named "problem" an IDProblem; both are
// translated too.
func (d problemDetail) render(lang Lang) string {
	if d.key == "" {
		return ""
	}
	args := maps.Clone(d.args)
	if key, ok := args["type"]; ok {
		args["type"] = Translate(lang, "detail.type."+key, nil)
	}
	if key, ok := args["problem"]; ok {
		args["problem"] = Translate(lang, "id."+key, nil)
	}
	return Translate(lang, "detail."+d.key, args)
}

// withDetail sets the detail of p, its English text included.
func withDetail(p Problem, d problemDetail) Problem {
	p.DetailKey, p.DetailArgs = d.key, d.args
	p.Detail = d.render(LangEN)
	return p
}

func (p Problem) String() string {
	var where []string
	if p.Consignment != "" {
		where = append(where, "consignment "+p.Consignment)
	}
	if p.Animal != "" {
		where = append(where, "animal "+p.Animal)
	}
	if p.Pass > 0 {
		where = append(where, "pass "+strconv.Itoa(p.Pass))
	}
	where = append(where, "field "+p.Path)
	msg := strings.Join(where, ", ") + ": " + problemCodeText[p.Code]
	if p.Detail != "" {
		msg += ": " + p.Detail
	}
	if p.Value != "" {
		msg += fmt.Sprintf(" (value %s)", p.Value)
	}
	return msg
}

var problemCodeText = map[ProblemCode]string{
	ProblemMissing:   "required field is missing",
	ProblemType:      "wrong type",
	ProblemInvalid:   "invalid value",
	ProblemDuplicate: "duplicate",
	ProblemReference: "unknown reference",
	ProblemSyntaxErr: "not well-formed JSON",
	ProblemFormat:    "unsupported format",
}

// Message renders p for a person in lang, naming the same consignment,
// animal, pass and field as String.
func (p Problem) Message(lang Lang) string {
	data := map[string]string{"where": p.location(lang), "detail": p.Detail, "value": p.Value}
	if p.DetailKey != "" {
		data["detail"] = problemDetail{key: p.DetailKey, args: p.DetailArgs}.render(lang)
	}
	return Translate(lang, "import."+string(p.Code), data)
}

// location names the consignment, animal, pass and field of p in lang,
// starting with a capital letter where the language has them.
func (p Problem) location(lang Lang) string {
	var parts []string
	add := func(key, name, value string) {
		if value != "" {
			parts = append(parts, Translate(lang, key, map[string]string{name: value}))
		}
	}
	add("where.consignment", "consignment", p.Consignment)
	add("where.animal", "animal", p.Animal)
	if p.Pass > 0 {
		add("where.pass", "pass", strconv.Itoa(p.Pass))
	}
	add("where.field", "path", p.Path)
	where := strings.Join(parts, Translate(lang, "where.separator", nil))
	if r, size := utf8.DecodeRuneInString(where); size > 0 {
		where = string(unicode.ToUpper(r)) + where[size:]
	}
	return where
}

// ValidationError reports the problems found in an imported file. Nothing
// of a file with problems is imported.
type ValidationError struct {
	File     string // file name as given, or empty
	Format   string // expected format tag, such as lambtrace-registry/1
	Problems []Problem
	Dropped  int // problems found beyond the first maxProblems, not listed
}

// Total returns the number of problems found, listed or not.
func (e *ValidationError) Total() int { return len(e.Problems) + e.Dropped }

// maxProblems bounds how many problems one import collects, so a file of
// the wrong kind does not produce a million lines.
const maxProblems = 100

func (e *ValidationError) Error() string {
	var b strings.Builder
	name := e.File
	if name == "" {
		name = e.Format
	}
	fmt.Fprintf(&b, "%s: %d problem(s)", name, e.Total())
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; and %d more", e.Total()-i)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// validator collects problems while a file is read field by field.
type validator struct {
	problems []Problem
	dropped  int
}

func (v *validator) add(p Problem) {
	if len(v.problems) < maxProblems {
		v.problems = append(v.problems, p)
		return
	}
	v.dropped++
}

func (v *validator) err(file, format string) error {
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{File: file, Format: format, Problems: v.problems, Dropped: v.dropped}
}

// object is one JSON object being read. Fields not asked for are ignored,
// so newer exports with extra fields still import.
type object struct {
	v      *validator
	fields map[string]json.RawMessage
	path   string
	where  Problem // consignment, animal and pass for every problem here
}

// decodeRoot parses data as a JSON object. Syntax errors are reported with
// their line and column.
func (v *validator) decodeRoot(data []byte) *object {
	// Editors on Windows often save UTF-8 with a byte-order mark; JSON
	// forbids it, but it carries no meaning, so it is skipped.
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		p := Problem{Path: "$", Field: "$", Code: ProblemSyntaxErr}
		d := detail("json_syntax", "line", "1", "column", "1", "error", err.Error())
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line, col := position(data, syntax.Offset)
			d = detail("json_syntax", "line", strconv.Itoa(line), "column", strconv.Itoa(col), "error", err.Error())
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			p.Code, d = ProblemType, detail("json_object")
		}
		v.add(withDetail(p, d))
		return nil
	}
	if fields == nil {
		v.add(withDetail(Problem{Path: "$", Field: "$", Code: ProblemType}, detail("json_object")))
		return nil
	}
	return &object{v: v, fields: fields}
}

// position returns the line and column, counted in characters, of the
// byte that made the decoder fail: encoding/json reports the offset after
// that byte.
func position(data []byte, offset int64) (line, col int) {
	end := min(max(offset-1, 0), int64(len(data)))
	line, col = 1, 1
	for _, r := range string(data[:end]) {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func (o *object) fieldPath(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "." + name
}

func (o *object) problem(name string, code ProblemCode, d problemDetail, value string) {
	p := o.where
	p.Path, p.Field, p.Code, p.Value = o.fieldPath(name), name, code, shorten(value)
	o.v.add(withDetail(p, d))
}

func shorten(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// raw returns the raw value of a field, reporting it when required and
// absent. A JSON null counts as absent.
func (o *object) raw(name string, required bool) (json.RawMessage, bool) {
	r, ok := o.fields[name]
	if ok && string(r) == "null" {
		ok = false
	}
	if !ok {
		if required {
			o.problem(name, ProblemMissing, problemDetail{}, "")
		}
		return nil, false
	}
	return r, true
}

// field decodes a field into a value of type T. It reports a missing
// required field or a value of the wrong JSON type and returns ok=false.
func field[T any](o *object, name string, required bool, typeKey string) (T, bool) {
	var zero T
	r, ok := o.raw(name, required)
	if !ok {
		return zero, false
	}
	var v T
	if err := json.Unmarshal(r, &v); err != nil {
		o.problem(name, ProblemType, detail("expected_type", "type", typeKey), string(r))
		return zero, false
	}
	return v, true
}

func (o *object) str(name string, required bool) string {
	s, ok := field[string](o, name, required, "string")
	if ok && required && strings.TrimSpace(s) == "" {
		o.problem(name, ProblemMissing, detail("empty"), "")
	}
	return s
}

// integer reads a whole number; a fraction or exponent is a type problem.
func (o *object) integer(name string, required bool) (int64, bool) {
	r, ok := o.raw(name, required)
	if !ok {
		return 0, false
	}
	n := string(r)
	v, err := strconv.ParseInt(n, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		o.problem(name, ProblemInvalid, detail("integer_range"), n)
		return 0, false
	}
	if err != nil {
		o.problem(name, ProblemType, detail("expected_type", "type", "integer"), n)
		return 0, false
	}
	return v, true
}

func (o *object) number(name string, required bool) (float64, bool) {
	return field[float64](o, name, required, "number")
}

func (o *object) boolean(name string, required bool) (bool, bool) {
	return field[bool](o, name, required, "bool")
}

// mass reads integer grams within [min, max].
func (o *object) mass(name string, required bool, min, max Mass) (Mass, bool) {
	g, ok := o.integer(name, required)
	if !ok {
		return 0, false
	}
	if Mass(g) < min || Mass(g) > max {
		o.problem(name, ProblemInvalid, detail("mass_range", "min", grams(min), "max", grams(max)), strconv.FormatInt(g, 10))
		return 0, false
	}
	return Mass(g), true
}

// time reads an RFC 3339 time, which always carries a zone.
func (o *object) time(name string, required bool) (time.Time, bool) {
	s, ok := field[string](o, name, required, "time")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		o.problem(name, ProblemInvalid, detail("time_format"), s)
		return time.Time{}, false
	}
	return t, true
}

func (o *object) date(name string, required bool) (Date, bool) {
	s, ok := field[string](o, name, required, "date")
	if !ok {
		return Date{}, false
	}
	d, err := ParseDate(s)
	if err != nil {
		o.problem(name, ProblemInvalid, detail("date_format"), s)
		return Date{}, false
	}
	return d, true
}

// digits reads a string of exactly n decimal digits.
func (o *object) digits(name string, n int, required bool) (string, bool) {
	s, ok := field[string](o, name, required, "digits")
	if !ok {
		return "", false
	}
	if len(s) != n || !isDigits(s) {
		o.problem(name, ProblemInvalid, detail("digits", "n", strconv.Itoa(n)), s)
		return "", false
	}
	return s, true
}

// oneOf reads a string that must be one of allowed.
func (o *object) oneOf(name string, required bool, allowed ...string) (string, bool) {
	s, ok := field[string](o, name, required, "string")
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	o.problem(name, ProblemInvalid, detail("one_of", "allowed", strings.Join(allowed, ", ")), s)
	return "", false
}

// child reads a nested object.
func (o *object) child(name string, required bool) *object {
	r, ok := o.raw(name, required)
	if !ok {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r, &fields); err != nil {
		o.problem(name, ProblemType, detail("expected_type", "type", "object"), string(r))
		return nil
	}
	return &object{v: o.v, fields: fields, path: o.fieldPath(name), where: o.where}
}

// list reads an array of objects and calls each for every element with
// its index. A missing optional list is empty.
func (o *object) list(name string, required bool, each func(i int, e *object)) int {
	r, ok := o.raw(name, required)
	if !ok {
		return 0
	}
	var items []json.RawMessage
	if err := json.Unmarshal(r, &items); err != nil {
		o.problem(name, ProblemType, detail("expected_type", "type", "array"), string(r))
		return 0
	}
	for i, item := range items {
		path := fmt.Sprintf("%s[%d]", o.fieldPath(name), i)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			p := o.where
			p.Path, p.Field, p.Code, p.Value = path, name, ProblemType, shorten(string(item))
			o.v.add(withDetail(p, detail("expected_type", "type", "object")))
			continue
		}
		each(i, &object{v: o.v, fields: fields, path: path, where: o.where})
	}
	return len(items)
}

// strings reads an array of strings.
func (o *object) stringList(name string, required bool) []string {
	s, _ := field[[]string](o, name, required, "strings")
	return s
}

// checkFormat reports a format tag other than want.
func (o *object) checkFormat(want string) bool {
	got, ok := field[string](o, "format", true, "string")
	if !ok {
		return false
	}
	if got != want {
		o.problem("format", ProblemFormat, detail("format", "want", want), got)
		return false
	}
	return true
}
