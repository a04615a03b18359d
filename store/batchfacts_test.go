package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

// sampleSubset lists passes of the sample day, 1-based. Together they
// cover a clean carcass, trim sent to a lot and a withdrawal block. They
// also cover a condemned and a partly condemned carcass, an unknown tag,
// a refused pack, a loss hold and a feedlot hold. Pass 121 reads the tag
// of pass 11 again.
var sampleSubset = []int{1, 2, 3, 8, 11, 31, 32, 41, 52, 62, 241, 121}

// recordSubset records sampleSubset of the sample day with the day check's
// quality policy, two packs of lot ROLL-1, and the lab tests. It returns
// the runner and the batch id.
func recordSubset(t *testing.T, db *store.DB) (*dayRunner, string) {
	t.Helper()
	ctx := context.Background()
	reg := mustImportSample(t, db)
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run, err := line.ReadLineRunFile(sample + ".linerun.json")
	if err != nil {
		t.Fatal(err)
	}
	batch := line.BatchID{Day: run.SlaughterDay, Line: 1, Shift: 1}
	r := &dayRunner{t: t, db: db, reg: reg, products: products, rules: line.DefaultRules(), run: run, batch: batch.String()}

	r.update(func(tx *store.Tx) error {
		if err := tx.SetSetting(store.SettingPlantApproval, "A15250201"); err != nil {
			return err
		}
		if err := tx.OpenBatch(batch, run.ShiftStart); err != nil {
			return err
		}
		if err := tx.OpenLot("ROLL-1", batch.String(), "roll"); err != nil {
			return err
		}
		for _, test := range run.LabTests {
			if err := tx.RecordLabResult(test, "lab1", run.ShiftStart); err != nil {
				return err
			}
		}
		return nil
	})
	for _, n := range sampleSubset {
		r.pass(run.Passes[n-1])
	}
	roll, _ := products.Product("roll")
	for _, g := range run.Lots[0].Packs[:2] {
		r.update(func(tx *store.Tx) error {
			w := store.Weighing{Lot: "ROLL-1", Grams: g, ScaleID: "scale-2", Division: run.PackScale.Division, Stable: true, At: run.ShiftStart}
			_, err := tx.AddPack(batch.String(), roll, w, false)
			if errors.As(err, new(*line.MassError)) {
				return nil
			}
			return err
		})
	}
	r.update(func(tx *store.Tx) error { return tx.CloseLot("ROLL-1") })
	return r, batch.String()
}

func TestBatchFacts(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{Station: "line1"})
	mustCreateStaff(t, db)
	r, batch := recordSubset(t, db)

	// Label the first two packs, print the first again and void the second.
	facts, err := db.BatchFacts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	first, second := facts.Packs[0].Serial, facts.Packs[1].Serial
	job := mustQueue(t, db, "op7", store.PrintRequest{Serial: first, Kind: store.LabelPack, Printer: "zebra-cut-1", ZPL: []byte("^XA^FDfirst^FS^XZ")})
	mustSetState(t, db, job, store.PrintSent)
	mustSetState(t, db, job, store.PrintConfirmed)
	reprint, err := db.QueueReprint(ctx, "qa1", job, "zebra-cut-2", []byte("^XA^FDagain^FS^XZ"), "label smudged")
	if err != nil {
		t.Fatal(err)
	}
	mustQueue(t, db, "op7", store.PrintRequest{Serial: second, Kind: store.LabelPack, Printer: "zebra-cut-1", ZPL: []byte("^XA^FDsecond^FS^XZ")})
	if err := db.VoidLabel(ctx, "qa1", second, "wrong product picked"); err != nil {
		t.Fatal(err)
	}

	facts, err = db.BatchFacts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("Identity", func(t *testing.T) {
		if facts.Batch.String() != batch || facts.State != line.BatchOpen || !facts.ShiftStart.Equal(r.run.ShiftStart) {
			t.Errorf("batch = %s, %s, %s", facts.Batch, facts.State, facts.ShiftStart)
		}
		if facts.Plant.Name != r.products.Plant || facts.Plant.GS1CompanyPrefix != "6923456" || facts.Plant.ApprovalNumber != "A15250201" {
			t.Errorf("plant = %+v", facts.Plant)
		}
		if facts.StationID != "line1" || facts.StationNumber != 1 {
			t.Errorf("station = %s, %d; want line1, 1", facts.StationID, facts.StationNumber)
		}
		seq, hash, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if facts.Journal.Seq != seq || facts.Journal.Hash != hash || facts.Journal.Algorithm != "sha256" || facts.Journal.At.IsZero() {
			t.Errorf("journal = %+v, want seq %d hash %s", facts.Journal, seq, hash)
		}
	})

	t.Run("Carcasses", func(t *testing.T) {
		if len(facts.Carcasses) != len(sampleSubset) {
			t.Fatalf("%d carcasses, want %d", len(facts.Carcasses), len(sampleSubset))
		}
		if !slices.IsSortedFunc(facts.Carcasses, func(a, b line.CarcassFact) int { return strings.Compare(a.Number, b.Number) }) {
			t.Error("carcasses are not in number order")
		}
		counts, err := db.BatchCounts(batch)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Carcasses != len(facts.Carcasses) || counts.Packs != len(facts.Packs) {
			t.Errorf("facts have %d carcasses and %d packs, BatchCounts %d and %d",
				len(facts.Carcasses), len(facts.Packs), counts.Carcasses, counts.Packs)
		}
		byTag := carcassesByTag(facts)
		clean := byTag["315250200357041"][0]
		if clean.State != line.CarcassClosed || clean.Balance == nil || clean.Inspection == nil || clean.Inspection.Result != "pass" {
			t.Errorf("clean carcass = %+v", clean)
		}
		if stages := weighingStages(clean.Weighings); !slices.Equal(stages, []string{"hot", "chilled"}) {
			t.Errorf("clean carcass weighings = %v, want hot, chilled", stages)
		}
		withdrawal := byTag["315250200357068"][0]
		if withdrawal.State != line.CarcassBlocked || withdrawal.Balance != nil || len(withdrawal.Weighings) != 0 {
			t.Errorf("blocked carcass = %+v", withdrawal)
		}
		condemned := byTag["315252200357156"][0]
		if condemned.Balance != nil || condemned.Inspection == nil || condemned.Inspection.Result != "condemned" ||
			!slices.Equal(weighingStages(condemned.Weighings), []string{"hot", "condemned"}) {
			t.Errorf("condemned carcass = %+v", condemned)
		}
		partial := byTag["315252200357161"][0]
		if partial.Balance == nil || !slices.Contains(kinds(partial.Balance.Figures(300)), line.OutputCondemned) {
			t.Errorf("partly condemned carcass balance = %+v", partial.Balance)
		}
		if reused := byTag["315250200357082"]; len(reused) != 2 || reused[1].State != line.CarcassBlocked {
			t.Errorf("carcasses of the reused tag = %+v", reused)
		}
		unknown := byTag[""]
		if len(unknown) != 1 || unknown[0].RFID != "156000011055209" || unknown[0].Consignment != "" {
			t.Errorf("carcasses without an ear tag = %+v", unknown)
		}

		// Every balance is the one the line computes in a write transaction.
		err = db.Update(ctx, "qa1", func(tx *store.Tx) error {
			for _, c := range facts.Carcasses {
				if c.Balance == nil {
					continue
				}
				b, err := tx.CarcassBalance(c.Number)
				if err != nil {
					return err
				}
				if got, want := c.Balance.Figures(300), b.Figures(300); !sameFigures(got, want) {
					t.Errorf("carcass %s balance = %+v, want %+v", c.Number, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Consignments", func(t *testing.T) {
		want := map[string]bool{}
		for _, c := range facts.Carcasses {
			if c.Consignment != "" {
				want[c.Consignment] = true
			}
		}
		if len(facts.Consignments) != len(want) {
			t.Errorf("%d consignments, want %d", len(facts.Consignments), len(want))
		}
		for _, c := range facts.Consignments {
			declared := r.regConsignment(c.ID)
			if !want[c.ID] || declared == nil || len(c.Animals) != len(declared.Animals) {
				t.Errorf("consignment %s with %d animals is not one of the batch's, as declared", c.ID, len(c.Animals))
			}
			for _, a := range c.Animals {
				if a.Consignment != c {
					t.Errorf("animal %s is not linked to its consignment", a.EarTag)
				}
			}
		}
		a := findAnimal(facts, "315250200357068")
		if a == nil || len(a.Treatments) == 0 || len(a.Vaccinations) == 0 {
			t.Errorf("animal 315250200357068 = %+v, want its treatments and vaccinations", a)
		}
		if len(facts.LabResults) == 0 || len(facts.LabResults) == len(r.run.LabTests) {
			t.Errorf("%d lab results of %d recorded; want those of the batch's consignments only", len(facts.LabResults), len(r.run.LabTests))
		}
		for _, l := range facts.LabResults {
			if !want[l.Consignment] || l.RecordedBy != "lab1" || len(l.Analytes) != 3 {
				t.Errorf("lab result = %+v", l)
			}
		}
	})

	t.Run("Decisions", func(t *testing.T) {
		codes := map[line.Code]int{}
		released := 0
		for _, d := range facts.Decisions {
			codes[d.Code]++
			if d.RecordedBy != "op1" || d.DecidedAt.IsZero() {
				t.Errorf("decision %d recorded by %q at %s", d.ID, d.RecordedBy, d.DecidedAt)
			}
			if d.Release != nil {
				released++
				if d.Release.By != string(qualityUser) || d.Release.Reason == "" || d.Release.At.IsZero() {
					t.Errorf("release of decision %d = %+v", d.ID, d.Release)
				}
			}
		}
		for _, code := range []line.Code{line.CodeDrugWithdrawal, line.CodeTagReused, line.CodeInspectionCondemned,
			line.CodeTagUnknown, line.CodeMassExcess, line.CodeMassLoss, line.CodeOriginFeedlot} {
			if codes[code] == 0 {
				t.Errorf("no %s decision in %v", code, codes)
			}
		}
		if released < 2 {
			t.Errorf("%d released decisions, want the loss and feedlot holds", released)
		}
	})

	t.Run("Lot", func(t *testing.T) {
		if len(facts.Lots) != 1 {
			t.Fatalf("%d lots, want 1", len(facts.Lots))
		}
		lot := facts.Lots[0]
		var input line.Mass
		for _, s := range lot.Sources {
			if !s.Counted || s.EarTag == "" {
				t.Errorf("lot source = %+v", s)
			}
			input += s.Grams
		}
		if len(lot.Sources) != 3 || lot.State != "closed" || lot.Balance.Input() != input {
			t.Errorf("lot = %d sources, %s, input %s; want 3, closed, %s", len(lot.Sources), lot.State, lot.Balance.Input(), input)
		}
		var packed line.Mass
		for _, p := range facts.Packs {
			if p.Lot == "ROLL-1" {
				packed += p.Weighing.Grams
			}
		}
		if packed == 0 || lot.Balance.Outputs() != packed {
			t.Errorf("lot outputs %s, packs of the lot %s", lot.Balance.Outputs(), packed)
		}
		var trim []int64
		for _, b := range facts.Byproducts {
			if b.ToLot == "ROLL-1" {
				trim = append(trim, b.ID)
			}
		}
		var sources []int64
		for _, s := range lot.Sources {
			sources = append(sources, s.Weighing)
		}
		if !slices.Equal(trim, sources) {
			t.Errorf("lot sources %v, trim weighings sent to the lot %v", sources, trim)
		}
	})

	t.Run("Packs", func(t *testing.T) {
		if !slices.IsSortedFunc(facts.Packs, func(a, b line.PackFact) int { return strings.Compare(a.Serial, b.Serial) }) {
			t.Error("packs are not in serial order")
		}
		keys := map[string]bool{}
		for _, p := range facts.Products {
			keys[p.Key] = true
		}
		for _, p := range facts.Packs {
			if (p.Carcass == "") == (p.Lot == "") || p.Weighing.Stage != store.StagePack || p.Weighing.Kind != p.Product ||
				!keys[p.Product] || p.Weighing.Division != r.run.PackScale.Division {
				t.Errorf("pack = %+v", p)
			}
		}
		feedlot := carcassesByTag(facts)["315252300357971"][0]
		for _, p := range facts.Packs {
			if p.Carcass == feedlot.Number && p.Grassland {
				t.Errorf("pack %s of the feedlot carcass claims grassland", p.Serial)
			}
		}

		p0, p1 := facts.Packs[0], facts.Packs[1]
		if len(p0.Prints) != 2 || p0.Prints[1].Job != reprint || p0.Prints[1].ReprintOf != job ||
			p0.Prints[1].Reason != "label smudged" || p0.Prints[0].State != string(store.PrintConfirmed) || p0.Void != nil {
			t.Errorf("prints of pack %s = %+v, void %+v", p0.Serial, p0.Prints, p0.Void)
		}
		if p0.Prints[1].ZPLSHA256 == p0.Prints[0].ZPLSHA256 || p0.Prints[1].By != "qa1" {
			t.Errorf("reprint = %+v", p0.Prints[1])
		}
		if p1.Void == nil || p1.Void.By != "qa1" || p1.Void.Reason != "wrong product picked" || len(p1.Prints) != 1 {
			t.Errorf("voided pack %s: prints %+v, void %+v", p1.Serial, p1.Prints, p1.Void)
		}
	})
}

// TestBatchFactsSnapshot reads the facts while packs are being added and
// checks that each read is one snapshot: the packs are exactly those the
// journal holds up to the head the read reports, and the carcass's
// balance counts exactly those packs.
func TestBatchFactsSnapshot(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	reg := mustImportSample(t, db)
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leg, _ := products.Product("leg_bone_in")
	shift := time.Date(2026, 12, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
	batch := line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}
	var number string
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		if err := tx.OpenBatch(batch, shift); err != nil {
			return err
		}
		c, _, err := tx.EnterCarcass(batch.String(), line.TagRead{Raw: "156000011051554", RFID: "156000011051554"}, shift,
			reg, line.DefaultRules())
		if err != nil {
			return err
		}
		number = c.Number
		for _, st := range []line.CarcassState{line.CarcassWeighed, line.CarcassInspected, line.CarcassChilled, line.CarcassCutting} {
			if err := tx.AdvanceCarcass(number, st); err != nil {
				return err
			}
		}
		_, err = tx.AddWeighing(store.Weighing{Carcass: number, Stage: store.StageChilled, Grams: 60 * line.Kilogram,
			ScaleID: "scale-1", Division: 20, Stable: true, At: shift})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	const packs = 120
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range packs {
			err := db.Update(ctx, "op1", func(tx *store.Tx) error {
				w := store.Weighing{Carcass: number, Grams: 100, ScaleID: "scale-2", Division: 2, Stable: true,
					At: shift.Add(time.Duration(i) * time.Second)}
				_, err := tx.AddPack(batch.String(), leg, w, true)
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
		}
	}()

	reads := 0
	for done := false; !done; reads++ {
		facts, err := db.BatchFacts(ctx, batch.String())
		if err != nil {
			t.Fatal(err)
		}
		done = len(facts.Packs) == packs
		entries, err := db.Entries(ctx, 1, facts.Journal.Seq)
		if err != nil {
			t.Fatal(err)
		}
		journaled := 0
		for _, e := range entries {
			if e.Type == "packs.put" {
				journaled++
			}
		}
		if journaled != len(facts.Packs) {
			t.Fatalf("read %d: %d packs, but the journal up to head %d holds %d", reads, len(facts.Packs), facts.Journal.Seq, journaled)
		}
		if out := facts.Carcasses[0].Balance.Outputs(); out != line.Mass(100*len(facts.Packs)) {
			t.Fatalf("read %d: balance outputs %s with %d packs of 100 g", reads, out, len(facts.Packs))
		}
	}
	wg.Wait()
	t.Logf("%d consistent reads while %d packs were added", reads, packs)
}

func TestBatchFactsUnknownBatch(t *testing.T) {
	db, _ := mustOpen(t, store.Options{})
	_, err := db.BatchFacts(context.Background(), "20261204-L1-1")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("BatchFacts of an unknown batch = %v, want ErrNotFound", err)
	}
}

func carcassesByTag(f *line.BatchFacts) map[line.EarTag][]line.CarcassFact {
	out := map[line.EarTag][]line.CarcassFact{}
	for _, c := range f.Carcasses {
		out[c.EarTag] = append(out[c.EarTag], c)
	}
	return out
}

func weighingStages(ws []line.WeighingFact) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Stage)
	}
	return out
}

func kinds(f line.MassFigures) []string {
	var out []string
	for _, k := range f.ByKind {
		out = append(out, k.Kind)
	}
	return out
}

func sameFigures(a, b line.MassFigures) bool {
	return a.Input == b.Input && a.Outputs == b.Outputs && a.Tolerance == b.Tolerance && a.Loss == b.Loss &&
		a.InputWeighings == b.InputWeighings && a.OutputWeighings == b.OutputWeighings && slices.Equal(a.ByKind, b.ByKind)
}

func findAnimal(f *line.BatchFacts, tag line.EarTag) *line.Animal {
	for _, c := range f.Consignments {
		for _, a := range c.Animals {
			if a.EarTag == tag {
				return a
			}
		}
	}
	return nil
}

// regConsignment returns the registry's consignment with the given id.
func (r *dayRunner) regConsignment(id string) *line.Consignment {
	for _, c := range r.reg.Consignments {
		if c.ID == id {
			return c
		}
	}
	return nil
}
