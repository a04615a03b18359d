package rfid

import (
	"errors"
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
// In hex they are 4, 1, 3 and 10 digits wide. DecodeAllflexCustom reads
// both, with leading zeros on.
//
// NOTE: the reader can also send the country as an ISO 3166 letter code
// or drop leading zeros. Those options are not decoded.
//
// The Biomark HPR reader (user manual, tag output) sends
// "20-07-2012 11:46:28 01 TAG 3DD.003BA20748": the reader's date and time,
// its reader id, "TAG", then the country and the national identification
// code in hex separated by a dot. A "*" before the code marks a read
// replayed from the reader's memory rather than a live read. Other readers
// send the bare dot-hex code, "09C.00075BCD15".

// Formats of the configurable and other makers' lines.
const (
	FormatAllflexCustom Format = FormatWL134 + 1 + iota // "#A*00000*0*0982*000000255895"
	FormatDotHex                                        // "09C.00075BCD15"
	FormatBiomark                                       // "20-07-2012 11:46:28 01 TAG 3DD.003BA20748"
)

// ErrFromMemory is the error of a Biomark read that the reader replayed
// from its memory rather than read from a tag at the antenna.
var ErrFromMemory = errors.New("read replayed from the reader's memory, not a live read")

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
// decimal or hex, with any of its initial characters and delimiters. On
// failure it returns a *DecodeError.
func DecodeAllflexCustom(s string) (line.RFID, error) {
	id, err := decodeAllflexCustom(trimLine(s))
	if err != nil {
		err.Input = s
		return "", err
	}
	return id, nil
}

func decodeAllflexCustom(text string) (line.RFID, *DecodeError) {
	var prefix string
	var fields []string
	var layout customLayout
	if i := strings.IndexAny(text, customDelimiters); i >= 0 {
		fields = strings.Split(text, text[i:i+1])
		if len(fields) == 5 {
			prefix, fields = fields[0], fields[1:]
		}
		if len(fields) != 4 {
			return "", failure(FormatAllflexCustom, ErrUnrecognized,
				"expected 4 fields after the prefix, got %d", len(fields))
		}
		switch {
		case len(fields[2]) == allflexDecimal.country && len(fields[3]) == allflexDecimal.national:
			layout = allflexDecimal
		case len(fields[2]) == allflexHex.country && len(fields[3]) == allflexHex.national:
			layout = allflexHex
		default:
			return "", failure(FormatAllflexCustom, ErrUnrecognized,
				"country %q and national code %q have neither the decimal nor the hex widths", fields[2], fields[3])
		}
		if prefix == "" && len(fields[0]) > layout.reserved {
			cut := len(fields[0]) - layout.reserved
			prefix, fields[0] = fields[0][:cut], fields[0][cut:]
		}
	} else {
		switch {
		case len(text) >= allflexDecimal.total() && isDigits(text[len(text)-allflexDecimal.total():]):
			layout = allflexDecimal
		case len(text) >= allflexHex.total() && isHex(text[len(text)-allflexHex.total():]):
			layout = allflexHex
		default:
			return "", failure(FormatAllflexCustom, ErrUnrecognized,
				"expected %d digits or %d hex digits", allflexDecimal.total(), allflexHex.total())
		}
		cut := len(text) - layout.total()
		prefix, text = text[:cut], text[cut:]
		fields = []string{
			text[:layout.reserved],
			text[layout.reserved : layout.reserved+1],
			text[layout.reserved+1 : layout.reserved+1+layout.country],
			text[layout.reserved+1+layout.country:],
		}
	}
	if !isCustomPrefix(prefix) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"prefix %q is not an initial character (#, L, X, G) and a tag-type letter", prefix)
	}
	return decodeCustomFields(layout, fields)
}

// isCustomPrefix reports whether p is an optional initial character
// followed by an optional upper-case tag-type letter.
func isCustomPrefix(p string) bool {
	if p != "" && strings.IndexByte("#LXG", p[0]) >= 0 {
		p = p[1:]
	}
	return p == "" || (len(p) == 1 && 'A' <= p[0] && p[0] <= 'Z')
}

func decodeCustomFields(layout customLayout, fields []string) (line.RFID, *DecodeError) {
	reserved, dataBlock, country, national := fields[0], fields[1], fields[2], fields[3]
	if len(reserved) != layout.reserved || !isBase(reserved, layout.base) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"reserved field %q is not %d digits", reserved, layout.reserved)
	}
	if dataBlock != "0" && dataBlock != "1" {
		return "", failure(FormatAllflexCustom, ErrFlag, "data-block flag is %q", dataBlock)
	}
	if !isBase(country, layout.base) || !isBase(national, layout.base) {
		return "", failure(FormatAllflexCustom, ErrUnrecognized,
			"country %q or national code %q is not a number", country, national)
	}
	return newRFID(FormatAllflexCustom, parseUint(country, layout.base), parseUint(national, layout.base))
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
	if id, derr := decodeAllflexCustom(text); derr == nil {
		return id, FormatAllflexCustom, nil
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
