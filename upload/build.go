package upload

import (
	"errors"
	"fmt"
	"time"

	"lambtrace/line"
)

// Options configures Build.
type Options struct {
	// Domain is the platform's domain, such as trace.example.cn, under
	// which the EPCIS events name animals, carcasses, lots, parties and
	// the bizSteps slaughtering and cutting. It is required.
	Domain string
	// Rules are the thresholds the batch was judged by; DefaultRules when
	// nil. The document states the maximum loss and the forage feeding
	// systems.
	Rules *line.Rules
}

// Build makes the document of a batch from its facts. It fails when the
// facts cannot be stated in the format: no platform domain, no plant
// approval number, or a pack whose GTIN does not carry the plant's GS1
// company prefix. Build does not judge the batch: run Check on the result
// for that.
func Build(f *line.BatchFacts, opts Options) (*Document, error) {
	if f == nil {
		return nil, errors.New("build batch document: no facts")
	}
	rules := opts.Rules
	if rules == nil {
		rules = line.DefaultRules()
	}

	d := &Document{
		Format:         Format,
		PlatformDomain: opts.Domain,
		Plant:          Plant{Name: f.Plant.Name, ApprovalNumber: f.Plant.ApprovalNumber, GS1CompanyPrefix: f.Plant.GS1CompanyPrefix},
		Station:        Station{ID: f.StationID, Number: f.StationNumber},
		Batch: Batch{ID: f.Batch.String(), Day: f.Batch.Day, Line: f.Batch.Line, Shift: f.Batch.Shift,
			ShiftStart: f.ShiftStart, State: string(f.State), ProductCertificate: f.ProductCertificate},
		Rules:   Rules{MaxLossBP: rules.MaxLossBP, ForageFeedingSystems: append([]int{}, rules.ForageFeedingSystems...)},
		Journal: Journal{Seq: f.Journal.Seq, Hash: f.Journal.Hash, Algorithm: f.Journal.Algorithm, At: f.Journal.At},
	}
	d.Products = convertProducts(f.Products)
	d.Consignments = convertConsignments(f.Consignments)
	d.Carcasses = convertCarcasses(f.Carcasses, rules.MaxLossBP)
	d.Decisions = convertDecisions(f.Decisions)
	d.LabResults = convertLabResults(f.LabResults)
	d.Byproducts = make([]Weighing, 0, len(f.Byproducts))
	for _, w := range f.Byproducts {
		d.Byproducts = append(d.Byproducts, convertWeighing(w))
	}
	d.Lots = convertLots(f.Lots, rules.MaxLossBP)
	d.Packs = convertPacks(f.Packs)

	setTotals(d)
	heads := countHeads(d)
	for i := range d.Consignments {
		d.Consignments[i].Heads = heads[d.Consignments[i].ID]
	}

	epcis, err := EPCIS(d)
	if err != nil {
		return nil, fmt.Errorf("build batch document %s: %w", d.Batch.ID, err)
	}
	d.EPCIS = epcis
	return d, nil
}

func convertProducts(products []*line.Product) []Product {
	out := make([]Product, 0, len(products))
	for _, p := range products {
		out = append(out, Product{Key: p.Key, NameZH: p.NameZH, NameEN: p.NameEN, UNECECut: p.UNECECut,
			GTIN: string(p.GTIN), BoneIn: p.BoneIn, Mixed: p.Mixed})
	}
	return out
}

func convertConsignments(consignments []*line.Consignment) []Consignment {
	out := make([]Consignment, 0, len(consignments))
	for _, c := range consignments {
		dc := Consignment{
			ID: c.ID, DeclaredAt: c.DeclaredAt, ArrivedAt: c.ArrivedAt, PlannedSlaughterOn: c.PlannedSlaughterOn,
			Owner:   Owner{ID: c.Owner.ID, Name: c.Owner.Name, Kind: c.Owner.Kind, County: c.Owner.County, CountyName: c.Owner.CountyName},
			Animals: make([]Animal, 0, len(c.Animals)),
		}
		if cert := c.Certificate; cert != nil {
			dc.Certificate = &Certificate{Number: cert.Number, Type: cert.Type, IssuedAt: cert.IssuedAt,
				ValidUntil: cert.ValidUntil, HeadCount: cert.HeadCount}
		}
		for _, a := range c.Animals {
			dc.Animals = append(dc.Animals, convertAnimal(a))
		}
		out = append(out, dc)
	}
	return out
}

func convertAnimal(a *line.Animal) Animal {
	out := Animal{
		EarTag: string(a.EarTag), RFID: string(a.RFID), Breed: a.Breed, Sex: a.Sex, BornOn: a.BornOn, TaggedOn: a.TaggedOn,
		Pasture: Pasture{Kind: a.Pasture.Kind, FeedingSystem: a.Pasture.FeedingSystem,
			ProductionSystem: a.Pasture.ProductionSystem, GrazingAreaMu: a.Pasture.GrazingAreaMu},
		LiveWeight:   a.LiveWeight,
		Vaccinations: make([]Vaccination, 0, len(a.Vaccinations)),
		Treatments:   make([]Treatment, 0, len(a.Treatments)),
	}
	for _, v := range a.Vaccinations {
		out.Vaccinations = append(out.Vaccinations, Vaccination{Name: v.Name, Batch: v.Batch, On: v.On})
	}
	for _, t := range a.Treatments {
		out.Treatments = append(out.Treatments, Treatment{Drug: t.Drug, Batch: t.Batch, On: t.On, WithdrawalDays: t.WithdrawalDays})
	}
	return out
}

func convertWeighing(w line.WeighingFact) Weighing {
	return Weighing{ID: w.ID, Carcass: w.Carcass, Stage: w.Stage, Kind: w.Kind, Grams: w.Grams, Division: w.Division,
		ScaleID: w.ScaleID, Stable: w.Stable, At: w.At, ToLot: w.ToLot}
}

func convertCarcasses(carcasses []line.CarcassFact, maxLossBP int64) []Carcass {
	out := make([]Carcass, 0, len(carcasses))
	for _, c := range carcasses {
		dc := Carcass{
			Number: c.Number, RawRead: c.RawRead, RFID: string(c.RFID), EarTag: string(c.EarTag), Consignment: c.Consignment,
			State: string(c.State), Stage: string(c.Stage), EnteredAt: c.EnteredAt,
			Weighings: make([]Weighing, 0, len(c.Weighings)),
		}
		for _, w := range c.Weighings {
			// A carcass's own weighings name it once, in the carcass.
			w.Carcass = ""
			dc.Weighings = append(dc.Weighings, convertWeighing(w))
		}
		if in := c.Inspection; in != nil {
			dc.Inspection = &Inspection{Result: in.Result, Condemned: in.Condemned, Reason: in.Reason,
				Inspector: in.Inspector, At: in.At}
		}
		if c.Balance != nil {
			mb := massBalance(c.Balance.Figures(maxLossBP))
			dc.MassBalance = &mb
		}
		out = append(out, dc)
	}
	return out
}

func massBalance(f line.MassFigures) MassBalance {
	mb := MassBalance{
		Input: f.Input, InputWeighings: f.InputWeighings, Outputs: f.Outputs, OutputWeighings: f.OutputWeighings,
		ByKind: make([]KindMass, 0, len(f.ByKind)), Loss: f.Loss, LossBP: f.LossBP, Tolerance: f.Tolerance,
		MaxLossBP: f.MaxLossBP, Decision: string(f.Decision),
	}
	for _, k := range f.ByKind {
		mb.ByKind = append(mb.ByKind, KindMass{Kind: k.Kind, Grams: k.Mass})
	}
	return mb
}

func convertDecisions(decisions []line.DecisionFact) []Decision {
	out := make([]Decision, 0, len(decisions))
	for _, d := range decisions {
		dd := Decision{
			ID: d.ID, Carcass: d.Carcass, Lot: d.Lot, Code: string(d.Code), Severity: string(d.Severity),
			RFID: string(d.RFID), EarTag: string(d.EarTag), Consignment: d.Consignment,
			Facts: make(map[string]string, len(d.Facts)), DecidedAt: d.DecidedAt, RecordedBy: d.RecordedBy,
		}
		for k, v := range d.Facts {
			dd.Facts[k] = v
		}
		if r := d.Release; r != nil {
			dd.Release = &Release{By: r.By, Reason: r.Reason, At: r.At}
		}
		out = append(out, dd)
	}
	return out
}

func convertLabResults(results []line.LabResult) []LabResult {
	out := make([]LabResult, 0, len(results))
	for _, l := range results {
		out = append(out, LabResult{Sample: l.Sample, Consignment: l.Consignment, Analytes: append([]string{}, l.Analytes...),
			Method: l.Method, Result: l.Result, RecordedBy: l.RecordedBy, At: l.At})
	}
	return out
}

func convertLots(lots []line.LotFact, maxLossBP int64) []Lot {
	out := make([]Lot, 0, len(lots))
	for _, l := range lots {
		dl := Lot{ID: l.ID, Product: l.Product, State: l.State, Sources: make([]LotSourceFact, 0, len(l.Sources)),
			MassBalance: massBalance(l.Balance.Figures(maxLossBP))}
		for _, s := range l.Sources {
			dl.Sources = append(dl.Sources, LotSourceFact{Weighing: s.Weighing, Carcass: s.Carcass, EarTag: string(s.EarTag),
				Grams: s.Grams, Division: s.Division, Counted: s.Counted})
		}
		out = append(out, dl)
	}
	return out
}

func convertPacks(packs []line.PackFact) []Pack {
	out := make([]Pack, 0, len(packs))
	for _, p := range packs {
		dp := Pack{
			Serial: p.Serial, GTIN: string(p.GTIN), Product: p.Product, Grams: p.Weighing.Grams, Division: p.Weighing.Division,
			ScaleID: p.Weighing.ScaleID, Weighing: p.Weighing.ID, Carcass: p.Carcass, Lot: p.Lot, Grassland: p.Grassland,
			PackedAt: p.PackedAt, Prints: make([]Print, 0, len(p.Prints)),
		}
		for _, j := range p.Prints {
			dp.Prints = append(dp.Prints, Print{Job: j.Job, Printer: j.Printer, ZPLSHA256: j.ZPLSHA256, State: j.State,
				ReprintOf: j.ReprintOf, Reason: j.Reason, Error: j.Error, By: j.By, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt})
		}
		if n := len(p.Prints); n > 0 {
			dp.LabelSHA256 = p.Prints[n-1].ZPLSHA256
		}
		if v := p.Void; v != nil {
			dp.Void = &Void{Reason: v.Reason, By: v.By, At: v.At}
		}
		out = append(out, dp)
	}
	return out
}

// setTotals sets the batch's counts and its first and last times from
// the lists.
func setTotals(d *Document) {
	b := &d.Batch
	b.Carcasses, b.Unidentified, b.Packs = countTotals(d)
	var first, last, lastPack time.Time
	for _, c := range d.Carcasses {
		if first.IsZero() || c.EnteredAt.Before(first) {
			first = c.EnteredAt
		}
		if c.EnteredAt.After(last) {
			last = c.EnteredAt
		}
	}
	for _, p := range d.Packs {
		if p.PackedAt.After(lastPack) {
			lastPack = p.PackedAt
		}
	}
	b.FirstCarcassAt, b.LastCarcassAt, b.LastPackAt = timePointer(first), timePointer(last), timePointer(lastPack)
}

func timePointer(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// countTotals counts the carcasses, those without a consignment, and the
// packs.
func countTotals(d *Document) (carcasses, unidentified, packs int) {
	for _, c := range d.Carcasses {
		if c.Consignment == "" {
			unidentified++
		}
	}
	return len(d.Carcasses), unidentified, len(d.Packs)
}

// countHeads counts the head counts of every consignment from the
// document's lists, as HeadCounts defines them.
func countHeads(d *Document) map[string]HeadCounts {
	review := make(map[string]bool)
	for _, dec := range d.Decisions {
		if dec.Carcass != "" && dec.Severity == string(line.SeverityReview) {
			review[dec.Carcass] = true
		}
	}
	out := make(map[string]HeadCounts, len(d.Consignments))
	declared := make(map[string]map[string]bool, len(d.Consignments))
	for _, c := range d.Consignments {
		tags := make(map[string]bool, len(c.Animals))
		for _, a := range c.Animals {
			tags[a.EarTag] = true
		}
		declared[c.ID] = tags
		out[c.ID] = HeadCounts{Declared: len(c.Animals)}
	}
	received := make(map[string]bool)
	for _, c := range d.Carcasses {
		h, ok := out[c.Consignment]
		if !ok {
			continue
		}
		h.Slaughtered++
		switch {
		case c.State == string(line.CarcassBlocked):
			h.Blocked++
		case review[c.Number]:
			h.Held++
		}
		if key := c.Consignment + "\x00" + c.EarTag; declared[c.Consignment][c.EarTag] && !received[key] {
			received[key] = true
			h.Received++
		}
		out[c.Consignment] = h
	}
	return out
}

// EarTags returns the ear tags of the carcasses that were not blocked,
// in carcass order, each once. A platform checks that none of them
// arrived in an earlier batch.
func (d *Document) EarTags() []string {
	var tags []string
	seen := make(map[string]bool)
	for _, c := range d.Carcasses {
		if c.EarTag == "" || c.State == string(line.CarcassBlocked) || seen[c.EarTag] {
			continue
		}
		seen[c.EarTag] = true
		tags = append(tags, c.EarTag)
	}
	return tags
}
