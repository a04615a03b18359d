package store_test

import (
	"context"
	"fmt"
	"testing"

	"lambtrace/line"
	"lambtrace/store"
)

// TestBalanceCondemnedBeforeChilled reads the balance of a carcass whose
// condemned parts were weighed at inspection, before its chilled weight:
// it shows them as outputs against no input instead of failing.
func TestBalanceCondemnedBeforeChilled(t *testing.T) {
	ctx := context.Background()
	db, reg, batch := mustBatch(t)
	c, _ := enter(t, db, reg, batch, "156000011051554")
	weigh := func(stage string, g line.Mass) store.Weighing {
		return store.Weighing{Carcass: c.Number, Stage: stage, Grams: g, ScaleID: "s1", Division: 2, Stable: true, At: shift}
	}
	err := db.Update(ctx, "vet1", func(tx *store.Tx) error {
		if _, err := tx.AddWeighing(weigh(store.StageCondemned, 1450)); err != nil {
			return err
		}
		bal, err := tx.CarcassBalance(c.Number)
		if err != nil {
			return fmt.Errorf("balance before the chilled weight: %w", err)
		}
		if bal.Input() != 0 || bal.Outputs() != 1450 {
			t.Errorf("balance before the chilled weight: input %v, outputs %v; want 0 and 1.450 kg", bal.Input(), bal.Outputs())
		}

		if _, err := tx.AddWeighing(weigh(store.StageChilled, 18000)); err != nil {
			return err
		}
		bal, err = tx.CarcassBalance(c.Number)
		if err != nil {
			return fmt.Errorf("balance after the chilled weight: %w", err)
		}
		if bal.Input() != 18000 || bal.Outputs() != 1450 {
			t.Errorf("balance after the chilled weight: input %v, outputs %v; want 18.000 kg and 1.450 kg", bal.Input(), bal.Outputs())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
