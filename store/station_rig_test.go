package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/devices/printer"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
	"lambtrace/store"
)

// Scale ids and divisions of the station rig.
const (
	hookScale    = "hook"
	carcassScale = "carcass"
	packScale    = "pack"
	carcassDiv   = line.Mass(20)
	packDiv      = line.Mass(2)
)

// zplLabeler renders labels as ZPL jobs holding one text field per line,
// in a fixed order, so the same data always gives the same bytes. It
// fails on data a label cannot carry, as a real labeler does.
type zplLabeler struct{}

func (zplLabeler) CarcassLabel(l line.CarcassLabel) ([]byte, error) {
	if l.Number == "" {
		return nil, errors.New("carcass label without a carcass number")
	}
	held := ""
	if l.Held {
		held = "HELD"
	}
	return zplText("CARCASS "+l.Number, "BATCH "+l.Batch.String(), "EAR TAG "+string(l.EarTag), "RFID "+string(l.RFID), held)
}

func (zplLabeler) PackLabel(l line.PackLabel) ([]byte, error) {
	if l.Serial == "" || l.Product == nil || l.Net <= 0 {
		return nil, fmt.Errorf("pack label %q without a product or net weight", l.Serial)
	}
	source := "CARCASS " + l.Carcass + " EAR TAG " + string(l.EarTag)
	if l.Lot != "" {
		source = "LOT " + l.Lot
	}
	grassland := ""
	if l.Grassland {
		grassland = "草原放牧"
	}
	return zplText(l.Product.NameZH, "SERIAL "+l.Serial, "GTIN "+string(l.Product.GTIN), "NET "+l.Net.String(), source, grassland)
}

func zplText(lines ...string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("^XA^CI28\n")
	for i, text := range lines {
		if strings.ContainsAny(text, "^~") {
			return nil, fmt.Errorf("label text %q holds a ZPL command character", text)
		}
		fmt.Fprintf(&b, "^FO20,%d^A0N,28,28^FD%s^FS\n", 20+36*i, text)
	}
	b.WriteString("^XZ")
	return b.Bytes(), nil
}

// rigOptions configure a station rig.
type rigOptions struct {
	db          *store.DB // reuse this database, for a restart
	printer     bool      // print labels on a simulated printer
	printerAddr string    // print to this address instead of a simulator
	noRun       bool      // do not start Run, so no job is sent
	policy      bool      // release review holds at once
	manual      bool      // ManualCapture
	sealer      line.Sealer
}

// stationRig is a station on a real database with the sample registry
// and products, the scale driver's stability window and, optionally, the
// printer driver talking to a simulated printer on 127.0.0.1.
type stationRig struct {
	t        *testing.T
	db       *store.DB
	reg      *line.Registry
	products *line.ProductMaster
	st       *line.Station
	sub      *line.Subscription
	sim      *sim.Printer
	shift    line.Shift
	scaleAt  time.Time
	stop     func()
}

func newRig(t *testing.T, opts rigOptions) *stationRig {
	t.Helper()
	ctx := context.Background()
	r := &stationRig{t: t, db: opts.db, scaleAt: shift}
	if r.db == nil {
		r.db, _ = mustOpen(t, store.Options{})
		mustImportSample(t, r.db)
		mustCreateStaff(t, r.db)
	}
	var err error
	if r.reg, err = r.db.Registry(ctx); err != nil {
		t.Fatal(err)
	}
	if r.products, err = r.db.Products(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := line.StationConfig{
		Store: store.NewLineStore(r.db), Registry: r.reg, Products: r.products,
		Clock:     line.ClockFunc(func() time.Time { return shift.Add(time.Hour) }),
		Scales:    line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale},
		NewWindow: func(string) line.StabilityWindow { return &scale.Window{} },
		Logger:    quiet, ManualCapture: opts.manual, StatusInterval: 20 * time.Millisecond, Sealer: opts.sealer,
	}
	if opts.policy {
		cfg.AutoRelease = &line.ReleasePolicy{User: "qa1", Reason: "released by the test policy"}
	}
	addr := opts.printerAddr
	if opts.printer && addr == "" {
		r.sim = sim.NewPrinter()
		if addr, err = r.sim.Listen(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.sim.Close() })
	}
	if addr != "" {
		p := printer.NewTCP("zebra-1", addr)
		p.Logger = quiet
		t.Cleanup(func() { p.Close() })
		cfg.Labeler = zplLabeler{}
		cfg.CarcassPrinter = &line.LabelPrinter{Name: "zebra-1", Printer: p}
		cfg.PackPrinter = cfg.CarcassPrinter
	}
	if r.st, err = line.NewStation(cfg); err != nil {
		t.Fatal(err)
	}
	r.st.SetOperator("op7")
	r.sub = r.st.Subscribe(1 << 14)
	t.Cleanup(r.sub.Close)

	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	if opts.noRun {
		close(done)
	} else {
		go func() {
			defer close(done)
			r.st.Run(runCtx)
		}()
	}
	r.stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(r.stop)

	id := line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}
	if r.shift, err = r.st.Open(ctx, "op7", id, shift); err != nil {
		t.Fatal(err)
	}
	return r
}

// cleanAnimals returns n animals of the sample registry that pass every
// intake rule on the sample day, in registry order.
func (r *stationRig) cleanAnimals(n int) []*line.Animal {
	r.t.Helper()
	rules := line.DefaultRules()
	var out []*line.Animal
	for _, c := range r.reg.Consignments {
		for _, a := range c.Animals {
			in := rules.Intake(r.reg, noHistory{}, line.TagRead{RFID: a.RFID}, line.DateOf(shift), shift)
			if len(in.Decisions) == 0 && rules.GrasslandEligible(a) {
				out = append(out, a)
			}
			if len(out) == n {
				return out
			}
		}
	}
	r.t.Fatalf("the sample registry has fewer than %d clean animals", n)
	return nil
}

// animalOf returns the first animal of a consignment.
func (r *stationRig) animalOf(consignment string) *line.Animal {
	r.t.Helper()
	for _, c := range r.reg.Consignments {
		if c.ID == consignment {
			return c.Animals[0]
		}
	}
	r.t.Fatalf("no consignment %s", consignment)
	return nil
}

type noHistory struct{}

func (noHistory) CarcassOf(line.EarTag) (line.TagUse, bool) { return line.TagUse{}, false }
func (noHistory) EnteredCount(string) int                   { return 0 }

// tag enters a carcass for an animal's RFID number.
func (r *stationRig) tag(id line.RFID) line.CarcassRecord {
	r.t.Helper()
	c, err := r.st.TagRead(context.Background(), line.TagEvent{Reader: "reader-1", At: shift.Add(time.Minute),
		TagRead: line.TagRead{Raw: "LA " + id.Spaced(), RFID: id}})
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

// weigh gives the station one load on a scale: the empty scale, then the
// weight long enough for the stability window.
func (r *stationRig) weigh(scaleID string, grams, division line.Mass) {
	r.t.Helper()
	r.readings(scaleID, 0, division, true, 1)
	r.readings(scaleID, grams, division, true, scale.DefaultWindowSamples+1)
}

// readings gives the station n readings 100 ms apart.
func (r *stationRig) readings(scaleID string, grams, division line.Mass, stable bool, n int) {
	r.t.Helper()
	for range n {
		r.scaleAt = r.scaleAt.Add(100 * time.Millisecond)
		reading := line.Reading{Scale: scaleID, At: r.scaleAt, Grams: grams, Division: division, Stable: stable}
		if err := r.st.Reading(context.Background(), reading); err != nil {
			r.t.Fatal(err)
		}
	}
}

// readyToCut enters a clean carcass, weighs it hot at half its live
// weight, passes its inspection, picks it for cutting and weighs it
// chilled.
func (r *stationRig) readyToCut(a *line.Animal, chilled line.Mass) line.CarcassRecord {
	r.t.Helper()
	ctx := context.Background()
	c := r.tag(a.RFID)
	r.weigh(hookScale, a.LiveWeight/2, carcassDiv)
	if _, err := r.st.RecordInspection(ctx, "vet1", line.InspectionInput{Carcass: c.Number, Result: line.InspectionPass}); err != nil {
		r.t.Fatal(err)
	}
	if err := r.st.SelectCarcass(c.Number); err != nil {
		r.t.Fatal(err)
	}
	r.weigh(carcassScale, chilled, carcassDiv)
	got, _ := r.st.Carcass(c.Number)
	if got.Chilled != chilled || got.Stage != line.CarcassChilled {
		r.t.Fatalf("carcass %s after chilled weighing = %+v", c.Number, got)
	}
	return got
}

// events returns the events published so far.
func (r *stationRig) events() []line.Event {
	var out []line.Event
	for {
		select {
		case ev := <-r.sub.C:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// waitFor reads events until one of type T satisfies ok, or fails the
// test after 10 s.
func waitFor[T line.Event](r *stationRig, ok func(T) bool) T {
	r.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-r.sub.C:
			if e, match := ev.(T); match && (ok == nil || ok(e)) {
				return e
			}
		case <-timeout:
			var zero T
			r.t.Fatalf("no %T event within 10 s", zero)
			return zero
		}
	}
}

// only returns the events of type T among evs.
func only[T line.Event](evs []line.Event) []T {
	var out []T
	for _, ev := range evs {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

// refusal returns the reason of a *line.RefusalError, or "" for any other
// error.
func refusal(err error) line.RefusalReason {
	var ref *line.RefusalError
	if errors.As(err, &ref) {
		return ref.Reason
	}
	return ""
}

// concurrently runs fns at once and waits for all of them.
func concurrently(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn()
		}()
	}
	wg.Wait()
}
