package line_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"lambtrace/line"
)

// signOffFacts returns the facts of a batch that may be signed off: a
// closed carcass with a printed pack, a blocked carcass of another
// consignment, a closed lot and a lab result of the first consignment.
func signOffFacts() *line.BatchFacts {
	return &line.BatchFacts{
		Batch: line.BatchID{Day: slaughterDay, Line: 1, Shift: 1},
		Carcasses: []line.CarcassFact{
			{Number: "20261204-0001", Consignment: "C-1", State: line.CarcassClosed, Stage: line.CarcassClosed},
			{Number: "20261204-0002", Consignment: "C-2", State: line.CarcassBlocked, Stage: line.CarcassEntered},
		},
		Lots: []line.LotFact{{ID: "ROLL-1", State: string(line.LotClosed)}},
		Packs: []line.PackFact{{Serial: "010000000001", Carcass: "20261204-0001",
			Prints: []line.PrintFact{{Job: 1, State: string(line.PrintConfirmed)}}}},
		LabResults: []line.LabResult{{LabTest: line.LabTest{Sample: "LAB-1", Consignment: "C-1", Result: line.LabNegative}}},
	}
}

func TestSignOffBlockers(t *testing.T) {
	rules := line.DefaultRules()
	tests := []struct {
		name   string
		change func(f *line.BatchFacts)
		want   []line.RefusalReason
		names  string // what the first refusal's text must name
	}{
		{"OK", func(*line.BatchFacts) {}, nil, ""},
		{"Empty", func(f *line.BatchFacts) { f.Carcasses = nil }, []line.RefusalReason{line.RefusedSignOffEmpty}, "20261204-L1-1"},
		{"Held", func(f *line.BatchFacts) { f.Carcasses[0].State = line.CarcassHeld },
			[]line.RefusalReason{line.RefusedSignOffHeld}, "20261204-0001"},
		{"ReleasedNotClosed", func(f *line.BatchFacts) {
			f.Carcasses[0].State, f.Carcasses[0].Stage = line.CarcassReleased, line.CarcassChilled
		}, []line.RefusalReason{line.RefusedSignOffCutting}, "20261204-0001"},
		{"Cutting", func(f *line.BatchFacts) {
			f.Carcasses[0].State, f.Carcasses[0].Stage = line.CarcassCutting, line.CarcassCutting
		},
			[]line.RefusalReason{line.RefusedSignOffCutting}, "20261204-0001"},
		{"LotOpen", func(f *line.BatchFacts) { f.Lots[0].State = string(line.LotOpen) },
			[]line.RefusalReason{line.RefusedSignOffLotOpen}, "ROLL-1"},
		{"LotHeld", func(f *line.BatchFacts) {
			f.Decisions = []line.DecisionFact{{ID: 1, Decision: line.Decision{Code: line.CodeMassLoss, Severity: line.SeverityReview, Lot: "ROLL-1"}}}
		}, []line.RefusalReason{line.RefusedSignOffLotHeld}, "ROLL-1"},
		{"LotReleased", func(f *line.BatchFacts) {
			f.Decisions = []line.DecisionFact{{ID: 1, Decision: line.Decision{Code: line.CodeMassLoss, Severity: line.SeverityReview, Lot: "ROLL-1"},
				Release: &line.ReleaseFact{By: "qa1", Reason: "trim dried"}}}
		}, nil, ""},
		{"LotExcessIsNoHold", func(f *line.BatchFacts) {
			f.Decisions = []line.DecisionFact{{ID: 1, Decision: line.Decision{Code: line.CodeMassExcess, Severity: line.SeverityBlock, Lot: "ROLL-1"}}}
		}, nil, ""},
		{"PrintSent", func(f *line.BatchFacts) { f.Packs[0].Prints[0].State = string(line.PrintSent) },
			[]line.RefusalReason{line.RefusedSignOffPrints}, "010000000001"},
		{"PrintFailed", func(f *line.BatchFacts) {
			f.Packs[0].Prints = append(f.Packs[0].Prints, line.PrintFact{Job: 2, State: string(line.PrintFailed), ReprintOf: 1})
		}, []line.RefusalReason{line.RefusedSignOffPrints}, "010000000001"},
		{"PrintFailedVoid", func(f *line.BatchFacts) {
			f.Packs[0].Prints[0].State = string(line.PrintFailed)
			f.Packs[0].Void = &line.VoidFact{Reason: "torn", By: "qa1"}
		}, nil, ""},
		{"NeverPrinted", func(f *line.BatchFacts) { f.Packs[0].Prints = nil }, nil, ""},
		{"NoLab", func(f *line.BatchFacts) { f.LabResults = nil }, []line.RefusalReason{line.RefusedSignOffLab}, "C-1"},
		{"Everything", func(f *line.BatchFacts) {
			f.Carcasses = append(f.Carcasses, line.CarcassFact{Number: "20261204-0003", Consignment: "C-3",
				State: line.CarcassHeld, Stage: line.CarcassWeighed})
			f.Carcasses[0].Stage, f.Carcasses[0].State = line.CarcassChilled, line.CarcassChilled
			f.Lots[0].State = string(line.LotOpen)
			f.Packs[0].Prints[0].State = string(line.PrintQueued)
		}, []line.RefusalReason{line.RefusedSignOffHeld, line.RefusedSignOffCutting, line.RefusedSignOffLotOpen,
			line.RefusedSignOffPrints, line.RefusedSignOffLab}, "20261204-0003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := signOffFacts()
			tt.change(f)
			got := rules.SignOffBlockers(f)
			reasons := make([]line.RefusalReason, len(got))
			for i, r := range got {
				reasons[i] = r.Reason
			}
			if !slices.Equal(reasons, tt.want) {
				t.Fatalf("SignOffBlockers = %v, want %v", reasons, tt.want)
			}
			if len(got) == 0 {
				return
			}
			for _, lang := range line.Langs {
				text := got[0].Text(lang)
				if !strings.Contains(text, tt.names) || strings.HasPrefix(text, "station.refused.") {
					t.Errorf("Text(%s) = %q, want it to name %s", lang, text, tt.names)
				}
			}
		})
	}
}

// TestSignOffBlockersLabRule checks that a plant without the lab rule
// signs off a consignment without a lab result.
func TestSignOffBlockersLabRule(t *testing.T) {
	rules := line.DefaultRules()
	rules.RequireLabResult = false
	f := signOffFacts()
	f.LabResults = nil
	if got := rules.SignOffBlockers(f); len(got) != 0 {
		t.Errorf("SignOffBlockers without the lab rule = %+v, want none", got)
	}
}

// TestSignOffBlockersListLimit checks that a long list is cut and the
// count gives the whole.
func TestSignOffBlockersListLimit(t *testing.T) {
	f := signOffFacts()
	f.Carcasses = nil
	for _, n := range []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"} {
		f.Carcasses = append(f.Carcasses, line.CarcassFact{Number: "20261204-00" + n, Consignment: "C-1",
			State: line.CarcassHeld, Stage: line.CarcassEntered})
	}
	got := line.DefaultRules().SignOffBlockers(f)
	if len(got) != 1 || got[0].Data["count"] != "12" {
		t.Fatalf("SignOffBlockers = %+v, want one refusal for 12 carcasses", got)
	}
	text := got[0].Text(line.LangEN)
	if !strings.Contains(text, "20261204-0010 …") || strings.Contains(text, "20261204-0011") {
		t.Errorf("Text = %q, want the first 10 carcasses and an ellipsis", text)
	}
}

func TestValidProductCertificate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"1521870093", true},
		{"61000000001", true},
		{"NM-2026-000123", true},
		{"", false},
		{"152187009", false},
		{"15218 70093", false},
		{"１５２１８７００９３", false},
		{"nm-2026-000123", false},
		{"-1521870093", false},
		{"1521870093-", false},
		{strings.Repeat("1", 32), true},
		{strings.Repeat("1", 33), false},
	} {
		if got := line.ValidProductCertificate(tt.in); got != tt.want {
			t.Errorf("ValidProductCertificate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// wrongPIN is a localized error as a sealer returns it.
type wrongPIN struct{}

func (wrongPIN) Error() string { return "wrong PIN" }
func (wrongPIN) Message(lang line.Lang) string {
	if lang == line.LangZH {
		return "PIN 错误"
	}
	return "Wrong PIN"
}

func TestRefusalCause(t *testing.T) {
	err := error(&line.RefusalError{Refusal: line.Refusal{Reason: line.RefusedSignOffNotSigned,
		Data: map[string]string{"batch": "20261204-L1-1"}, Cause: wrongPIN{}}})
	if !errors.Is(err, wrongPIN{}) {
		t.Errorf("errors.Is(%v, wrongPIN) = false, want the cause unwrapped", err)
	}
	var ref *line.RefusalError
	errors.As(err, &ref)
	for lang, want := range map[line.Lang]string{line.LangZH: "PIN 错误", line.LangEN: "Wrong PIN"} {
		if text := ref.Text(lang); !strings.Contains(text, want) || !strings.Contains(text, "20261204-L1-1") {
			t.Errorf("Text(%s) = %q, want the batch and %q", lang, text, want)
		}
	}
	if ref.Data["cause"] != "" {
		t.Error("Text wrote the cause into the refusal's data")
	}
}
