package scale

import (
	"time"

	"lambtrace/line"
)

// Defaults of Window.
const (
	DefaultWindowSamples = 5
	DefaultWindowSpan    = 500 * time.Millisecond
)

// Window decides when a weight may be accepted. A weight is accepted when
// the newest reading carries the indicator's stable flag and the run of
// readings ending with it has at least Samples readings, lies within one
// division from lowest to highest, and spans at least Span by the readings'
// own At times. Window reads no clock, so tests drive it with made-up
// times.
//
// A carcass swinging on its hook gives single wild readings; one reading
// that does not fit the run (outside the division, unstable, overloaded or
// underloaded) is held back, and if the next reading fits the run again it
// is dropped as a spike. Two misfits in a row start a new run, so a slow
// drift of more than one division per run never passes.
//
// The zero value is ready to use with the defaults. A Window is not safe
// for concurrent use.
type Window struct {
	Samples int           // readings needed; 0 means DefaultWindowSamples
	Span    time.Duration // time the run must cover; 0 means DefaultWindowSpan
	// Division is the tolerance when a reading carries no division (0).
	// When both are 0 the readings must agree to the gram.
	Division line.Mass
	// IgnoreStableFlag accepts readings without the indicator's stable
	// flag, for profiles whose indicator reports none.
	IgnoreStableFlag bool

	run     []line.Reading
	pending *line.Reading
}

// Add adds reading r and returns the reading to accept, the newest of the
// run, with ok true. It returns ok true again for every further reading
// that keeps the run steady, so the caller takes the first one and waits
// for the load to change.
func (w *Window) Add(r line.Reading) (accepted line.Reading, ok bool) {
	if w.fits(r) {
		w.pending = nil
		w.run = append(w.run, r)
	} else if w.pending == nil && len(w.run) > 0 {
		held := r
		w.pending = &held
		return line.Reading{}, false
	} else {
		w.restart(r)
	}
	return w.steady()
}

// Reset discards every reading, for example after a zero or a tare.
func (w *Window) Reset() {
	w.run = w.run[:0]
	w.pending = nil
}

// restart begins a new run from the held reading and r, keeping the held
// reading only when the two agree.
func (w *Window) restart(r line.Reading) {
	w.run = w.run[:0]
	if w.pending != nil && usable(*w.pending, w.IgnoreStableFlag) {
		w.run = append(w.run, *w.pending)
	}
	w.pending = nil
	if !w.fits(r) {
		w.run = w.run[:0]
	}
	if usable(r, w.IgnoreStableFlag) {
		w.run = append(w.run, r)
	}
}

// usable reports whether r may ever be part of a run.
func usable(r line.Reading, ignoreStable bool) bool {
	return !r.Overload && !r.Underload && (r.Stable || ignoreStable)
}

// fits reports whether r is usable and lies within one division of every
// reading of the current run.
func (w *Window) fits(r line.Reading) bool {
	if !usable(r, w.IgnoreStableFlag) {
		return false
	}
	tolerance := w.tolerance(r)
	for _, s := range w.run {
		if diff := r.Grams - s.Grams; diff > tolerance || -diff > tolerance {
			return false
		}
	}
	return true
}

func (w *Window) tolerance(r line.Reading) line.Mass {
	if r.Division > 0 {
		return r.Division
	}
	return w.Division
}

func (w *Window) steady() (line.Reading, bool) {
	samples := w.Samples
	if samples <= 0 {
		samples = DefaultWindowSamples
	}
	span := w.Span
	if span <= 0 {
		span = DefaultWindowSpan
	}
	if len(w.run) < samples {
		return line.Reading{}, false
	}
	first, last := w.run[0], w.run[len(w.run)-1]
	if last.At.Sub(first.At) < span {
		return line.Reading{}, false
	}
	// Keep the run from growing without bound while the load stays put:
	// only the oldest reading matters for the span, and any reading that
	// still fits keeps the run steady.
	if len(w.run) > 4*samples {
		keep := w.run[len(w.run)-2*samples:]
		if keep[len(keep)-1].At.Sub(keep[0].At) >= span {
			w.run = append(w.run[:0], keep...)
		}
	}
	return last, true
}
