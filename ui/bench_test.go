package ui

import (
	"testing"
	"time"

	"lambtrace/line"
)

// BenchmarkCuttingScaleEvents applies 1,000 pack-scale readings to the
// cutting screen while a carcass and a product are picked, as the kiosk's
// event goroutine hands them to the fyne goroutine: the weight display and
// the balance check run for each. A scale polled at 10 Hz gives 1,000
// readings in 100 s.
func BenchmarkCuttingScaleEvents(b *testing.B) {
	r, cut := cuttingRig(b, rigOptions{})
	r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	tapOutput(b, r, cut, "leg_bone_in", "")

	events := make([]line.Event, 1000)
	at := shiftStart
	for i := range events {
		at = at.Add(100 * time.Millisecond)
		// A load settling around 1.2 kg: moving, then steady.
		grams := line.Mass(1200 + (i%10)*2)
		steady := i%10 >= 5
		events[i] = line.ScaleReadingEvent{Reading: line.Reading{Scale: packScale, At: at, Grams: grams, Division: packDiv,
			Decimals: 3, Stable: steady}, Steady: steady, Armed: true}
	}
	b.ResetTimer()
	for range b.N {
		r.k.apply(events)
	}
	b.StopTimer()
	if got := cut.weight.Text(); got == "" {
		b.Fatal("the weight display shows nothing")
	}
}
