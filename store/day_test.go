package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
	"lambtrace/store"
)

// dayRunner records a line run in the store as the station would: one
// write transaction per step, every hold released by the quality policy
// of the day check.
type dayRunner struct {
	t        *testing.T
	db       *store.DB
	reg      *line.Registry
	products *line.ProductMaster
	rules    *line.Rules
	run      *line.LineRun
	batch    string
	refused  int // packs not labelled
}

const qualityUser store.Actor = "qa1"

func (r *dayRunner) update(fn func(tx *store.Tx) error) {
	r.t.Helper()
	if err := r.db.Update(context.Background(), "op1", fn); err != nil {
		r.t.Fatal(err)
	}
}

// decide stores a decision and holds or blocks the carcass; a hold is
// released at once, as the day check's policy does.
func (r *dayRunner) decide(tx *store.Tx, d line.Decision, p *line.Pass) error {
	if _, err := tx.AddDecision(d, p.At); err != nil {
		return err
	}
	if d.Blocks() {
		return tx.AdvanceCarcass(d.Carcass, line.CarcassBlocked)
	}
	if err := tx.AdvanceCarcass(d.Carcass, line.CarcassHeld); err != nil {
		return err
	}
	return tx.ReleaseCarcass(d.Carcass, qualityUser, "released under the default quality policy", p.At)
}

func (r *dayRunner) pass(p *line.Pass) {
	r.update(func(tx *store.Tx) error {
		read := line.TagRead{Raw: p.ReaderLine}
		if p.ReaderFrame != nil {
			read.Raw = string(p.ReaderFrame)
			read.RFID, read.Err = rfid.DecodeFrame(p.ReaderFrame)
		} else {
			read.RFID, _, read.Err = rfid.DecodeLine(p.ReaderLine)
		}
		c, _, err := tx.EnterCarcass(r.batch, read, p.At, r.reg, r.rules)
		if err != nil {
			return err
		}
		if c.State == line.CarcassBlocked {
			r.refused += len(p.Cuts)
			return nil
		}
		if c.State == line.CarcassHeld {
			if err := tx.ReleaseCarcass(c.Number, qualityUser, "released under the default quality policy", p.At); err != nil {
				return err
			}
		}
		return r.line(tx, c, p)
	})
}

// line takes an entered carcass through weighing, inspection, chilling
// and cutting.
func (r *dayRunner) line(tx *store.Tx, c store.Carcass, p *line.Pass) error {
	a, _ := r.reg.AnimalByEarTag(c.EarTag)
	scale := func(stage string, g line.Mass, division line.Mass) store.Weighing {
		return store.Weighing{Carcass: c.Number, Stage: stage, Grams: g, ScaleID: "scale-1", Division: division, Stable: true, At: p.At}
	}
	carcassDiv, packDiv := r.run.CarcassScale.Division, r.run.PackScale.Division

	if err := tx.AdvanceCarcass(c.Number, line.CarcassWeighed); err != nil {
		return err
	}
	if _, err := tx.AddWeighing(scale(store.StageHot, p.HotWeight, carcassDiv)); err != nil {
		return err
	}
	if d, ok := r.rules.Weight(a, p.HotWeight); ok {
		d.Carcass = c.Number
		if err := r.decide(tx, d, p); err != nil {
			return err
		}
	}

	err := tx.RecordInspection(store.Inspection{Carcass: c.Number, Result: p.Inspection, Condemned: p.Condemned,
		Reason: p.Reason, Inspector: "vet1", At: p.At})
	if err != nil {
		return err
	}
	if p.Condemned > 0 {
		if _, err := tx.AddWeighing(scale(store.StageCondemned, p.Condemned, packDiv)); err != nil {
			return err
		}
	}
	if d, ok := r.rules.Inspection(a, p.Inspection, p.Reason, p.Condemned); ok {
		d.Carcass = c.Number
		r.refused += len(p.Cuts)
		return r.decide(tx, d, p)
	}
	for _, st := range []line.CarcassState{line.CarcassInspected, line.CarcassChilled} {
		if err := tx.AdvanceCarcass(c.Number, st); err != nil {
			return err
		}
	}
	if _, err := tx.AddWeighing(scale(store.StageChilled, p.Chilled, carcassDiv)); err != nil {
		return err
	}
	if err := tx.AdvanceCarcass(c.Number, line.CarcassCutting); err != nil {
		return err
	}

	for _, cut := range p.Cuts {
		product, _ := r.products.Product(cut.Product)
		_, err := tx.AddPack(r.batch, product, scale(store.StagePack, cut.Weight, packDiv), r.rules.GrasslandEligible(a))
		if err := r.refuse(tx, err, a, c.Number, p); err != nil {
			return err
		}
	}
	for _, b := range p.Byproducts {
		w := scale(store.StageByproduct, b.Weight, packDiv)
		w.Kind = b.Kind
		if b.Kind == "trim" {
			w.ToLot = p.TrimToLot
		}
		_, err := tx.AddOutput(w)
		if err := r.refuse(tx, err, a, c.Number, p); err != nil {
			return err
		}
	}

	if err := tx.AdvanceCarcass(c.Number, line.CarcassClosed); err != nil {
		return err
	}
	bal, err := tx.CarcassBalance(c.Number)
	if err != nil {
		return err
	}
	if d, ok := r.rules.MassLoss(a, bal.Figures(r.rules.MaxLossBP)); ok {
		d.Carcass = c.Number
		return r.decide(tx, d, p)
	}
	return nil
}

// refuse records a weighing refused by the mass balance; other errors
// pass through.
func (r *dayRunner) refuse(tx *store.Tx, err error, a *line.Animal, carcass string, p *line.Pass) error {
	var me *line.MassError
	if !errors.As(err, &me) {
		return err
	}
	if me.Kind == line.OutputPack {
		r.refused++
	}
	d := r.rules.MassExcess(a, me)
	d.Carcass = carcass
	_, err = tx.AddDecision(d, p.At)
	return err
}

// TestRecordSampleDay records the whole sample day in the store and checks
// that the stored decisions and packs give the summary the day check
// gives, and that the journal then verifies.
func TestRecordSampleDay(t *testing.T) {
	if testing.Short() {
		t.Skip("records 375 carcasses")
	}
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	reg := mustImportSample(t, db)
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run, err := line.ReadLineRunFile(sample + ".linerun.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := line.NewDay(products, reg, run, nil, "linerun.json"); err != nil {
		t.Fatal(err)
	}
	batch := line.BatchID{Day: run.SlaughterDay, Line: 1, Shift: 1}
	r := &dayRunner{t: t, db: db, reg: reg, products: products, rules: line.DefaultRules(), run: run, batch: batch.String()}

	r.update(func(tx *store.Tx) error {
		if err := tx.OpenBatch(batch, run.ShiftStart); err != nil {
			return err
		}
		for _, lot := range run.Lots {
			if err := tx.OpenLot(lot.ID, batch.String(), lot.Product); err != nil {
				return err
			}
		}
		for _, test := range run.LabTests {
			if err := tx.RecordLabResult(test, "lab1", run.ShiftStart); err != nil {
				return err
			}
		}
		return nil
	})
	for _, p := range run.Passes {
		r.pass(p)
	}
	for _, lot := range run.Lots {
		product, _ := products.Product(lot.Product)
		for _, g := range lot.Packs {
			r.update(func(tx *store.Tx) error {
				w := store.Weighing{Lot: lot.ID, Grams: g, ScaleID: "scale-2", Division: run.PackScale.Division, Stable: true, At: run.ShiftStart}
				_, err := tx.AddPack(batch.String(), product, w, false)
				if errors.As(err, new(*line.MassError)) {
					r.refused++
					return nil
				}
				return err
			})
		}
		r.update(func(tx *store.Tx) error { return tx.CloseLot(lot.ID) })
	}

	counts, err := db.BatchCounts(batch.String())
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Carcasses    int            `json:"carcasses"`
		Accepted     int            `json:"accepted"`
		Decisions    map[string]int `json:"decisions"`
		Packs        int            `json:"packs"`
		PacksRefused int            `json:"packs_refused"`
		Lots         int            `json:"lots"`
	}
	data, _ := os.ReadFile(sample + ".summary.json")
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if counts.Carcasses != want.Carcasses || counts.Accepted != want.Accepted || counts.Packs != want.Packs ||
		counts.Lots != want.Lots || r.refused != want.PacksRefused {
		t.Errorf("stored day: %d carcasses, %d accepted, %d packs, %d refused, %d lots; want %d, %d, %d, %d, %d",
			counts.Carcasses, counts.Accepted, counts.Packs, r.refused, counts.Lots,
			want.Carcasses, want.Accepted, want.Packs, want.PacksRefused, want.Lots)
	}
	for code, n := range want.Decisions {
		if counts.Decisions[line.Code(code)] != n {
			t.Errorf("decisions %s = %d, want %d", code, counts.Decisions[line.Code(code)], n)
		}
	}
	if len(counts.Decisions) != len(want.Decisions) {
		t.Errorf("decision codes = %v, want %v", counts.Decisions, want.Decisions)
	}

	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("journal: %d entries, %d rows", report.Entries, report.Rows)
}
