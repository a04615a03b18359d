package line_test

import (
	"errors"
	"testing"

	"lambtrace/line"
)

func TestMassString(t *testing.T) {
	tests := []struct {
		in     line.Mass
		en, zh string
	}{
		{0, "0.000 kg", "0.000 千克"},
		{18280, "18.280 kg", "18.280 千克"},
		{5, "0.005 kg", "0.005 千克"},
		{-20, "-0.020 kg", "-0.020 千克"},
		{line.Kilogram, "1.000 kg", "1.000 千克"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.en {
			t.Errorf("Mass(%d).String() = %q, want %q", tt.in, got, tt.en)
		}
		if got := tt.in.StringZH(); got != tt.zh {
			t.Errorf("Mass(%d).StringZH() = %q, want %q", tt.in, got, tt.zh)
		}
	}
}

func TestParseMass(t *testing.T) {
	tests := []struct {
		in   string
		want line.Mass
	}{
		{"18.28 kg", 18280},
		{"18.280kg", 18280},
		{"18280 g", 18280},
		{"18280克", 18280},
		{"18.28 千克", 18280},
		{"18.28公斤", 18280},
		{"0.002 kg", 2},
		{"-0.02 kg", -20},
		{"+3 kg", 3000},
		{"  7 KG ", 7000},
		{"000012 g", 12},
		{"1000000 kg", line.MaxMass},
	}
	for _, tt := range tests {
		got, err := line.ParseMass(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseMass(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseMassErrors(t *testing.T) {
	for _, in := range []string{
		"", "18.28", "kg", "18.2805 kg", "1.5 g", "18,28 kg", "1e3 g", "--1 kg", ". kg", "1. kg",
		"1000000.001 kg", "99999999999999999999 g", "一 kg",
	} {
		if got, err := line.ParseMass(in); !errors.Is(err, line.ErrMassSyntax) {
			t.Errorf("ParseMass(%q) = %d, %v, want ErrMassSyntax", in, got, err)
		}
	}
}

func TestMassSetFlag(t *testing.T) {
	var m line.Mass
	if err := m.Set("20 g"); err != nil || m != 20 {
		t.Fatalf("Set(\"20 g\") = %v, mass %d", err, m)
	}
	if err := m.Set("20"); err == nil {
		t.Errorf("Set(\"20\") accepted a mass without a unit")
	}
	if m != 20 {
		t.Errorf("failed Set changed the mass to %d", m)
	}
}
