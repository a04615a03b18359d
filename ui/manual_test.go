package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

// With manual capture every scale with a role has a button that takes
// its weight: the hook scale on the entry screen, the carcass scale and
// the pack scale on the cutting screen.
func TestManualWeighingOnEveryScale(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{station: func(c *line.StationConfig) { c.ManualCapture = true }})
	entry := r.k.screens[0].(*EntryScreen)
	r.k.ShowScreen("entry")
	if entry.capture.Hidden {
		t.Fatal("the entry screen shows no button for the hook scale's weight")
	}

	// Hot weight: a steady load waits on the hook scale until the button.
	a := r.cleanAnimals(1)[0]
	c := r.tag(a)
	r.readings(hookScale, 0, carcassDiv, 1)
	r.readings(hookScale, a.LiveWeight/2, carcassDiv, scale.DefaultWindowSamples+1)
	r.k.pump()
	if got, _ := r.st.Carcass(c.Number); got.Hot != 0 {
		t.Fatalf("hot weight %s taken without the button", got.Hot)
	}
	test.Tap(entry.capture)
	r.settle()
	if got, _ := r.st.Carcass(c.Number); got.Hot != a.LiveWeight/2 {
		t.Fatalf("hot weight after the button = %s, want %s", got.Hot, a.LiveWeight/2)
	}
	if _, err := r.st.RecordInspection(context.Background(), "vet1", line.InspectionInput{Carcass: c.Number, Result: line.InspectionPass}); err != nil {
		t.Fatal(err)
	}

	// Chilled weight: the button takes the print button's place until
	// the carcass has its chilled weight.
	r.k.ShowScreen("cutting")
	cut.Scanned(c.Number)
	r.settle()
	if cut.chill.Hidden || !cut.print.Hidden {
		t.Fatalf("cutting a carcass without a chilled weight: chill hidden=%v, print hidden=%v", cut.chill.Hidden, cut.print.Hidden)
	}
	r.readings(carcassScale, 0, carcassDiv, 1)
	r.readings(carcassScale, 10000, carcassDiv, scale.DefaultWindowSamples+1)
	r.k.pump()
	if got, _ := r.st.Carcass(c.Number); got.Chilled != 0 {
		t.Fatalf("chilled weight %s taken without the button", got.Chilled)
	}
	test.Tap(cut.chill)
	r.settle()
	if got, _ := r.st.Carcass(c.Number); got.Chilled != 10000 {
		t.Fatalf("chilled weight after the button = %s, want 10.000 kg", got.Chilled)
	}
	if !cut.chill.Hidden || cut.print.Hidden {
		t.Errorf("after the chilled weight: chill hidden=%v, print hidden=%v", cut.chill.Hidden, cut.print.Hidden)
	}

	// Pack: the print button takes the pack scale's weight.
	tapOutput(t, r, cut, "leg_bone_in", "")
	r.readings(packScale, 0, packDiv, 1)
	r.readings(packScale, 6000, packDiv, scale.DefaultWindowSamples+1)
	r.k.pump()
	test.Tap(cut.print)
	r.settle()
	if n := r.st.Snapshot().Packs; n != 1 {
		t.Errorf("packs after print = %d, want 1", n)
	}
}

// Without manual capture the station takes every steady weight itself,
// so the screens show no capture buttons for the hook and carcass scales.
func TestAutomaticWeighingHasNoCaptureButtons(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	entry := r.k.screens[0].(*EntryScreen)
	r.k.ShowScreen("entry")
	if !entry.capture.Hidden {
		t.Error("the entry screen shows a capture button without manual capture")
	}
	a := r.cleanAnimals(1)[0]
	c := r.tag(a)
	r.weigh(hookScale, a.LiveWeight/2, carcassDiv)
	if got, _ := r.st.Carcass(c.Number); got.Hot != a.LiveWeight/2 {
		t.Fatalf("hot weight = %s, want it taken on the steady load", got.Hot)
	}
	r.k.ShowScreen("cutting")
	cut.Scanned(c.Number)
	r.settle()
	if cut.cutting.Carcass != c.Number {
		t.Fatalf("cutting %q, want %s", cut.cutting.Carcass, c.Number)
	}
	if !cut.chill.Hidden {
		t.Error("the cutting screen shows a chilled weight button without manual capture")
	}
}
