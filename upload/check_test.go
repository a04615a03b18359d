package upload_test

import (
	"slices"
	"strings"
	"testing"

	"lambtrace/line"
	"lambtrace/upload"
)

// carcassOf returns the index of the carcass whose tag read gave rfid.
func carcassOf(tb testing.TB, d *upload.Document, rfid string) int {
	tb.Helper()
	i := slices.IndexFunc(d.Carcasses, func(c upload.Carcass) bool { return c.RFID == rfid })
	if i < 0 {
		tb.Fatalf("no carcass of RFID %s", rfid)
	}
	return i
}

// packOf returns the index of the first pack of a carcass.
func packOf(tb testing.TB, d *upload.Document, carcass string) int {
	tb.Helper()
	i := slices.IndexFunc(d.Packs, func(p upload.Pack) bool { return p.Carcass == carcass })
	if i < 0 {
		tb.Fatalf("no pack of carcass %s", carcass)
	}
	return i
}

// reissue makes the EPCIS events of a tampered document agree with its
// body again, as a forger familiar with the format would. A test then
// sees the check it aims at, not only the EPCIS comparison.
func reissue(tb testing.TB, d *upload.Document) {
	tb.Helper()
	epcis, err := upload.EPCIS(d)
	if err != nil {
		tb.Fatal(err)
	}
	d.EPCIS = epcis
}

func codes(problems []upload.Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Code)
	}
	return out
}

func TestCheck(t *testing.T) {
	good := mustBuild(t)
	clean := good.Carcasses[carcassOf(t, good, rfidClean)].Number
	feedlot := good.Carcasses[carcassOf(t, good, rfidFeedlot)].Number

	tests := []struct {
		name   string
		tamper func(t *testing.T, d *upload.Document)
		code   string
		kind   string
		id     string
		data   map[string]string // facts the problem must carry
	}{
		{
			name: "PackHeavierThanCarcass",
			tamper: func(t *testing.T, d *upload.Document) {
				// The forger raises a pack's weight and restates the
				// carcass's figures to match, but the input stays.
				d.Packs[packOf(t, d, clean)].Grams += 9000
				d.Carcasses[carcassOf(t, d, rfidClean)].MassBalance.Outputs += 9000
				reissue(t, d)
			},
			code: upload.ProblemMassExcess, kind: "carcass", id: clean,
			data: map[string]string{"input_g": "18280", "output_kind": "pack"},
		},
		{
			name: "FiguresRestated",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Carcasses[carcassOf(t, d, rfidClean)].MassBalance.Tolerance = 5000
			},
			code: upload.ProblemMassFigures, kind: "carcass", id: clean,
			data: map[string]string{"field": "tolerance_g", "stated": "5000", "counted": "36"},
		},
		{
			name: "LotPackHeavierThanTrim",
			tamper: func(t *testing.T, d *upload.Document) {
				i := slices.IndexFunc(d.Packs, func(p upload.Pack) bool { return p.Lot == "ROLL-1" })
				d.Packs[i].Grams = 2000
				reissue(t, d)
			},
			code: upload.ProblemMassExcess, kind: "lot", id: "ROLL-1",
			data: map[string]string{"input_g": "839", "outputs_g": "2000"},
		},
		{
			name: "GrasslandOnFeedlotCarcass",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Packs[packOf(t, d, feedlot)].Grassland = true
			},
			code: upload.ProblemGrassland, kind: "pack", id: "",
			data: map[string]string{"carcass": feedlot, "reason": "not_eligible"},
		},
		{
			name: "GrasslandOnFeedlotCarcassWithForgedPasture",
			tamper: func(t *testing.T, d *upload.Document) {
				// The animal's record is rewritten to look forage-fed,
				// but the carcass's origin decision remains.
				d.Packs[packOf(t, d, feedlot)].Grassland = true
				for ci := range d.Consignments {
					for ai := range d.Consignments[ci].Animals {
						if a := &d.Consignments[ci].Animals[ai]; a.EarTag == "315252300357971" {
							a.Pasture = upload.Pasture{Kind: line.PastureNatural, FeedingSystem: 3, ProductionSystem: 2}
						}
					}
				}
			},
			code: upload.ProblemGrassland, kind: "pack", id: "",
			data: map[string]string{"carcass": feedlot, "reason": "origin_decision"},
		},
		{
			name: "GrasslandOnLotWithFeedlotTrim",
			tamper: func(t *testing.T, d *upload.Document) {
				i := slices.IndexFunc(d.Packs, func(p upload.Pack) bool { return p.Lot == "ROLL-1" })
				d.Packs[i].Grassland = true
			},
			code: upload.ProblemLotGrassland, kind: "pack", id: "",
			data: map[string]string{"lot": "ROLL-1", "carcass": feedlot},
		},
		{
			name: "DuplicatedSerial",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Packs[5].Serial = d.Packs[4].Serial
				reissue(t, d)
			},
			code: upload.ProblemSerialDuplicate, kind: "pack", id: "",
			data: map[string]string{"count": "2"},
		},
		{
			name: "EarTagOnTwoCarcasses",
			tamper: func(t *testing.T, d *upload.Document) {
				i, j := carcassOf(t, d, rfidClean), carcassOf(t, d, rfidClean2)
				d.Carcasses[j].EarTag = d.Carcasses[i].EarTag
				reissue(t, d)
			},
			code: upload.ProblemEarTagDuplicate, kind: "carcass", id: "",
			data: map[string]string{"ear_tag": "315250200357041", "count": "2"},
		},
		{
			name: "HeadCountRaised",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Consignments[0].Heads.Received++
			},
			code: upload.ProblemHeads, kind: "consignment", id: "SB152502-20261203-001",
			data: map[string]string{"count": "received", "stated": "4", "counted": "3"},
		},
		{
			name: "CarcassesDropped",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Batch.Carcasses = 6
			},
			code: upload.ProblemTotals, kind: "batch", id: "20261204-L1-1",
			data: map[string]string{"count": "carcasses", "stated": "6", "counted": "7"},
		},
		{
			name: "MorePassedThanCertificate",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Consignments[0].Certificate.HeadCount = 1
			},
			code: upload.ProblemOverCertificate, kind: "consignment", id: "SB152502-20261203-001",
			data: map[string]string{"passed": "2", "head_count": "1"},
		},
		{
			name: "PackOfBlockedCarcass",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Carcasses[carcassOf(t, d, rfidClean)].State = string(line.CarcassBlocked)
			},
			code: upload.ProblemPackBlocked, kind: "pack", id: "",
			data: map[string]string{"carcass": clean},
		},
		{
			name: "PackOfUnknownLot",
			tamper: func(t *testing.T, d *upload.Document) {
				i := slices.IndexFunc(d.Packs, func(p upload.Pack) bool { return p.Lot == "ROLL-1" })
				d.Packs[i].Lot = "ROLL-9"
			},
			code: upload.ProblemReference, kind: "pack", id: "",
			data: map[string]string{"ref_kind": "lot", "ref": "ROLL-9"},
		},
		{
			name: "EventChanged",
			tamper: func(t *testing.T, d *upload.Document) {
				d.EPCIS.Body.EventList[3].Disposition = "non_conformant"
			},
			code: upload.ProblemEPCISMismatch, kind: "event", id: "3",
		},
		{
			name: "EventDropped",
			tamper: func(t *testing.T, d *upload.Document) {
				d.EPCIS.Body.EventList = d.EPCIS.Body.EventList[:5]
			},
			code: upload.ProblemEPCISMismatch, kind: "event", id: "5",
		},
		{
			name: "WrongFormat",
			tamper: func(t *testing.T, d *upload.Document) {
				d.Format = "lambtrace-batch/2"
			},
			code: upload.ProblemFormat, kind: "document", id: "",
			data: map[string]string{"field": "format"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Ensure Check finds the tampering and names the item.
			d := clone(t, good)
			tt.tamper(t, d)
			problems := upload.Check(d)
			var p upload.Problem
			found := false
			for _, q := range problems {
				if q.Code == tt.code && q.Kind == tt.kind && (tt.id == "" || q.ID == tt.id) {
					p, found = q, true
					break
				}
			}
			if !found {
				t.Fatalf("Check = %v, want %s on %s %s", problems, tt.code, tt.kind, tt.id)
			}
			for k, v := range tt.data {
				if p.Data[k] != v {
					t.Errorf("problem data %s = %q, want %q (%v)", k, p.Data[k], v, p.Data)
				}
			}
		})
	}
}

// TestCheckAcceptsEligibleLot checks that a grassland claim on a lot
// whose counted sources are all eligible passes: the feedlot carcass's
// trim is taken out of the lot first.
func TestCheckAcceptsEligibleLot(t *testing.T) {
	d := clone(t, mustBuild(t))
	feedlot := d.Carcasses[carcassOf(t, d, rfidFeedlot)].Number
	lot := &d.Lots[0]
	lot.Sources = slices.DeleteFunc(lot.Sources, func(s upload.LotSourceFact) bool { return s.Carcass == feedlot })
	for i := range d.Byproducts {
		if d.Byproducts[i].Carcass == feedlot && d.Byproducts[i].ToLot != "" {
			d.Byproducts[i].ToLot = ""
		}
	}
	lot.MassBalance = upload.MassBalance{Input: 583, InputWeighings: 2, Outputs: 502, OutputWeighings: 1,
		ByKind: []upload.KindMass{{Kind: "pack", Grams: 502}}, Loss: 81, LossBP: 1389, Tolerance: 6, MaxLossBP: 300, Decision: "mass.loss"}
	d.Packs[slices.IndexFunc(d.Packs, func(p upload.Pack) bool { return p.Lot == "ROLL-1" })].Grassland = true
	reissue(t, d)
	if problems := upload.Check(d); len(problems) != 0 {
		t.Errorf("Check = %v, want no problems", problems)
	}
}

func TestCheckUsesRules(t *testing.T) {
	d := mustBuild(t)
	// A platform whose pastoral list leaves out 锡林浩特市 (152502) rejects
	// the grassland claims of the consignment from there.
	rules := line.DefaultRules()
	var leagues []line.League
	var counties []line.County
	for _, code := range []string{"152502", "152522"} {
		c, _ := rules.Counties.Lookup(code)
		c.Pastoral = code != "152502"
		counties = append(counties, c)
	}
	rules.Counties = line.NewCountyTable(leagues, counties)
	problems := upload.CheckRules(d, rules)
	if !slices.Contains(codes(problems), upload.ProblemGrassland) {
		t.Errorf("CheckRules with 152502 not pastoral = %v, want %s", problems, upload.ProblemGrassland)
	}
	if problems := upload.CheckRules(d, nil); len(problems) != 0 {
		t.Errorf("CheckRules with the default rules = %v", problems)
	}
}

func TestProblemMessages(t *testing.T) {
	d := clone(t, mustBuild(t))
	// Break enough to see most messages.
	d.Packs[0].Grams += 20000
	d.Packs[1].Serial = d.Packs[0].Serial
	d.Packs[packOf(t, d, d.Carcasses[carcassOf(t, d, rfidFeedlot)].Number)].Grassland = true
	d.Consignments[0].Heads.Held = 9
	d.Batch.Packs++
	d.Decisions[0].Carcass = "20261204-0099"

	problems := upload.Check(d)
	if len(problems) < 6 {
		t.Fatalf("Check = %v, want at least six problems", problems)
	}

	for _, p := range problems {
		for _, lang := range line.Langs {
			msg := p.Message(lang)
			if msg == p.Code || strings.Contains(msg, "<no value>") || strings.Contains(msg, "upload.") {
				t.Errorf("%s message of %+v = %q", lang, p, msg)
			}
		}
	}
	zh := problems[0].Message(line.LangZH)
	if !strings.ContainsFunc(zh, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("Chinese message %q has no Chinese text", zh)
	}

	err := upload.Err(d.Batch.ID, problems)
	if err == nil || !strings.Contains(err.Error(), d.Batch.ID) {
		t.Errorf("Err = %v", err)
	}
	if upload.Err(d.Batch.ID, nil) != nil {
		t.Error("Err without problems is not nil")
	}
}

// TestCatalogKeys checks that every problem code and the words its
// messages use have a text in both catalogs.
func TestCatalogKeys(t *testing.T) {
	keys := map[line.Lang][]string{}
	for _, lang := range line.Langs {
		k, err := line.CatalogKeys(lang)
		if err != nil {
			t.Fatal(err)
		}
		keys[lang] = k
	}
	for _, code := range []string{upload.ProblemFormat, upload.ProblemField, upload.ProblemReference, upload.ProblemDuplicate,
		upload.ProblemTotals, upload.ProblemHeads, upload.ProblemOverCertificate, upload.ProblemMassExcess,
		upload.ProblemMassFigures, upload.ProblemMassMissing, upload.ProblemGrassland, upload.ProblemLotGrassland,
		upload.ProblemSerialDuplicate, upload.ProblemEarTagDuplicate, upload.ProblemAnimalDuplicate, upload.ProblemPackBlocked,
		upload.ProblemPackProduct, upload.ProblemLotSource, upload.ProblemEPCISMismatch, upload.ProblemEPCISUnbuildable,
		upload.ProblemDecisionUnrelated} {
		for _, lang := range line.Langs {
			if !slices.Contains(keys[lang], code) {
				t.Errorf("catalog %s has no key %s", lang, code)
			}
		}
	}
	var zhUpload, enUpload []string
	for _, k := range keys[line.LangZH] {
		if strings.HasPrefix(k, "upload.") {
			zhUpload = append(zhUpload, k)
		}
	}
	for _, k := range keys[line.LangEN] {
		if strings.HasPrefix(k, "upload.") {
			enUpload = append(enUpload, k)
		}
	}
	slices.Sort(zhUpload)
	slices.Sort(enUpload)
	if !slices.Equal(zhUpload, enUpload) {
		t.Errorf("upload keys differ between the catalogs:\nzh-CN %v\nen    %v", zhUpload, enUpload)
	}
}
