package upload_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"lambtrace/line"
	"lambtrace/upload"
)

func TestBuildRecordedBatch(t *testing.T) {
	doc := mustBuild(t)

	if doc.Format != upload.Format || doc.PlatformDomain != testDomain || doc.Plant.ApprovalNumber != "A15250201" ||
		doc.Plant.GS1CompanyPrefix != "6923456" || doc.Station.ID != "line1" || doc.Station.Number != 1 {
		t.Errorf("identity = %s, %s, %+v, %+v", doc.Format, doc.PlatformDomain, doc.Plant, doc.Station)
	}
	b := doc.Batch
	if b.ID != "20261204-L1-1" || b.State != "review" || b.ProductCertificate != "1521870093" || b.Carcasses != 7 ||
		b.Unidentified != 1 || b.Packs != len(doc.Packs) || b.FirstCarcassAt == nil || b.LastPackAt == nil {
		t.Errorf("batch = %+v", b)
	}
	if doc.Rules.MaxLossBP != 300 || !slices.Equal(doc.Rules.ForageFeedingSystems, []int{2, 3}) {
		t.Errorf("rules = %+v", doc.Rules)
	}
	if doc.Journal.Seq == 0 || len(doc.Journal.Hash) != 64 || doc.Journal.Algorithm != "sha256" {
		t.Errorf("journal = %+v", doc.Journal)
	}

	heads := map[string]upload.HeadCounts{}
	for _, c := range doc.Consignments {
		heads[c.ID] = c.Heads
	}
	if h := heads["SB152502-20261203-001"]; h.Declared != 19 || h.Received != 3 || h.Slaughtered != 3 || h.Blocked != 1 || h.Held != 0 {
		t.Errorf("head counts of SB152502-20261203-001 = %+v, want 19 declared, 3 received and slaughtered, 1 blocked", h)
	}
	if h := heads["SB152522-20261203-002"]; h.Received != 2 || h.Blocked != 1 {
		t.Errorf("head counts of SB152522-20261203-002 = %+v, want 2 received, 1 blocked", h)
	}
	held := 0
	for _, h := range heads {
		held += h.Held
	}
	if held != 1 {
		t.Errorf("%d carcasses held, want the feedlot carcass", held)
	}

	byRFID := map[string]upload.Carcass{}
	for _, c := range doc.Carcasses {
		byRFID[c.RFID] = c
	}
	clean := byRFID[rfidClean]
	if mb := clean.MassBalance; mb == nil || mb.Input != 18280 || mb.Outputs != 2886+2721+2259+1034+927+420+233+282 ||
		mb.Tolerance != 20+5*2+3*2 || mb.MaxLossBP != 300 {
		t.Errorf("mass balance of the clean carcass = %+v", mb)
	}
	if c := byRFID[rfidCondemned]; c.MassBalance != nil || c.Inspection == nil || c.Inspection.Condemned != 28149 {
		t.Errorf("condemned carcass = %+v", c)
	}
	if c := byRFID[rfidUnknown]; c.EarTag != "" || c.Consignment != "" || c.State != "blocked" {
		t.Errorf("unknown tag carcass = %+v", c)
	}

	var released *upload.Decision
	for i, d := range doc.Decisions {
		if d.Release != nil {
			released = &doc.Decisions[i]
		}
	}
	if released == nil || released.Code != string(line.CodeOriginFeedlot) || released.Release.By != "qa1" || released.RecordedBy != "op1" {
		t.Errorf("released decision = %+v", released)
	}

	if len(doc.Lots) != 1 || len(doc.Lots[0].Sources) != 3 || doc.Lots[0].MassBalance.Input != 282+301+256 {
		t.Errorf("lots = %+v", doc.Lots)
	}
	p := doc.Packs[0]
	if len(p.Prints) != 2 || p.LabelSHA256 != p.Prints[1].ZPLSHA256 || p.Prints[1].Reason != "label smudged" {
		t.Errorf("pack %s: label %s, prints %+v", p.Serial, p.LabelSHA256, p.Prints)
	}
	if doc.Packs[2].Void == nil || doc.Packs[3].Prints == nil || len(doc.Packs[3].Prints) != 0 || doc.Packs[3].LabelSHA256 != "" {
		t.Errorf("packs 3 and 4 = %+v, %+v", doc.Packs[2], doc.Packs[3])
	}
	for _, p := range doc.Packs {
		if p.Grassland != (p.Carcass == byRFID[rfidClean].Number || p.Carcass == byRFID[rfidClean2].Number ||
			p.Carcass == byRFID[rfidPartial].Number) {
			t.Errorf("pack %s of carcass %s: grassland %t", p.Serial, p.Carcass, p.Grassland)
		}
	}

	wantTags := []string{"315250200357041", "315250200357043", "315252300357971", "315252200357161"}
	if tags := doc.EarTags(); !slices.Equal(tags, wantTags) {
		t.Errorf("EarTags = %v, want %v, the tags of carcasses that were not blocked", tags, wantTags)
	}

	if problems := upload.Check(doc); len(problems) != 0 {
		t.Errorf("Check of the recorded batch = %v", problems)
	}
}

// TestBuildEvents checks one event of each kind against the facts it
// carries.
func TestBuildEvents(t *testing.T) {
	doc := mustBuild(t)
	byStep := map[string][]upload.Event{}
	for _, e := range doc.EPCIS.Body.EventList {
		key := e.BizStep
		if e.BizStep == "inspecting" && len(e.BizTransactionList) > 0 {
			key = "lab"
		}
		byStep[key] = append(byStep[key], e)
	}
	slaughter := byStep["https://trace.example.cn/voc/bizstep/slaughtering"]
	cutting := byStep["https://trace.example.cn/voc/bizstep/cutting"]
	if len(byStep["receiving"]) != 3 || len(slaughter) != 7 || len(byStep["inspecting"]) != 5 || len(byStep["lab"]) != 1 ||
		len(cutting) != 5 || len(byStep["decommissioning"]) != 1 {
		counts := map[string]int{}
		for k, v := range byStep {
			counts[k] = len(v)
		}
		t.Fatalf("events by bizStep = %v", counts)
	}

	r := byStep["receiving"][0]
	if r.Type != upload.ObjectEvent || r.Action != "OBSERVE" || r.Disposition != "in_progress" ||
		len(r.BizTransactionList) != 1 || r.BizTransactionList[0].Type != "cert" ||
		r.BizTransactionList[0].BizTransaction != "https://trace.example.cn/id/certificate/animal/15218729366" ||
		!slices.Contains(r.EPCList, "https://trace.example.cn/id/animal/315250200357041") || r.EventTimeZoneOffset != "+08:00" {
		t.Errorf("receiving event = %+v", r)
	}

	s := slaughter[0]
	if s.Type != upload.TransformationEvent || !slices.Equal(s.InputEPCList, []string{"https://trace.example.cn/id/animal/315250200357041"}) ||
		!slices.Equal(s.OutputEPCList, []string{"https://trace.example.cn/id/plant/A15250201/carcass/20261204-0001"}) ||
		len(s.SensorElementList) != 1 || s.SensorElementList[0].SensorReport[0].Value != "19.226" ||
		s.SensorElementList[0].SensorReport[0].UOM != "KGM" || s.ILMD == nil || s.ILMD.EarTag != "315250200357041" {
		t.Errorf("slaughter event = %+v", s)
	}
	for _, e := range slaughter {
		if len(e.InputEPCList) == 0 && e.TransformationID == "" {
			t.Errorf("slaughter event without input or transformation id: %+v", e)
		}
	}

	dispositions := map[string]string{}
	for _, e := range byStep["inspecting"] {
		dispositions[e.Result] = e.Disposition
	}
	if dispositions["pass"] != "conformant" || dispositions["partial"] != "conformant" || dispositions["condemned"] != "non_conformant" {
		t.Errorf("inspection dispositions = %v", dispositions)
	}

	lab := byStep["lab"][0]
	if lab.BizTransactionList[0].Type != "testres" || lab.Disposition != "conformant" || len(lab.EPCList) != 3 || len(lab.Analytes) != 3 {
		t.Errorf("lab event = %+v", lab)
	}

	c := cutting[0]
	wantQuantities := []upload.QuantityElement{
		{EPCClass: "urn:epc:class:lgtin:6923456.900001.20261204-L1-1", Quantity: "5.607", UOM: "KGM"},
		{EPCClass: "urn:epc:class:lgtin:6923456.900002.20261204-L1-1", Quantity: "2.259", UOM: "KGM"},
		{EPCClass: "urn:epc:class:lgtin:6923456.900003.20261204-L1-1", Quantity: "1.034", UOM: "KGM"},
		{EPCClass: "urn:epc:class:lgtin:6923456.900005.20261204-L1-1", Quantity: "0.927", UOM: "KGM"},
		{EPCClass: "https://trace.example.cn/id/plant/A15250201/byproduct/20261204-L1-1/bone", Quantity: "0.42", UOM: "KGM"},
		{EPCClass: "https://trace.example.cn/id/plant/A15250201/byproduct/20261204-L1-1/fat", Quantity: "0.233", UOM: "KGM"},
		{EPCClass: "https://trace.example.cn/id/plant/A15250201/lot/20261204-L1-1/ROLL-1", Quantity: "0.282", UOM: "KGM"},
	}
	if !slices.Equal(c.OutputQuantityList, wantQuantities) {
		t.Errorf("cutting outputs = %+v\nwant %+v", c.OutputQuantityList, wantQuantities)
	}
	if len(c.OutputEPCList) != 5 || c.OutputEPCList[0] != "urn:epc:id:sgtin:6923456.900001."+doc.Packs[0].Serial ||
		c.BizTransactionList[0].BizTransaction != "https://trace.example.cn/id/certificate/product/1521870093" ||
		c.SensorElementList[0].SensorReport[0].Value != "18.28" {
		t.Errorf("cutting event = %+v", c)
	}
	lotCut := cutting[len(cutting)-1]
	if lotCut.ILMD.Lot != "ROLL-1" || len(lotCut.InputQuantityList) != 1 || lotCut.InputQuantityList[0].Quantity != "0.839" {
		t.Errorf("lot cutting event = %+v", lotCut)
	}
	void := byStep["decommissioning"][0]
	if void.Action != "DELETE" || void.EPCList[0] != "urn:epc:id:sgtin:6923456.900002."+doc.Packs[2].Serial {
		t.Errorf("void event = %+v", void)
	}
}

// TestBuildValidatesAgainstSchema validates the EPCIS documents of the
// recorded batch and of a generated full-size batch against the official
// schema.
func TestBuildValidatesAgainstSchema(t *testing.T) {
	v := mustValidator(t)
	for name, doc := range map[string]*upload.Document{
		"recorded":  mustBuild(t),
		"generated": mustBuildGenerated(t, 40, 500),
	} {
		t.Run(name, func(t *testing.T) {
			if err := v.ValidateDocument(doc); err != nil {
				t.Fatal(err)
			}
			// The EPCIS part as it appears in the canonical document
			// validates too.
			var whole map[string]json.RawMessage
			if err := json.Unmarshal(mustCanonical(t, doc), &whole); err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(whole["epcis"]); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBuildDeterministic(t *testing.T) {
	ctx := context.Background()
	db, batch := mustRecordBatch(t, t.TempDir())
	first := mustCanonical(t, mustBuildFrom(t, db, batch))

	// The same store read again.
	if again := mustCanonical(t, mustBuildFrom(t, db, batch)); !bytes.Equal(first, again) {
		t.Errorf("two builds from one store differ:\n%s", firstDiff(first, again))
	}

	// A second store that recorded the same steps at the same times.
	db2, _ := mustRecordBatch(t, t.TempDir())
	if other := mustCanonical(t, mustBuildFrom(t, db2, batch)); !bytes.Equal(first, other) {
		t.Errorf("builds from two stores with the same record differ:\n%s", firstDiff(first, other))
	}

	// The same facts built twice.
	facts, err := db.BatchFacts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	a, err := upload.Build(facts, upload.Options{Domain: testDomain})
	if err != nil {
		t.Fatal(err)
	}
	b, err := upload.Build(facts, upload.Options{Domain: testDomain})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustCanonical(t, a), mustCanonical(t, b)) {
		t.Error("two builds of the same facts differ")
	}

	// Parsing the bytes and writing them again gives them back.
	parsed, err := upload.Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	if again := mustCanonical(t, parsed); !bytes.Equal(first, again) {
		t.Errorf("parse and write again changed the document:\n%s", firstDiff(first, again))
	}
	if !json.Valid(first) || bytes.ContainsAny(first, "\n\t") || !bytes.Contains(first, []byte(`"name_zh":"羊后腿(带骨)"`)) {
		t.Errorf("canonical form is not compact JSON with unescaped text: %.200s", first)
	}
}

func TestBuildRejects(t *testing.T) {
	db, batch := mustRecordBatch(t, t.TempDir())
	facts, err := db.BatchFacts(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(f *line.BatchFacts) upload.Options
		want   string
	}{
		{"ErrNoDomain", func(f *line.BatchFacts) upload.Options { return upload.Options{} }, "platform domain is missing"},
		{"ErrDomainPath", func(f *line.BatchFacts) upload.Options { return upload.Options{Domain: "trace.example.cn/x"} }, "invalid platform domain"},
		{"ErrNoApproval", func(f *line.BatchFacts) upload.Options {
			f.Plant.ApprovalNumber = ""
			return upload.Options{Domain: testDomain}
		}, "approval number is missing"},
		{"ErrForeignGTIN", func(f *line.BatchFacts) upload.Options {
			f.Plant.GS1CompanyPrefix = "6900000"
			return upload.Options{Domain: testDomain}
		}, "does not carry the plant's GS1 company prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Ensure Build names the missing or invalid part.
			f := *facts
			opts := tt.modify(&f)
			_, err := upload.Build(&f, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := upload.Build(nil, upload.Options{Domain: testDomain}); err == nil {
		t.Error("Build(nil) succeeded")
	}
}

// firstDiff shows where two byte strings first differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "…" + string(a[from:min(len(a), i+80)]) + "\n…" + string(b[from:min(len(b), i+80)])
}
