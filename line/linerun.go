package line

import (
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"time"
)

// LineRunFormat is the format tag of a line run.
const LineRunFormat = "lambtrace-linerun/1"

// LineRun records what physically happened on the line during one shift:
// every carcass hook in line order, what the reader sent for it, its
// weights, inspection and cuts, the mixed lots and the lab tests. It is
// what happened, not what the station should accept; replaying it through
// the rules decides that. Simulators and the day check read it.
type LineRun struct {
	SlaughterDay Date
	ShiftStart   time.Time
	Plant        string
	CarcassScale ScaleSpec // hot and chilled carcass weights
	PackScale    ScaleSpec // packs, by-products and condemned parts
	Passes       []*Pass
	Lots         []*LotRun
	LabTests     []*LabTest
}

// ScaleSpec is the metrology of a scale: its division (scale interval)
// and its maximum capacity.
type ScaleSpec struct {
	Division Mass
	Capacity Mass
}

// Inspection results of synchronous post-mortem inspection.
const (
	InspectionPass      = "pass"
	InspectionPartial   = "partial"   // parts condemned and weighed off
	InspectionCondemned = "condemned" // the whole carcass condemned
)

// Pass is one carcass hook going through the line.
type Pass struct {
	Number      int // 1-based position in line order
	At          time.Time
	ReaderLine  string // text the reader sent, without CR LF
	ReaderFrame []byte // binary frame the reader sent; nil when ReaderLine is used
	HotWeight   Mass
	Chilled     Mass
	Inspection  string
	Condemned   Mass
	Reason      string // inspection finding
	Cuts        []CutWeighing
	Byproducts  []ByproductWeighing
	TrimToLot   string // mixed lot the trim goes to, if any
}

// CutWeighing is one pack weighed at cutting.
type CutWeighing struct {
	Product string
	Weight  Mass
}

// ByproductWeighing is one by-product bin weighing.
type ByproductWeighing struct {
	Kind   string
	Weight Mass
}

// LotRun is a mixed product lot made from the trim of several carcasses.
type LotRun struct {
	ID          string
	Product     string
	Source      string // the by-product the lot draws on: trim
	FromEarTags []string
	Packs       []Mass
}

// LabTest is one β-agonist screening of a consignment's sample.
type LabTest struct {
	Sample      string
	Consignment string
	Analytes    []string
	Method      string
	Result      string // negative or positive
}

// Lab results.
const (
	LabNegative = "negative"
	LabPositive = "positive"
)

// ReadLineRunFile reads and validates a line run.
func ReadLineRunFile(path string) (*LineRun, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseLineRun(data, path)
}

// ParseLineRun validates a lambtrace-linerun/1 document. What the reader
// sent is kept as sent: a garbled line or frame is an event on the line
// for the intake rules, not a problem of the file. References to products
// and registry entries are checked when the day is assembled (NewDay).
func ParseLineRun(data []byte, file string) (*LineRun, error) {
	v := &validator{}
	root := v.decodeRoot(data)
	if root == nil || !root.checkFormat(LineRunFormat) {
		return nil, v.err(file, LineRunFormat)
	}
	run := &LineRun{}
	run.SlaughterDay, _ = root.date("slaughter_day", true)
	run.ShiftStart, _ = root.time("shift_start", true)
	run.Plant = root.str("plant", false)
	run.CarcassScale = readScale(root, "carcass_scale")
	run.PackScale = readScale(root, "pack_scale")

	root.list("passes", true, func(i int, o *object) {
		o.where.Pass = i + 1
		run.Passes = append(run.Passes, readPass(o, i+1, run))
	})

	lotIDs := make(map[string]bool)
	root.list("lots", false, func(_ int, o *object) {
		lot := &LotRun{ID: o.str("id", true), Product: o.str("product", true)}
		lot.Source, _ = o.oneOf("source", true, "trim")
		lot.FromEarTags = o.stringList("from_ear_tags", true)
		if lotIDs[lot.ID] {
			o.problem("id", ProblemDuplicate, detail("lot_repeats"), lot.ID)
		}
		lotIDs[lot.ID] = true
		if packs, ok := field[[]int64](o, "packs_g", true, "grams"); ok {
			for _, g := range packs {
				if Mass(g) <= 0 || Mass(g) > run.PackScale.Capacity {
					o.problem("packs_g", ProblemInvalid, detail("pack_range"), fmt.Sprint(g))
					continue
				}
				lot.Packs = append(lot.Packs, Mass(g))
			}
		}
		run.Lots = append(run.Lots, lot)
	})
	for _, p := range run.Passes {
		if p.TrimToLot != "" && !lotIDs[p.TrimToLot] {
			v.add(withDetail(Problem{Path: fmt.Sprintf("passes[%d].byproducts.trim_to_lot", p.Number-1), Pass: p.Number,
				Field: "trim_to_lot", Code: ProblemReference, Value: p.TrimToLot}, detail("no_such_lot")))
		}
	}

	root.list("lab_tests", false, func(_ int, o *object) {
		t := &LabTest{Sample: o.str("sample", true), Consignment: o.str("consignment", true)}
		o.where.Consignment = t.Consignment
		t.Analytes = o.stringList("analytes", true)
		t.Method = o.str("method", false)
		t.Result, _ = o.oneOf("result", true, LabNegative, LabPositive)
		run.LabTests = append(run.LabTests, t)
	})

	if err := v.err(file, LineRunFormat); err != nil {
		return nil, err
	}
	return run, nil
}

func readScale(root *object, name string) ScaleSpec {
	var s ScaleSpec
	if o := root.child(name, true); o != nil {
		s.Division, _ = o.mass("division_g", true, 1, 10*Kilogram)
		s.Capacity, _ = o.mass("capacity_g", true, 1, 10000*Kilogram)
	}
	return s
}

func readPass(o *object, number int, run *LineRun) *Pass {
	p := &Pass{Number: number}
	p.At, _ = o.time("at", true)
	_, hasLine := o.raw("reader_line", false)
	_, hasFrame := o.raw("reader_frame_hex", false)
	switch {
	case hasLine && hasFrame:
		o.problem("reader_line", ProblemInvalid, detail("both_readers"), "")
	case hasLine:
		p.ReaderLine, _ = field[string](o, "reader_line", true, "string")
	case hasFrame:
		s, _ := field[string](o, "reader_frame_hex", true, "hex")
		frame, err := hex.DecodeString(s)
		if err != nil {
			o.problem("reader_frame_hex", ProblemInvalid, detail("hex"), s)
		}
		p.ReaderFrame = frame
	default:
		o.problem("reader_line", ProblemMissing, detail("no_reader"), "")
	}

	maxCarcass := run.CarcassScale.Capacity
	if maxCarcass == 0 {
		maxCarcass = MaxMass
	}
	p.HotWeight, _ = o.mass("hot_weight_g", true, 1, maxCarcass)
	p.Chilled, _ = o.mass("chilled_weight_g", true, 0, maxCarcass)
	p.Inspection, _ = o.oneOf("inspection", true, InspectionPass, InspectionPartial, InspectionCondemned)
	p.Condemned, _ = o.mass("condemned_g", false, 0, maxCarcass)
	p.Reason = o.str("reason", false)
	if p.Inspection == InspectionPartial && p.Condemned == 0 {
		o.problem("condemned_g", ProblemInvalid, detail("partial_weight"), "0")
	}

	maxPack := run.PackScale.Capacity
	if maxPack == 0 {
		maxPack = MaxMass
	}
	o.list("cuts", false, func(_ int, c *object) {
		cut := CutWeighing{Product: c.str("product", true)}
		cut.Weight, _ = c.mass("weight_g", true, 1, maxPack)
		p.Cuts = append(p.Cuts, cut)
	})

	if bo := o.child("byproducts", false); bo != nil {
		p.TrimToLot, _ = field[string](bo, "trim_to_lot", false, "string")
		kinds := make([]string, 0, len(bo.fields))
		for k := range bo.fields {
			if k != "trim_to_lot" {
				kinds = append(kinds, k)
			}
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			if w, ok := bo.mass(k, true, 0, maxPack); ok && w > 0 {
				p.Byproducts = append(p.Byproducts, ByproductWeighing{Kind: k, Weight: w})
			}
		}
	}
	return p
}
