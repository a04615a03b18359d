package scale_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"lambtrace/devices/scale"
)

func TestProfilesBuiltIn(t *testing.T) {
	want := []string{"ci600d", "dgt4x", "ei4000", "ft112", "id551pn", "ind570", "pr5410", "w100"}
	profiles := scale.Profiles()
	var names []string
	for _, p := range profiles {
		names = append(names, p.Name)
		if err := p.Validate(); err != nil {
			t.Errorf("built-in profile %s: %v", p.Name, err)
		}
		if p.Source == "" {
			t.Errorf("built-in profile %s has no source", p.Name)
		}
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Profiles() names = %v, want %v", names, want)
	}
}

func TestLookupProfile(t *testing.T) {
	p, ok := scale.LookupProfile("dgt4x")
	if !ok || p.Name != "dgt4x" {
		t.Fatalf("LookupProfile(dgt4x) = %q, %v", p.Name, ok)
	}
	if _, ok := scale.LookupProfile("xk3190"); ok {
		t.Error("LookupProfile(xk3190) found a profile that is not shipped")
	}

	// Ensure a caller cannot change the shipped profile through its copy.
	p.Stable.Bit = 9
	again, _ := scale.LookupProfile("dgt4x")
	if again.Stable.Bit != 1 {
		t.Errorf("shipped dgt4x stable bit = %d after a caller changed its copy, want 1", again.Stable.Bit)
	}
}

func TestParseProfileRoundTrip(t *testing.T) {
	for _, p := range scale.Profiles() {
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := scale.ParseProfile(data)
		if err != nil {
			t.Fatalf("ParseProfile(%s) error: %v\n%s", p.Name, err, data)
		}
		if !reflect.DeepEqual(parsed, p) {
			t.Errorf("ParseProfile(Marshal(%s)) = %+v, want %+v", p.Name, parsed, p)
		}
	}
}

func TestParseProfilePlantJSON(t *testing.T) {
	data := []byte(`{
		"name": "hook-3",
		"source": "indicator setup sheet",
		"address_base": 1,
		"function": 4,
		"unit": "kg",
		"weight": {"address": 11, "type": "i32", "word_order": "CDAB"},
		"decimals": {"fixed": 2},
		"sign": {"bit": {"address": 10, "bit": 0}},
		"stable": {"address": 10, "bit": 4, "inverted": true},
		"division": {"fixed_g": 20},
		"zero": {"kind": "edge", "address": 20, "bit": 0},
		"tare": {"kind": "write", "address": 21, "value": 7}
	}`)
	p, err := scale.ParseProfile(data)
	if err != nil {
		t.Fatal(err)
	}
	// Wire addresses are one less: the status word is 9, the weight 10–11.
	r, err := scale.Decode(p, map[uint16]uint16{9: 1, 10: 2340, 11: 0})
	if err != nil {
		t.Fatal(err)
	}
	if r.Grams != -23400 || !r.Stable || r.Division != 20 {
		t.Errorf("Decode = %d g, stable %v, division %d; want -23400 g, stable, 20", r.Grams, r.Stable, r.Division)
	}
}

func TestParseProfileErrors(t *testing.T) {
	valid := `"name":"x","function":3,"unit":"kg","weight":{"address":0,"type":"i32"}`
	tests := []struct {
		name string
		json string
	}{
		{"unknown field", `{` + valid + `,"wieght_order":"CDAB"}`},
		{"missing name", `{"function":3,"unit":"kg","weight":{"address":0,"type":"i32"}}`},
		{"function 5", `{"name":"x","function":5,"unit":"kg","weight":{"address":0,"type":"i32"}}`},
		{"address base 2", `{` + valid + `,"address_base":2}`},
		{"type i64", `{"name":"x","function":3,"unit":"kg","weight":{"address":0,"type":"i64"}}`},
		{"word order ABDC", `{"name":"x","function":3,"unit":"kg","weight":{"address":0,"type":"f32","word_order":"ABDC"}}`},
		{"unit lb", `{"name":"x","function":3,"unit":"lb","weight":{"address":0,"type":"i32"}}`},
		{"bit 16", `{` + valid + `,"stable":{"address":1,"bit":16}}`},
		{"command kind", `{` + valid + `,"zero":{"kind":"pulse","address":1}}`},
		{"address below base", `{"name":"x","address_base":1,"function":3,"unit":"kg","weight":{"address":0,"type":"i32"}}`},
		{"decimals without mask", `{` + valid + `,"decimals":{"register":3}}`},
		{"not JSON", `name: x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scale.ParseProfile([]byte(tt.json))
			if !errors.Is(err, scale.ErrProfile) {
				t.Errorf("ParseProfile(%s) err = %v, want ErrProfile", tt.json, err)
			}
		})
	}
}
