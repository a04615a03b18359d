package dayrun

import (
	"context"
	"fmt"

	"lambtrace/line"
	"lambtrace/store"
)

// Summary is the summary line of the day check (tracectl check): the
// same fields, under the same JSON names.
type Summary struct {
	Type         string         `json:"type"` // always "summary"
	Passes       int            `json:"passes"`
	Carcasses    int            `json:"carcasses"`
	Accepted     int            `json:"accepted"`
	Decisions    map[string]int `json:"decisions"`
	Packs        int            `json:"packs"`
	PacksRefused int            `json:"packs_refused"`
	Lots         int            `json:"lots"`
}

// SummaryOf returns the summary of a day check's result.
func SummaryOf(s line.Summary) Summary {
	decisions := make(map[string]int, len(s.Decisions))
	for code, n := range s.Decisions {
		decisions[string(code)] = n
	}
	return Summary{Type: "summary", Passes: s.Passes, Carcasses: s.Carcasses, Accepted: s.Accepted,
		Decisions: decisions, Packs: s.Packs, PacksRefused: s.PacksRefused, Lots: s.Lots}
}

// Summarize builds the summary of a batch recorded from run out of what
// the database holds. A refused pack is a mass.excess decision on a pack,
// or a cut of a blocked carcass, which the line run lists and the
// station never weighed. The batch's carcasses in number order are the
// passes in line order, so the blocked ones find their cuts.
func Summarize(ctx context.Context, db *store.DB, batch line.BatchID, run *line.LineRun) (Summary, error) {
	counts, err := db.BatchCounts(batch.String())
	if err != nil {
		return Summary{}, fmt.Errorf("count batch %s: %w", batch, err)
	}
	facts, err := db.BatchFacts(ctx, batch.String())
	if err != nil {
		return Summary{}, err
	}
	if len(facts.Carcasses) > len(run.Passes) {
		return Summary{}, fmt.Errorf("batch %s has %d carcasses, but the line run has %d passes", batch, len(facts.Carcasses), len(run.Passes))
	}
	refused := 0
	for _, d := range facts.Decisions {
		if d.Code == line.CodeMassExcess && d.Facts["kind"] == line.OutputPack {
			refused++
		}
	}
	for i, c := range facts.Carcasses {
		if c.State == line.CarcassBlocked {
			refused += len(run.Passes[i].Cuts)
		}
	}

	decisions := make(map[string]int, len(counts.Decisions))
	for code, n := range counts.Decisions {
		decisions[string(code)] = n
	}
	return Summary{Type: "summary", Passes: len(run.Passes), Carcasses: counts.Carcasses, Accepted: counts.Accepted,
		Decisions: decisions, Packs: counts.Packs, PacksRefused: refused, Lots: counts.Lots}, nil
}
