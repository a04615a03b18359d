package ui

import "lambtrace/line"

// BatchSummary is the veterinarian's review of a batch before signing:
// head counts in and out, decisions and releases, inspection and lab
// results, and the mass balances that stand out. SummarizeBatch makes it
// from the batch's facts.
type BatchSummary struct {
	Batch       line.BatchID
	State       line.BatchState
	Certificate string // the product certificate number recorded so far

	// Head counts in, summed over the batch's consignments.
	Declared     int // animals declared for the consignments
	Received     int // declared animals whose tag the line read
	Carcasses    int // carcasses entered
	Unidentified int // carcasses without a consignment
	Consignments []ConsignmentHeads

	// Head counts out.
	Passed    int // carcasses neither blocked nor still held
	Held      int // carcasses held now, with an unreleased review decision
	Blocked   int // carcasses blocked
	Packs     int // packs with a valid label
	Voided    int // packs whose label was voided
	PackGrams line.Mass

	// Decisions and releases.
	Decisions  int
	Blocking   int      // decisions that block
	Released   int      // review decisions released
	Unreleased int      // review decisions not released
	OpenHolds  []string // carcasses held now, by number

	// Inspection results.
	InspectedPass      int
	InspectedPartial   int
	InspectedCondemned int
	CondemnedGrams     line.Mass
	NotInspected       []string // carcasses not blocked and without a result, by number

	LabResults []line.LabResult

	// Outliers are the carcasses and lots whose balance breaks the loss
	// limit, or whose outputs exceed the input within tolerance.
	Outliers []MassOutlier
}

// ConsignmentHeads are the head counts of one consignment in the batch.
type ConsignmentHeads struct {
	ID          string
	Owner       string
	Declared    int
	Received    int
	Slaughtered int
	Blocked     int
}

// MassOutlier is a carcass or a lot whose mass balance stands out.
type MassOutlier struct {
	Carcass string // empty for a lot
	Lot     string // empty for a carcass
	Figures line.MassFigures
}

// SummarizeBatch counts the facts of a batch for the sign-off screen.
// maxLossBP is the loss limit of the rules the station applies.
func SummarizeBatch(f *line.BatchFacts, maxLossBP int64) BatchSummary {
	s := BatchSummary{Batch: f.Batch, State: f.State, Certificate: f.ProductCertificate, LabResults: f.LabResults}

	// Decisions, and which carcasses are held now.
	held := make(map[string]bool)
	for _, d := range f.Decisions {
		s.Decisions++
		switch {
		case d.Blocks():
			s.Blocking++
		case d.Release != nil:
			s.Released++
		default:
			s.Unreleased++
			if d.Carcass != "" {
				held[d.Carcass] = true
			}
		}
	}

	// Carcasses: states, inspections and balances.
	read := make(map[line.EarTag]bool)
	for _, c := range f.Carcasses {
		s.Carcasses++
		if c.Consignment == "" {
			s.Unidentified++
		}
		if c.EarTag != "" {
			read[c.EarTag] = true
		}
		switch {
		case c.State == line.CarcassBlocked:
			s.Blocked++
		case c.State == line.CarcassHeld || held[c.Number]:
			s.Held++
			s.OpenHolds = append(s.OpenHolds, c.Number)
		default:
			s.Passed++
		}
		s.countInspection(c)
		if c.Balance != nil {
			s.addOutlier(MassOutlier{Carcass: c.Number, Figures: c.Balance.Figures(maxLossBP)})
		}
	}
	for _, l := range f.Lots {
		s.addOutlier(MassOutlier{Lot: l.ID, Figures: l.Balance.Figures(maxLossBP)})
	}

	// Head counts per consignment.
	for _, c := range f.Consignments {
		h := ConsignmentHeads{ID: c.ID, Owner: c.Owner.Name, Declared: len(c.Animals)}
		for _, a := range c.Animals {
			if read[a.EarTag] {
				h.Received++
			}
		}
		for _, k := range f.Carcasses {
			if k.Consignment != c.ID {
				continue
			}
			h.Slaughtered++
			if k.State == line.CarcassBlocked {
				h.Blocked++
			}
		}
		s.Declared += h.Declared
		s.Received += h.Received
		s.Consignments = append(s.Consignments, h)
	}

	// Packs.
	for _, p := range f.Packs {
		if p.Void != nil {
			s.Voided++
			continue
		}
		s.Packs++
		s.PackGrams += p.Weighing.Grams
	}
	return s
}

func (s *BatchSummary) countInspection(c line.CarcassFact) {
	if c.Inspection == nil {
		if c.State != line.CarcassBlocked {
			s.NotInspected = append(s.NotInspected, c.Number)
		}
		return
	}
	switch c.Inspection.Result {
	case line.InspectionPass:
		s.InspectedPass++
	case line.InspectionPartial:
		s.InspectedPartial++
	case line.InspectionCondemned:
		s.InspectedCondemned++
	}
	s.CondemnedGrams += c.Inspection.Condemned
}

// addOutlier keeps a balance whose loss is above the limit or negative.
// A balance without input, such as a lot that got no counted trim, has no
// loss share and stands out only when it has outputs.
func (s *BatchSummary) addOutlier(o MassOutlier) {
	f := o.Figures
	if f.Decision == line.CodeMassLoss || f.Loss < 0 {
		s.Outliers = append(s.Outliers, o)
	}
}
