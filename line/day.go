package line

import (
	"fmt"
	"slices"
	"strings"
)

// Day is a slaughter day assembled for replay: the product master, the
// registry and the line run, checked against each other.
type Day struct {
	Products *ProductMaster
	Registry *Registry
	Run      *LineRun
	Rules    *Rules
}

// NewDay checks that the line run only names products, by-product bins,
// lots and consignments that exist, and returns the assembled day. A nil
// rules uses DefaultRules. Problems are returned as a *ValidationError
// against the line run file.
func NewDay(products *ProductMaster, reg *Registry, run *LineRun, rules *Rules, runFile string) (*Day, error) {
	if rules == nil {
		rules = DefaultRules()
	}
	v := &validator{}
	if len(run.Passes) > 9999 {
		v.add(withDetail(Problem{Path: "passes", Field: "passes", Code: ProblemInvalid, Value: itoa(len(run.Passes))},
			detail("too_many_passes")))
	}
	for i, p := range run.Passes {
		for j, c := range p.Cuts {
			prod, ok := products.Product(c.Product)
			switch {
			case !ok:
				v.add(withDetail(Problem{Path: fmt.Sprintf("passes[%d].cuts[%d].product", i, j), Pass: p.Number, Field: "product",
					Code: ProblemReference, Value: c.Product}, detail("unknown_product")))
			case prod.Mixed:
				v.add(withDetail(Problem{Path: fmt.Sprintf("passes[%d].cuts[%d].product", i, j), Pass: p.Number, Field: "product",
					Code: ProblemInvalid, Value: c.Product}, detail("mixed_from_carcass")))
			}
		}
		for _, b := range p.Byproducts {
			if !products.HasByproduct(b.Kind) {
				v.add(withDetail(Problem{Path: fmt.Sprintf("passes[%d].byproducts.%s", i, b.Kind), Pass: p.Number, Field: b.Kind,
					Code: ProblemReference, Value: b.Kind}, detail("unknown_byproduct")))
			}
		}
		p.Byproducts = orderByproducts(p.Byproducts, products.Byproducts)
	}
	for i, lot := range run.Lots {
		prod, ok := products.Product(lot.Product)
		if !ok || !prod.Mixed {
			v.add(withDetail(Problem{Path: fmt.Sprintf("lots[%d].product", i), Field: "product", Code: ProblemReference,
				Value: lot.Product}, detail("not_mixed")))
		}
	}
	for i, t := range run.LabTests {
		if !slices.ContainsFunc(reg.Consignments, func(c *Consignment) bool { return c.ID == t.Consignment }) {
			v.add(withDetail(Problem{Path: fmt.Sprintf("lab_tests[%d].consignment", i), Consignment: t.Consignment,
				Field: "consignment", Code: ProblemReference, Value: t.Consignment}, detail("unknown_consignment")))
		}
	}
	if err := v.err(runFile, LineRunFormat); err != nil {
		return nil, err
	}
	return &Day{Products: products, Registry: reg, Run: run, Rules: rules}, nil
}

// orderByproducts sorts weighings into the order of the product master's
// bins, which is the order they are weighed at the cutting table.
func orderByproducts(w []ByproductWeighing, bins []Byproduct) []ByproductWeighing {
	rank := func(kind string) int {
		return slices.IndexFunc(bins, func(b Byproduct) bool { return b.Key == kind })
	}
	slices.SortStableFunc(w, func(a, b ByproductWeighing) int { return rank(a.Kind) - rank(b.Kind) })
	return w
}

// Decoder turns what the reader sent for a pass into an RFID number.
type Decoder func(p *Pass) (RFID, error)

// DayResult is the outcome of replaying a day.
type DayResult struct {
	Decisions []Decision // in line order, lot decisions last
	Carcasses []CarcassOutcome
	Lots      []LotOutcome
	Summary   Summary
}

// CarcassOutcome is the result of one pass: the carcass, its final state and its packs.
type CarcassOutcome struct {
	Pass        int
	Number      string
	RFID        RFID
	EarTag      EarTag
	Consignment string
	State       CarcassState
	Accepted    bool // no intake, inspection or lab decision
	Packs       int  // labelled
	Refused     int  // packs not labelled: all of a blocked carcass, or refused weighings
	Mass        *MassFigures
}

// LotOutcome is the result of one mixed lot: its sources, packs and mass figures.
type LotOutcome struct {
	ID      string
	Sources []EarTag
	Packs   int
	Refused int
	Mass    MassFigures
}

// Summary counts a replayed day. Carcasses counts every pass; Accepted
// those without an intake (weight.implausible included), inspection or
// lab decision; Packs the labelled
// packs, lot packs included; PacksRefused the packs of blocked carcasses
// plus the refused weighings.
type Summary struct {
	Passes       int
	Carcasses    int
	Accepted     int
	Decisions    map[Code]int
	Packs        int
	PacksRefused int
	Lots         int
}

// memoryHistory is the History of a replay, kept in memory.
type memoryHistory struct {
	uses    map[EarTag]TagUse
	entered map[string]map[EarTag]bool
}

func (h *memoryHistory) CarcassOf(tag EarTag) (TagUse, bool) {
	u, ok := h.uses[tag]
	return u, ok
}

func (h *memoryHistory) EnteredCount(consignment string) int { return len(h.entered[consignment]) }

func (h *memoryHistory) record(a *Animal, use TagUse) {
	if _, ok := h.uses[a.EarTag]; !ok {
		h.uses[a.EarTag] = use
	}
	if h.entered[a.Consignment.ID] == nil {
		h.entered[a.Consignment.ID] = make(map[EarTag]bool)
	}
	h.entered[a.Consignment.ID][a.EarTag] = true
}

// lotSource is one carcass's trim accepted into a lot.
type lotSource struct {
	tag    EarTag
	weight Mass
}

// Replay runs the day through the rules as the station would, with no
// devices and no database. Every pass is checked at intake, weighed,
// inspected and cut, and a blocked carcass yields nothing. The default
// quality policy releases every review hold. Each pack and by-product goes
// through the running mass check, and mixed lots are balanced after all
// carcasses. Replay returns an error only when the line run contradicts
// itself.
func (d *Day) Replay(decode Decoder) (*DayResult, error) {
	run := d.Run
	res := &DayResult{Summary: Summary{Passes: len(run.Passes), Decisions: make(map[Code]int), Lots: len(run.Lots)}}
	hist := &memoryHistory{uses: make(map[EarTag]TagUse), entered: make(map[string]map[EarTag]bool)}
	positive := make(map[string]*LabTest)
	for _, t := range run.LabTests {
		if t.Result == LabPositive && positive[t.Consignment] == nil {
			positive[t.Consignment] = t
		}
	}
	lotInputs := make(map[string][]lotSource)

	for _, p := range run.Passes {
		out, lotSrc, err := d.replayPass(p, decode, hist, positive)
		if err != nil {
			return nil, err
		}
		if lotSrc != nil {
			lotInputs[p.TrimToLot] = append(lotInputs[p.TrimToLot], *lotSrc)
		}
		res.Decisions = append(res.Decisions, out.decisions...)
		res.Carcasses = append(res.Carcasses, out.CarcassOutcome)
	}

	for i, lot := range run.Lots {
		lo, decisions, err := d.replayLot(i, lot, lotInputs[lot.ID])
		if err != nil {
			return nil, err
		}
		res.Decisions = append(res.Decisions, decisions...)
		res.Lots = append(res.Lots, lo)
	}

	s := &res.Summary
	s.Carcasses = len(res.Carcasses)
	for _, c := range res.Carcasses {
		if c.Accepted {
			s.Accepted++
		}
		s.Packs += c.Packs
		s.PacksRefused += c.Refused
	}
	for _, l := range res.Lots {
		s.Packs += l.Packs
		s.PacksRefused += l.Refused
	}
	for _, dec := range res.Decisions {
		s.Decisions[dec.Code]++
	}
	return res, nil
}

type passOutcome struct {
	CarcassOutcome
	decisions []Decision
}

func (d *Day) replayPass(p *Pass, decode Decoder, hist *memoryHistory, positive map[string]*LabTest) (passOutcome, *lotSource, error) {
	r := d.Rules
	run := d.Run
	number, err := FormatCarcassNumber(run.SlaughterDay, p.Number)
	if err != nil {
		return passOutcome{}, nil, err
	}
	out := passOutcome{CarcassOutcome: CarcassOutcome{Pass: p.Number, Number: number}}
	flow := NewCarcassFlow(number)

	read := TagRead{Raw: rawReaderText(p)}
	read.RFID, read.Err = decode(p)
	intake := r.Intake(d.Registry, hist, read, run.SlaughterDay, run.ShiftStart)
	a := intake.Animal
	out.RFID = read.RFID
	carcassDecisions := intake.Decisions
	if a != nil {
		out.EarTag, out.Consignment = a.EarTag, a.Consignment.ID
		hist.record(a, TagUse{Carcass: number, At: p.At})
	}
	if dec, ok := r.Weight(a, p.HotWeight); ok {
		carcassDecisions = append(carcassDecisions, dec)
	}
	if dec, ok := r.Inspection(a, p.Inspection, p.Reason, p.Condemned); ok {
		carcassDecisions = append(carcassDecisions, dec)
	}
	if a != nil {
		if dec, ok := r.Lab(a, positive[a.Consignment.ID]); ok {
			carcassDecisions = append(carcassDecisions, dec)
		}
	}
	for i := range carcassDecisions {
		carcassDecisions[i].Carcass = number
	}
	out.decisions = carcassDecisions
	out.Accepted = len(carcassDecisions) == 0

	if slices.ContainsFunc(carcassDecisions, Decision.Blocks) {
		out.Refused = len(p.Cuts)
		if err := flow.Advance(CarcassBlocked); err != nil {
			return out, nil, err
		}
		out.State = flow.State()
		return out, nil, nil
	}
	if len(carcassDecisions) > 0 {
		if err := releaseByPolicy(flow); err != nil {
			return out, nil, err
		}
	}
	for _, st := range []CarcassState{CarcassWeighed, CarcassInspected, CarcassChilled, CarcassCutting} {
		if err := flow.Advance(st); err != nil {
			return out, nil, err
		}
	}

	var bal Balance
	bal.AddInput(p.Chilled, run.CarcassScale.Division)
	refuse := func(err error) bool {
		me, ok := err.(*MassError)
		if ok {
			dec := r.MassExcess(a, me)
			dec.Carcass = number
			out.decisions = append(out.decisions, dec)
		}
		return ok
	}
	if p.Condemned > 0 {
		if err := bal.Add(OutputCondemned, p.Condemned, run.PackScale.Division); err != nil && !refuse(err) {
			return out, nil, err
		}
	}
	for _, c := range p.Cuts {
		if err := bal.Add(OutputPack, c.Weight, run.PackScale.Division); err != nil {
			refuse(err)
			out.Refused++
			continue
		}
		out.Packs++
	}
	var src *lotSource
	for _, b := range p.Byproducts {
		if err := bal.Add(b.Kind, b.Weight, run.PackScale.Division); err != nil {
			refuse(err)
			continue
		}
		if b.Kind == "trim" && p.TrimToLot != "" && a != nil {
			src = &lotSource{tag: a.EarTag, weight: b.Weight}
		}
	}

	if err := flow.Advance(CarcassClosed); err != nil {
		return out, nil, err
	}
	figures := bal.Figures(r.MaxLossBP)
	out.Mass = &figures
	if dec, ok := r.MassLoss(a, figures); ok {
		dec.Carcass = number
		out.decisions = append(out.decisions, dec)
		if err := releaseByPolicy(flow); err != nil {
			return out, nil, err
		}
	}
	out.State = flow.State()
	return out, src, nil
}

// releaseByPolicy holds a carcass and releases it, as the day check's
// default quality policy does with every review decision.
func releaseByPolicy(flow *CarcassFlow) error {
	if err := flow.Advance(CarcassHeld); err != nil {
		return err
	}
	return flow.Advance(CarcassReleased)
}

func (d *Day) replayLot(i int, lot *LotRun, sources []lotSource) (LotOutcome, []Decision, error) {
	r := d.Rules
	lo := LotOutcome{ID: lot.ID}
	var bal Balance
	for _, s := range sources {
		bal.AddInput(s.weight, d.Run.PackScale.Division)
		lo.Sources = append(lo.Sources, s.tag)
	}
	if err := checkLotSources(i, lot, lo.Sources); err != nil {
		return lo, nil, err
	}
	var decisions []Decision
	for _, w := range lot.Packs {
		if err := bal.Add(OutputPack, w, d.Run.PackScale.Division); err != nil {
			me := err.(*MassError)
			dec := r.MassExcess(nil, me)
			dec.Lot = lot.ID
			decisions = append(decisions, dec)
			lo.Refused++
			continue
		}
		lo.Packs++
	}
	lo.Mass = bal.Figures(r.MaxLossBP)
	if dec, ok := r.MassLoss(nil, lo.Mass); ok {
		dec.Lot = lot.ID
		decisions = append(decisions, dec)
	}
	return lo, decisions, nil
}

// checkLotSources checks that every carcass whose accepted trim went into
// a lot is among the ear tags the lot declares. The reverse is not an
// error: a declared carcass may have been blocked or had its trim refused.
func checkLotSources(i int, lot *LotRun, actual []EarTag) error {
	for _, tag := range actual {
		if !slices.Contains(lot.FromEarTags, string(tag)) {
			p := withDetail(Problem{Path: fmt.Sprintf("lots[%d].from_ear_tags", i), Field: "from_ear_tags",
				Code: ProblemInvalid, Value: string(tag)}, detail("lot_source", "lot", lot.ID))
			return &ValidationError{Format: LineRunFormat, Problems: []Problem{p}}
		}
	}
	return nil
}

// rawReaderText returns what the reader sent, printable: the text line,
// or the frame as hex.
func rawReaderText(p *Pass) string {
	if p.ReaderFrame != nil {
		return fmt.Sprintf("%x", p.ReaderFrame)
	}
	return strings.ToValidUTF8(p.ReaderLine, "?")
}
