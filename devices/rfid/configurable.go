package rfid

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"lambtrace/line"
)

// Line formats that readers produce when their output is configured away
// from the default, or that other makers use.
//
// The Allflex panel and stick readers build a configurable line from a
// 24-bit option word, set with the "B" command (Allflex AFX and stick
// reader protocol manual). The line starts with an optional initial
// character (#, L, X or G) and an optional tag-type letter. The reserved
// field, the data-block flag, the country code and the national
// identification code follow, with TAB, ";", ",", space or nothing
// between the fields. In decimal the fields are 5, 1, 4 and 12 digits
// wide, as in "#A*00000*0*0982*000000255895" where "*" is the delimiter.
// In hex they are 4, 1, 3 and 10 digits wide. The country may be sent as
// an ISO 3166 letter code instead of digits ("#A;00000;0;CN;000123456789"),
// and the reader may drop the leading zeros of every field
// ("#A;0;0;36;982000123").
//
// NOTE: the manual names the letter-code and leading-zero options but
// shows no line with them. The layouts above are assumed, with the letter
// code (2 or 3 letters) in place of the country digits.
//
// Without leading zeros the field widths no longer tell decimal from hex,
// so such a line decodes only with the base the reader is set to
// (DecodeAllflexCustomBase, or a Reader whose Format is
// FormatAllflexCustom or FormatAllflexCustomHex), and only with a
// delimiter, because without one the fields cannot be told apart.
//
// The Biomark HPR reader (user manual, tag output) sends
// "20-07-2012 11:46:28 01 TAG 3DD.003BA20748": the reader's date and time,
// its reader id, "TAG", then the country and the national identification
// code in hex separated by a dot. A "*" before the code marks a read
// replayed from the reader's memory rather than a live read. Other readers
// send the bare dot-hex code, "09C.00075BCD15".

// Formats of the configurable and other makers' lines.
const (
	FormatAllflexCustom    Format = FormatWL134 + 1 + iota // "#A*00000*0*0982*000000255895"
	FormatDotHex                                           // "09C.00075BCD15"
	FormatBiomark                                          // "20-07-2012 11:46:28 01 TAG 3DD.003BA20748"
	FormatAllflexCustomHex                                 // "#A*0000*0*3D6*00075BCD15", a reader set to hex
)

// lastFormat is the highest Format value.
const lastFormat = FormatAllflexCustomHex

// ErrFromMemory is the error of a Biomark read that the reader replayed
// from its memory rather than read from a tag at the antenna.
var ErrFromMemory = errors.New("read replayed from the reader's memory, not a live read")

// Errors of the Allflex configurable format.
var (
	ErrCountryCode  = errors.New("unknown ISO 3166 letter country code")
	ErrLeadingZeros = errors.New("fields without leading zeros, so the number base is unknown")
)

// Field widths of the Allflex configurable output.
var (
	allflexDecimal = customLayout{reserved: 5, country: 4, national: 12, base: 10}
	allflexHex     = customLayout{reserved: 4, country: 3, national: 10, base: 16}
)

type customLayout struct {
	reserved, country, national int
	base                        int
}

// total is the number of digits of the four fields together.
func (l customLayout) total() int { return l.reserved + 1 + l.country + l.national }

const customDelimiters = "\t;, "

// DecodeAllflexCustom decodes a line of the Allflex configurable output,
// decimal or hex, with any of its initial characters and delimiters and
// with the country in digits or as a letter code. The field widths decide
// the base, so a line without leading zeros fails with ErrLeadingZeros;
// DecodeAllflexCustomBase decodes those. On failure it returns a
// *DecodeError.
func DecodeAllflexCustom(s string) (line.RFID, error) {
	return DecodeAllflexCustomBase(s, 0)
}

// DecodeAllflexCustomBase decodes a line of the Allflex configurable
// output from a reader set to base 10 or 16. The base is needed only for a
// line without leading zeros, whose fields it pads back to their widths.
// A line with leading zeros decodes by its field widths, as
// DecodeAllflexCustom does. Base 0 means unknown. On failure it returns a
// *DecodeError.
func DecodeAllflexCustomBase(s string, base int) (line.RFID, error) {
	if base != 0 && base != 10 && base != 16 {
		return "", &DecodeError{Input: s, Format: FormatAllflexCustom, Err: ErrUnrecognized,
			Detail: fmt.Sprintf("base %d: expected 10 or 16", base)}
	}
	id, err := decodeAllflexCustom(trimLine(s), base)
	if err != nil {
		err.Input = s
		return "", err
	}
	return id, nil
}

func decodeAllflexCustom(text string, base int) (line.RFID, *DecodeError) {
	i := strings.IndexAny(text, customDelimiters)
	if i < 0 {
		return decodeUndelimited(text)
	}
	fields := strings.Split(text, text[i:i+1])
	prefix := ""
	if len(fields) == 5 {
		prefix, fields = fields[0], fields[1:]
	}
	if len(fields) != 4 {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"expected 4 fields after the prefix, got %d", len(fields))
	}

	// With leading zeros the reserved field is 5 decimal or 4 hex digits
	// wide, which gives the layout.
	if layout, prefix, reserved, ok := zerosOnLayout(prefix, fields[0]); ok {
		if !isCustomPrefix(prefix) {
			return "", badCustomPrefix(prefix)
		}
		if len(fields[3]) != layout.national || !customCountryFits(fields[2], layout) {
			return "", failure(FormatAllflexCustom, ErrUnrecognized,
				"country %q and national code %q do not have the %s widths, %d and %d digits",
				fields[2], fields[3], baseName(layout.base), layout.country, layout.national)
		}
		return decodeCustomFields(layout, false, []string{reserved, fields[1], fields[2], fields[3]})
	}

	// A shorter reserved field means the reader drops leading zeros.
	if prefix == "" {
		prefix, fields[0] = splitCustomPrefix(fields[0])
	}
	if !isCustomPrefix(prefix) {
		return "", badCustomPrefix(prefix)
	}
	if !isShortCustom(fields) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"expected a reserved field, a data-block flag, a country and a national code, with or without leading zeros")
	}
	switch base {
	case 10:
		return decodeCustomFields(allflexDecimal, true, fields)
	case 16:
		return decodeCustomFields(allflexHex, true, fields)
	}
	return "", failure(FormatAllflexCustom, ErrLeadingZeros,
		"set the reader format to allflex-custom for a reader sending decimal or allflex-custom-hex for one sending hex")
}

// zerosOnLayout finds the layout whose reserved field, 5 decimal or 4 hex
// digits, ends field, and returns it with the prefix, which is either the
// separate prefix field or the characters of field before the digits.
func zerosOnLayout(prefix, field string) (customLayout, string, string, bool) {
	for _, layout := range []customLayout{allflexDecimal, allflexHex} {
		width := layout.reserved
		if len(field) < width || !isBase(field[len(field)-width:], layout.base) {
			continue
		}
		joined := field[:len(field)-width]
		if joined != "" && (prefix != "" || !isCustomPrefix(joined)) {
			continue
		}
		return layout, prefix + joined, field[len(field)-width:], true
	}
	return customLayout{}, "", "", false
}

// isShortCustom reports whether fields have the shape of a line without
// leading zeros in either base. That is a reserved field shorter than 4
// digits, a flag, a country of 1 to 4 digits or a letter code, and a
// national code of 1 to 12 digits.
func isShortCustom(fields []string) bool {
	reserved, flag, country, national := fields[0], fields[1], fields[2], fields[3]
	return len(reserved) < allflexHex.reserved && isHex(reserved) &&
		(flag == "0" || flag == "1") &&
		(isLetterCode(country) || len(country) <= allflexDecimal.country && isHex(country)) &&
		len(national) <= allflexDecimal.national && isHex(national)
}

// decodeUndelimited decodes a line whose fields have no delimiter, which
// only works with leading zeros: the fixed widths cut the fields. A
// letter code in place of the country digits is read in the decimal
// layout.
func decodeUndelimited(text string) (line.RFID, *DecodeError) {
	national := allflexDecimal.national
	if n := len(text); n > national && isDigits(text[n-national:]) {
		rest := text[:n-national]
		letters := len(rest) - len(strings.TrimRightFunc(rest, isUpperLetter))
		if letters == 2 || letters == 3 {
			head := rest[:len(rest)-letters]
			if len(head) >= allflexDecimal.reserved+1 && isDigits(head[len(head)-allflexDecimal.reserved-1:]) {
				cut := len(head) - allflexDecimal.reserved - 1
				if !isCustomPrefix(head[:cut]) {
					return "", badCustomPrefix(head[:cut])
				}
				return decodeCustomFields(allflexDecimal, false, []string{
					head[cut : cut+allflexDecimal.reserved], head[cut+allflexDecimal.reserved:],
					rest[len(rest)-letters:], text[n-national:],
				})
			}
		}
	}

	var layout customLayout
	switch {
	case len(text) >= allflexDecimal.total() && isDigits(text[len(text)-allflexDecimal.total():]):
		layout = allflexDecimal
	case len(text) >= allflexHex.total() && isHex(text[len(text)-allflexHex.total():]):
		layout = allflexHex
	default:
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"expected %d digits or %d hex digits; a reader that drops leading zeros needs a delimiter",
			allflexDecimal.total(), allflexHex.total())
	}
	cut := len(text) - layout.total()
	prefix, digits := text[:cut], text[cut:]
	if !isCustomPrefix(prefix) {
		return "", badCustomPrefix(prefix)
	}
	return decodeCustomFields(layout, false, []string{
		digits[:layout.reserved],
		digits[layout.reserved : layout.reserved+1],
		digits[layout.reserved+1 : layout.reserved+1+layout.country],
		digits[layout.reserved+1+layout.country:],
	})
}

func isUpperLetter(r rune) bool { return 'A' <= r && r <= 'Z' }

// customCountryFits reports whether country is a letter code, or as many
// digits of the layout's base as its country field is wide. Three hex
// letters such as "CAF" are hex digits in the hex layout.
func customCountryFits(country string, layout customLayout) bool {
	if len(country) == layout.country && isBase(country, layout.base) {
		return true
	}
	return isLetterCode(country)
}

// isLetterCode reports whether s has the form of an ISO 3166 alpha-2 or
// alpha-3 code.
func isLetterCode(s string) bool {
	return (len(s) == 2 || len(s) == 3) && strings.TrimLeftFunc(s, isUpperLetter) == ""
}

// splitCustomPrefix cuts an initial character and a tag-type letter off
// the reserved field of a line without leading zeros. A letter is taken
// for the tag type only when digits follow it, so a hex reserved field
// can lose a leading letter digit, which does not change the number.
func splitCustomPrefix(field string) (string, string) {
	n := 0
	if n < len(field) && strings.IndexByte("#LXG", field[n]) >= 0 {
		n++
	}
	if n+1 < len(field) && isUpperLetter(rune(field[n])) {
		n++
	}
	return field[:n], field[n:]
}

// isCustomPrefix reports whether p is an optional initial character
// followed by an optional upper-case tag-type letter.
func isCustomPrefix(p string) bool {
	if p != "" && strings.IndexByte("#LXG", p[0]) >= 0 {
		p = p[1:]
	}
	return p == "" || (len(p) == 1 && 'A' <= p[0] && p[0] <= 'Z')
}

func badCustomPrefix(prefix string) *DecodeError {
	return failure(FormatAllflexCustom, ErrUnrecognized,
		"prefix %q is not an initial character (#, L, X, G) and a tag-type letter", prefix)
}

// decodeCustomFields checks the reserved field, the data-block flag, the
// country and the national code. With short set the reader drops leading
// zeros, so each field may be narrower than its width and is padded back:
// "36" is country 036, never a number of another width.
func decodeCustomFields(layout customLayout, short bool, fields []string) (line.RFID, *DecodeError) {
	reserved, dataBlock, country, national := fields[0], fields[1], fields[2], fields[3]
	fits := func(s string, width int) bool {
		if short {
			return len(s) <= width && isBase(s, layout.base)
		}
		return len(s) == width && isBase(s, layout.base)
	}
	if !fits(reserved, layout.reserved) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"reserved field %q is not %d %s digits", reserved, layout.reserved, baseName(layout.base))
	}
	if dataBlock != "0" && dataBlock != "1" {
		return "", failure(FormatAllflexCustom, ErrFlag, "data-block flag is %q", dataBlock)
	}
	if !fits(national, layout.national) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"national code %q is not %d %s digits", national, layout.national, baseName(layout.base))
	}

	var code uint64
	switch {
	case fits(country, layout.country):
		code = parseUint(country, layout.base)
	case isLetterCode(country):
		numeric, ok := countryByLetters[country]
		if !ok {
			return "", failure(FormatAllflexCustom, ErrCountryCode,
				"country %q is not a code this decoder maps to digits; set the reader to send numeric country codes", country)
		}
		code = uint64(numeric)
	default:
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"country %q is neither %d %s digits nor an ISO 3166 letter code", country, layout.country, baseName(layout.base))
	}
	return newRFID(FormatAllflexCustom, code, parseUint(national, layout.base))
}

func baseName(base int) string {
	if base == 16 {
		return "hex"
	}
	return "decimal"
}

// DecodeDotHex decodes the hex form "09C.00075BCD15": 3 hex digits of
// country code, a dot and 10 hex digits of national identification code.
// On failure it returns a *DecodeError.
func DecodeDotHex(s string) (line.RFID, error) {
	id, err := decodeDotHex(FormatDotHex, trimLine(s))
	if err != nil {
		err.Input = s
		return "", err
	}
	return id, nil
}

func decodeDotHex(format Format, text string) (line.RFID, *DecodeError) {
	country, national, ok := strings.Cut(text, ".")
	if !ok || len(country) != 3 || len(national) != 10 || !isHex(country) || !isHex(national) {
		return "", failure(format, ErrUnrecognized, "expected 3 hex digits, a dot and 10 hex digits")
	}
	return newRFID(format, parseUint(country, 16), parseUint(national, 16))
}

// BiomarkRead is one tag line of a Biomark reader.
type BiomarkRead struct {
	RFID       line.RFID
	FromMemory bool      // the read was replayed from the reader's memory
	ReaderTime time.Time // the reader's clock in time.Local, zero when the line has none
	ReaderID   string    // empty when the line has none
}

// biomarkTime is the layout of the date and time that starts a Biomark
// tag line: day, month, year.
const biomarkTime = "02-01-2006 15:04:05"

// DecodeBiomark decodes a Biomark tag line, "TAG 3DD.003BA20748", with an
// optional "*" before the code and an optional date, time and reader id
// before "TAG". On failure it returns a *DecodeError.
func DecodeBiomark(s string) (BiomarkRead, error) {
	read, err := decodeBiomark(trimLine(s))
	if err != nil {
		err.Input = s
		return BiomarkRead{}, err
	}
	return read, nil
}

func decodeBiomark(text string) (BiomarkRead, *DecodeError) {
	fields := strings.Fields(text)
	var read BiomarkRead
	switch {
	case len(fields) == 2 && fields[0] == "TAG":
	case len(fields) == 5 && fields[3] == "TAG":
		at, err := time.ParseInLocation(biomarkTime, fields[0]+" "+fields[1], time.Local)
		if err != nil {
			return BiomarkRead{}, failure(FormatBiomark, ErrUnrecognized,
				"date and time %q are not DD-MM-YYYY hh:mm:ss", fields[0]+" "+fields[1])
		}
		read.ReaderTime, read.ReaderID = at, fields[2]
	default:
		return BiomarkRead{}, failure(FormatBiomark, ErrUnrecognized,
			`expected "TAG" and a code, optionally after a date, a time and a reader id`)
	}

	code := fields[len(fields)-1]
	if rest, ok := strings.CutPrefix(code, "*"); ok {
		read.FromMemory, code = true, rest
	}
	id, err := decodeDotHex(FormatBiomark, code)
	if err != nil {
		return BiomarkRead{}, err
	}
	read.RFID = id
	return read, nil
}

// DecodeAny decodes a line in any format of this package: first as
// DecodeLine does, then as the configurable formats. On failure it
// returns the error of DecodeLine, which names the common formats.
func DecodeAny(s string) (line.RFID, Format, error) {
	id, format, err := DecodeLine(s)
	if err == nil || !errors.Is(err, ErrUnrecognized) {
		return id, format, err
	}

	text := trimLine(s)
	if id, derr := decodeDotHex(FormatDotHex, text); derr == nil {
		return id, FormatDotHex, nil
	}
	if read, derr := decodeBiomark(text); derr == nil {
		return read.RFID, FormatBiomark, nil
	}
	id, derr := decodeAllflexCustom(text, 0)
	if derr == nil {
		return id, FormatAllflexCustom, nil
	}
	if derr.Err == ErrCountryCode || derr.Err == ErrLeadingZeros {
		// The line has the Allflex configurable layout but cannot be
		// decoded without another reader setting, which is a more useful
		// message than DecodeLine's error.
		derr.Input = s
		return "", FormatUnknown, derr
	}
	return "", FormatUnknown, err
}

// newRFID checks both numbers against their ISO 11784 limits.
func newRFID(format Format, country, national uint64) (line.RFID, *DecodeError) {
	if country > 999 {
		return "", failure(format, ErrRange,
			"country code %d is above 999 and cannot be written in 3 digits", country)
	}
	if national > line.MaxRFIDNational {
		return "", failure(format, ErrRange,
			"national identification code %d is above %d, the 38-bit maximum",
			national, line.MaxRFIDNational)
	}
	id, err := line.NewRFID(uint16(country), national)
	if err != nil {
		return "", failure(format, ErrRange, "%v", err)
	}
	return id, nil
}

func isHex(s string) bool { return isBase(s, 16) }

func isBase(s string, base int) bool {
	for i := 0; i < len(s); i++ {
		if v, ok := hexValue(s[i]); !ok || int(v) >= base {
			return false
		}
	}
	return s != ""
}

// parseUint parses at most 12 digits that isBase has checked, so it cannot
// overflow.
func parseUint(s string, base int) uint64 {
	var v uint64
	for i := 0; i < len(s); i++ {
		digit, _ := hexValue(s[i])
		v = v*uint64(base) + uint64(digit)
	}
	return v
}
