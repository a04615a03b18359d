package rfid

import (
	"errors"
	"strings"

	"lambtrace/line"
)

// DecodeLine decodes one line from a reader and returns the number and the
// format it was written in. It also accepts a whole WL-134 frame, which it
// recognizes by its length of FrameSize bytes and its STX and ETX bytes.
// On failure it returns FormatUnknown and a *DecodeError.
func DecodeLine(s string) (line.RFID, Format, error) {
	if looksLikeFrame(s) {
		id, err := decodeFrame(s)
		if err != nil {
			err.Input = s
			return "", FormatUnknown, err
		}
		return id, FormatWL134, nil
	}

	id, format, err := decodeText(trimLine(s))
	if err != nil {
		err.Input = s
		return "", FormatUnknown, err
	}
	return id, format, nil
}

// looksLikeFrame reports whether s has the size and delimiters of a WL-134
// frame. No text line matches, because a line cannot end in ETX.
func looksLikeFrame(s string) bool {
	return len(s) == FrameSize && s[0] == stx && s[FrameSize-1] == etx
}

// trimLine removes the spaces around a line, one leading STX and one
// trailing line ending.
func trimLine(s string) string {
	s = strings.Trim(s, " ")
	s = strings.TrimPrefix(s, "\x02")
	switch {
	case strings.HasSuffix(s, "\r\n"):
		s = s[:len(s)-2]
	case strings.HasSuffix(s, "\r"), strings.HasSuffix(s, "\n"):
		s = s[:len(s)-1]
	}
	return strings.Trim(s, " ")
}

func decodeText(text string) (line.RFID, Format, *DecodeError) {
	if text == "" {
		return "", FormatUnknown, failure(FormatUnknown, ErrUnrecognized, "empty line")
	}

	fields := strings.Split(text, " ")
	switch {
	case fields[0] == "LR":
		return "", FormatUnknown, failure(FormatUnknown, ErrIndustrialTag, "")
	case fields[0] == "LA":
		return decodeLA(fields)
	case len(fields) == 1:
		if len(text) != 15 || !isDigits(text) {
			return "", FormatUnknown, failure(FormatUnknown, ErrUnrecognized,
				"expected 15 digits, or fields separated by single spaces")
		}
		return decodeNumber(FormatDigits, text[:3], text[3:])
	case len(fields) == 2:
		return decodeNumber(FormatSpaced, fields[0], fields[1])
	default:
		return "", FormatUnknown, failure(FormatUnknown, ErrUnrecognized, "")
	}
}

// decodeLA decodes an Allflex line ("LA", country, national code) or a
// TIRIS S2000 line ("LA", reserved field, data-block flag, country,
// national code).
func decodeLA(fields []string) (line.RFID, Format, *DecodeError) {
	switch len(fields) {
	case 3:
		return decodeNumber(FormatAllflex, fields[1], fields[2])
	case 5:
		reserved, dataBlock := fields[1], fields[2]
		if len(reserved) != 5 || !isDigits(reserved) {
			return "", FormatUnknown, failure(FormatTIRIS, ErrUnrecognized,
				"reserved field %q is not 5 digits", reserved)
		}
		if dataBlock != "0" && dataBlock != "1" {
			return "", FormatUnknown, failure(FormatTIRIS, ErrFlag,
				"data-block flag is %q", dataBlock)
		}
		return decodeNumber(FormatTIRIS, fields[3], fields[4])
	default:
		return "", FormatUnknown, failure(FormatUnknown, ErrUnrecognized,
			"an LA line has 2 fields (Allflex) or 4 fields (TIRIS S2000) after LA, not %d",
			len(fields)-1)
	}
}

// decodeNumber checks the 3-digit country code and the 12-digit national
// identification code and joins them without converting them to integers,
// so leading zeros are kept.
func decodeNumber(format Format, country, national string) (line.RFID, Format, *DecodeError) {
	if len(country) != 3 || !isDigits(country) {
		return "", FormatUnknown, failure(format, ErrUnrecognized,
			"country code %q is not 3 digits", country)
	}
	if len(national) != 12 || !isDigits(national) {
		return "", FormatUnknown, failure(format, ErrUnrecognized,
			"national identification code %q is not 12 digits", national)
	}

	id, err := line.ParseRFID(country + national)
	if err != nil {
		var idErr *line.IDError
		if errors.As(err, &idErr) && idErr.Problem == line.ProblemRange {
			return "", FormatUnknown, failure(format, ErrRange,
				"national identification code %s is above %d, the 38-bit maximum",
				national, line.MaxRFIDNational)
		}
		return "", FormatUnknown, failure(format, ErrUnrecognized, "%v", err)
	}
	return id, format, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
