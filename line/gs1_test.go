package line

import (
	"errors"
	"testing"
)

func TestGTINCheckDigit(t *testing.T) {
	tests := []struct {
		body string
		want byte
	}{
		{"9692345600001", '1'},
		{"9692345600002", '8'},
		{"9692345600011", '0'},
		{"0690123456789", '2'},
		{"9501234567890", '3'},
		{"690123456789", '2'}, // GTIN-13 body
		{"03600029145", '2'},  // GTIN-12 body
		{"9638507", '4'},      // GTIN-8 body
		{"0000000000000", '0'},
	}
	for _, tt := range tests {
		got, err := GTINCheckDigit(tt.body)
		if err != nil {
			t.Errorf("GTINCheckDigit(%q) error: %v", tt.body, err)
			continue
		}
		if got != tt.want {
			t.Errorf("GTINCheckDigit(%q) = %c, want %c", tt.body, got, tt.want)
		}
	}
}

func TestGTINCheckDigitInvalid(t *testing.T) {
	for _, body := range []string{"", "123456", "12345678", "96923456000011", "969234560000A", "96923456 0001"} {
		_, err := GTINCheckDigit(body)
		var idErr *IDError
		if !errors.As(err, &idErr) {
			t.Errorf("GTINCheckDigit(%q) error = %v, want *IDError", body, err)
			continue
		}
		if idErr.Kind != KindGTIN || idErr.Problem != ProblemLength {
			t.Errorf("GTINCheckDigit(%q) error = %s/%s, want %s/%s", body, idErr.Kind, idErr.Problem, KindGTIN, ProblemLength)
		}
	}
}

func TestParseGTIN(t *testing.T) {
	tests := []struct {
		in   string
		want GTIN
	}{
		{"96923456000011", "96923456000011"},
		{"96923456000028", "96923456000028"},
		{"96923456000110", "96923456000110"},
		{"06901234567892", "06901234567892"},
		{"95012345678903", "95012345678903"},
		{"6901234567892", "06901234567892"},  // GTIN-13
		{"036000291452", "00036000291452"},   // GTIN-12
		{"96385074", "00000096385074"},       // GTIN-8
		{"00000000000000", "00000000000000"}, // passes mod 10
	}
	for _, tt := range tests {
		got, err := ParseGTIN(tt.in)
		if err != nil {
			t.Errorf("ParseGTIN(%q) error: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseGTIN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseGTINInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want IDProblem
	}{
		{"96923456000012", ProblemCheck},
		{"96923456000029", ProblemCheck},
		{"96923456000111", ProblemCheck},
		{"06901234567893", ProblemCheck},
		{"95012345678904", ProblemCheck},
		{"6901234567891", ProblemCheck},
		{"96385075", ProblemCheck},
		{"69923456000011", ProblemCheck}, // first two digits swapped
		{"", ProblemLength},
		{"969234560000111", ProblemLength}, // 15 digits
		{"1234567", ProblemLength},
		{"96923456O00011", ProblemLength}, // letter O
		{"+6923456000011", ProblemLength},
		{"９6923456000011", ProblemLength}, // full-width digit
	}
	for _, tt := range tests {
		_, err := ParseGTIN(tt.in)
		var idErr *IDError
		if !errors.As(err, &idErr) {
			t.Errorf("ParseGTIN(%q) error = %v, want *IDError", tt.in, err)
			continue
		}
		if idErr.Kind != KindGTIN {
			t.Errorf("ParseGTIN(%q) error kind = %s, want %s", tt.in, idErr.Kind, KindGTIN)
		}
		if idErr.Value != tt.in {
			t.Errorf("ParseGTIN(%q) error value = %q, want the input", tt.in, idErr.Value)
		}
		if idErr.Problem != tt.want {
			t.Errorf("ParseGTIN(%q) error problem = %s, want %s", tt.in, idErr.Problem, tt.want)
		}
	}
}

func TestParseGTINCheckDetail(t *testing.T) {
	_, err := ParseGTIN("96923456000012")
	want := `invalid gtin "96923456000012": check digit does not match (expected check digit 1)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseGTIN error = %v, want %s", err, want)
	}
}

func TestGTINIndicator(t *testing.T) {
	tests := []struct {
		gtin     GTIN
		want     byte
		variable bool
	}{
		{"96923456000011", '9', true},
		{"06901234567892", '0', false},
		{"16901234567899", '1', false},
		{"", 0, false},
		{"6901234567892", 0, false}, // not padded
	}
	for _, tt := range tests {
		if got := tt.gtin.Indicator(); got != tt.want {
			t.Errorf("GTIN(%q).Indicator() = %q, want %q", tt.gtin, got, tt.want)
		}
		if got := tt.gtin.VariableMeasure(); got != tt.variable {
			t.Errorf("GTIN(%q).VariableMeasure() = %v, want %v", tt.gtin, got, tt.variable)
		}
	}
}

func FuzzParseGTIN(f *testing.F) {
	for _, seed := range []string{
		"96923456000011", "96923456000012", "6901234567892", "036000291452",
		"96385074", "", "0", "9692345600001A", "969234560000111",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		gtin, err := ParseGTIN(s)
		if err != nil {
			var idErr *IDError
			if !errors.As(err, &idErr) {
				t.Fatalf("ParseGTIN(%q) error = %v, want *IDError", s, err)
			}
			return
		}
		if len(gtin) != 14 || !isDigits(string(gtin)) {
			t.Fatalf("ParseGTIN(%q) = %q, want 14 digits", s, gtin)
		}
		check, err := GTINCheckDigit(string(gtin[:13]))
		if err != nil || check != gtin[13] {
			t.Fatalf("ParseGTIN(%q) = %q, but GTINCheckDigit of its body = %c, %v", s, gtin, check, err)
		}
		again, err := ParseGTIN(string(gtin))
		if err != nil || again != gtin {
			t.Fatalf("ParseGTIN(%q) = %q, %v, want %q", gtin, again, err, gtin)
		}
	})
}
