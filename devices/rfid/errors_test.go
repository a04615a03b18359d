package rfid_test

import (
	"errors"
	"strings"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

func TestDecodeErrorMessage(t *testing.T) {
	_, _, err := rfid.DecodeLine("LA 00000 2 156 000011051555\r")
	want := `rfid: invalid reader output "LA 00000 2 156 000011051555\r" in TIRIS S2000 format: flag is not 0 or 1 (data-block flag is "2")`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestDecodeErrorUnknownFormat(t *testing.T) {
	_, _, err := rfid.DecodeLine("hello")
	want := `rfid: invalid reader output "hello": not a known reader output format (expected 15 digits, or fields separated by single spaces)`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestDecodeErrorEscapesControlBytes(t *testing.T) {
	inputs := []string{
		"\x02LA\x01\x1b[2J\x7f",
		string(vector[:29]),
		"\xff\xfe invalid UTF-8",
	}
	for _, input := range inputs {
		_, _, err := rfid.DecodeLine(input)
		if err == nil {
			t.Fatalf("DecodeLine(%q) returned no error", input)
		}
		if i := controlByteIndex(err.Error()); i >= 0 {
			t.Errorf("DecodeLine(%q) error has control byte 0x%02X at %d: %q", input, err.Error()[i], i, err.Error())
		}
	}
}

func TestDecodeErrorTruncatesInput(t *testing.T) {
	input := strings.Repeat("9", 1000)
	_, _, err := rfid.DecodeLine(input)
	if err == nil {
		t.Fatal("DecodeLine(1000 digits) returned no error")
	}
	if len(err.Error()) > 300 {
		t.Errorf("error is %d bytes long, want at most 300: %q", len(err.Error()), err.Error())
	}
	if !strings.Contains(err.Error(), "(1000 bytes)") {
		t.Errorf("error %q does not give the input length", err.Error())
	}

	var decodeErr *rfid.DecodeError
	if !errors.As(err, &decodeErr) {
		t.Fatalf("error %T is not a *DecodeError", err)
	}
	if decodeErr.Input != input {
		t.Errorf("DecodeError.Input has %d bytes, want the whole input of %d", len(decodeErr.Input), len(input))
	}
}

func TestDecodeErrorUnwrap(t *testing.T) {
	err := &rfid.DecodeError{Input: "x", Err: rfid.ErrChecksum}
	if !errors.Is(err, rfid.ErrChecksum) {
		t.Errorf("errors.Is(%v, ErrChecksum) = false", err)
	}
	if errors.Is(err, rfid.ErrInverseChecksum) {
		t.Errorf("errors.Is(%v, ErrInverseChecksum) = true", err)
	}
}

// controlByteIndex returns the index of the first ASCII control byte in s,
// or -1.
func controlByteIndex(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return i
		}
	}
	return -1
}

func TestDecodeErrorZeroValue(t *testing.T) {
	var err rfid.DecodeError
	want := `rfid: invalid reader output ""`
	if got := err.Error(); got != want {
		t.Errorf("DecodeError{}.Error() = %q, want %q", got, want)
	}
}

func TestDecodeErrorIDProblem(t *testing.T) {
	tests := []struct {
		err  error
		want line.IDProblem
	}{
		{rfid.ErrChecksum, line.ProblemChecksum},
		{rfid.ErrInverseChecksum, line.ProblemChecksum},
		{rfid.ErrFrameLength, line.ProblemFrame},
		{rfid.ErrFrameDelimiter, line.ProblemFrame},
		{rfid.ErrNotHex, line.ProblemFrame},
		{rfid.ErrFlag, line.ProblemFrame},
		{rfid.ErrRange, line.ProblemRange},
		{rfid.ErrIndustrialTag, line.ProblemUnsupported},
		{rfid.ErrUnrecognized, line.ProblemUnrecognized},
	}
	for _, tt := range tests {
		e := &rfid.DecodeError{Err: tt.err}
		if got := e.IDProblem(); got != tt.want {
			t.Errorf("IDProblem() for %v = %s, want %s", tt.err, got, tt.want)
		}
	}
	if _, err := rfid.DecodeFrameHex("0239333241384130303030433930303031303030303030303030307b0003"); err.(*rfid.DecodeError).IDProblem() != line.ProblemChecksum {
		t.Errorf("inverse checksum error %v not classified as a checksum problem", err)
	}
}
