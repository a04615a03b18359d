package rfid_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

func TestDecodeAllflexCustom(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  line.RFID
	}{
		{"semicolon", "#A;00000;0;0156;000123456789\r\n", "156000123456789"},
		{"comma", "LA,00000,1,0985,121004515220", "985121004515220"},
		{"tab", "XA\t00000\t0\t0036\t000982000123", "036000982000123"},
		{"space", "GT 00000 0 0982 000123456789", "982000123456789"},
		{"no tag letter", "#;00000;0;0982;000123456789", "982000123456789"},
		{"no prefix", "00000;0;0036;000982000123", "036000982000123"},
		{"prefix joined", "#A00000;0;0036;000982000123", "036000982000123"},
		{"no delimiter", "#A0000000036000982000123", "036000982000123"},
		{"bare digits", "0000000036000982000123", "036000982000123"},
		{"hex semicolon", "#A;0000;0;024;003A8821FB", "036000982000123"},
		{"hex no delimiter", "#A000003D600075BCD15", "982000123456789"},
		{"hex lower case", "#A;0000;0;3d9;1c2c6e5f94", "985121004515220"},
		{"leading STX", "\x02#A;00000;0;0982;000123456789\r", "982000123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeAllflexCustom(tt.input)
			if err != nil {
				t.Fatalf("DecodeAllflexCustom(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("DecodeAllflexCustom(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestDecodeAllflexCustomErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", rfid.ErrUnrecognized},
		{"too few fields", "#A;00000;0;0982", rfid.ErrUnrecognized},
		{"bad widths", "#A;00000;0;982;000123456789", rfid.ErrUnrecognized},
		{"bad prefix", "#AB;00000;0;0982;000123456789", rfid.ErrUnrecognized},
		{"bad flag", "#A;00000;2;0982;000123456789", rfid.ErrFlag},
		{"letter in reserved", "#A;0000X;0;0982;000123456789", rfid.ErrUnrecognized},
		{"country 1023", "#A;00000;0;1023;000123456789", rfid.ErrRange},
		{"national too big", "#A;00000;0;0982;999999999999", rfid.ErrRange},
		{"hex national too big", "#A;0000;0;3D6;FFFFFFFFFF", rfid.ErrRange},
		{"hex with G", "#A;0000;0;3D6;00075BCD1G", rfid.ErrUnrecognized},
		{"15 digits", "156000011051556", rfid.ErrUnrecognized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeAllflexCustom(tt.input)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeAllflexCustom(%q) error = %v, want %v", tt.input, err, tt.want)
			}
			if got != "" {
				t.Errorf("DecodeAllflexCustom(%q) = %q with an error", tt.input, got)
			}
			var decodeErr *rfid.DecodeError
			if !errors.As(err, &decodeErr) || decodeErr.Input != tt.input {
				t.Errorf("DecodeAllflexCustom(%q) error %#v does not carry the input", tt.input, err)
			}
		})
	}
}

func TestDecodeDotHex(t *testing.T) {
	tests := []struct {
		input string
		want  line.RFID
	}{
		{"09C.00075BCD15", "156000123456789"},
		{"3D6.00075BCD15", "982000123456789"},
		{"024.003A8821FB", "036000982000123"},
		{"3D9.1C2C6E5F94", "985121004515220"},
		{"3dd.003ba20748\r\n", "989001000474440"},
		{"000.0000000000", "000000000000000"},
	}
	for _, tt := range tests {
		got, err := rfid.DecodeDotHex(tt.input)
		if err != nil {
			t.Errorf("DecodeDotHex(%q): %v", tt.input, err)
			continue
		}
		if got != tt.want {
			t.Errorf("DecodeDotHex(%q) = %q, want %q", tt.input, got, tt.want)
		}
	}
}

func TestDecodeDotHexErrors(t *testing.T) {
	tests := []struct {
		input string
		want  error
	}{
		{"09C00075BCD15", rfid.ErrUnrecognized},
		{"9C.00075BCD15", rfid.ErrUnrecognized},
		{"09C.0075BCD15", rfid.ErrUnrecognized},
		{"09G.00075BCD15", rfid.ErrUnrecognized},
		{"3E8.00075BCD15", rfid.ErrRange}, // country 1000
		{"09C.4000000000", rfid.ErrRange}, // 2^38
	}
	for _, tt := range tests {
		if _, err := rfid.DecodeDotHex(tt.input); !errors.Is(err, tt.want) {
			t.Errorf("DecodeDotHex(%q) error = %v, want %v", tt.input, err, tt.want)
		}
	}
}

func TestDecodeBiomark(t *testing.T) {
	got, err := rfid.DecodeBiomark("20-07-2012 11:46:28 01 TAG 3DD.003BA20748\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := rfid.BiomarkRead{
		RFID:       "989001000474440",
		ReaderTime: time.Date(2012, 7, 20, 11, 46, 28, 0, time.Local),
		ReaderID:   "01",
	}
	if got != want {
		t.Errorf("DecodeBiomark = %+v, want %+v", got, want)
	}

	got, err = rfid.DecodeBiomark("TAG *09C.00075BCD15")
	if err != nil {
		t.Fatal(err)
	}
	want = rfid.BiomarkRead{RFID: "156000123456789", FromMemory: true}
	if got != want {
		t.Errorf("DecodeBiomark = %+v, want %+v", got, want)
	}
}

func TestDecodeBiomarkErrors(t *testing.T) {
	inputs := []string{
		"",
		"TAG",
		"TAG 09C.00075BCD15 extra",
		"32-07-2012 11:46:28 01 TAG 3DD.003BA20748",
		"20-07-2012 11:46:28 TAG 3DD.003BA20748",
		"TAG **09C.00075BCD15",
		"TAG 09C-00075BCD15",
	}
	for _, input := range inputs {
		if _, err := rfid.DecodeBiomark(input); !errors.Is(err, rfid.ErrUnrecognized) {
			t.Errorf("DecodeBiomark(%q) error = %v, want %v", input, err, rfid.ErrUnrecognized)
		}
	}
}

func TestDecodeAny(t *testing.T) {
	tests := []struct {
		input  string
		want   line.RFID
		format rfid.Format
	}{
		{"LA 982 000000255895", "982000000255895", rfid.FormatAllflex},
		{"LA 00000 0 036 000982000123", "036000982000123", rfid.FormatTIRIS},
		{"036000982000123", "036000982000123", rfid.FormatDigits},
		{"036 000982000123", "036000982000123", rfid.FormatSpaced},
		{"09C.00075BCD15", "156000123456789", rfid.FormatDotHex},
		{"01 TAG 09C.00075BCD15", "", rfid.FormatUnknown},
		{"TAG *024.003A8821FB", "036000982000123", rfid.FormatBiomark},
		{"LA 00000 0 0036 000982000123", "036000982000123", rfid.FormatAllflexCustom},
		{"#A;00000;0;0156;000123456789", "156000123456789", rfid.FormatAllflexCustom},
	}
	for _, tt := range tests {
		got, format, err := rfid.DecodeAny(tt.input)
		if tt.want == "" {
			if !errors.Is(err, rfid.ErrUnrecognized) {
				t.Errorf("DecodeAny(%q) error = %v, want %v", tt.input, err, rfid.ErrUnrecognized)
			}
			continue
		}
		if err != nil {
			t.Errorf("DecodeAny(%q): %v", tt.input, err)
			continue
		}
		if got != tt.want || format != tt.format {
			t.Errorf("DecodeAny(%q) = %q, %v, want %q, %v", tt.input, got, format, tt.want, tt.format)
		}
	}
}

func TestDecodeAnyKeepsDecodeLineError(t *testing.T) {
	_, _, err := rfid.DecodeAny("LA 00000 2 156 000011051555")
	if !errors.Is(err, rfid.ErrFlag) {
		t.Errorf("DecodeAny error = %v, want %v", err, rfid.ErrFlag)
	}
}

func TestParseFormat(t *testing.T) {
	for name, want := range map[string]rfid.Format{
		"auto": rfid.FormatUnknown, "allflex": rfid.FormatAllflex, "TIRIS": rfid.FormatTIRIS,
		"digits": rfid.FormatDigits, "spaced": rfid.FormatSpaced, "wl134": rfid.FormatWL134,
		"allflex-custom": rfid.FormatAllflexCustom, "dot-hex": rfid.FormatDotHex, "biomark": rfid.FormatBiomark,
	} {
		got, err := rfid.ParseFormat(name)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v, want %v", name, got, err, want)
		}
	}
	if _, err := rfid.ParseFormat("rs232"); err == nil {
		t.Error("ParseFormat(\"rs232\") returned no error")
	}
}

func TestNewFormatStrings(t *testing.T) {
	for format, want := range map[rfid.Format]string{
		rfid.FormatAllflexCustom: "Allflex configurable",
		rfid.FormatDotHex:        "dot-hex",
		rfid.FormatBiomark:       "Biomark",
	} {
		if got := format.String(); got != want {
			t.Errorf("Format(%d).String() = %q, want %q", format, got, want)
		}
	}
}

func TestDecodeAllflexCustomLetterCountry(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  line.RFID
	}{
		{"alpha-2", "#A;00000;0;CN;000123456789", "156000123456789"},
		{"alpha-3", "#A;00000;0;AUS;000982000123", "036000982000123"},
		{"space", "#A 00000 0 GB 000000255895", "826000000255895"},
		{"UK", "LA,00000,0,UK,000000255895", "826000000255895"},
		{"Austria keeps its zero", "#A;00000;1;AT;000000004711", "040000000004711"},
		{"no delimiter", "#A000000NZ000000000042", "554000000000042"},
		{"hex layout", "#A;0000;0;DE;00075BCD15", "276000123456789"},
		{"hex layout alpha-3", "#A;0000;0;IRL;00075BCD15", "372000123456789"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeAllflexCustom(tt.input)
			if err != nil {
				t.Fatalf("DecodeAllflexCustom(%q): %v", tt.input, err)
			}
			if got != tt.want {
				t.Errorf("DecodeAllflexCustom(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
}

func TestDecodeAllflexCustomUnknownLetters(t *testing.T) {
	for _, input := range []string{"#A;00000;0;XX;000123456789", "#A;00000;0;ZZZ;000123456789"} {
		_, err := rfid.DecodeAllflexCustom(input)
		if !errors.Is(err, rfid.ErrCountryCode) {
			t.Errorf("DecodeAllflexCustom(%q) error = %v, want %v", input, err, rfid.ErrCountryCode)
			continue
		}
		code := strings.Split(input, ";")[3]
		if !strings.Contains(err.Error(), `"`+code+`"`) {
			t.Errorf("error %q does not name the code %s", err, code)
		}
		if _, _, err := rfid.DecodeAny(input); !errors.Is(err, rfid.ErrCountryCode) {
			t.Errorf("DecodeAny(%q) error = %v, want %v", input, err, rfid.ErrCountryCode)
		}
	}
	if _, err := rfid.DecodeAllflexCustom("#A;00000;0;cn;000123456789"); !errors.Is(err, rfid.ErrUnrecognized) {
		t.Errorf("lower-case letters: error = %v, want %v", err, rfid.ErrUnrecognized)
	}
}

// Without leading zeros every field is padded back to its width, so an
// Australian tag keeps its 036 and its national code its zeros.
func TestDecodeAllflexCustomNoLeadingZeros(t *testing.T) {
	tests := []struct {
		name  string
		input string
		base  int
		want  line.RFID
	}{
		{"decimal", "#A;0;0;36;982000123", 10, "036000982000123"},
		{"decimal comma", "LA,0,1,156,123456789", 10, "156000123456789"},
		{"decimal prefix joined", "#A0;0;36;982000123", 10, "036000982000123"},
		{"decimal letters", "#A;0;0;AU;982000123", 10, "036000982000123"},
		{"decimal national 0", "#;0;0;999;0", 10, "999000000000000"},
		{"hex", "#A;0;0;24;3A8821FB", 16, "036000982000123"},
		{"hex digits only", "#A;0;0;9C;75", 16, "156000000000117"},
		{"full widths decode by width", "#A;00000;0;0036;000982000123", 16, "036000982000123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeAllflexCustomBase(tt.input, tt.base)
			if err != nil {
				t.Fatalf("DecodeAllflexCustomBase(%q, %d): %v", tt.input, tt.base, err)
			}
			if got != tt.want {
				t.Errorf("DecodeAllflexCustomBase(%q, %d) = %q, want %q", tt.input, tt.base, got, tt.want)
			}
		})
	}
}

func TestDecodeAllflexCustomNoLeadingZerosErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		base  int
		want  error
	}{
		{"base unknown", "#A;0;0;36;982000123", 0, rfid.ErrLeadingZeros},
		{"hex digit in decimal", "#A;0;0;3D6;75BCD15", 10, rfid.ErrUnrecognized},
		{"national too wide", "#A;0;0;36;1982000123456", 10, rfid.ErrUnrecognized},
		{"no delimiter", "#A0036982000123", 10, rfid.ErrUnrecognized},
		{"bad flag", "#A;0;2;36;982000123", 10, rfid.ErrUnrecognized},
		{"empty national", "#A;0;0;36;", 10, rfid.ErrUnrecognized},
		{"base 8", "#A;0;0;36;982000123", 8, rfid.ErrUnrecognized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rfid.DecodeAllflexCustomBase(tt.input, tt.base)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeAllflexCustomBase(%q, %d) error = %v, want %v", tt.input, tt.base, err, tt.want)
			}
			if got != "" {
				t.Errorf("DecodeAllflexCustomBase(%q, %d) = %q with an error", tt.input, tt.base, got)
			}
		})
	}
	_, _, err := rfid.DecodeAny("#A;0;0;36;982000123")
	if !errors.Is(err, rfid.ErrLeadingZeros) || !strings.Contains(err.Error(), "allflex-custom-hex") {
		t.Errorf("DecodeAny without leading zeros: error = %v, want %v naming the formats to set", err, rfid.ErrLeadingZeros)
	}
}

func TestCountryLetters(t *testing.T) {
	for code, want := range map[string]string{"156": "CN", "036": "AU", "826": "GB", "040": "AT"} {
		if got, ok := rfid.CountryLetters(code); !ok || got != want {
			t.Errorf("CountryLetters(%q) = %q, %v, want %q", code, got, ok, want)
		}
	}
	if got, ok := rfid.CountryLetters("982"); ok {
		t.Errorf("CountryLetters(\"982\") = %q for a manufacturer code", got)
	}
}
