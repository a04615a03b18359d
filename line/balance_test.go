package line_test

import (
	"errors"
	"testing"

	"lambtrace/line"
)

func TestBalanceTolerance(t *testing.T) {
	var b line.Balance
	b.AddInput(10000, 20)
	// Input 10 kg on a 20 g scale: the first 2 g-division output may reach
	// 10000 + 20 + 2 g.
	if err := b.Check(line.OutputPack, 10022, 2); err != nil {
		t.Errorf("10022 g against 10000 g + 22 g refused: %v", err)
	}
	err := b.Add(line.OutputPack, 10023, 2)
	var me *line.MassError
	if !errors.As(err, &me) {
		t.Fatalf("10023 g accepted, err %v", err)
	}
	if me.Input != 10000 || me.Outputs != 10023 || me.Tolerance != 22 || me.Excess() != 1 {
		t.Errorf("MassError = %+v, excess %d", me, me.Excess())
	}
	if b.Outputs() != 0 || b.Tolerance() != 20 {
		t.Errorf("refused weighing changed the balance: outputs %d, tolerance %d", b.Outputs(), b.Tolerance())
	}

	// Each accepted output weighing widens the tolerance by its division.
	for range 3 {
		if err := b.Add("bone", 3000, 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.Tolerance(); got != 26 {
		t.Errorf("tolerance after three weighings = %d, want 26", got)
	}
	if got := b.Remaining(2); got != 10000+26+2-9000 {
		t.Errorf("Remaining = %d", got)
	}
	if err := b.Add(line.OutputPack, 1028, 2); err != nil {
		t.Errorf("last pack within tolerance refused: %v", err)
	}
	// Outputs 10028 g; one more 2 g weighing allows up to 10030 g.
	if err := b.Add(line.OutputPack, 2, 2); err != nil {
		t.Errorf("2 g within the widened tolerance refused: %v", err)
	}
	if err := b.Add(line.OutputPack, 3, 2); err == nil {
		t.Error("pack beyond tolerance accepted")
	}
}

func TestBalanceFigures(t *testing.T) {
	var b line.Balance
	b.AddInput(17524, 20)
	_ = b.Add(line.OutputCondemned, 0, 2)
	_ = b.Add(line.OutputPack, 15000, 2)
	_ = b.Add("bone", 1361, 2)
	f := b.Figures(300)
	if f.Loss != 1163 || f.LossBP != 663 || f.Decision != line.CodeMassLoss {
		t.Errorf("figures = %+v, want loss 1163 g, 663 bp, mass.loss", f)
	}
	if len(f.ByKind) != 3 || f.ByKind[1] != (line.KindMass{Kind: line.OutputPack, Mass: 15000}) {
		t.Errorf("ByKind = %+v", f.ByKind)
	}

	var exact line.Balance
	exact.AddInput(10000, 20)
	_ = exact.Add(line.OutputPack, 9700, 2)
	if f := exact.Figures(300); f.Decision != "" || f.LossBP != 300 {
		t.Errorf("loss of exactly 3%%: %+v", f)
	}
	var empty line.Balance
	if f := empty.Figures(300); f.Decision != "" || f.LossBP != 0 {
		t.Errorf("empty balance: %+v", f)
	}
}
