package line

import "slices"

// CarcassFacts are the things recorded for a carcass that move it along
// the line's stages.
type CarcassFacts struct {
	HotWeighed   bool // the hot weight is recorded: weighed
	Inspected    bool // the inspection result is recorded: inspected
	ChillWeighed bool // the chilled weight is recorded: chilled
	Cut          bool // a pack or by-product was weighed out of it: cutting
}

// CatchUp moves the carcass forward through the stages its facts justify,
// one stage at a time, and stops at the first stage whose fact is missing.
// A held or blocked carcass does not move. The facts of a held carcass are
// recorded all the same, because the carcass stays on the line: once
// released, CatchUp brings it to the stage its facts reached meanwhile.
func (c *CarcassFlow) CatchUp(f CarcassFacts) error {
	if c.state == CarcassHeld || c.state == CarcassBlocked {
		return nil
	}
	steps := []struct {
		to   CarcassState
		done bool
	}{
		{CarcassWeighed, f.HotWeighed},
		{CarcassInspected, f.Inspected},
		{CarcassChilled, f.ChillWeighed},
		{CarcassCutting, f.Cut},
	}
	for _, s := range steps {
		if !s.done {
			return nil
		}
		if stageIndex(c.stage) >= stageIndex(s.to) {
			continue
		}
		if err := c.Advance(s.to); err != nil {
			return err
		}
	}
	return nil
}

// Apply puts new decisions into effect: a decision that blocks the
// carcass blocks it, and a review decision holds it unless it is held or
// blocked already. A mass.excess decision changes nothing, because it
// refused one weighing and not the carcass.
func (c *CarcassFlow) Apply(decisions []Decision) error {
	review := slices.ContainsFunc(decisions, func(d Decision) bool { return !d.Blocks() })
	switch {
	case c.state == CarcassBlocked:
		return nil
	case slices.ContainsFunc(decisions, Decision.BlocksCarcass):
		return c.Advance(CarcassBlocked)
	case review && c.state != CarcassHeld:
		return c.Advance(CarcassHeld)
	}
	return nil
}
