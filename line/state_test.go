package line_test

import (
	"errors"
	"testing"

	"lambtrace/line"
)

func TestCarcassFlowLegal(t *testing.T) {
	c := line.NewCarcassFlow("20261204-0001")
	steps := []line.CarcassState{
		line.CarcassHeld, line.CarcassReleased, line.CarcassWeighed, line.CarcassInspected,
		line.CarcassHeld, line.CarcassReleased, line.CarcassChilled, line.CarcassCutting,
		line.CarcassClosed, line.CarcassHeld, line.CarcassReleased, line.CarcassBlocked,
	}
	for _, st := range steps {
		if err := c.Advance(st); err != nil {
			t.Fatalf("Advance(%s) from %s: %v", st, c.State(), err)
		}
	}
	if c.Stage() != line.CarcassClosed {
		t.Errorf("Stage() = %s, want closed", c.Stage())
	}
}

func TestCarcassFlowIllegal(t *testing.T) {
	tests := []struct {
		name string
		path []line.CarcassState
		to   line.CarcassState
	}{
		{"SkipStage", nil, line.CarcassInspected},
		{"Backwards", []line.CarcassState{line.CarcassWeighed}, line.CarcassEntered},
		{"Repeat", []line.CarcassState{line.CarcassWeighed}, line.CarcassWeighed},
		{"ReleaseUnheld", nil, line.CarcassReleased},
		{"AdvanceWhileHeld", []line.CarcassState{line.CarcassHeld}, line.CarcassWeighed},
		{"LeaveBlocked", []line.CarcassState{line.CarcassBlocked}, line.CarcassHeld},
		{"ReleaseTwice", []line.CarcassState{line.CarcassHeld, line.CarcassReleased}, line.CarcassReleased},
		{"PastClosed", []line.CarcassState{line.CarcassWeighed, line.CarcassInspected, line.CarcassChilled,
			line.CarcassCutting, line.CarcassClosed}, line.CarcassReleased},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := line.NewCarcassFlow("20261204-0002")
			for _, st := range tt.path {
				if err := c.Advance(st); err != nil {
					t.Fatalf("setup Advance(%s): %v", st, err)
				}
			}
			before := c.State()
			err := c.Advance(tt.to)
			var te *line.TransitionError
			if !errors.As(err, &te) || te.From != string(before) || te.To != string(tt.to) {
				t.Fatalf("Advance(%s) from %s = %v, want TransitionError", tt.to, before, err)
			}
			if c.State() != before {
				t.Errorf("failed Advance changed state to %s", c.State())
			}
		})
	}
}

func TestBatchFlow(t *testing.T) {
	b := line.NewBatchFlow("20261204-L1-1")
	if err := b.Advance(line.BatchReview); err == nil {
		t.Error("open -> review accepted")
	}
	for _, st := range []line.BatchState{line.BatchCutting, line.BatchReview, line.BatchSigned, line.BatchSealed, line.BatchUploaded} {
		if err := b.Advance(st); err != nil {
			t.Fatalf("Advance(%s): %v", st, err)
		}
	}
	if err := b.Advance(line.BatchOpen); err == nil || b.State() != line.BatchUploaded {
		t.Errorf("uploaded -> open: err %v, state %s", err, b.State())
	}
}

func TestRestoreFlows(t *testing.T) {
	c, err := line.RestoreCarcassFlow("20261204-0001", line.CarcassHeld, line.CarcassInspected)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(line.CarcassReleased); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(line.CarcassChilled); err != nil {
		t.Errorf("released at inspected -> chilled: %v", err)
	}
	for _, pair := range [][2]line.CarcassState{{line.CarcassWeighed, line.CarcassEntered}, {line.CarcassHeld, "nowhere"}, {"lost", line.CarcassEntered}} {
		if _, err := line.RestoreCarcassFlow("20261204-0001", pair[0], pair[1]); err == nil {
			t.Errorf("RestoreCarcassFlow(%s, %s) accepted", pair[0], pair[1])
		}
	}
	b, err := line.RestoreBatchFlow("20261204-L1-1", line.BatchReview)
	if err != nil || b.Advance(line.BatchSigned) != nil {
		t.Errorf("restored batch: %v", err)
	}
	if _, err := line.RestoreBatchFlow("20261204-L1-1", "lost"); err == nil {
		t.Error("RestoreBatchFlow accepted an unknown state")
	}
}
