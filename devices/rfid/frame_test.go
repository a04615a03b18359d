package rfid_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

// frameBody returns bytes 1–26 of a WL-134 frame: both numbers as hex
// digits least significant first, data-block flag '0', animal flag '1'
// and ten reserved '0' digits.
func frameBody(country uint16, national uint64) string {
	return reverse(fmt.Sprintf("%010X", national)) +
		reverse(fmt.Sprintf("%04X", country)) +
		"0" + "1" + "0000000000"
}

// wrapFrame adds STX, the checksum, its inverse and ETX to a 26-byte body.
func wrapFrame(body string) []byte {
	var checksum byte
	for i := 0; i < len(body); i++ {
		checksum ^= body[i]
	}
	frame := []byte{0x02}
	frame = append(frame, body...)
	return append(frame, checksum, ^checksum, 0x03)
}

// encodeFrame builds a valid WL-134 frame for a tag.
func encodeFrame(country uint16, national uint64) []byte {
	return wrapFrame(frameBody(country, national))
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// replaceAt returns a copy of body with the byte at index i of the body
// (frame byte i+1) replaced.
func replaceAt(body string, i int, c byte) string {
	b := []byte(body)
	b[i] = c
	return string(b)
}

// vector is the WL-134 frame of tag 156 000123456789.
var vector = append(append([]byte{0x02},
	"51DCB57000"+"C900"+"0"+"1"+"0000"+"000000"...),
	0x08, 0xF7, 0x03)

func TestEncodeFrameVector(t *testing.T) {
	got := encodeFrame(156, 123456789)
	if !bytes.Equal(got, vector) {
		t.Errorf("encodeFrame(156, 123456789) = % X, want % X", got, vector)
	}
}

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  line.RFID
	}{
		{"vector", vector, "156000123456789"},
		{"sample 1577", mustHex(t, "0239333241384130303030433930303031303030303030303030307b8403"), "156000011051577"},
		{"sample 1624", mustHex(t, "0238363241384130303030433930303031303030303030303030307f8003"), "156000011051624"},
		{"leading zero country", encodeFrame(36, 982000123), "036000982000123"},
		{"country 999", encodeFrame(999, 1), "999000000000001"},
		{"national max", encodeFrame(982, line.MaxRFIDNational), "982274877906943"},
		{"zero", encodeFrame(0, 0), "000000000000000"},
		{"lower-case hex", wrapFrame(strings.ToLower(frameBody(156, 123456789))), "156000123456789"},
		{"flags set", wrapFrame(replaceAt(replaceAt(frameBody(156, 7), 14, '1'), 15, '1')), "156000000000007"},
		{"flags clear", wrapFrame(replaceAt(frameBody(156, 7), 15, '0')), "156000000000007"},
		{"reserved hex", wrapFrame(frameBody(156, 7)[:16] + "A1b2C3d4E5"), "156000000000007"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeFrame(tt.frame)
			if err != nil {
				t.Fatalf("DecodeFrame(% X): %v", tt.frame, err)
			}
			if got != tt.want {
				t.Errorf("DecodeFrame(% X) = %q, want %q", tt.frame, got, tt.want)
			}
			if len(got) != 15 {
				t.Errorf("DecodeFrame(% X) = %q has %d digits, want 15", tt.frame, got, len(got))
			}
		})
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	body := frameBody(156, 123456789)
	withByte := func(i int, c byte) []byte {
		frame := bytes.Clone(vector)
		frame[i] = c
		return frame
	}
	tests := []struct {
		name  string
		frame []byte
		want  error
	}{
		{"nil", nil, rfid.ErrFrameLength},
		{"29 bytes", vector[:29], rfid.ErrFrameLength},
		{"31 bytes", append(bytes.Clone(vector), 0x03), rfid.ErrFrameLength},
		{"no STX", withByte(0, 'X'), rfid.ErrFrameDelimiter},
		{"no ETX", withByte(29, 0x0D), rfid.ErrFrameDelimiter},
		{"bad checksum", withByte(27, 0x09), rfid.ErrChecksum},
		{"bad inverse", withByte(28, 0xF6), rfid.ErrInverseChecksum},
		{"damaged digit", withByte(3, 'E'), rfid.ErrChecksum},
		{"non-hex national", wrapFrame(replaceAt(body, 0, 'G')), rfid.ErrNotHex},
		{"non-hex country", wrapFrame(replaceAt(body, 12, ' ')), rfid.ErrNotHex},
		{"non-hex reserved", wrapFrame(replaceAt(body, 25, 'Z')), rfid.ErrNotHex},
		{"data-block flag 2", wrapFrame(replaceAt(body, 14, '2')), rfid.ErrFlag},
		{"animal flag letter", wrapFrame(replaceAt(body, 15, 'A')), rfid.ErrFlag},
		{"country 1000", encodeFrame(1000, 1), rfid.ErrRange},
		{"country 1023", encodeFrame(1023, 1), rfid.ErrRange},
		{"country 1024", encodeFrame(1024, 1), rfid.ErrRange},
		{"country FFFF", encodeFrame(0xFFFF, 1), rfid.ErrRange},
		{"national 2^38", encodeFrame(156, 274877906944), rfid.ErrRange},
		{"national 40 bits", encodeFrame(156, 0xFFFFFFFFFF), rfid.ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeFrame(tt.frame)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeFrame(% X) error = %v, want %v", tt.frame, err, tt.want)
			}
			if got != "" {
				t.Errorf("DecodeFrame(% X) = %q with an error, want empty", tt.frame, got)
			}
			var decodeErr *rfid.DecodeError
			if !errors.As(err, &decodeErr) {
				t.Fatalf("DecodeFrame(% X) error %T is not a *DecodeError", tt.frame, err)
			}
			if decodeErr.Input != string(tt.frame) {
				t.Errorf("DecodeError.Input = %q, want %q", decodeErr.Input, tt.frame)
			}
			if decodeErr.Format != rfid.FormatWL134 {
				t.Errorf("DecodeError.Format = %v, want %v", decodeErr.Format, rfid.FormatWL134)
			}
		})
	}
}

func TestDecodeFrameHex(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  line.RFID
	}{
		{"lower case", "0239333241384130303030433930303031303030303030303030307b8403", "156000011051577"},
		{"upper case", "0238363241384130303030433930303031303030303030303030307F8003", "156000011051624"},
		{"surrounding space", " " + hex.EncodeToString(vector) + "\r\n", "156000123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeFrameHex(tt.input)
			if err != nil {
				t.Fatalf("DecodeFrameHex(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("DecodeFrameHex(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestDecodeFrameHexErrors(t *testing.T) {
	valid := hex.EncodeToString(vector)
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", rfid.ErrFrameLength},
		{"odd length", valid[:59], rfid.ErrFrameLength},
		{"29 bytes", valid[:58], rfid.ErrFrameLength},
		{"31 bytes", valid + "03", rfid.ErrFrameLength},
		{"spaced bytes", "02 39 33", rfid.ErrFrameLength},
		{"non-hex", "0x" + valid[2:], rfid.ErrNotHex},
		{"non-hex last", valid[:59] + "g", rfid.ErrNotHex},
		{"bad checksum", valid[:54] + "09" + valid[56:], rfid.ErrChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeFrameHex(tt.input)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeFrameHex(%q) error = %v, want %v", tt.input, err, tt.want)
			}
			if got != "" {
				t.Errorf("DecodeFrameHex(%q) = %q with an error, want empty", tt.input, got)
			}
			var decodeErr *rfid.DecodeError
			if !errors.As(err, &decodeErr) {
				t.Fatalf("DecodeFrameHex(%q) error %T is not a *DecodeError", tt.input, err)
			}
			if decodeErr.Input != tt.input {
				t.Errorf("DecodeError.Input = %q, want %q", decodeErr.Input, tt.input)
			}
		})
	}
}

func TestDecodeLineFrame(t *testing.T) {
	got, format, err := rfid.DecodeLine(string(vector))
	if err != nil {
		t.Fatalf("DecodeLine(frame): %v", err)
	}
	if got != "156000123456789" {
		t.Errorf("DecodeLine(frame) = %q, want %q", got, "156000123456789")
	}
	if format != rfid.FormatWL134 {
		t.Errorf("DecodeLine(frame) format = %v, want %v", format, rfid.FormatWL134)
	}

	bad := bytes.Clone(vector)
	bad[27] ^= 0xFF
	_, format, err = rfid.DecodeLine(string(bad))
	if !errors.Is(err, rfid.ErrChecksum) {
		t.Errorf("DecodeLine(frame with bad checksum) error = %v, want %v", err, rfid.ErrChecksum)
	}
	if format != rfid.FormatUnknown {
		t.Errorf("DecodeLine(frame with bad checksum) format = %v, want %v", format, rfid.FormatUnknown)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex.DecodeString(%q): %v", s, err)
	}
	return b
}
