package upload_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
)

// generateFacts makes the facts of a large, clean batch without a store,
// for benchmarks and for tests at full size. The carcasses are of
// forage-fed animals from pastoral Xilingol, twenty to a consignment, and
// each is cut into packs, bone, fat and trim. The trim of every tenth
// carcass goes to lot ROLL-1, which gives up to ten packs, and the packs
// number packs in all. Every pack has one print job and every 500th is
// voided. Every 50th carcass is held for a late tag and released.
func generateFacts(tb testing.TB, carcasses, packs int) *line.BatchFacts {
	tb.Helper()
	master, err := line.ReadProductsFile(sample + ".products.json")
	if err != nil {
		tb.Fatal(err)
	}
	var cuts []*line.Product
	for _, p := range master.Products {
		if !p.Mixed {
			cuts = append(cuts, p)
		}
	}
	roll, _ := master.Product("roll")
	day := line.DateOf(shiftStart)
	f := &line.BatchFacts{
		Plant:         line.PlantIdentity{Name: master.Plant, ApprovalNumber: "A15250201", GS1CompanyPrefix: master.GS1CompanyPrefix},
		StationID:     "line1",
		StationNumber: 1,
		Batch:         line.BatchID{Day: day, Line: 1, Shift: 1},
		ShiftStart:    shiftStart,
		State:         line.BatchReview,
		Products:      master.Products,
	}
	g := &generator{f: f, at: shiftStart}

	for i := range carcasses {
		if i%20 == 0 {
			g.consignment(i / 20)
		}
	}
	trimCarcasses := (carcasses + 9) / 10
	lotPacks := min(10, trimCarcasses*250/500, packs)
	carcassPacks := packs - lotPacks
	lot := line.LotFact{ID: "ROLL-1", Product: "roll", State: "closed"}
	for i := range carcasses {
		n := carcassPacks / carcasses
		if i < carcassPacks%carcasses {
			n++
		}
		g.carcass(i, n, cuts, &lot)
	}
	for range lotPacks {
		w := g.weighing("", "ROLL-1", "pack", "roll", 480, 2)
		if err := lot.Balance.Add(line.OutputPack, w.Grams, w.Division); err != nil {
			tb.Fatal(err)
		}
		g.pack(w, roll, "", "ROLL-1", false)
	}
	if carcasses > 0 {
		f.Lots = append(f.Lots, lot)
	}
	for _, c := range f.Consignments {
		f.LabResults = append(f.LabResults, line.LabResult{
			LabTest: line.LabTest{Sample: "LAB-" + c.ID, Consignment: c.ID, Analytes: []string{"clenbuterol", "ractopamine", "salbutamol"},
				Method: "胶体金快速检测卡 (rapid strip)", Result: line.LabNegative},
			RecordedBy: "qa1", At: shiftStart,
		})
	}
	sum := sha256.Sum256([]byte(fmt.Sprint(g.weighings)))
	f.Journal = line.JournalHead{Seq: g.weighings * 3, Hash: hex.EncodeToString(sum[:]), Algorithm: "sha256", At: g.at}
	return f
}

// generator hands out weighing ids, pack serials and times in order.
type generator struct {
	f         *line.BatchFacts
	at        time.Time
	weighings int64
	serials   int64
	decisions int64
}

func (g *generator) next() time.Time {
	g.at = g.at.Add(2 * time.Second)
	return g.at
}

func (g *generator) consignment(n int) {
	c := &line.Consignment{
		ID:                 fmt.Sprintf("SB152502-20261203-%03d", n+1),
		DeclaredAt:         shiftStart.Add(-20 * time.Hour),
		ArrivedAt:          shiftStart.Add(-14 * time.Hour),
		PlannedSlaughterOn: line.DateOf(shiftStart),
		Owner:              line.Owner{ID: fmt.Sprintf("152502-H-%05d", n+1), Name: fmt.Sprintf("牧户 %d", n+1), Kind: line.OwnerHerder, County: "152502", CountyName: "锡林浩特市"},
		Certificate: &line.Certificate{Number: fmt.Sprintf("152187%05d", n+1), Type: line.CertificateAnimalB,
			IssuedAt: shiftStart.Add(-21 * time.Hour), ValidUntil: shiftStart.Add(17 * time.Hour), HeadCount: 20},
	}
	for j := range 20 {
		serial := n*20 + j
		a := &line.Animal{
			EarTag: line.EarTag(fmt.Sprintf("3152502%08d", 357000+serial)), RFID: line.RFID(fmt.Sprintf("156%012d", 11050000+serial)),
			Breed: "乌珠穆沁羊", Sex: "M", BornOn: line.Date{Year: 2026, Month: time.May, Day: 6}, TaggedOn: line.Date{Year: 2026, Month: time.May, Day: 11},
			Pasture:    line.Pasture{Kind: line.PastureNatural, FeedingSystem: 3, ProductionSystem: 2, GrazingAreaMu: 2000},
			LiveWeight: 40000, Consignment: c,
			Vaccinations: []line.Vaccination{{Name: "口蹄疫O型-A型二价灭活疫苗", Batch: "V20263968", On: line.Date{Year: 2026, Month: time.July, Day: 12}}},
		}
		c.Animals = append(c.Animals, a)
	}
	g.f.Consignments = append(g.f.Consignments, c)
}

func (g *generator) weighing(carcass, lot, stage, kind string, grams, division line.Mass) line.WeighingFact {
	g.weighings++
	return line.WeighingFact{ID: g.weighings, Carcass: carcass, Lot: lot, Stage: stage, Kind: kind, Grams: grams,
		ScaleID: "scale-1", Division: division, Stable: true, At: g.next()}
}

// carcass adds carcass i with n packs, and its trim to lot when i is a
// multiple of ten.
func (g *generator) carcass(i, n int, cuts []*line.Product, lot *line.LotFact) {
	f := g.f
	con := f.Consignments[i/20]
	a := con.Animals[i%20]
	number, _ := line.FormatCarcassNumber(f.Batch.Day, i+1)
	c := line.CarcassFact{Number: number, RawRead: "LA " + string(a.RFID[:3]) + " " + string(a.RFID[3:]), RFID: a.RFID,
		EarTag: a.EarTag, Consignment: con.ID, State: line.CarcassClosed, Stage: line.CarcassClosed, EnteredAt: g.next()}
	if i%50 == 49 {
		g.decisions++
		f.Decisions = append(f.Decisions, line.DecisionFact{ID: g.decisions,
			Decision:  line.Decision{Code: line.CodeTagLate, Severity: line.SeverityReview, RFID: a.RFID, EarTag: a.EarTag, Consignment: con.ID, Carcass: number, Facts: map[string]string{"days": "12", "max_days": "10"}},
			DecidedAt: c.EnteredAt, RecordedBy: "op1", Release: &line.ReleaseFact{By: "qa1", Reason: "birth record corrected by the herder", At: c.EnteredAt.Add(time.Minute)}})
	}
	c.Weighings = append(c.Weighings, g.weighing(number, "", "hot", "hot", 19000, 20))
	c.Inspection = &line.InspectionFact{Result: line.InspectionPass, Inspector: "vet1", At: g.next()}
	chilled := g.weighing(number, "", "chilled", "chilled", 18000, 20)
	c.Weighings = append(c.Weighings, chilled)

	var b line.Balance
	b.AddInput(chilled.Grams, chilled.Division)
	for j := range n {
		p := cuts[j%len(cuts)]
		w := g.weighing(number, "", "pack", p.Key, line.Mass(900+(i*7+j*37)%300), 2)
		if err := b.Add(line.OutputPack, w.Grams, w.Division); err != nil {
			panic(fmt.Sprintf("generated carcass %s is overfull: %v", number, err))
		}
		g.pack(w, p, number, "", true)
	}
	for _, kind := range []string{"bone", "fat", "trim"} {
		w := g.weighing(number, "", "byproduct", kind, map[string]line.Mass{"bone": 400, "fat": 200, "trim": 250}[kind], 2)
		if kind == "trim" && i%10 == 0 {
			w.ToLot = lot.ID
			lot.Sources = append(lot.Sources, line.LotSourceFact{Weighing: w.ID, Carcass: number, EarTag: a.EarTag, Grams: w.Grams,
				Division: w.Division, Counted: true})
			lot.Balance.AddInput(w.Grams, w.Division)
		}
		if err := b.Add(kind, w.Grams, w.Division); err != nil {
			panic(fmt.Sprintf("generated carcass %s is overfull: %v", number, err))
		}
		f.Byproducts = append(f.Byproducts, w)
	}
	c.Balance = &b
	f.Carcasses = append(f.Carcasses, c)
}

func (g *generator) pack(w line.WeighingFact, p *line.Product, carcass, lot string, grassland bool) {
	g.serials++
	serial, _ := line.FormatPackSerial(1, g.serials)
	w.Kind = p.Key
	sum := sha256.Sum256([]byte(serial))
	pr := line.PackFact{Serial: serial, GTIN: p.GTIN, Product: p.Key, Weighing: w, Carcass: carcass, Lot: lot,
		Grassland: grassland, PackedAt: w.At,
		Prints: []line.PrintFact{{Job: g.serials, Printer: "zebra-cut-1", ZPLSHA256: hex.EncodeToString(sum[:]), State: "confirmed",
			By: "op1", CreatedAt: w.At, UpdatedAt: w.At.Add(time.Second)}}}
	if g.serials%500 == 0 {
		pr.Void = &line.VoidFact{Reason: "label torn", By: "qa1", At: w.At.Add(time.Minute)}
	}
	g.f.Packs = append(g.f.Packs, pr)
}

// mustBuildGenerated builds the document of a generated batch.
func mustBuildGenerated(tb testing.TB, carcasses, packs int) *upload.Document {
	tb.Helper()
	doc, err := upload.Build(generateFacts(tb, carcasses, packs), upload.Options{Domain: testDomain})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func TestGeneratedBatchChecks(t *testing.T) {
	doc := mustBuildGenerated(t, 400, 5000)
	if len(doc.Carcasses) != 400 || len(doc.Packs) != 5000 {
		t.Fatalf("generated %d carcasses and %d packs, want 400 and 5000", len(doc.Carcasses), len(doc.Packs))
	}
	if problems := upload.Check(doc); len(problems) != 0 {
		t.Errorf("Check of the generated batch = %v", problems[:min(5, len(problems))])
	}
}
