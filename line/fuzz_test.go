package line_test

import (
	"errors"
	"testing"

	"lambtrace/line"
)

func FuzzParseEarTag(f *testing.F) {
	for _, s := range []string{"315250200357041", "315259900000001", "215250200357041", "31525020035704", "", "3１5250200357041"} {
		f.Add(s)
	}
	counties := line.DefaultCounties()
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := line.ParseEarTag(s, counties)
		if err != nil {
			var idErr *line.IDError
			if !errors.As(err, &idErr) {
				t.Fatalf("ParseEarTag(%q) error %v is not an IDError", s, err)
			}
			return
		}
		if string(tag) != s || len(s) != 15 || s[0] != '3' || !counties.Valid(tag.County()) {
			t.Fatalf("ParseEarTag(%q) accepted %q", s, tag)
		}
	})
}

func FuzzParseRFID(f *testing.F) {
	for _, s := range []string{"156000011051554", "036000982000123", "156274877906944", "999999999999999", "15600001105155x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := line.ParseRFID(s)
		if err != nil {
			return
		}
		if string(id) != s || id.Spaced() != s[:3]+" "+s[3:] {
			t.Fatalf("ParseRFID(%q) = %q", s, id)
		}
		if id.National() > "274877906943" {
			t.Fatalf("ParseRFID(%q) accepted a national code above the 38-bit maximum", s)
		}
	})
}

func FuzzParseMass(f *testing.F) {
	for _, s := range []string{"18.28 kg", "18280 g", "18.280 千克", "-0.02 kg", "1e3 g", "9999999999999 kg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := line.ParseMass(s)
		if err != nil {
			return
		}
		if m > line.MaxMass || m < -line.MaxMass {
			t.Fatalf("ParseMass(%q) = %d, beyond MaxMass", s, m)
		}
		back, err := line.ParseMass(m.String())
		if err != nil || back != m {
			t.Fatalf("ParseMass(%q) = %d, but its String %q parses to %d, %v", s, m, m.String(), back, err)
		}
	})
}

// FuzzParseRegistry checks that no input makes the import panic and that
// a rejected file yields a ValidationError and no registry.
func FuzzParseRegistry(f *testing.F) {
	f.Add([]byte(`{"format":"lambtrace-registry/1","consignments":[]}`))
	f.Add([]byte(`{"format":"lambtrace-registry/1","consignments":[{"id":"C","animals":[{"ear_tag":"315250200357041"}]}]}`))
	f.Add([]byte(`{"format":"lambtrace-registry/1","consignments":[{"certificate":{"head_count":"x"},"animals":null}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		reg, err := line.ParseRegistry(data, "fuzz.json")
		if err != nil {
			var v *line.ValidationError
			if !errors.As(err, &v) || len(v.Problems) == 0 || reg != nil {
				t.Fatalf("err = %v, registry %v", err, reg)
			}
		}
	})
}
