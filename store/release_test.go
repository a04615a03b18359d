package store_test

import (
	"context"
	"errors"
	"testing"

	"lambtrace/line"
	"lambtrace/store"
)

// TestReleaseAfterRefusedWeighing ensures a refused pack's mass.excess
// decision, which blocks only that weighing, neither keeps the carcass
// from a release nor is released with it.
func TestReleaseAfterRefusedWeighing(t *testing.T) {
	ctx := context.Background()
	db, reg, batch := mustBatch(t)
	c, _ := enter(t, db, reg, batch, "156000011051554")
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leg, _ := products.Product("leg_bone_in")
	rules := line.DefaultRules()
	weigh := func(stage string, g line.Mass) store.Weighing {
		return store.Weighing{Carcass: c.Number, Stage: stage, Grams: g, ScaleID: "s1", Division: 2, Stable: true, At: shift}
	}
	err = db.Update(ctx, "op1", func(tx *store.Tx) error {
		for _, st := range []line.CarcassState{line.CarcassWeighed, line.CarcassInspected, line.CarcassChilled, line.CarcassCutting} {
			if err := tx.AdvanceCarcass(c.Number, st); err != nil {
				return err
			}
		}
		if _, err := tx.AddWeighing(weigh(store.StageChilled, 10000)); err != nil {
			return err
		}
		if _, err := tx.AddPack(batch, leg, weigh(store.StagePack, 6000), true); err != nil {
			return err
		}
		_, err := tx.AddPack(batch, leg, weigh(store.StagePack, 5000), true)
		var me *line.MassError
		if !errors.As(err, &me) {
			t.Fatalf("second pack: %v, want a mass error", err)
		}
		excess := rules.MassExcess(nil, me)
		excess.Carcass = c.Number
		if _, err := tx.AddDecision(excess, shift); err != nil {
			return err
		}

		if err := tx.AdvanceCarcass(c.Number, line.CarcassClosed); err != nil {
			return err
		}
		bal, err := tx.CarcassBalance(c.Number)
		if err != nil {
			return err
		}
		loss, ok := rules.MassLoss(nil, bal.Figures(rules.MaxLossBP))
		if !ok {
			t.Fatalf("a 40 %% loss gave no mass.loss decision")
		}
		loss.Carcass = c.Number
		if _, err := tx.AddDecision(loss, shift); err != nil {
			return err
		}
		return tx.AdvanceCarcass(c.Number, line.CarcassHeld)
	})
	if err != nil {
		t.Fatal(err)
	}

	err = db.Update(ctx, "qa1", func(tx *store.Tx) error {
		if err := tx.ReleaseCarcass(c.Number, "qa1", "trim weighed into the wrong bin", shift); err != nil {
			return err
		}
		stored, err := tx.Decisions(c.Number)
		if err != nil {
			return err
		}
		for _, d := range stored {
			if released := d.ReleasedBy != ""; released != (d.Code == line.CodeMassLoss) {
				t.Errorf("decision %s released = %v", d.Code, released)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
