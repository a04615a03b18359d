package rfid

import (
	"strings"

	"lambtrace/line"
)

// FrameSize is the length in bytes of a WL-134 frame.
const FrameSize = 30

// Control bytes and field offsets of a WL-134 frame. Each field ends where
// the next begins.
const (
	stx = 0x02
	etx = 0x03

	offsetNational  = 1
	offsetCountry   = 11
	offsetDataBlock = 15
	offsetAnimal    = 16
	offsetReserved  = 17
	offsetChecksum  = 27
	offsetInverse   = 28
)

// DecodeFrame decodes a 30-byte WL-134 frame. It checks the length, the
// STX and ETX bytes, the checksum and its inverse, in that order, before it
// reads the fields. On failure it returns a *DecodeError.
func DecodeFrame(b []byte) (line.RFID, error) {
	id, err := decodeFrame(b)
	if err != nil {
		err.Input = string(b)
		return "", err
	}
	return id, nil
}

// DecodeFrameHex decodes a WL-134 frame written as 60 hex digits, upper or
// lower case, with optional white space around them.
func DecodeFrameHex(s string) (line.RFID, error) {
	frame, err := hexToFrame(strings.TrimSpace(s))
	if err != nil {
		err.Input = s
		return "", err
	}

	id, err := decodeFrame(frame)
	if err != nil {
		err.Input = s
		return "", err
	}
	return id, nil
}

func hexToFrame(text string) ([]byte, *DecodeError) {
	if len(text) != 2*FrameSize {
		return nil, failure(FormatWL134, ErrFrameLength,
			"got %d hex digits, expected %d", len(text), 2*FrameSize)
	}

	frame := make([]byte, FrameSize)
	for i := range frame {
		high, okHigh := hexValue(text[2*i])
		low, okLow := hexValue(text[2*i+1])
		if !okHigh || !okLow {
			return nil, failure(FormatWL134, ErrNotHex,
				"hex text %q at byte %d", text[2*i:2*i+2], i)
		}
		frame[i] = byte(high<<4 | low)
	}
	return frame, nil
}

func decodeFrame[T string | []byte](frame T) (line.RFID, *DecodeError) {
	if len(frame) != FrameSize {
		return "", failure(FormatWL134, ErrFrameLength, "got %d bytes", len(frame))
	}
	if frame[0] != stx {
		return "", failure(FormatWL134, ErrFrameDelimiter, "byte 0 is 0x%02X", frame[0])
	}
	if frame[FrameSize-1] != etx {
		return "", failure(FormatWL134, ErrFrameDelimiter,
			"byte %d is 0x%02X", FrameSize-1, frame[FrameSize-1])
	}

	var checksum byte
	for i := offsetNational; i < offsetChecksum; i++ {
		checksum ^= frame[i]
	}
	if frame[offsetChecksum] != checksum {
		return "", failure(FormatWL134, ErrChecksum,
			"byte %d is 0x%02X, XOR of bytes 1-26 is 0x%02X",
			offsetChecksum, frame[offsetChecksum], checksum)
	}
	if frame[offsetInverse] != ^checksum {
		return "", failure(FormatWL134, ErrInverseChecksum,
			"byte %d is 0x%02X, expected 0x%02X",
			offsetInverse, frame[offsetInverse], ^checksum)
	}

	return decodeFrameFields(frame)
}

// decodeFrameFields reads the fields of a frame whose size, delimiters
// and checksums are already checked.
func decodeFrameFields[T string | []byte](frame T) (line.RFID, *DecodeError) {
	national, err := reversedHex(frame, offsetNational, offsetCountry, "national identification code")
	if err != nil {
		return "", err
	}
	country, err := reversedHex(frame, offsetCountry, offsetDataBlock, "country code")
	if err != nil {
		return "", err
	}
	for _, offset := range []int{offsetDataBlock, offsetAnimal} {
		if frame[offset] != '0' && frame[offset] != '1' {
			return "", failure(FormatWL134, ErrFlag, "byte %d is 0x%02X", offset, frame[offset])
		}
	}
	if _, err := reversedHex(frame, offsetReserved, offsetChecksum, "reserved field"); err != nil {
		return "", err
	}

	if country > line.MaxRFIDCountry {
		return "", failure(FormatWL134, ErrRange,
			"country code %d is above %d, the 10-bit maximum", country, line.MaxRFIDCountry)
	}
	if country > 999 {
		return "", failure(FormatWL134, ErrRange,
			"country code %d is above 999 and cannot be written in 3 digits", country)
	}
	if national > line.MaxRFIDNational {
		return "", failure(FormatWL134, ErrRange,
			"national identification code %d is above %d, the 38-bit maximum",
			national, line.MaxRFIDNational)
	}
	id, idErr := line.NewRFID(uint16(country), national)
	if idErr != nil {
		return "", failure(FormatWL134, ErrRange, "%v", idErr)
	}
	return id, nil
}

// reversedHex parses frame[start:end] as hex digits sent least
// significant first. The field is at most 10 digits, so it fits 40 bits.
func reversedHex[T string | []byte](frame T, start, end int, field string) (uint64, *DecodeError) {
	var value uint64
	for i := end - 1; i >= start; i-- {
		digit, ok := hexValue(frame[i])
		if !ok {
			return 0, failure(FormatWL134, ErrNotHex,
				"%s: byte %d is 0x%02X", field, i, frame[i])
		}
		value = value<<4 | uint64(digit)
	}
	return value, nil
}

func hexValue(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	default:
		return 0, false
	}
}
