package line

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DigitalLink is a GS1 Digital Link URI for a GTIN, as printed in the QR
// code on a pack label. The GS1 Digital Link standard (URI syntax, version
// 1.x) writes the primary key and its key qualifiers as path segments,
// /01/{GTIN}/22/{CPV}/10/{batch}/21/{serial}, where each qualifier may be
// left out but the ones present keep that order. Every other AI is a data
// attribute in the query string, with the AI number as the key.
//
// A string field that is empty, and a NetWeight of 0, leave its AI out of
// the URI. Value formats follow the AI table of the GS1 General
// Specifications. Text values may use only the characters of GS1 AI
// encodable character set 82: ! " % & ' ( ) * + , - . / 0-9 : ; < = > ?
// A-Z _ a-z.
type DigitalLink struct {
	// Domain is the host of the URI, with an optional port, such as
	// "trace.example.cn". It must be ASCII, so an internationalized
	// domain name is written in Punycode.
	Domain string

	// GTIN is AI 01, the primary key. It is required.
	GTIN GTIN

	// CPV is AI 22, the consumer product variant: up to 20 characters.
	CPV string

	// Batch is AI 10, the batch or lot number: up to 20 characters.
	Batch string

	// Serial is AI 21, the serial number: up to 20 characters.
	Serial string

	// NetWeight is AI 3103, the net weight in kilograms with three
	// implied decimals. In the URI it is the number of grams padded with
	// zeros to 6 digits, so the range is 1 g to 999999 g.
	NetWeight Mass

	// SourceEntity is AI 251, the reference to the source entity: up to
	// 30 characters. On this line it is the ear tag of the animal.
	SourceEntity string

	// CutCode is AI 7002, the UNECE meat carcasses and cuts
	// classification: up to 30 characters.
	CutCode string

	// Origin is AI 422, the country of origin as a 3-digit ISO 3166
	// numeric code, such as CountryCodeChina.
	Origin string

	// ProcessorApproval is AI 7030, the approval number of the processor:
	// a 3-digit ISO 3166 numeric country code followed by the approval
	// number of 1 to 27 characters.
	ProcessorApproval string

	// Extra contains the query string attributes whose key is an AI
	// number that has no field above, keyed by that number. Values have
	// at most 90 characters. URI writes them after the other attributes,
	// sorted by key.
	Extra map[string]string
}

// CountryCodeChina is the ISO 3166 numeric code of China, for the AIs
// that take a country code, such as AI 422 and AI 7030.
const CountryCodeChina = "156"

// Sentinel errors of ParseDigitalLink and DigitalLink.URI. The
// DigitalLinkError that these functions return wraps one of them, so
// callers can test the cause with errors.Is.
var (
	ErrURISyntax    = errors.New("invalid URI syntax")
	ErrEscape       = errors.New("invalid percent-encoding")
	ErrScheme       = errors.New("scheme is not http or https")
	ErrHost         = errors.New("invalid host")
	ErrPathSyntax   = errors.New("path is not a sequence of AI and value segments")
	ErrPathKey      = errors.New("AI not allowed in the path")
	ErrPathOrder    = errors.New("path AIs out of order or repeated")
	ErrMissingGTIN  = errors.New("GTIN (AI 01) is missing")
	ErrGTIN         = errors.New("invalid GTIN (AI 01)")
	ErrQueryKey     = errors.New("AI not allowed in the query string")
	ErrDuplicateKey = errors.New("query string key repeated")
	ErrEmptyValue   = errors.New("empty value")
	ErrCharset      = errors.New("character outside GS1 character set 82")
	ErrTooLong      = errors.New("value too long")
	ErrFormat       = errors.New("invalid value format")
	ErrRange        = errors.New("value out of range")
)

// DigitalLinkError reports a GS1 Digital Link URI that cannot be parsed,
// or a DigitalLink from which no valid URI can be built.
type DigitalLinkError struct {
	URI string // the URI passed to ParseDigitalLink, empty for errors of URI

	// Part is the AI that the error concerns, such as "10", or one of
	// "uri", "scheme", "host", "path" and "query" for an error that
	// concerns no single AI.
	Part string

	Err error // the cause, which wraps one of the sentinel errors above
}

func (e *DigitalLinkError) Error() string {
	if e.URI == "" {
		return "invalid GS1 Digital Link: " + e.Err.Error()
	}
	return fmt.Sprintf("invalid GS1 Digital Link %q: %v", e.URI, e.Err)
}

func (e *DigitalLinkError) Unwrap() error { return e.Err }

// Maximum value lengths from the GS1 General Specifications AI table.
const (
	maxQualifierLength = 20 // AI 10, 21 and 22: X..20
	maxAttributeLength = 30 // AI 251 and 7002: X..30
	maxApprovalLength  = 27 // AI 7030 after the country code: N3+X..27
	maxExtraLength     = 90 // the maximum for any AI, such as AI 91 to 99: X..90
)

// maxNetWeight is the largest net weight that AI 3103 can write in its 6
// digits.
const maxNetWeight = 999999 * Gram

// pathAIs lists the AIs allowed in the path, in the order that the GS1
// Digital Link standard fixes for a GTIN and its key qualifiers.
var pathAIs = []string{"01", "22", "10", "21"}

// aiTitles names the AIs that DigitalLink has fields for, in messages.
var aiTitles = map[string]string{
	"01":   "GTIN",
	"22":   "consumer product variant",
	"10":   "batch or lot number",
	"21":   "serial number",
	"3103": "net weight in kg",
	"251":  "reference to source entity",
	"7002": "UNECE meat cut classification",
	"422":  "country of origin",
	"7030": "approval number of processor",
}

// describeAI names ai for a message, such as "AI 10 (batch or lot number)".
func describeAI(ai string) string {
	if title, ok := aiTitles[ai]; ok {
		return fmt.Sprintf("AI %s (%s)", ai, title)
	}
	return "AI " + ai
}

// URI validates d and builds its GS1 Digital Link URI with the https
// scheme. The path contains /01/ and then /22/, /10/ and /21/ for the
// values that are set. The query string contains AI 3103, 251, 7002, 422
// and 7030, in that order, and then the Extra attributes sorted by key,
// so the same DigitalLink always gives the same URI. A GTIN shorter than
// 14 digits is written padded to 14 digits.
//
// Every value is percent-encoded except for the URI unreserved characters
// A-Z a-z 0-9 - . _, so a "/" in a batch number cannot split the path.
//
// Errors are *DigitalLinkError.
func (d DigitalLink) URI() (string, error) {
	fail := func(part string, err error) (string, error) {
		return "", &DigitalLinkError{Part: part, Err: err}
	}

	if err := checkHost(d.Domain); err != nil {
		return fail("host", err)
	}
	if d.GTIN == "" {
		return fail("01", fmt.Errorf("%w: the GTIN field is empty", ErrMissingGTIN))
	}
	gtin, err := checkGTIN(string(d.GTIN))
	if err != nil {
		return fail("01", err)
	}

	var b strings.Builder
	b.WriteString("https://")
	b.WriteString(d.Domain)
	b.WriteString("/01/")
	b.WriteString(string(gtin))

	qualifiers := []struct{ ai, value string }{
		{"22", d.CPV},
		{"10", d.Batch},
		{"21", d.Serial},
	}
	for _, q := range qualifiers {
		if q.value == "" {
			continue
		}
		if err := checkText(q.ai, q.value, maxQualifierLength); err != nil {
			return fail(q.ai, err)
		}
		b.WriteString("/" + q.ai + "/" + escapeValue(q.value))
	}

	attributes, part, err := d.queryAttributes()
	if err != nil {
		return fail(part, err)
	}
	for i, a := range attributes {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(a.ai + "=" + escapeValue(a.value))
	}
	return b.String(), nil
}

// queryAttribute is one key and unescaped value of the query string.
type queryAttribute struct{ ai, value string }

// queryAttributes validates the data attributes of d and returns them in
// the order URI writes them. On error it also returns the AI concerned.
func (d DigitalLink) queryAttributes() ([]queryAttribute, string, error) {
	var attributes []queryAttribute

	if d.NetWeight != 0 {
		if d.NetWeight < Gram || d.NetWeight > maxNetWeight {
			return nil, "3103", fmt.Errorf("%w: %s NetWeight %d g is outside 1 to %d g, and 0 leaves the AI out",
				ErrRange, describeAI("3103"), d.NetWeight.Grams(), maxNetWeight.Grams())
		}
		attributes = append(attributes, queryAttribute{"3103", fmt.Sprintf("%06d", d.NetWeight.Grams())})
	}

	texts := []struct {
		ai, value string
		check     func(ai, value string) error
	}{
		{"251", d.SourceEntity, checkAttribute},
		{"7002", d.CutCode, checkAttribute},
		{"422", d.Origin, checkOrigin},
		{"7030", d.ProcessorApproval, checkApproval},
	}
	for _, t := range texts {
		if t.value == "" {
			continue
		}
		if err := t.check(t.ai, t.value); err != nil {
			return nil, t.ai, err
		}
		attributes = append(attributes, queryAttribute{t.ai, t.value})
	}

	for _, key := range slices.Sorted(maps.Keys(d.Extra)) {
		value := d.Extra[key]
		if !isDigits(key) {
			return nil, "query", fmt.Errorf("%w: Extra key %q is not an AI number, so use digits only", ErrQueryKey, key)
		}
		if _, ok := aiTitles[key]; ok {
			return nil, key, fmt.Errorf("%w: Extra key %s is %s, which has its own DigitalLink field", ErrQueryKey, key, describeAI(key))
		}
		if err := checkText(key, value, maxExtraLength); err != nil {
			return nil, key, err
		}
		attributes = append(attributes, queryAttribute{key, value})
	}
	return attributes, "", nil
}

// escapeValue percent-encodes every byte of value that is not a URI
// unreserved character. url.QueryEscape does exactly that for set 82,
// which contains no space, the one character it writes differently ("+").
func escapeValue(value string) string {
	return url.QueryEscape(value)
}

// ParseDigitalLink parses and validates a GS1 Digital Link URI for a GTIN
// with the http or https scheme. It accepts the form that URI builds, and
// also a GTIN-8, GTIN-12 or GTIN-13 in the path, which it pads to 14
// digits. Percent-encoded characters are decoded in the path and in the
// query string. A "+" stays a plus sign, because RFC 3986 gives it no
// special meaning. HTML forms write a space as "+", but a space is not in
// set 82 in any case.
//
// The GS1 Digital Link standard allows query keys that are not AI
// numbers, for use outside GS1, so ParseDigitalLink ignores every key that
// is not all digits, as well as the fragment. Keys that are AI numbers
// without a DigitalLink field go to Extra.
//
// NOTE: the standard also allows a path of the publisher's own before
// /01/, such as /products/01/..., but ParseDigitalLink rejects it. The
// other net weight AIs, 3100 to 3105 with another number of decimals, go
// to Extra and do not set NetWeight.
//
// Errors are *DigitalLinkError.
func ParseDigitalLink(uri string) (DigitalLink, error) {
	fail := func(part string, err error) (DigitalLink, error) {
		return DigitalLink{}, &DigitalLinkError{URI: uri, Part: part, Err: err}
	}

	u, err := url.Parse(uri)
	if err != nil {
		return fail(classifyURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail("scheme", fmt.Errorf("%w: the scheme is %q, expected https://", ErrScheme, u.Scheme))
	}
	if u.User != nil {
		return fail("host", fmt.Errorf("%w: user information %q before the host is not allowed", ErrHost, u.User.String()))
	}
	if err := checkHost(u.Host); err != nil {
		return fail("host", err)
	}

	link := DigitalLink{Domain: u.Host}
	if part, err := link.parsePath(u); err != nil {
		return fail(part, err)
	}
	if part, err := link.parseQuery(u.RawQuery); err != nil {
		return fail(part, err)
	}
	return link, nil
}

// classifyURLError maps an error of url.Parse to the part of the URI and a
// sentinel.
func classifyURLError(err error) (string, error) {
	cause := err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		cause = urlErr.Err // drop the quoted URI, which DigitalLinkError adds
	}

	var escapeErr url.EscapeError
	if errors.As(err, &escapeErr) {
		return "uri", fmt.Errorf("%w: %v", ErrEscape, cause)
	}
	var hostErr url.InvalidHostError
	if errors.As(err, &hostErr) {
		return "host", fmt.Errorf("%w: %v", ErrHost, cause)
	}
	return "uri", fmt.Errorf("%w: %v", ErrURISyntax, cause)
}

// parsePath sets the GTIN and the key qualifiers from the path of u. On
// error it also returns the part concerned.
func (d *DigitalLink) parsePath(u *url.URL) (string, error) {
	// Split the path as it was written, before decoding, so that an
	// encoded "/" (%2F) stays inside its value. url.URL keeps that form
	// in RawPath only when it differs from the default encoding of Path.
	rawPath := u.RawPath
	if rawPath == "" {
		rawPath = u.EscapedPath()
	}
	if rawPath == "" || rawPath == "/" {
		return "01", fmt.Errorf("%w: the path is empty, expected /01/ followed by the GTIN", ErrMissingGTIN)
	}

	segments := strings.Split(strings.TrimPrefix(rawPath, "/"), "/")
	if len(segments)%2 != 0 {
		return "path", fmt.Errorf("%w: %q has %d segments, expected pairs such as /01/{GTIN}/10/{batch} and no trailing slash",
			ErrPathSyntax, rawPath, len(segments))
	}

	last := -1 // position in pathAIs of the previous key
	for i := 0; i < len(segments); i += 2 {
		key, err := url.PathUnescape(segments[i])
		if err != nil {
			return "path", fmt.Errorf("%w: path segment %q: %v", ErrEscape, segments[i], err)
		}
		value, err := url.PathUnescape(segments[i+1])
		if err != nil {
			return key, fmt.Errorf("%w: value %q of path segment %q: %v", ErrEscape, segments[i+1], key, err)
		}

		position := slices.Index(pathAIs, key)
		switch {
		case position < 0 && aiTitles[key] != "":
			return key, fmt.Errorf("%w: %s belongs in the query string, as ?%s=%s", ErrPathKey, describeAI(key), key, escapeValue(value))
		case position < 0:
			return "path", fmt.Errorf("%w: path segment %q is not AI 01, 22, 10 or 21, and a path before /01/ is not supported", ErrPathKey, key)
		case position == last:
			return key, fmt.Errorf("%w: %s appears twice in the path", ErrPathOrder, describeAI(key))
		case position < last:
			return key, fmt.Errorf("%w: %s comes after AI %s, but the path order is /01/, /22/, /10/, /21/", ErrPathOrder, describeAI(key), pathAIs[last])
		}
		last = position

		if err := d.setPathValue(key, value); err != nil {
			return key, err
		}
	}

	if d.GTIN == "" {
		return "01", fmt.Errorf("%w: the path %q has no /01/ segment", ErrMissingGTIN, rawPath)
	}
	return "", nil
}

// setPathValue validates the decoded value of a path AI and stores it.
func (d *DigitalLink) setPathValue(ai, value string) error {
	if ai == "01" {
		gtin, err := checkGTIN(value)
		if err != nil {
			return err
		}
		d.GTIN = gtin
		return nil
	}

	if err := checkText(ai, value, maxQualifierLength); err != nil {
		return err
	}
	switch ai {
	case "22":
		d.CPV = value
	case "10":
		d.Batch = value
	case "21":
		d.Serial = value
	}
	return nil
}

// parseQuery sets the data attributes from the raw query string. On error
// it also returns the part concerned.
func (d *DigitalLink) parseQuery(rawQuery string) (string, error) {
	// url.ParseQuery is not used because it decodes "+" as a space and
	// rejects a raw ";", and set 82 allows both characters.
	seen := make(map[string]bool)
	for field := range strings.SplitSeq(rawQuery, "&") {
		if field == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(field, "=")
		key, err := url.PathUnescape(rawKey)
		if err != nil {
			return "query", fmt.Errorf("%w: query string key %q: %v", ErrEscape, rawKey, err)
		}
		value, err := url.PathUnescape(rawValue)
		if err != nil {
			return "query", fmt.Errorf("%w: value %q of query string key %q: %v", ErrEscape, rawValue, key, err)
		}
		if !isDigits(key) {
			continue // not a GS1 AI
		}
		if seen[key] {
			return key, fmt.Errorf("%w: %s appears more than once in the query string", ErrDuplicateKey, describeAI(key))
		}
		seen[key] = true

		if err := d.setQueryValue(key, value); err != nil {
			return key, err
		}
	}
	return "", nil
}

// setQueryValue validates the decoded value of a query string AI and
// stores it in its field or in Extra.
func (d *DigitalLink) setQueryValue(ai, value string) error {
	switch ai {
	case "01", "22", "10", "21":
		return fmt.Errorf("%w: %s belongs in the path, as /%s/%s", ErrQueryKey, describeAI(ai), ai, escapeValue(value))
	case "3103":
		weight, err := parseNetWeight(value)
		if err != nil {
			return err
		}
		d.NetWeight = weight
		return nil
	case "251", "7002":
		if err := checkAttribute(ai, value); err != nil {
			return err
		}
		if ai == "251" {
			d.SourceEntity = value
		} else {
			d.CutCode = value
		}
		return nil
	case "422":
		if err := checkOrigin(ai, value); err != nil {
			return err
		}
		d.Origin = value
		return nil
	case "7030":
		if err := checkApproval(ai, value); err != nil {
			return err
		}
		d.ProcessorApproval = value
		return nil
	}

	if err := checkText(ai, value, maxExtraLength); err != nil {
		return err
	}
	if d.Extra == nil {
		d.Extra = make(map[string]string)
	}
	d.Extra[ai] = value
	return nil
}

// checkHost validates the host of a URI, with its optional port. The same
// check applies when parsing and when building, so every parsed host can
// be written back.
func checkHost(host string) error {
	if host == "" {
		return fmt.Errorf("%w: the host is empty, expected a domain name such as trace.example.cn", ErrHost)
	}
	for _, r := range host {
		if r >= 0x80 || !isASCIIAlphanumeric(byte(r)) && !strings.ContainsRune(".-:[]", r) {
			return fmt.Errorf("%w: host %q contains %q, expected an ASCII domain name (Punycode for an internationalized name) or an IP address, with an optional port",
				ErrHost, host, r)
		}
	}
	u, err := url.Parse("https://" + host + "/")
	if err != nil || u.Host != host || u.Hostname() == "" {
		return fmt.Errorf("%w: %q is not a domain name or IP address with an optional port", ErrHost, host)
	}
	return nil
}

// checkGTIN validates the value of AI 01 and returns it padded to 14
// digits. The error wraps both ErrGTIN and the *IDError of ParseGTIN.
func checkGTIN(value string) (GTIN, error) {
	if value == "" {
		return "", fmt.Errorf("%w for %s", ErrEmptyValue, describeAI("01"))
	}
	gtin, err := ParseGTIN(value)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrGTIN, err)
	}
	return gtin, nil
}

// checkText validates a value in set 82 of at most max characters.
func checkText(ai, value string, max int) error {
	if value == "" {
		return fmt.Errorf("%w for %s", ErrEmptyValue, describeAI(ai))
	}
	for i, r := range value {
		if !inCharSet82(r) {
			return fmt.Errorf("%w: %s %q contains %q at byte %d", ErrCharset, describeAI(ai), value, r, i)
		}
	}
	if len(value) > max {
		return fmt.Errorf("%w: %s %q has %d characters, the maximum is %d", ErrTooLong, describeAI(ai), value, len(value), max)
	}
	return nil
}

// checkAttribute validates the value of AI 251 or 7002.
func checkAttribute(ai, value string) error {
	return checkText(ai, value, maxAttributeLength)
}

// checkOrigin validates the value of AI 422: a 3-digit ISO 3166 numeric
// country code. It does not check that the code is assigned.
func checkOrigin(ai, value string) error {
	if value == "" {
		return fmt.Errorf("%w for %s", ErrEmptyValue, describeAI(ai))
	}
	if len(value) != 3 || !isDigits(value) {
		return fmt.Errorf("%w: %s %q is not a 3-digit ISO 3166 numeric country code, such as 156 for China", ErrFormat, describeAI(ai), value)
	}
	return nil
}

// checkApproval validates the value of AI 7030: a 3-digit ISO 3166 numeric
// country code followed by 1 to 27 characters of set 82.
func checkApproval(ai, value string) error {
	if value == "" {
		return fmt.Errorf("%w for %s", ErrEmptyValue, describeAI(ai))
	}
	if len(value) < 4 || !isDigits(value[:3]) {
		return fmt.Errorf("%w: %s %q must be a 3-digit ISO 3166 numeric country code followed by the approval number",
			ErrFormat, describeAI(ai), value)
	}
	number := value[3:]
	for i, r := range number {
		if !inCharSet82(r) {
			return fmt.Errorf("%w: %s %q contains %q at byte %d", ErrCharset, describeAI(ai), value, r, i+3)
		}
	}
	if len(number) > maxApprovalLength {
		return fmt.Errorf("%w: %s %q has an approval number of %d characters after the country code, the maximum is %d",
			ErrTooLong, describeAI(ai), value, len(number), maxApprovalLength)
	}
	return nil
}

// parseNetWeight parses the value of AI 3103: 6 digits of kilograms with
// three implied decimals, which is the weight in grams.
func parseNetWeight(value string) (Mass, error) {
	if value == "" {
		return 0, fmt.Errorf("%w for %s", ErrEmptyValue, describeAI("3103"))
	}
	if len(value) != 6 || !isDigits(value) {
		return 0, fmt.Errorf("%w: %s %q must be exactly 6 digits, the weight in grams padded with zeros, such as 002886 for 2.886 kg",
			ErrFormat, describeAI("3103"), value)
	}
	grams, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s %q: %v", ErrFormat, describeAI("3103"), value, err)
	}
	if grams == 0 {
		return 0, fmt.Errorf("%w: %s %q is zero, so leave the AI out when the weight is unknown", ErrRange, describeAI("3103"), value)
	}
	return Mass(grams), nil
}

// inCharSet82 reports whether r is in GS1 AI encodable character set 82,
// which is the printable ASCII characters except space, # $ @ [ \ ] ^ `
// { | } ~.
func inCharSet82(r rune) bool {
	if r < 0x80 && isASCIIAlphanumeric(byte(r)) {
		return true
	}
	return strings.ContainsRune(`!"%&'()*+,-./:;<=>?_`, r)
}

func isASCIIAlphanumeric(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
