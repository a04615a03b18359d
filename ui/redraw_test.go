package ui

import (
	"context"
	"testing"
	"time"

	"lambtrace/line"
)

func TestStatusBarKeepsSegmentsForSameReport(t *testing.T) {
	r := newRig(t, rigOptions{})
	outbox := 0
	r.k.status = statusFunc(func(context.Context) StatusReport {
		// A fresh report on every call, as cmd/kiosk builds one.
		return StatusReport{
			Links: []LinkStatus{
				{Kind: LinkReader, ID: "reader-1", OK: true},
				{Kind: LinkScale, ID: hookScale, OK: false, Problem: Message{Key: "ui.status.problem.no_reply"}},
			},
			Outbox: OutboxStatus{Waiting: outbox},
		}
	})
	r.start()

	r.k.pollStatus()
	first := r.k.statusBar.row.Objects[0]
	r.k.pollStatus()
	if r.k.statusBar.row.Objects[0] != first {
		t.Error("an unchanged status report rebuilt the status bar")
	}

	outbox = 3
	r.k.pollStatus()
	if r.k.statusBar.row.Objects[0] == first {
		t.Error("a changed outbox count did not rebuild the status bar")
	}
}

func TestWeightDisplaySkipsTimeOnlyChange(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start()
	w := NewWeightDisplay(r.k)
	reading := line.Reading{Scale: hookScale, At: shiftStart, Grams: 18240, Division: 20, Decimals: 2, Stable: true}
	w.Set(reading, true)
	if got := w.digits.Text; got != "18.24" {
		t.Fatalf("digits = %q, want 18.24", got)
	}

	// A marker in the digits shows whether the next Set redraws them.
	w.digits.Text = "marker"
	reading.At = reading.At.Add(100 * time.Millisecond)
	w.Set(reading, true)
	if got := w.digits.Text; got != "marker" {
		t.Errorf("a reading that differs only in its time redrew the digits: %q", got)
	}

	w.Set(reading, false)
	if got := w.state.Text; got != r.k.T("ui.weight.moving", nil) {
		t.Errorf("state after the weight stopped being steady = %q, want %q", got, r.k.T("ui.weight.moving", nil))
	}
	reading.Grams = 18260
	w.Set(reading, false)
	if got := w.digits.Text; got != "18.26" {
		t.Errorf("digits after a new weight = %q, want 18.26", got)
	}
}
