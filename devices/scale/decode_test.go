package scale_test

import (
	"errors"
	"testing"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

// floatProfile returns a minimal profile with a float weight at wire
// address 0 in the given word order.
func floatProfile(order scale.WordOrder) scale.Profile {
	return scale.Profile{
		Name: "float-" + string(order), Function: 3, Unit: "kg",
		Weight: scale.Register{Address: 0, Type: scale.Float32, WordOrder: order},
	}
}

func TestDecodeFloatWordOrders(t *testing.T) {
	tests := []struct {
		name   string
		order  scale.WordOrder
		first  uint16
		second uint16
		want   line.Mass
	}{
		{"12.34 ABCD", scale.ABCD, 0x4145, 0x70A4, 12340},
		{"12.34 CDAB", scale.CDAB, 0x70A4, 0x4145, 12340},
		{"12.34 BADC", scale.BADC, 0x4541, 0xA470, 12340},
		{"12.34 DCBA", scale.DCBA, 0xA470, 0x4541, 12340},
		{"25.5 ABCD", scale.ABCD, 0x41CC, 0x0000, 25500},
		{"25.5 CDAB", scale.CDAB, 0x0000, 0x41CC, 25500},
		{"-0.5 ABCD", scale.ABCD, 0xBF00, 0x0000, -500},
		{"-0.5 DCBA", scale.DCBA, 0x0000, 0x00BF, -500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := scale.Decode(floatProfile(tt.order), map[uint16]uint16{0: tt.first, 1: tt.second})
			if err != nil {
				t.Fatalf("Decode(%04X %04X) error: %v", tt.first, tt.second, err)
			}
			if r.Grams != tt.want {
				t.Errorf("Decode(%04X %04X) = %d g, want %d g", tt.first, tt.second, r.Grams, tt.want)
			}
		})
	}
}

// A float stored with its words swapped and read in the profile's order
// is astronomically large or almost zero; Decode must reject it rather
// than deliver it as a weight.
func TestDecodeFloatWrongWordOrder(t *testing.T) {
	tests := []struct {
		name          string
		first, second uint16
	}{
		{"12.34 sent CDAB gives 4.07e29", 0x70A4, 0x4145},
		{"25.5 sent CDAB gives 2.4e-41", 0x0000, 0x41CC},
		{"-0.5 sent CDAB gives 6.9e-41", 0x0000, 0xBF00},
		{"NaN", 0x7FC0, 0x0000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := scale.Decode(floatProfile(scale.ABCD), map[uint16]uint16{0: tt.first, 1: tt.second})
			if !errors.Is(err, scale.ErrImplausible) {
				t.Fatalf("Decode(%04X %04X) = %+v, %v; want ErrImplausible", tt.first, tt.second, r, err)
			}
		})
	}
}

func TestDecodeFloatRoundsToGram(t *testing.T) {
	// 12.3456 kg as a float32 is 12.34560012…, which rounds to 12346 g.
	r, err := scale.Decode(floatProfile(scale.ABCD), map[uint16]uint16{0: 0x4145, 1: 0x87FD})
	if err != nil {
		t.Fatal(err)
	}
	if r.Grams != 12346 {
		t.Errorf("Grams = %d, want 12346", r.Grams)
	}
	if r.Division != 0 {
		t.Errorf("Division = %d, want 0 for a float without a division register", r.Division)
	}
}

func TestDecodeInt32Vectors(t *testing.T) {
	p := scale.Profile{
		Name: "int", Function: 3, Unit: "kg", Decimals: scale.Decimals{Fixed: 2},
		Weight: scale.Register{Address: 0, Type: scale.Int32, WordOrder: scale.ABCD},
	}
	tests := []struct {
		name     string
		hi, lo   uint16
		want     line.Mass
		division line.Mass
	}{
		{"12345 is 123.45 kg", 0x0000, 0x3039, 123450, 10},
		{"-50 is -0.50 kg", 0xFFFF, 0xFFCE, -500, 10},
		{"100000 is 1000.00 kg", 0x0001, 0x86A0, 1000000, 10},
		{"-1 is a weight, not unstable", 0xFFFF, 0xFFFF, -10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := scale.Decode(p, map[uint16]uint16{0: tt.hi, 1: tt.lo})
			if err != nil {
				t.Fatal(err)
			}
			if r.Grams != tt.want {
				t.Errorf("Grams = %d, want %d", r.Grams, tt.want)
			}
			if r.Division != tt.division {
				t.Errorf("Division = %d, want %d (one count)", r.Division, tt.division)
			}
		})
	}
}

func TestDecodeInt16ThreeDecimals(t *testing.T) {
	p := scale.Profile{
		Name: "i16", Function: 4, Unit: "kg", Decimals: scale.Decimals{Fixed: 3},
		Weight: scale.Register{Address: 5, Type: scale.Int16},
	}
	r, err := scale.Decode(p, map[uint16]uint16{5: 0xFFF6}) // -10
	if err != nil {
		t.Fatal(err)
	}
	if r.Grams != -10 {
		t.Errorf("Grams = %d, want -10", r.Grams)
	}
}

// An indicator that flags motion must still report a real negative
// weight, such as an empty hook after a tare, as that weight: the flag
// and the value are separate fields, never a −1 sentinel.
func TestDecodeNegativeIsNotUnstable(t *testing.T) {
	p, ok := scale.LookupProfile("dgt4x")
	if !ok {
		t.Fatal("dgt4x profile missing")
	}
	// Wire address 201 is the status word 40202: b0 sign, b1 stable.
	tests := []struct {
		name       string
		status     uint16
		counts     uint16
		wantGrams  line.Mass
		wantStable bool
	}{
		{"unstable small negative", 0b01, 5, -50, false},
		{"stable -1.00 kg below zero", 0b11, 100, -1000, true},
		{"stable 23.40 kg", 0b10, 2340, 23400, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registers := map[uint16]uint16{201: tt.status, 202: 0, 203: tt.counts}
			r, err := scale.Decode(p, registers)
			if err != nil {
				t.Fatal(err)
			}
			if r.Grams != tt.wantGrams {
				t.Errorf("Grams = %d, want %d", r.Grams, tt.wantGrams)
			}
			if r.Stable != tt.wantStable {
				t.Errorf("Stable = %v, want %v", r.Stable, tt.wantStable)
			}
		})
	}
}

func TestDecodeStatusBits(t *testing.T) {
	p, _ := scale.LookupProfile("id551pn")
	// 40005 is wire address 4: bit 12 motion, 10 overload, 9 under zero, 11 net.
	registers := map[uint16]uint16{0: 0x41CC, 1: 0x0000, 4: 1<<12 | 1<<10 | 1<<11}
	r, err := scale.Decode(p, registers)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stable {
		t.Error("Stable = true with the motion bit set")
	}
	if !r.Overload {
		t.Error("Overload = false with bit 10 set")
	}
	if r.Underload {
		t.Error("Underload = true with bit 9 clear")
	}
	if !r.Net {
		t.Error("Net = false with bit 11 set")
	}
	if r.Grams != 25500 {
		t.Errorf("Grams = %d, want 25500", r.Grams)
	}
}

func TestDecodeDecimalsFromRegister(t *testing.T) {
	p, _ := scale.LookupProfile("ft112")
	// 40007 (wire 6) holds status bits 16–31; B29 (xxx.xx) is bit 13.
	registers := map[uint16]uint16{0: 0, 1: 2340, 6: 1 << 13, 7: 0}
	r, err := scale.Decode(p, registers)
	if err != nil {
		t.Fatal(err)
	}
	if r.Decimals != 2 {
		t.Errorf("Decimals = %d, want 2", r.Decimals)
	}
	if r.Grams != 23400 {
		t.Errorf("Grams = %d, want 23400", r.Grams)
	}
	if !r.Stable {
		t.Error("Stable = false with the unstable bit clear")
	}

	registers[6] = 0
	if _, err := scale.Decode(p, registers); err == nil {
		t.Error("Decode accepted a decimal field with no entry in the map")
	}
}

func TestDecodeDivisionRegister(t *testing.T) {
	p, _ := scale.LookupProfile("ind570")
	// 0.02 kg is 0x3CA3D70A.
	registers := map[uint16]uint16{1002: 0x41CC, 1003: 0, 203: 0x3CA3, 204: 0xD70A}
	r, err := scale.Decode(p, registers)
	if err != nil {
		t.Fatal(err)
	}
	if r.Division != 20 {
		t.Errorf("Division = %d, want 20", r.Division)
	}
}

func TestDecodeMissingRegister(t *testing.T) {
	p, _ := scale.LookupProfile("id551pn")
	_, err := scale.Decode(p, map[uint16]uint16{0: 0x41CC, 1: 0})
	if !errors.Is(err, scale.ErrMissingRegister) {
		t.Errorf("Decode without the status word: err = %v, want ErrMissingRegister", err)
	}
}

func TestDecodeIntegerBeyondMaxMass(t *testing.T) {
	p := scale.Profile{
		Name: "u32", Function: 3, Unit: "kg",
		Weight: scale.Register{Address: 0, Type: scale.Uint32},
	}
	_, err := scale.Decode(p, map[uint16]uint16{0: 0xFFFF, 1: 0xFFFF})
	if !errors.Is(err, scale.ErrImplausible) {
		t.Errorf("Decode(4294967295 kg) err = %v, want ErrImplausible", err)
	}
}
