package line

import "fmt"

// Output kinds of a mass balance.
const (
	OutputPack      = "pack"
	OutputCondemned = "condemned"
	// By-products use their bin key (bone, fat, trim) as the kind.
)

// Balance is the running mass balance of a carcass or a mixed lot. It
// enforces that the outputs never exceed the input plus the tolerance of
// the weighings involved:
//
//	Σ outputs ≤ input + tolerance
//	tolerance = Σ division of each input weighing
//	          + Σ division of each accepted output weighing, the new one included
//
// A scale reads within about one division, so each weighing on either
// side may be off by that much and the check cannot be tighter. The zero
// value is an empty balance; add inputs with AddInput.
type Balance struct {
	input           Mass
	inputWeighings  int
	inputTolerance  Mass
	outputs         Mass
	outputWeighings int
	outputTolerance Mass
	byKind          map[string]Mass
	kinds           []string // order of first use, for stable figures
}

// MassError reports an output weighing refused because it would make the
// outputs exceed the input plus tolerance.
type MassError struct {
	Kind      string
	Weight    Mass // the refused weighing
	Input     Mass
	Outputs   Mass // outputs had the weighing been accepted
	Tolerance Mass // tolerance had the weighing been accepted
}

func (e *MassError) Error() string {
	return fmt.Sprintf("mass balance: %s of %s would bring outputs to %s, above input %s plus tolerance %s",
		e.Kind, e.Weight, e.Outputs, e.Input, e.Tolerance)
}

// Excess returns by how much the outputs would exceed input plus tolerance.
func (e *MassError) Excess() Mass { return e.Outputs - e.Input - e.Tolerance }

// AddInput records an input weighing taken on a scale with the given
// division.
func (b *Balance) AddInput(w, division Mass) {
	b.input += w
	b.inputWeighings++
	b.inputTolerance += division
}

// Add records an output weighing of the given kind, or refuses it with a
// *MassError and leaves the balance as it was.
func (b *Balance) Add(kind string, w, division Mass) error {
	if err := b.Check(kind, w, division); err != nil {
		return err
	}
	b.addOutput(kind, w, division)
	return nil
}

// AddUnchecked records an output weighing without checking it. It is for
// outputs weighed before any input, such as condemned parts cut off
// before the chilled weight, which cannot be checked until the input is
// known.
func (b *Balance) AddUnchecked(kind string, w, division Mass) {
	b.addOutput(kind, w, division)
}

func (b *Balance) addOutput(kind string, w, division Mass) {
	b.outputs += w
	b.outputWeighings++
	b.outputTolerance += division
	if b.byKind == nil {
		b.byKind = make(map[string]Mass)
	}
	if _, seen := b.byKind[kind]; !seen {
		b.kinds = append(b.kinds, kind)
	}
	b.byKind[kind] += w
}

// Check reports whether an output weighing would be accepted, without
// recording it.
func (b *Balance) Check(kind string, w, division Mass) error {
	outputs := b.outputs + w
	tolerance := b.inputTolerance + b.outputTolerance + division
	if outputs > b.input+tolerance {
		return &MassError{Kind: kind, Weight: w, Input: b.input, Outputs: outputs, Tolerance: tolerance}
	}
	return nil
}

// Input returns the total input.
func (b *Balance) Input() Mass { return b.input }

// Outputs returns the total of the accepted outputs.
func (b *Balance) Outputs() Mass { return b.outputs }

// Tolerance returns the tolerance of the weighings accepted so far.
func (b *Balance) Tolerance() Mass { return b.inputTolerance + b.outputTolerance }

// Loss returns the input not accounted for by outputs. It is negative when
// the outputs exceed the input within tolerance.
func (b *Balance) Loss() Mass { return b.input - b.outputs }

// Remaining returns how much more output the balance accepts from one
// more weighing on a scale with the given division.
func (b *Balance) Remaining(division Mass) Mass {
	return b.input + b.Tolerance() + division - b.outputs
}

// MassFigures are the figures of a closed balance that a batch document
// carries, so the platform can repeat the check.
type MassFigures struct {
	Input           Mass
	InputWeighings  int
	Outputs         Mass
	OutputWeighings int
	ByKind          []KindMass
	Loss            Mass
	LossBP          int64 // loss in basis points of input
	Tolerance       Mass
	MaxLossBP       int64
	Decision        Code // mass.loss when the loss is too high, else empty
}

// KindMass is the total of one output kind.
type KindMass struct {
	Kind string
	Mass Mass
}

// Figures returns the balance's figures judged against a maximum loss in
// basis points of the input. An empty input has no loss share.
func (b *Balance) Figures(maxLossBP int64) MassFigures {
	f := MassFigures{
		Input: b.input, InputWeighings: b.inputWeighings,
		Outputs: b.outputs, OutputWeighings: b.outputWeighings,
		Loss: b.Loss(), Tolerance: b.Tolerance(), MaxLossBP: maxLossBP,
	}
	for _, k := range b.kinds {
		f.ByKind = append(f.ByKind, KindMass{k, b.byKind[k]})
	}
	if b.input > 0 {
		f.LossBP = int64(f.Loss) * 10000 / int64(b.input)
		if int64(f.Loss)*10000 > maxLossBP*int64(b.input) {
			f.Decision = CodeMassLoss
		}
	}
	return f
}

// MassExcess turns a refused weighing into its decision.
func (r *Rules) MassExcess(a *Animal, e *MassError) Decision {
	return r.decide(CodeMassExcess, a, map[string]string{"kind": e.Kind, "weight_g": grams(e.Weight),
		"input_g": grams(e.Input), "outputs_g": grams(e.Outputs), "tolerance_g": grams(e.Tolerance),
		"excess_g": grams(e.Excess())})
}

// MassLoss returns the decision for a closed balance whose unexplained
// loss is above the configured share of its input.
func (r *Rules) MassLoss(a *Animal, f MassFigures) (Decision, bool) {
	if f.Decision != CodeMassLoss {
		return Decision{}, false
	}
	return r.decide(CodeMassLoss, a, map[string]string{"input_g": grams(f.Input), "outputs_g": grams(f.Outputs),
		"loss_g": grams(f.Loss), "loss_bp": i64toa(f.LossBP), "max_bp": i64toa(f.MaxLossBP)}), true
}
