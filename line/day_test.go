package line_test

import (
	"errors"
	"strings"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

func decodeSample(p *line.Pass) (line.RFID, error) {
	if p.ReaderFrame != nil {
		return rfid.DecodeFrame(p.ReaderFrame)
	}
	id, _, err := rfid.DecodeLine(p.ReaderLine)
	return id, err
}

func mustDay(tb testing.TB, run *line.LineRun) *line.Day {
	tb.Helper()
	day, err := line.NewDay(mustProducts(tb), mustRegistry(tb), run, nil, "linerun.json")
	if err != nil {
		tb.Fatal(err)
	}
	return day
}

func TestReplaySampleOutcomes(t *testing.T) {
	res, err := mustDay(t, mustLineRun(t)).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	byNumber := make(map[string]line.CarcassOutcome)
	for _, c := range res.Carcasses {
		byNumber[c.Number] = c
	}
	tests := []struct {
		number  string
		state   line.CarcassState
		packs   int
		refused int
	}{
		{"20261204-0001", line.CarcassClosed, 13, 0},   // clean
		{"20261204-0008", line.CarcassBlocked, 0, 13},  // drug withdrawal
		{"20261204-0031", line.CarcassBlocked, 0, 0},   // condemned, no cuts
		{"20261204-0052", line.CarcassClosed, 13, 1},   // one pack refused by the mass check
		{"20261204-0062", line.CarcassReleased, 12, 0}, // high loss, released by policy
		{"20261204-0121", line.CarcassBlocked, 0, 0},   // reused tag
	}
	for _, tt := range tests {
		c, ok := byNumber[tt.number]
		if !ok {
			t.Errorf("carcass %s missing", tt.number)
			continue
		}
		if c.State != tt.state || c.Packs != tt.packs || c.Refused != tt.refused {
			t.Errorf("carcass %s: state %s, packs %d, refused %d; want %s, %d, %d",
				tt.number, c.State, c.Packs, c.Refused, tt.state, tt.packs, tt.refused)
		}
	}
	if c := byNumber["20261204-0052"]; c.Mass == nil || c.Mass.Outputs > c.Mass.Input+c.Mass.Tolerance {
		t.Errorf("carcass 0052 outputs exceed input plus tolerance: %+v", c.Mass)
	}
	if len(res.Lots) != 1 || len(res.Lots[0].Sources) != 40 || res.Lots[0].Packs != 23 {
		t.Fatalf("lots = %+v", res.Lots)
	}
	if lot := res.Lots[0].Mass; lot.Input != 11547 || lot.Outputs != 11373 || lot.Decision != "" {
		t.Errorf("lot mass = %+v, want input 11547 g, outputs 11373 g", lot)
	}
}

func TestReplayBlockedSourceLeavesLot(t *testing.T) {
	run := mustLineRun(t)
	day := mustDay(t, run)
	// Give the first carcass of the lot a treatment still in withdrawal:
	// its trim must not count as lot input.
	a, _ := day.Registry.AnimalByRFID("156000011051554")
	a.Treatments = []line.Treatment{{Drug: "土霉素注射液", On: mustDate(t, "2026-12-01"), WithdrawalDays: 28}}
	res, err := day.Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	if lot := res.Lots[0]; len(lot.Sources) != 39 || lot.Mass.Input != 11547-282 {
		t.Errorf("lot sources %d, input %d; want 39 and %d", len(lot.Sources), lot.Mass.Input, 11547-282)
	}
}

func TestReplayLotExcess(t *testing.T) {
	run := mustLineRun(t)
	run.Lots[0].Packs = append(run.Lots[0].Packs, 500)
	res, err := mustDay(t, run).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	last := res.Decisions[len(res.Decisions)-1]
	if last.Code != line.CodeMassExcess || last.Lot != "ROLL-1" || res.Lots[0].Refused != 1 {
		t.Errorf("last decision = %+v, lot refused %d", last, res.Lots[0].Refused)
	}
}

func TestReplayGarbledRead(t *testing.T) {
	run := mustLineRun(t)
	run.Passes[0].ReaderLine = "LA 156 00001105155X"
	res, err := mustDay(t, run).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Decisions[0]
	if d.Code != line.CodeTagInvalid || d.Carcass != "20261204-0001" || res.Carcasses[0].State != line.CarcassBlocked {
		t.Errorf("first decision = %+v, state %s", d, res.Carcasses[0].State)
	}
	if d.Facts["raw"] != "LA 156 00001105155X" {
		t.Errorf("raw fact = %q", d.Facts["raw"])
	}
}

func TestReplayLotSourceMismatch(t *testing.T) {
	run := mustLineRun(t)
	run.Lots[0].FromEarTags = run.Lots[0].FromEarTags[1:]
	_, err := mustDay(t, run).Replay(decodeSample)
	var v *line.ValidationError
	if !errors.As(err, &v) || v.Problems[0].Path != "lots[0].from_ear_tags" {
		t.Errorf("err = %v, want a problem at lots[0].from_ear_tags", err)
	}
}

func TestNewDayReferences(t *testing.T) {
	run := mustLineRun(t)
	run.Passes[3].Cuts[0].Product = "saddle"
	run.Passes[5].Cuts[0].Product = "roll"
	run.Passes[6].Byproducts = append(run.Passes[6].Byproducts, line.ByproductWeighing{Kind: "skin", Weight: 10})
	run.Lots[0].Product = "rack"
	run.LabTests[0].Consignment = "SB-NONE"
	_, err := line.NewDay(mustProducts(t), mustRegistry(t), run, nil, "linerun.json")
	var v *line.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v", err)
	}
	want := []string{"passes[3].cuts[0].product", "passes[5].cuts[0].product", "passes[6].byproducts.skin",
		"lots[0].product", "lab_tests[0].consignment"}
	if len(v.Problems) != len(want) {
		t.Fatalf("problems = %+v", v.Problems)
	}
	for i, p := range v.Problems {
		if p.Path != want[i] {
			t.Errorf("problem %d at %s, want %s", i, p.Path, want[i])
		}
	}
}

func TestReplayLabPositiveBlocksConsignment(t *testing.T) {
	run := mustLineRun(t)
	run.LabTests[0].Result = line.LabPositive
	res, err := mustDay(t, run).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	carcasses := 0
	for _, c := range res.Carcasses {
		if c.Consignment != run.LabTests[0].Consignment {
			continue
		}
		carcasses++
		if c.Packs != 0 || c.State != line.CarcassBlocked {
			t.Errorf("carcass %s of the positive consignment: state %s, %d packs", c.Number, c.State, c.Packs)
		}
	}
	// 19 animals and the second carcass of the reused tag.
	if n := res.Summary.Decisions[line.CodeLabPositive]; n != carcasses || n != 20 {
		t.Errorf("lab.positive decisions = %d, want one per carcass of the consignment (%d)", n, carcasses)
	}
}

func TestReplayDamagedFrame(t *testing.T) {
	run := mustLineRun(t)
	var pass *line.Pass
	for _, p := range run.Passes {
		if p.ReaderFrame != nil {
			pass = p
			break
		}
	}
	pass.ReaderFrame[27] ^= 0xFF // the checksum byte
	res, err := mustDay(t, run).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Decisions[0]
	for _, dec := range res.Decisions {
		if dec.Carcass == res.Carcasses[pass.Number-1].Number {
			d = dec
			break
		}
	}
	if d.Code != line.CodeTagInvalid || d.Facts["problem"] != string(line.ProblemChecksum) {
		t.Fatalf("decision = %+v, want tag.invalid with a checksum problem", d)
	}
	if got := d.Reason(line.LangZH); !strings.Contains(got, "校验和不符") {
		t.Errorf("Chinese reason = %q", got)
	}
	if got := d.Reason(line.LangEN); !strings.Contains(got, "checksum does not match") {
		t.Errorf("English reason = %q", got)
	}
}

func TestReplayEmptyRead(t *testing.T) {
	run := mustLineRun(t)
	run.Passes[0].ReaderLine = ""
	res, err := mustDay(t, run).Replay(decodeSample)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Decisions[0].Reason(line.LangEN); !strings.HasPrefix(got, "Invalid tag (empty read): ") {
		t.Errorf("reason = %q", got)
	}
}
