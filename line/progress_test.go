package line_test

import (
	"testing"

	"lambtrace/line"
)

func TestCatchUp(t *testing.T) {
	all := line.CarcassFacts{HotWeighed: true, Inspected: true, ChillWeighed: true, Cut: true}
	tests := []struct {
		name      string
		path      []line.CarcassState
		facts     line.CarcassFacts
		wantState line.CarcassState
		wantStage line.CarcassState
	}{
		{"Nothing", nil, line.CarcassFacts{}, line.CarcassEntered, line.CarcassEntered},
		{"AllFacts", nil, all, line.CarcassCutting, line.CarcassCutting},
		{"StopsAtGap", nil, line.CarcassFacts{HotWeighed: true, ChillWeighed: true}, line.CarcassWeighed, line.CarcassWeighed},
		{"InspectedBeforeWeighed", nil, line.CarcassFacts{Inspected: true}, line.CarcassEntered, line.CarcassEntered},
		{"HeldStays", []line.CarcassState{line.CarcassHeld}, all, line.CarcassHeld, line.CarcassEntered},
		{"BlockedStays", []line.CarcassState{line.CarcassBlocked}, all, line.CarcassBlocked, line.CarcassEntered},
		{"ReleasedResumes", []line.CarcassState{line.CarcassWeighed, line.CarcassHeld, line.CarcassReleased},
			line.CarcassFacts{HotWeighed: true, Inspected: true}, line.CarcassInspected, line.CarcassInspected},
		{"ReleasedWithoutNewFacts", []line.CarcassState{line.CarcassHeld, line.CarcassReleased},
			line.CarcassFacts{}, line.CarcassReleased, line.CarcassEntered},
		{"ClosedStays", []line.CarcassState{line.CarcassWeighed, line.CarcassInspected, line.CarcassChilled,
			line.CarcassCutting, line.CarcassClosed}, all, line.CarcassClosed, line.CarcassClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := line.NewCarcassFlow("20261204-0001")
			for _, st := range tt.path {
				if err := c.Advance(st); err != nil {
					t.Fatalf("setup Advance(%s): %v", st, err)
				}
			}
			if err := c.CatchUp(tt.facts); err != nil {
				t.Fatalf("CatchUp(%+v): %v", tt.facts, err)
			}
			if c.State() != tt.wantState || c.Stage() != tt.wantStage {
				t.Errorf("CatchUp(%+v) = %s at %s, want %s at %s", tt.facts, c.State(), c.Stage(), tt.wantState, tt.wantStage)
			}
		})
	}
}

func TestApplyDecisions(t *testing.T) {
	review := line.Decision{Code: line.CodeTagLate, Severity: line.SeverityReview}
	block := line.Decision{Code: line.CodeDrugWithdrawal, Severity: line.SeverityBlock}
	excess := line.Decision{Code: line.CodeMassExcess, Severity: line.SeverityBlock}
	tests := []struct {
		name      string
		path      []line.CarcassState
		decisions []line.Decision
		want      line.CarcassState
	}{
		{"None", nil, nil, line.CarcassEntered},
		{"ReviewHolds", nil, []line.Decision{review}, line.CarcassHeld},
		{"BlockBlocks", nil, []line.Decision{review, block}, line.CarcassBlocked},
		{"HeldThenBlock", []line.CarcassState{line.CarcassHeld}, []line.Decision{block}, line.CarcassBlocked},
		{"HeldThenReview", []line.CarcassState{line.CarcassHeld}, []line.Decision{review}, line.CarcassHeld},
		{"BlockedThenReview", []line.CarcassState{line.CarcassBlocked}, []line.Decision{review}, line.CarcassBlocked},
		{"MassExcessOnly", []line.CarcassState{line.CarcassWeighed}, []line.Decision{excess}, line.CarcassWeighed},
		{"ReleasedThenReview", []line.CarcassState{line.CarcassHeld, line.CarcassReleased}, []line.Decision{review}, line.CarcassHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := line.NewCarcassFlow("20261204-0002")
			for _, st := range tt.path {
				if err := c.Advance(st); err != nil {
					t.Fatalf("setup Advance(%s): %v", st, err)
				}
			}
			if err := c.Apply(tt.decisions); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if c.State() != tt.want {
				t.Errorf("Apply(%v) = %s, want %s", tt.decisions, c.State(), tt.want)
			}
		})
	}
}

func TestBlocksCarcass(t *testing.T) {
	for _, tt := range []struct {
		d    line.Decision
		want bool
	}{
		{line.Decision{Code: line.CodeMassExcess, Severity: line.SeverityBlock}, false},
		{line.Decision{Code: line.CodeTagReused, Severity: line.SeverityBlock}, true},
		{line.Decision{Code: line.CodeQualityBlocked, Severity: line.SeverityBlock}, true},
		{line.Decision{Code: line.CodeMassLoss, Severity: line.SeverityReview}, false},
	} {
		if got := tt.d.BlocksCarcass(); got != tt.want {
			t.Errorf("%s (%s).BlocksCarcass() = %v, want %v", tt.d.Code, tt.d.Severity, got, tt.want)
		}
	}
}
