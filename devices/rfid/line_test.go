package rfid_test

import (
	"errors"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

func TestDecodeLine(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		want   line.RFID
		format rfid.Format
	}{
		{"allflex", "LA 982 000000255895", "982000000255895", rfid.FormatAllflex},
		{"allflex sample", "LA 156 000011051554", "156000011051554", rfid.FormatAllflex},
		{"tiris", "LA 00000 0 156 000011051555", "156000011051555", rfid.FormatTIRIS},
		{"tiris data block", "LA 00123 1 982 000001088420", "982000001088420", rfid.FormatTIRIS},
		{"digits", "156000011051556", "156000011051556", rfid.FormatDigits},
		{"spaced", "156 000011051554", "156000011051554", rfid.FormatSpaced},
		{"leading STX", "\x02LA 982 000000255895", "982000000255895", rfid.FormatAllflex},
		{"trailing CR", "LA 982 000000255895\r", "982000000255895", rfid.FormatAllflex},
		{"trailing CR LF", "156000011051556\r\n", "156000011051556", rfid.FormatDigits},
		{"trailing LF", "156 000011051554\n", "156000011051554", rfid.FormatSpaced},
		{"surrounding spaces", "  156000011051556  ", "156000011051556", rfid.FormatDigits},
		{"STX spaces CR", " \x02 LA 00000 0 156 000011051555 \r", "156000011051555", rfid.FormatTIRIS},
		{"national max", "999 274877906943", "999274877906943", rfid.FormatSpaced},
		{"zero", "000000000000000", "000000000000000", rfid.FormatDigits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := rfid.DecodeLine(tt.input)
			if err != nil {
				t.Fatalf("DecodeLine(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("DecodeLine(%q) = %q, want %q", tt.input, got, tt.want)
			}
			if format != tt.format {
				t.Errorf("DecodeLine(%q) format = %v, want %v", tt.input, format, tt.format)
			}
		})
	}
}

func TestDecodeLineLeadingZero(t *testing.T) {
	inputs := []string{
		"036000982000123",
		"036 000982000123",
		"LA 036 000982000123",
		"LA 00000 0 036 000982000123",
	}
	for _, input := range inputs {
		got, _, err := rfid.DecodeLine(input)
		if err != nil {
			t.Fatalf("DecodeLine(%q): %v", input, err)
		}
		if got != "036000982000123" {
			t.Errorf("DecodeLine(%q) = %q, want %q", input, got, "036000982000123")
		}
		if got.Country() != "036" {
			t.Errorf("DecodeLine(%q) country = %q, want %q", input, got.Country(), "036")
		}
	}
}

func TestDecodeLineErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", rfid.ErrUnrecognized},
		{"spaces only", "   ", rfid.ErrUnrecognized},
		{"STX only", "\x02", rfid.ErrUnrecognized},
		{"CR only", "\r", rfid.ErrUnrecognized},
		{"letters", "hello", rfid.ErrUnrecognized},
		{"letter in digits", "15600001105155X", rfid.ErrUnrecognized},
		{"14 digits", "15600001105155", rfid.ErrUnrecognized},
		{"16 digits", "1560000110515561", rfid.ErrUnrecognized},
		{"LA alone", "LA", rfid.ErrUnrecognized},
		{"LA country only", "LA 982", rfid.ErrUnrecognized},
		{"LA four fields", "LA 00000 0 156", rfid.ErrUnrecognized},
		{"LA six fields", "LA 00000 0 156 000011051555 1", rfid.ErrUnrecognized},
		{"LA short national", "LA 982 00000025589", rfid.ErrUnrecognized},
		{"LA long country", "LA 0982 000000255895", rfid.ErrUnrecognized},
		{"lower-case prefix", "la 982 000000255895", rfid.ErrUnrecognized},
		{"comma separator", "LA,982,000000255895", rfid.ErrUnrecognized},
		{"double space", "LA  982 000000255895", rfid.ErrUnrecognized},
		{"tab separator", "156\t000011051554", rfid.ErrUnrecognized},
		{"dash separator", "156-000011051554", rfid.ErrUnrecognized},
		{"spaced swapped", "000011051554 156", rfid.ErrUnrecognized},
		{"three number fields", "156 000011 051554", rfid.ErrUnrecognized},
		{"two STX", "\x02\x02156000011051556", rfid.ErrUnrecognized},
		{"two CR", "156000011051556\r\r", rfid.ErrUnrecognized},
		{"ETX", "156000011051556\x03", rfid.ErrUnrecognized},
		{"tiris short reserved", "LA 0000 0 156 000011051555", rfid.ErrUnrecognized},
		{"tiris letter reserved", "LA 0000A 0 156 000011051555", rfid.ErrUnrecognized},
		{"tiris flag 2", "LA 00000 2 156 000011051555", rfid.ErrFlag},
		{"tiris flag letter", "LA 00000 X 156 000011051555", rfid.ErrFlag},
		{"national too big", "156274877906944", rfid.ErrRange},
		{"national all nines", "LA 982 999999999999", rfid.ErrRange},
		{"HDX industrial", "LR 0006 0000000018514243", rfid.ErrIndustrialTag},
		{"LR alone", "LR", rfid.ErrIndustrialTag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, format, err := rfid.DecodeLine(tt.input)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeLine(%q) error = %v, want %v", tt.input, err, tt.want)
			}
			if got != "" {
				t.Errorf("DecodeLine(%q) = %q with an error, want empty", tt.input, got)
			}
			if format != rfid.FormatUnknown {
				t.Errorf("DecodeLine(%q) format = %v with an error, want %v", tt.input, format, rfid.FormatUnknown)
			}
			var decodeErr *rfid.DecodeError
			if !errors.As(err, &decodeErr) {
				t.Fatalf("DecodeLine(%q) error %T is not a *DecodeError", tt.input, err)
			}
			if decodeErr.Input != tt.input {
				t.Errorf("DecodeError.Input = %q, want %q", decodeErr.Input, tt.input)
			}
		})
	}
}

func TestFormatString(t *testing.T) {
	tests := []struct {
		format rfid.Format
		want   string
	}{
		{rfid.FormatUnknown, "unknown"},
		{rfid.FormatAllflex, "Allflex"},
		{rfid.FormatTIRIS, "TIRIS S2000"},
		{rfid.FormatDigits, "15 digits"},
		{rfid.FormatSpaced, "spaced digits"},
		{rfid.FormatWL134, "WL-134 frame"},
		{rfid.Format(200), "unknown"},
	}
	for _, tt := range tests {
		if got := tt.format.String(); got != tt.want {
			t.Errorf("Format(%d).String() = %q, want %q", tt.format, got, tt.want)
		}
	}
}

func BenchmarkDecodeLine(b *testing.B) {
	inputs := []string{
		"LA 982 000000255895",
		"LA 00000 0 156 000011051555",
		"156000011051556",
		"156 000011051554",
	}
	for b.Loop() {
		for _, input := range inputs {
			if _, _, err := rfid.DecodeLine(input); err != nil {
				b.Fatal(err)
			}
		}
	}
}
