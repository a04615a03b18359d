package sim_test

import (
	"testing"
	"time"

	"lambtrace/devices/sim"
)

func TestScriptEmptyIsZero(t *testing.T) {
	load := sim.NewScript(0, 1).At(time.Second)
	if load.Grams != 0 || !load.Stable {
		t.Errorf("empty script At(1s) = %+v, want 0 g stable", load)
	}
}

func TestScriptSettle(t *testing.T) {
	s := sim.NewScript(0, 1).Settle(23400, time.Second)
	if got := s.At(0); got.Grams != 0 || got.Stable {
		t.Errorf("At(0) = %+v, want 0 g unstable", got)
	}
	middle := s.At(100 * time.Millisecond)
	if middle.Stable {
		t.Errorf("At(100ms) = %+v, want unstable while settling", middle)
	}
	if got := s.At(990 * time.Millisecond); got.Grams < 23390 || got.Grams > 23410 || !got.Stable {
		t.Errorf("At(990ms) = %+v, want stable within 10 g of 23400", got)
	}
	if got := s.At(time.Hour); got.Grams != 23400 || !got.Stable {
		t.Errorf("At(1h) = %+v, want the target held after the script", got)
	}
	if s.Duration() != time.Second {
		t.Errorf("Duration = %v, want 1s", s.Duration())
	}
}

func TestScriptSpikeReturns(t *testing.T) {
	s := sim.NewScript(0, 1).Settle(18420, 0).Hold(time.Second).Spike(-3100, 100*time.Millisecond).Hold(time.Second)
	if got := s.At(1050 * time.Millisecond); got.Grams != -3100 || !got.Stable {
		t.Errorf("during the spike = %+v, want -3100 g with the stable flag", got)
	}
	if got := s.At(1500 * time.Millisecond); got.Grams != 18420 {
		t.Errorf("after the spike = %d g, want 18420", got.Grams)
	}
}

func TestScriptSwingDriftOverload(t *testing.T) {
	s := sim.NewScript(0, 1).
		Settle(20000, 0).
		Swing(500, 400*time.Millisecond, 800*time.Millisecond).
		Drift(-100, 2*time.Second).
		Overload(400000, time.Second)
	if got := s.At(100 * time.Millisecond); got.Grams != 20500 || got.Stable {
		t.Errorf("swing peak = %+v, want 20500 g unstable", got)
	}
	if got := s.At(800*time.Millisecond + time.Second); got.Grams != 19900 || !got.Stable {
		t.Errorf("1 s into the drift = %+v, want 19900 g still flagged stable", got)
	}
	if got := s.At(3 * time.Second); !got.Overload || got.Grams != 400000 {
		t.Errorf("overload = %+v, want 400000 g with the overload flag", got)
	}
}

func TestScriptNoiseRepeatable(t *testing.T) {
	a := sim.NewScript(30, 7).Settle(10000, 0).Hold(time.Hour)
	b := sim.NewScript(30, 7).Settle(10000, 0).Hold(time.Hour)
	varied := false
	for i := 0; i < 200; i++ {
		at := time.Duration(i) * 10 * time.Millisecond
		ga, gb := a.At(at).Grams, b.At(at).Grams
		if ga != gb {
			t.Fatalf("At(%v) = %d and %d for the same seed", at, ga, gb)
		}
		if ga < 10000-30 || ga > 10000+30 {
			t.Fatalf("At(%v) = %d, outside 10000 ± 30", at, ga)
		}
		if ga != 10000 {
			varied = true
		}
	}
	if !varied {
		t.Error("noise of 30 g never changed the weight")
	}
}
