package line_test

import (
	"context"
	"testing"
	"time"

	"lambtrace/line"
)

// newBareStation returns a station with no store calls made, for tests
// of what needs no shift.
func newBareStation(t *testing.T) *line.Station {
	t.Helper()
	st, err := line.NewStation(line.StationConfig{Store: noStore{}, Registry: mustRegistry(t), Products: mustProducts(t)})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// noStore is a line.Store whose every method is unreachable in these
// tests: the station refuses before it calls the store when no shift is
// open. Embedding the nil interface makes any call fail the test with a
// nil dereference.
type noStore struct{ line.Store }

func TestSubscriptionDropsWhenFull(t *testing.T) {
	st := newBareStation(t)
	sub := st.Subscribe(2)
	for i := range 5 {
		st.DeliverReading(line.Reading{Scale: "display", At: time.Unix(int64(i), 0), Grams: line.Mass(i)})
	}
	if got := sub.Dropped(); got != 3 {
		t.Errorf("Dropped() = %d, want 3", got)
	}
	first := (<-sub.C).(line.ScaleReadingEvent)
	if first.Reading.Grams != 0 {
		t.Errorf("first event grams = %d, want 0: events must keep their order", first.Reading.Grams)
	}
	sub.Close()
	sub.Close()
	if _, ok := <-sub.C; !ok {
		t.Fatal("C closed before the buffered event was read")
	}
	if _, ok := <-sub.C; ok {
		t.Error("C still open after Close")
	}
	st.DeliverReading(line.Reading{Scale: "display", Grams: 9}) // must not panic on the closed subscription
}

func TestStationRefusesWithoutShift(t *testing.T) {
	st := newBareStation(t)
	ctx := context.Background()
	for name, err := range map[string]error{
		"TagRead":       second(st.TagRead(ctx, line.TagEvent{})),
		"SelectCarcass": st.SelectCarcass("20261204-0001"),
		"Release":       second(st.Release(ctx, "qa1", "20261204-0001", "checked")),
		"CloseLot":      second(st.CloseLot(ctx, "op1", "ROLL-1")),
		"Capture":       st.Capture(ctx, "pack"),
	} {
		ref, ok := err.(*line.RefusalError)
		if !ok || ref.Reason != line.RefusedNoShift {
			t.Errorf("%s without a shift = %v, want refusal %s", name, err, line.RefusedNoShift)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestNewStationChecksConfig(t *testing.T) {
	reg, products := mustRegistry(t), mustProducts(t)
	for name, cfg := range map[string]line.StationConfig{
		"NoStore":        {Registry: reg, Products: products},
		"NoRegistry":     {Store: noStore{}, Products: products},
		"NoProducts":     {Store: noStore{}, Registry: reg},
		"RolesNoWindow":  {Store: noStore{}, Registry: reg, Products: products, Scales: line.ScaleRoles{Pack: "pack"}},
		"PolicyNoReason": {Store: noStore{}, Registry: reg, Products: products, AutoRelease: &line.ReleasePolicy{User: "qa"}},
		"PrinterNoName":  {Store: noStore{}, Registry: reg, Products: products, PackPrinter: &line.LabelPrinter{}},
		"NegativeEmpty":  {Store: noStore{}, Registry: reg, Products: products, EmptyDivisions: -1},
	} {
		if _, err := line.NewStation(cfg); err == nil {
			t.Errorf("NewStation(%s) succeeded, want an error", name)
		}
	}
}
