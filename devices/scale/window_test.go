package scale_test

import (
	"testing"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

var windowStart = time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

// feed adds one reading per weight, 100 ms apart, and returns the index
// of the first accepted reading, or -1.
func feed(w *scale.Window, weights []line.Mass, stable bool) (int, line.Reading) {
	for i, g := range weights {
		r := line.Reading{At: windowStart.Add(time.Duration(i) * 100 * time.Millisecond), Grams: g, Division: 20, Stable: stable}
		if accepted, ok := w.Add(r); ok {
			return i, accepted
		}
	}
	return -1, line.Reading{}
}

func TestWindowAcceptsSteadyWeight(t *testing.T) {
	var w scale.Window
	i, r := feed(&w, []line.Mass{23400, 23420, 23410, 23400, 23410, 23410, 23400}, true)
	// Five readings are enough by count at index 4 (400 ms); 500 ms is
	// reached at index 5.
	if i != 5 {
		t.Fatalf("accepted at reading %d, want 5", i)
	}
	if r.Grams != 23410 {
		t.Errorf("accepted %d g, want 23410", r.Grams)
	}
}

// A carcass swinging on its hook reads 18.42, 18.40, −3.10, 18.41 kg: the
// one wild reading must not restart the 500 ms.
func TestWindowSpikeDoesNotReset(t *testing.T) {
	var w scale.Window
	i, r := feed(&w, []line.Mass{18420, 18400, -3100, 18410, 18410, 18410}, true)
	if i != 5 {
		t.Fatalf("accepted at reading %d, want 5 (500 ms after the first)", i)
	}
	if r.Grams != 18410 {
		t.Errorf("accepted %d g, want 18410", r.Grams)
	}
}

func TestWindowTwoOutliersRestart(t *testing.T) {
	var w scale.Window
	weights := []line.Mass{18420, 18400, 25000, 25010, 25000, 25000, 25010, 25000, 25000}
	i, r := feed(&w, weights, true)
	// The run restarts at index 2, so 500 ms later is index 7.
	if i != 7 {
		t.Fatalf("accepted at reading %d, want 7", i)
	}
	if r.Grams != 25000 {
		t.Errorf("accepted %d g, want 25000", r.Grams)
	}
}

// After a zero the empty hook creeps 0.00, −0.01, −0.02 kg … for 3 s while
// the indicator still reports stable. No weight may be accepted.
func TestWindowDriftNeverAccepted(t *testing.T) {
	var w scale.Window
	var weights []line.Mass
	for i := 0; i < 30; i++ {
		weights = append(weights, line.Mass(-10*i))
	}
	if i, r := feed(&w, weights, true); i >= 0 {
		t.Errorf("accepted %d g at reading %d during a drift of 100 g/s", r.Grams, i)
	}
}

func TestWindowNeedsStableFlag(t *testing.T) {
	weights := []line.Mass{5000, 5000, 5000, 5000, 5000, 5000, 5000}
	var w scale.Window
	if i, _ := feed(&w, weights, false); i >= 0 {
		t.Errorf("accepted at reading %d without the stable flag", i)
	}
	ignoring := scale.Window{IgnoreStableFlag: true}
	if i, _ := feed(&ignoring, weights, false); i != 5 {
		t.Errorf("with IgnoreStableFlag accepted at reading %d, want 5", i)
	}
}

func TestWindowNeedsSpan(t *testing.T) {
	w := scale.Window{Samples: 3, Span: time.Second}
	var accepted int = -1
	for i := 0; i < 20; i++ {
		r := line.Reading{At: windowStart.Add(time.Duration(i) * 10 * time.Millisecond), Grams: 5000, Division: 20, Stable: true}
		if _, ok := w.Add(r); ok {
			accepted = i
			break
		}
	}
	if accepted >= 0 {
		t.Errorf("accepted after %d ms, want no acceptance before 1 s", accepted*10)
	}
}

func TestWindowOverloadNeverAccepted(t *testing.T) {
	var w scale.Window
	for i := 0; i < 20; i++ {
		r := line.Reading{At: windowStart.Add(time.Duration(i) * 100 * time.Millisecond), Grams: 300000, Division: 20, Stable: true, Overload: true}
		if _, ok := w.Add(r); ok {
			t.Fatalf("accepted an overloaded reading at %d", i)
		}
	}
}

func TestWindowDivisionFallback(t *testing.T) {
	w := scale.Window{Division: 50}
	weights := []line.Mass{5000, 5040, 5010, 5050, 5020, 5030}
	for i, g := range weights {
		r := line.Reading{At: windowStart.Add(time.Duration(i) * 100 * time.Millisecond), Grams: g, Stable: true}
		_, ok := w.Add(r)
		if ok != (i == 5) {
			t.Errorf("reading %d: ok = %v, want %v", i, ok, i == 5)
		}
	}
}

func TestWindowReset(t *testing.T) {
	var w scale.Window
	feed(&w, []line.Mass{5000, 5000, 5000, 5000}, true)
	w.Reset()
	r := line.Reading{At: windowStart.Add(time.Second), Grams: 5000, Division: 20, Stable: true}
	if _, ok := w.Add(r); ok {
		t.Error("accepted the first reading after Reset")
	}
}
