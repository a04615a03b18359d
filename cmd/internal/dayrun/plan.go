package dayrun

import (
	"fmt"

	"lambtrace/line"
	"lambtrace/store"
)

// Plan is how far the recorded batch got with a line run, so a run that
// was stopped, or killed, continues where the database shows it stopped.
// The zero Plan is a day not started.
type Plan struct {
	Passes     []PassPlan         // one per pass of the line run, in line order
	Lots       map[string]LotPlan // by lot id
	LabSamples map[string]bool    // lab samples recorded
}

// PassPlan is how far the carcass of one pass got.
type PassPlan struct {
	Carcass   string // the carcass number; empty when the tag read was never recorded
	Hot       bool   // the hot weight is recorded
	Inspected bool
	Chilled   bool
	// Outputs counts the cuts and by-products that were judged, in the
	// order Cut weighs them: stored packs and by-products, and packs and
	// by-products the mass balance refused.
	Outputs int
	Closed  bool // the cutting is closed
	Blocked bool
}

// LotPlan is how far one mixed lot got.
type LotPlan struct {
	Open    bool // the lot exists
	Outputs int  // packs weighed or refused
	Closed  bool
}

// Pass returns the plan of pass i (0-based); the zero PassPlan when the
// plan has none.
func (p *Plan) Pass(i int) PassPlan {
	if p == nil || i >= len(p.Passes) {
		return PassPlan{}
	}
	return p.Passes[i]
}

// Lot returns the plan of a lot.
func (p *Plan) Lot(id string) LotPlan {
	if p == nil {
		return LotPlan{}
	}
	return p.Lots[id]
}

func (p *Plan) lotOpen(id string) bool         { return p != nil && p.Lots[id].Open }
func (p *Plan) labRecorded(sample string) bool { return p != nil && p.LabSamples[sample] }

// Done reports whether the whole line run is recorded.
func (p *Plan) Done(run *line.LineRun) bool {
	if p == nil || len(p.Passes) < len(run.Passes) {
		return false
	}
	for _, pp := range p.Passes {
		if !pp.Closed && !pp.Blocked {
			return false
		}
	}
	for _, lot := range run.Lots {
		if !p.Lots[lot.ID].Closed {
			return false
		}
	}
	return true
}

// PlanOf reads how far a batch got with run from the shift the station
// opened and the batch's facts. The batch's carcasses, in number order,
// are the passes in line order, because every pass gives one carcass and
// numbers are given in entry order. It returns an error when the batch
// holds more carcasses than run has passes, which means the batch was not
// recorded from run.
func PlanOf(shift line.Shift, facts *line.BatchFacts, run *line.LineRun) (*Plan, error) {
	if len(facts.Carcasses) > len(run.Passes) {
		return nil, fmt.Errorf("batch %s has %d carcasses, but the line run has %d passes: it was recorded from another line run",
			facts.Batch, len(facts.Carcasses), len(run.Passes))
	}
	plan := &Plan{Lots: make(map[string]LotPlan), LabSamples: make(map[string]bool)}
	index := make(map[string]int, len(facts.Carcasses))
	for i, c := range facts.Carcasses {
		pp := PassPlan{Carcass: c.Number, Inspected: c.Inspection != nil, Closed: c.Stage == line.CarcassClosed,
			Blocked: c.State == line.CarcassBlocked}
		for _, w := range c.Weighings {
			switch w.Stage {
			case store.StageHot:
				pp.Hot = true
			case store.StageChilled:
				pp.Chilled = true
			}
		}
		index[c.Number] = i
		plan.Passes = append(plan.Passes, pp)
	}

	// Outputs of carcasses and lots: packs, by-products and the refusals
	// of the mass balance, which are decisions. A refused condemned
	// weighing is part of the inspection, not of the cutting.
	count := func(carcass, lot string) {
		if carcass != "" {
			if i, ok := index[carcass]; ok {
				plan.Passes[i].Outputs++
			}
			return
		}
		lp := plan.Lots[lot]
		lp.Outputs++
		plan.Lots[lot] = lp
	}
	for _, pk := range facts.Packs {
		count(pk.Weighing.Carcass, pk.Weighing.Lot)
	}
	for _, b := range facts.Byproducts {
		count(b.Carcass, b.Lot)
	}
	for _, d := range facts.Decisions {
		if d.Code == line.CodeMassExcess && d.Facts["kind"] != line.OutputCondemned {
			count(d.Carcass, d.Lot)
		}
	}

	// The shift lists every lab result recorded, also those of
	// consignments with no carcass in the batch yet, which the batch's
	// facts leave out.
	for _, lot := range shift.Lots {
		lp := plan.Lots[lot.ID]
		lp.Open, lp.Closed = true, lot.State == line.LotClosed
		plan.Lots[lot.ID] = lp
	}
	for _, t := range shift.LabTests {
		plan.LabSamples[t.Sample] = true
	}
	return plan, nil
}
