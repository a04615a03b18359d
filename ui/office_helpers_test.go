package ui

import (
	"bytes"
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/devices/printer"
	"lambtrace/devices/sim"
	"lambtrace/line"
	"lambtrace/store"
)

// Tags of the sample registry, by RFID number.
const (
	officeRFIDClean   = line.RFID("156000011051554") // ear tag 315250200357041: passes every intake rule
	officeRFIDClean2  = line.RFID("156000011051555") // ear tag 315250200357043: passes every intake rule
	officeRFIDFeedlot = line.RFID("156000011053233") // ear tag 315252300357971: held for origin.feedlot
)

// officeBatch is the batch the rig's station opens.
var officeBatch = line.BatchID{Day: line.DateOf(shiftStart), Line: 1, Shift: 1}

// storeRecords is the Records of the quality screen over the store and
// the registry, as cmd/kiosk wires it.
type storeRecords struct {
	db  *store.DB
	reg *line.Registry
}

func newStoreRecords(t *testing.T, r *rig) *storeRecords {
	t.Helper()
	reg, err := r.db.Registry(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &storeRecords{db: r.db, reg: reg}
}

func (s *storeRecords) Consignments() []*line.Consignment { return s.reg.Consignments }

// LabResults returns the results of the consignments with a carcass in
// the batch, which is what the store reads for a batch.
func (s *storeRecords) LabResults(ctx context.Context) ([]line.LabResult, error) {
	f, err := s.db.BatchFacts(ctx, officeBatch.String())
	if err != nil {
		return nil, err
	}
	return f.LabResults, nil
}

func (s *storeRecords) PrintJobs(ctx context.Context, serial string) ([]line.PrintJob, error) {
	return store.NewLineStore(s.db).PrintJobs(ctx, serial)
}

// withPrinter gives the rig's station the test labeler and the printer
// driver talking to a simulated printer on 127.0.0.1, and returns the
// simulator. The caller starts the station's Run with runStation.
func withPrinter(t *testing.T) (*sim.Printer, func(*line.StationConfig)) {
	t.Helper()
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, func(cfg *line.StationConfig) {
		drv := printer.NewTCP("zebra-1", addr)
		drv.Logger = quiet
		t.Cleanup(func() { drv.Close() })
		cfg.Labeler = textLabeler{}
		cfg.CarcassPrinter = &line.LabelPrinter{Name: "zebra-1", Printer: drv}
		cfg.PackPrinter = cfg.CarcassPrinter
		cfg.StatusInterval = 20 * time.Millisecond
	}
}

// runStation runs the station's printer workers until the test ends.
func runStation(t *testing.T, st *line.Station) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// enter reads a tag at the kill point and applies the events.
func (r *rig) enter(rfid line.RFID) line.CarcassRecord {
	r.t.Helper()
	c, err := r.st.TagRead(context.Background(), line.TagEvent{Reader: "reader-1", At: r.clock.Now(),
		TagRead: line.TagRead{Raw: "LA " + string(rfid[:3]) + " " + string(rfid[3:]), RFID: rfid}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.k.pump()
	return c
}

// settle runs the pending jobs and applies the events they caused.
func (r *rig) settle() {
	r.work.runAll()
	r.k.pump()
	r.work.runAll()
}

// waitPrintState waits until every print job of a label has reached
// state, as the station's printer worker records it.
func (r *rig) waitPrintState(serial string, state line.PrintState) []line.PrintJob {
	r.t.Helper()
	ls := store.NewLineStore(r.db)
	deadline := time.Now().Add(5 * time.Second)
	for {
		jobs, err := ls.PrintJobs(context.Background(), serial)
		if err != nil {
			r.t.Fatal(err)
		}
		done := len(jobs) > 0
		for _, j := range jobs {
			done = done && j.State == state
		}
		if done {
			return jobs
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("print jobs of %s not all %s after 5 s: %+v", serial, state, jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// pickReason taps a reason tile and the phrase tiles of a reason dialog.
func pickReason(t *testing.T, d *reasonDialog, reason int, phrases ...int) {
	t.Helper()
	if d == nil || d.pop.Hidden {
		t.Fatal("no reason dialog is open")
	}
	test.Tap(d.reasonTiles[reason])
	for _, p := range phrases {
		test.Tap(d.phraseTiles[p])
	}
}

// assertScreen compares the window with a golden image in testdata, as
// the package's assertScreen does.
func (r *rig) assertScreen(name string) {
	r.t.Helper()
	t, ok := r.t.(*testing.T)
	if !ok {
		r.t.Fatal("golden images are compared in tests only")
	}
	assertScreen(t, r, name)
}

// containsAll fails unless text holds every part.
func containsAll(t *testing.T, what, text string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !bytes.Contains([]byte(text), []byte(p)) {
			t.Errorf("%s = %q, want it to contain %q", what, text, p)
		}
	}
}
