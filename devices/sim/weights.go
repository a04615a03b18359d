package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"lambtrace/line"
)

// Load is the state a simulated load cell reports at one moment.
type Load struct {
	Grams    line.Mass // gross weight before any zero or tare
	Stable   bool      // the simulated indicator's motion detector
	Overload bool
}

// Script is a weight over time, built from steps that follow each other:
// settling onto a value, swinging, single spikes, slow drift and overload.
// After the last step the final load stays. Noise adds a repeatable
// pseudo-random offset of up to ±Noise grams to every load except an
// overload, so the same seed gives the same readings in every run.
type Script struct {
	Noise line.Mass
	Seed  uint64
	steps []step
}

type step struct {
	duration time.Duration
	load     func(elapsed time.Duration) Load
}

// NewScript returns an empty script, which reads 0 g, stable.
func NewScript(noise line.Mass, seed uint64) *Script {
	return &Script{Noise: noise, Seed: seed}
}

// end returns the load at the end of the script so far.
func (s *Script) end() Load {
	if len(s.steps) == 0 {
		return Load{Stable: true}
	}
	last := s.steps[len(s.steps)-1]
	return last.load(last.duration)
}

// Settle moves from the current weight to target over d like a load
// lowered onto the hook: a damped oscillation around target that ends
// within one gram of it. The load is unstable until the last quarter of d.
func (s *Script) Settle(target line.Mass, d time.Duration) *Script {
	from := s.end().Grams
	s.steps = append(s.steps, step{duration: d, load: func(elapsed time.Duration) Load {
		if elapsed >= d {
			return Load{Grams: target, Stable: true}
		}
		progress := float64(elapsed) / float64(d)
		// exp(-8) leaves 0.03 % of the step at the end of d.
		envelope := math.Exp(-8 * progress)
		offset := float64(from-target) * envelope * math.Cos(6*math.Pi*progress)
		return Load{Grams: target + line.Mass(math.Round(offset)), Stable: progress >= 0.75}
	}})
	return s
}

// Hold keeps the current weight, stable, for d.
func (s *Script) Hold(d time.Duration) *Script {
	load := s.end()
	load.Stable = true
	load.Overload = false
	s.steps = append(s.steps, step{duration: d, load: func(time.Duration) Load { return load }})
	return s
}

// Swing moves the weight by up to ±amplitude with the given period for d,
// as a carcass swinging on its hook does, and reports it unstable.
func (s *Script) Swing(amplitude line.Mass, period, d time.Duration) *Script {
	center := s.end().Grams
	s.steps = append(s.steps, step{duration: d, load: func(elapsed time.Duration) Load {
		phase := 2 * math.Pi * float64(elapsed) / float64(period)
		return Load{Grams: center + line.Mass(math.Round(float64(amplitude)*math.Sin(phase))), Stable: elapsed >= d}
	}})
	return s
}

// Spike reports value for d and then returns to the weight before it.
// The simulated indicator keeps its stable flag set during the spike,
// which is the case a stability window must still catch.
func (s *Script) Spike(value line.Mass, d time.Duration) *Script {
	before := s.end()
	spike := Load{Grams: value, Stable: true}
	s.steps = append(s.steps,
		step{duration: d, load: func(time.Duration) Load { return spike }},
		// A zero-length step that no time falls into, so the next step
		// starts from the weight before the spike.
		step{duration: 0, load: func(time.Duration) Load { return before }},
	)
	return s
}

// Drift changes the weight by perSecond each second for d while the
// indicator keeps reporting stable, as a slowly creeping load cell does.
func (s *Script) Drift(perSecond line.Mass, d time.Duration) *Script {
	start := s.end().Grams
	s.steps = append(s.steps, step{duration: d, load: func(elapsed time.Duration) Load {
		change := float64(perSecond) * elapsed.Seconds()
		return Load{Grams: start + line.Mass(math.Round(change)), Stable: true}
	}})
	return s
}

// Overload reports grams with the overload flag for d.
func (s *Script) Overload(grams line.Mass, d time.Duration) *Script {
	load := Load{Grams: grams, Overload: true}
	s.steps = append(s.steps, step{duration: d, load: func(time.Duration) Load { return load }})
	return s
}

// Duration returns the length of the script.
func (s *Script) Duration() time.Duration {
	var total time.Duration
	for _, st := range s.steps {
		total += st.duration
	}
	return total
}

// At returns the load at elapsed time t from the start of the script.
func (s *Script) At(t time.Duration) Load {
	load, found := Load{}, false
	start := time.Duration(0)
	for _, st := range s.steps {
		if t < start+st.duration {
			load, found = st.load(max(0, t-start)), true
			break
		}
		start += st.duration
	}
	if !found {
		load = s.end()
	}
	if s.Noise > 0 && !load.Overload {
		load.Grams += s.noise(t)
	}
	return load
}

// noise returns a repeatable offset in [-Noise, Noise] that changes every
// 10 ms of script time.
func (s *Script) noise(t time.Duration) line.Mass {
	source := rand.New(rand.NewPCG(s.Seed, uint64(t/(10*time.Millisecond))))
	return line.Mass(source.Int64N(2*int64(s.Noise)+1)) - s.Noise
}
