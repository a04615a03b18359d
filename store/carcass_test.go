package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

var shift = time.Date(2026, 12, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))

// mustBatch opens the batch 20261204-L1-1 in a database holding the
// sample registry and products.
func mustBatch(t *testing.T) (*store.DB, *line.Registry, string) {
	t.Helper()
	db, _ := mustOpen(t, store.Options{})
	reg := mustImportSample(t, db)
	id := line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}
	err := db.Update(context.Background(), "op1", func(tx *store.Tx) error { return tx.OpenBatch(id, shift) })
	if err != nil {
		t.Fatal(err)
	}
	return db, reg, id.String()
}

func enter(t *testing.T, db *store.DB, reg *line.Registry, batch string, id line.RFID) (store.Carcass, []line.Decision) {
	t.Helper()
	var c store.Carcass
	var decisions []line.Decision
	err := db.Update(context.Background(), "op1", func(tx *store.Tx) error {
		var err error
		c, decisions, err = tx.EnterCarcass(batch, line.TagRead{Raw: string(id), RFID: id}, shift.Add(time.Minute), reg, line.DefaultRules())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, decisions
}

func TestEnterCarcassNumbersAndReuse(t *testing.T) {
	db, reg, batch := mustBatch(t)
	first, decisions := enter(t, db, reg, batch, "156000011051554")
	if first.Number != "20261204-0001" || first.State != line.CarcassEntered || len(decisions) != 0 {
		t.Fatalf("first carcass = %+v, decisions %v", first, decisions)
	}
	if first.EarTag != "315250200357041" || first.Consignment != "SB152502-20261203-001" {
		t.Errorf("first carcass identity = %+v", first)
	}
	second, decisions := enter(t, db, reg, batch, "156000011051554")
	if second.Number != "20261204-0002" || second.State != line.CarcassBlocked ||
		len(decisions) != 1 || decisions[0].Code != line.CodeTagReused || decisions[0].Facts["first_carcass"] != first.Number {
		t.Errorf("second read of the tag = %+v, decisions %+v", second, decisions)
	}
	unknown, decisions := enter(t, db, reg, batch, "156000099999999")
	if unknown.State != line.CarcassBlocked || unknown.EarTag != "" || decisions[0].Code != line.CodeTagUnknown {
		t.Errorf("unknown tag = %+v, %v", unknown, decisions)
	}
	if _, err := db.Verify(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestHoldAndRelease(t *testing.T) {
	ctx := context.Background()
	db, reg, batch := mustBatch(t)
	// Consignment SB152522-20261203-010 was declared too late.
	var a *line.Animal
	for _, c := range reg.Consignments {
		if c.ID == "SB152522-20261203-010" {
			a = c.Animals[0]
		}
	}
	c, decisions := enter(t, db, reg, batch, a.RFID)
	if c.State != line.CarcassHeld || len(decisions) != 1 || decisions[0].Code != line.CodeConsignmentLateDeclaration {
		t.Fatalf("late-declared carcass = %+v, %v", c, decisions)
	}
	err := db.Update(ctx, "op1", func(tx *store.Tx) error { return tx.AdvanceCarcass(c.Number, line.CarcassWeighed) })
	var te *line.TransitionError
	if !errors.As(err, &te) {
		t.Errorf("weighing a held carcass: %v, want a TransitionError", err)
	}
	err = db.Update(ctx, "qa1", func(tx *store.Tx) error { return tx.ReleaseCarcass(c.Number, "qa1", "", shift) })
	if err == nil {
		t.Error("release without a reason accepted")
	}
	err = db.Update(ctx, "qa1", func(tx *store.Tx) error {
		if err := tx.ReleaseCarcass(c.Number, "qa1", "申报晚 30 分钟，经核实放行", shift); err != nil {
			return err
		}
		return tx.AdvanceCarcass(c.Number, line.CarcassWeighed)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, "qa1", func(tx *store.Tx) error {
		stored, err := tx.Decisions(c.Number)
		if err != nil {
			return err
		}
		if len(stored) != 1 || stored[0].ReleasedBy != "qa1" || stored[0].Reason != "申报晚 30 分钟，经核实放行" {
			t.Errorf("stored decisions = %+v", stored)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	blocked, _ := enter(t, db, reg, batch, "156000099999999")
	err = db.Update(ctx, "qa1", func(tx *store.Tx) error {
		return tx.ReleaseCarcass(blocked.Number, "qa1", "trying", shift)
	})
	if err == nil {
		t.Error("a blocked carcass was released")
	}
}

func TestPacksRespectMassBalance(t *testing.T) {
	ctx := context.Background()
	db, reg, batch := mustBatch(t)
	c, _ := enter(t, db, reg, batch, "156000011051554")
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leg, _ := products.Product("leg_bone_in")
	weigh := func(stage string, g line.Mass, division line.Mass) store.Weighing {
		return store.Weighing{Carcass: c.Number, Stage: stage, Grams: g, ScaleID: "s1", Division: division, Stable: true, At: shift}
	}
	var serials []string
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		for _, st := range []line.CarcassState{line.CarcassWeighed, line.CarcassInspected, line.CarcassChilled, line.CarcassCutting} {
			if err := tx.AdvanceCarcass(c.Number, st); err != nil {
				return err
			}
		}
		if _, err := tx.AddWeighing(weigh(store.StageChilled, 10000, 20)); err != nil {
			return err
		}
		for range 2 {
			p, err := tx.AddPack(batch, leg, weigh(store.StagePack, 5000, 2), true)
			if err != nil {
				return err
			}
			serials = append(serials, p.Serial)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if serials[0] != "010000000001" || serials[1] != "010000000002" {
		t.Errorf("serials = %v", serials)
	}
	// Input 10000 g, outputs 10000 g: one more 2 g-division pack may
	// weigh up to the tolerance of 20 + 3 × 2 = 26 g, so 30 g is 4 g over.
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		_, err := tx.AddPack(batch, leg, weigh(store.StagePack, 30, 2), true)
		return err
	})
	var me *line.MassError
	if !errors.As(err, &me) || me.Excess() != 4 {
		t.Fatalf("pack beyond the balance: %v, want 4 g over", err)
	}
	counts, _ := db.BatchCounts(batch)
	if counts.Packs != 2 {
		t.Errorf("packs after a refused one = %d, want 2", counts.Packs)
	}

	// A pack weight changed in the file is detected.
	db.Close()
	sqlite3(t, db.Path(), "UPDATE packs SET grams = 4000 WHERE serial = '010000000002';")
	db, err = store.Open(ctx, filepath.Dir(db.Path()), store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Verify(ctx)
	var ve *store.VerifyError
	if !errors.As(err, &ve) || ve.Table != "packs" || ve.Key != "serial=010000000002" {
		t.Errorf("Verify after editing a pack = %v", err)
	}
}

func TestBatchStates(t *testing.T) {
	ctx := context.Background()
	db, _, batch := mustBatch(t)
	err := db.Update(ctx, "vet1", func(tx *store.Tx) error { return tx.SetProductCertificate(batch, "1515000012345") })
	if err == nil {
		t.Error("product certificate accepted on an open batch")
	}
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		if err := tx.AdvanceBatch(batch, line.BatchCutting); err != nil {
			return err
		}
		if err := tx.AdvanceBatch(batch, line.BatchReview); err != nil {
			return err
		}
		return tx.SetProductCertificate(batch, "1515000012345")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, "op1", func(tx *store.Tx) error { return tx.AdvanceBatch(batch, line.BatchSealed) })
	var te *line.TransitionError
	if !errors.As(err, &te) {
		t.Errorf("review -> sealed: %v, want a TransitionError", err)
	}
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		b, err := tx.Batch(batch)
		if b.State != line.BatchReview || b.ProductCertificate != "1515000012345" {
			t.Errorf("batch = %+v", b)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		return tx.OpenBatch(line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 2}, shift.AddDate(0, 0, 1))
	})
	if err == nil {
		t.Error("a batch whose shift starts on another day was opened")
	}
}
