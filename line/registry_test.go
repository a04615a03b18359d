package line_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"lambtrace/line"
)

func TestParseRegistrySample(t *testing.T) {
	reg := mustRegistry(t)
	if len(reg.Consignments) != 16 || reg.AnimalCount() != 372 {
		t.Fatalf("consignments %d, animals %d, want 16 and 372", len(reg.Consignments), reg.AnimalCount())
	}
	a, ok := reg.AnimalByEarTag("315250200357041")
	if !ok || a.RFID != "156000011051554" || a.Consignment.ID != "SB152502-20261203-001" {
		t.Fatalf("animal 315250200357041 = %+v", a)
	}
	if a.LiveWeight != 40089 || a.Pasture.FeedingSystem != 3 || len(a.Vaccinations) != 4 {
		t.Errorf("animal fields = %+v", a)
	}
	if _, off := a.Consignment.DeclaredAt.Zone(); off != 8*3600 {
		t.Errorf("declared_at zone offset = %d, want +08:00", off)
	}
}

// editRegistry decodes the sample registry into generic JSON, applies
// edit, and encodes it again.
func editRegistry(t *testing.T, edit func(doc map[string]any)) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(mustRead(t, "registry"), &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func consignment(doc map[string]any, i int) map[string]any {
	return doc["consignments"].([]any)[i].(map[string]any)
}

func animal(doc map[string]any, c, i int) map[string]any {
	return consignment(doc, c)["animals"].([]any)[i].(map[string]any)
}

func TestParseRegistryProblems(t *testing.T) {
	tests := []struct {
		name string
		edit func(doc map[string]any)
		code line.ProblemCode
		path string
		cons string
		anim string
	}{
		{"MissingEarTag", func(d map[string]any) { delete(animal(d, 0, 2), "ear_tag") },
			line.ProblemMissing, "consignments[0].animals[2].ear_tag", "SB152502-20261203-001", ""},
		{"NullBorn", func(d map[string]any) { animal(d, 1, 0)["born_on"] = nil },
			line.ProblemMissing, "consignments[1].animals[0].born_on", "SB152522-20261203-002", "315252200357104"},
		{"HeadCountString", func(d map[string]any) { consignment(d, 2)["certificate"].(map[string]any)["head_count"] = "29" },
			line.ProblemType, "consignments[2].certificate.head_count", "SB152523-20261203-003", ""},
		{"HeadCountFraction", func(d map[string]any) { consignment(d, 2)["certificate"].(map[string]any)["head_count"] = 29.5 },
			line.ProblemType, "consignments[2].certificate.head_count", "SB152523-20261203-003", ""},
		{"EarTagNumber", func(d map[string]any) { animal(d, 0, 1)["ear_tag"] = 315250200357043 },
			line.ProblemType, "consignments[0].animals[1].ear_tag", "SB152502-20261203-001", ""},
		{"ShortRFID", func(d map[string]any) { animal(d, 0, 1)["rfid"] = "15600001105155" },
			line.ProblemInvalid, "consignments[0].animals[1].rfid", "SB152502-20261203-001", "315250200357043"},
		{"TimeWithoutZone", func(d map[string]any) { consignment(d, 0)["declared_at"] = "2026-12-03T11:15:00" },
			line.ProblemInvalid, "consignments[0].declared_at", "SB152502-20261203-001", ""},
		{"BadDate", func(d map[string]any) { animal(d, 0, 0)["tagged_on"] = "2026-02-30" },
			line.ProblemInvalid, "consignments[0].animals[0].tagged_on", "SB152502-20261203-001", "315250200357041"},
		{"TaggedBeforeBirth", func(d map[string]any) { animal(d, 0, 0)["tagged_on"] = "2026-05-01" },
			line.ProblemInvalid, "consignments[0].animals[0].tagged_on", "SB152502-20261203-001", "315250200357041"},
		{"BadSex", func(d map[string]any) { animal(d, 0, 0)["sex"] = "X" },
			line.ProblemInvalid, "consignments[0].animals[0].sex", "SB152502-20261203-001", "315250200357041"},
		{"FeedingSystem4", func(d map[string]any) { animal(d, 0, 0)["pasture"].(map[string]any)["feeding_system"] = 4 },
			line.ProblemInvalid, "consignments[0].animals[0].pasture.feeding_system", "SB152502-20261203-001", "315250200357041"},
		{"NegativeWithdrawal", func(d map[string]any) {
			animal(d, 0, 0)["treatments"] = []any{map[string]any{"drug": "x", "on": "2026-11-01", "withdrawal_days": -1}}
		}, line.ProblemInvalid, "consignments[0].animals[0].treatments[0].withdrawal_days", "SB152502-20261203-001", "315250200357041"},
		{"LiveWeightKg", func(d map[string]any) { animal(d, 0, 0)["live_weight_g"] = 40.089 },
			line.ProblemType, "consignments[0].animals[0].live_weight_g", "SB152502-20261203-001", "315250200357041"},
		{"DuplicateRFID", func(d map[string]any) { animal(d, 3, 0)["rfid"] = animal(d, 0, 0)["rfid"] },
			line.ProblemDuplicate, "consignments[3].animals[0].rfid", "SB152524-20261203-004", ""},
		{"DuplicateConsignment", func(d map[string]any) { consignment(d, 5)["id"] = "SB152502-20261203-001" },
			line.ProblemDuplicate, "consignments[5].id", "SB152502-20261203-001", ""},
		{"WrongFormat", func(d map[string]any) { d["format"] = "lambtrace-registry/2" },
			line.ProblemFormat, "format", "", ""},
		{"AnimalsNotArray", func(d map[string]any) { consignment(d, 0)["animals"] = "none" },
			line.ProblemType, "consignments[0].animals", "SB152502-20261203-001", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := line.ParseRegistry(editRegistry(t, tt.edit), "registry.json")
			if reg != nil {
				t.Error("a registry with problems was returned")
			}
			var v *line.ValidationError
			if !errors.As(err, &v) || len(v.Problems) == 0 {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			p := v.Problems[0]
			if p.Code != tt.code || p.Path != tt.path || p.Consignment != tt.cons {
				t.Errorf("problem = %+v, want code %s, path %s, consignment %s", p, tt.code, tt.path, tt.cons)
			}
			if tt.anim != "" && p.Animal != tt.anim {
				t.Errorf("problem animal = %q, want %q", p.Animal, tt.anim)
			}
			if !strings.Contains(err.Error(), "registry.json") || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Error() = %q, want the file and the path", err)
			}
			zh := p.Message(line.LangZH)
			if strings.Contains(zh, "detail.") || strings.Contains(p.Message(line.LangEN), "detail.") {
				t.Errorf("message with an untranslated detail: %q", zh)
			}
			if (p.Code != line.ProblemFormat && !strings.Contains(zh, tt.path)) || (tt.cons != "" && !strings.Contains(zh, tt.cons)) {
				t.Errorf("Chinese message %q lacks the path or consignment", zh)
			}
		})
	}
}

func TestParseRegistryIgnoresUnknownFields(t *testing.T) {
	data := editRegistry(t, func(d map[string]any) {
		d["schema_note"] = "newer export"
		animal(d, 0, 0)["coat_colour"] = "white"
		consignment(d, 0)["owner"].(map[string]any)["phone"] = 1234
	})
	if _, err := line.ParseRegistry(data, "registry.json"); err != nil {
		t.Errorf("unknown fields rejected: %v", err)
	}
}

func TestParseRegistryOptionalCertificate(t *testing.T) {
	data := editRegistry(t, func(d map[string]any) { delete(consignment(d, 0), "certificate") })
	reg, err := line.ParseRegistry(data, "registry.json")
	if err != nil {
		t.Fatal(err)
	}
	if reg.Consignments[0].Certificate != nil {
		t.Error("missing certificate imported as non-nil")
	}
}

func TestParseRegistrySyntax(t *testing.T) {
	tests := []struct {
		name, in string
		code     line.ProblemCode
		detail   string
	}{
		{"Truncated", "{\n  \"format\": \"lambtrace-registry/1\",\n  \"consignments\": [", line.ProblemSyntaxErr, "line 3"},
		{"BadValueColumn", "{\n  \"format\": x}", line.ProblemSyntaxErr, "line 2, column 13"},
		{"WideCharacters", "{\"源\": \"草原\", x}", line.ProblemSyntaxErr, "line 1, column 13"},
		{"BOMThenGarbage", "\xEF\xBB\xBF{,}", line.ProblemSyntaxErr, "line 1, column 2"},
		{"Garbage", "\x00\x01binary", line.ProblemSyntaxErr, "line 1"},
		{"Array", "[]", line.ProblemType, "JSON object"},
		{"Null", "null", line.ProblemType, "JSON object"},
		{"Empty", "", line.ProblemSyntaxErr, ""},
		{"NoConsignments", `{"format":"lambtrace-registry/1"}`, line.ProblemMissing, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := line.ParseRegistry([]byte(tt.in), "r.json")
			var v *line.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v", err)
			}
			if p := v.Problems[0]; p.Code != tt.code || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("problem = %+v, want code %s with %q", p, tt.code, tt.detail)
			}
		})
	}
}

func TestParseRegistryManyProblemsCapped(t *testing.T) {
	data := editRegistry(t, func(d map[string]any) {
		for c := range d["consignments"].([]any) {
			for _, a := range consignment(d, c)["animals"].([]any) {
				delete(a.(map[string]any), "breed")
				delete(a.(map[string]any), "sex")
			}
		}
	})
	_, err := line.ParseRegistry(data, "r.json")
	var v *line.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 100 {
		t.Fatalf("err = %v, want 100 problems listed", err)
	}
	if v.Total() != 744 || v.Dropped != 644 {
		t.Errorf("Total() = %d, Dropped = %d, want 744 and 644 (two per animal)", v.Total(), v.Dropped)
	}
	if !strings.Contains(err.Error(), "744 problem(s)") || !strings.Contains(err.Error(), "and 739 more") {
		t.Errorf("Error() = %q", err)
	}
}

func TestParseProducts(t *testing.T) {
	m := mustProducts(t)
	p, ok := m.Product("leg_bone_in")
	if !ok || p.GTIN != "96923456000011" || p.UNECECut != "4800" || !p.BoneIn {
		t.Fatalf("leg_bone_in = %+v", p)
	}
	if spine, _ := m.Product("spine"); spine.UNECECut != "" {
		t.Errorf("null unece_cut imported as %q", spine.UNECECut)
	}
	if !m.HasByproduct("trim") || m.HasByproduct("leg_bone_in") {
		t.Error("HasByproduct")
	}

	var doc map[string]any
	_ = json.Unmarshal(mustRead(t, "products"), &doc)
	doc["products"].([]any)[1].(map[string]any)["gtin"] = "96923456000029"
	doc["products"].([]any)[2].(map[string]any)["key"] = "leg_bone_in"
	data, _ := json.Marshal(doc)
	_, err := line.ParseProducts(data, "products.json")
	var v *line.ValidationError
	if !errors.As(err, &v) || len(v.Problems) != 2 {
		t.Fatalf("err = %v, want two problems", err)
	}
	if v.Problems[0].Field != "gtin" || v.Problems[1].Code != line.ProblemDuplicate {
		t.Errorf("problems = %+v", v.Problems)
	}
}

func TestParseLineRun(t *testing.T) {
	run := mustLineRun(t)
	if len(run.Passes) != 375 || len(run.Lots) != 1 || len(run.LabTests) != 16 {
		t.Fatalf("passes %d, lots %d, lab tests %d", len(run.Passes), len(run.Lots), len(run.LabTests))
	}
	p := run.Passes[0]
	if p.ReaderLine != "LA 156 000011051554" || p.HotWeight != 19226 || len(p.Cuts) != 13 || p.TrimToLot != "ROLL-1" {
		t.Errorf("first pass = %+v", p)
	}
	if run.CarcassScale.Division != 20 || run.PackScale.Division != 2 {
		t.Errorf("scales = %+v %+v", run.CarcassScale, run.PackScale)
	}
	framed := 0
	for _, p := range run.Passes {
		if p.ReaderFrame != nil {
			framed++
			if len(p.ReaderFrame) != 30 {
				t.Errorf("pass %d frame of %d bytes", p.Number, len(p.ReaderFrame))
			}
		}
	}
	if framed != 74 {
		t.Errorf("%d framed passes, want 74", framed)
	}
}

func TestParseLineRunProblems(t *testing.T) {
	edit := func(f func(d map[string]any)) []byte {
		var doc map[string]any
		_ = json.Unmarshal(mustRead(t, "linerun"), &doc)
		f(doc)
		out, _ := json.Marshal(doc)
		return out
	}
	pass := func(d map[string]any, i int) map[string]any { return d["passes"].([]any)[i].(map[string]any) }
	tests := []struct {
		name string
		edit func(d map[string]any)
		path string
		code line.ProblemCode
	}{
		{"NoReader", func(d map[string]any) { delete(pass(d, 0), "reader_line") }, "passes[0].reader_line", line.ProblemMissing},
		{"BothReaders", func(d map[string]any) { pass(d, 0)["reader_frame_hex"] = "02" }, "passes[0].reader_line", line.ProblemInvalid},
		{"BadHex", func(d map[string]any) { delete(pass(d, 0), "reader_line"); pass(d, 0)["reader_frame_hex"] = "0g" },
			"passes[0].reader_frame_hex", line.ProblemInvalid},
		{"OverCapacity", func(d map[string]any) { pass(d, 7)["hot_weight_g"] = 150001 }, "passes[7].hot_weight_g", line.ProblemInvalid},
		{"Inspection", func(d map[string]any) { pass(d, 7)["inspection"] = "ok" }, "passes[7].inspection", line.ProblemInvalid},
		{"UnknownLot", func(d map[string]any) { pass(d, 0)["byproducts"].(map[string]any)["trim_to_lot"] = "ROLL-9" },
			"passes[0].byproducts.trim_to_lot", line.ProblemReference},
		{"NegativeBone", func(d map[string]any) { pass(d, 0)["byproducts"].(map[string]any)["bone"] = -1 },
			"passes[0].byproducts.bone", line.ProblemInvalid},
		{"LabResult", func(d map[string]any) { d["lab_tests"].([]any)[0].(map[string]any)["result"] = "unclear" },
			"lab_tests[0].result", line.ProblemInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := line.ParseLineRun(edit(tt.edit), "linerun.json")
			var v *line.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v", err)
			}
			p := v.Problems[0]
			if p.Path != tt.path || p.Code != tt.code {
				t.Errorf("problem = %+v, want %s at %s", p, tt.code, tt.path)
			}
			for _, lang := range line.Langs {
				if msg := p.Message(lang); strings.Contains(msg, "detail.") {
					t.Errorf("%s message with an untranslated detail: %q", lang, msg)
				}
			}
		})
	}
}

func TestCatalogsCoverEachOther(t *testing.T) {
	zh, err := line.CatalogKeys(line.LangZH)
	if err != nil {
		t.Fatal(err)
	}
	en, err := line.CatalogKeys(line.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	inZH := make(map[string]bool)
	for _, k := range zh {
		inZH[k] = true
	}
	for _, k := range en {
		if !inZH[k] {
			t.Errorf("key %s is in en but not zh-CN", k)
		}
		delete(inZH, k)
	}
	for k := range inZH {
		t.Errorf("key %s is in zh-CN but not en", k)
	}
	need := []string{}
	for _, c := range line.Codes {
		need = append(need, "decision."+string(c))
	}
	for _, p := range []line.IDProblem{line.ProblemLength, line.ProblemRange, line.ProblemSpecies, line.ProblemCounty, line.ProblemSyntax, line.ProblemCheck,
		line.ProblemUnrecognized, line.ProblemChecksum, line.ProblemFrame, line.ProblemUnsupported} {
		need = append(need, "id."+string(p))
	}
	for _, p := range []line.ProblemCode{line.ProblemMissing, line.ProblemType, line.ProblemInvalid, line.ProblemDuplicate,
		line.ProblemReference, line.ProblemSyntaxErr, line.ProblemFormat} {
		need = append(need, "import."+string(p))
	}
	have := make(map[string]bool)
	for _, k := range en {
		have[k] = true
	}
	for _, k := range need {
		if !have[k] {
			t.Errorf("catalogs lack %s", k)
		}
	}
}

func TestProblemMessageLanguages(t *testing.T) {
	data := editRegistry(t, func(d map[string]any) { consignment(d, 2)["certificate"].(map[string]any)["head_count"] = "29" })
	_, err := line.ParseRegistry(data, "registry.json")
	var v *line.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v", err)
	}
	p := v.Problems[0]
	if p.Detail != "expected an integer" {
		t.Errorf("Detail = %q, want the English detail", p.Detail)
	}
	zh, en := p.Message(line.LangZH), p.Message(line.LangEN)
	if !strings.Contains(zh, "类型错误，应为整数") || !strings.Contains(zh, "批次 SB152523-20261203-003") {
		t.Errorf("Chinese message = %q", zh)
	}
	if !strings.Contains(en, "wrong type, expected an integer") {
		t.Errorf("English message = %q", en)
	}
}

func TestParseRegistryByteOrderMark(t *testing.T) {
	data := append([]byte("\xEF\xBB\xBF"), mustRead(t, "registry")...)
	if _, err := line.ParseRegistry(data, "bom.json"); err != nil {
		t.Errorf("registry with a byte-order mark rejected: %v", err)
	}
}

func TestParseRegistryHugeInteger(t *testing.T) {
	data := []byte(strings.Replace(string(mustRead(t, "registry")), `"live_weight_g": 40089`, `"live_weight_g": 1000000000000000000000000000000`, 1))
	_, err := line.ParseRegistry(data, "r.json")
	var v *line.ValidationError
	if !errors.As(err, &v) || v.Problems[0].Code != line.ProblemInvalid || v.Problems[0].Detail != "the number is too large" {
		t.Errorf("err = %v, want an invalid value that is too large", err)
	}
}

func TestProblemMessageLocation(t *testing.T) {
	p := line.Problem{Pass: 6, Path: "passes[5].inspection", Field: "inspection", Code: line.ProblemMissing}
	if got := p.Message(line.LangEN); got != "Pass 6, field passes[5].inspection: required but missing" {
		t.Errorf("English = %q", got)
	}
	if got := p.Message(line.LangZH); got != "第 6 个胴体，字段 passes[5].inspection：缺少必填项" {
		t.Errorf("Chinese = %q", got)
	}
}
