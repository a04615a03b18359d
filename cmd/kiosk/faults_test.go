package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/devices/sim"
	"lambtrace/line"
	"lambtrace/ui"
	"lambtrace/upload"
)

// syncBuffer is a bytes.Buffer safe for the log's concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// faultDay is a short day on a simulated station, for a test that breaks
// a device while it runs.
type faultDay struct {
	s       *simStation
	runPath string
	log     *syncBuffer
	played  chan error
}

// startFaultDay opens a simulated station on the first passes of the
// sample day and starts playing it, calling beforePass before each pass.
func startFaultDay(t *testing.T, passes int, beforePass func(d *faultDay, index int)) *faultDay {
	t.Helper()
	needSocat(t)
	dir := t.TempDir()
	d := &faultDay{runPath: shortLineRun(t, dir, passes, 2), log: &syncBuffer{}, played: make(chan error, 1)}
	day, err := loadDay(sample+".products.json", sample+".registry.json", d.runPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	log := slog.New(slog.NewTextHandler(d.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	d.s, err = openSimStation(context.Background(), cfg, simInput{products: sample + ".products.json",
		registry: sample + ".registry.json", run: day.Run, labelsDir: filepath.Join(dir, "labels"), policy: demoActors.Policy()}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.s.Close)
	d.s.line.beforePass = func(i int) { beforePass(d, i) }
	go func() { d.played <- d.s.play(context.Background()) }()
	return d
}

// waitFor waits until cond, called with the watch locked, is true.
func (d *faultDay) waitFor(t *testing.T, what string, cond func(w *lineWatch) bool) {
	t.Helper()
	err := d.s.watch.wait(context.Background(), stepTimeout, what, func() bool { return cond(d.s.watch) })
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, d.log.String())
	}
}

// finish waits for the day to end and checks that it recorded what the
// day check finds and that its journal verifies.
func (d *faultDay) finish(t *testing.T) {
	t.Helper()
	select {
	case err := <-d.played:
		if err != nil {
			t.Fatalf("day: %v\nlog:\n%s", err, d.log.String())
		}
	case <-time.After(2 * stepTimeout):
		t.Fatalf("the day did not end\nlog:\n%s", d.log.String())
	}
	ctx := context.Background()
	got, err := dayrun.Summarize(ctx, d.s.k.db, d.s.k.shift.Batch, d.s.run)
	if err != nil {
		t.Fatal(err)
	}
	if want := checkSummary(t, d.runPath); !reflect.DeepEqual(got, want) {
		t.Errorf("summary =\n%+v\nwant the day check's\n%+v", got, want)
	}
	if _, err := d.s.k.db.Verify(ctx); err != nil {
		t.Errorf("journal: %v", err)
	}
}

func (d *faultDay) wantLog(t *testing.T, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if !strings.Contains(d.log.String(), text) {
			t.Errorf("log lacks %q", text)
		}
	}
}

// TestPrinterPaperOut runs out of paper on the pack printer while the
// cutting table works. The cutting goes on, the station reports the
// printer, and once paper is back every label is confirmed.
func TestPrinterPaperOut(t *testing.T) {
	d := startFaultDay(t, 8, func(*faultDay, int) {})
	sub := d.s.k.station.Subscribe(1 << 14)
	defer sub.Close()
	d.waitFor(t, "the first packs", func(w *lineWatch) bool { return w.packs >= 5 })

	printer := d.s.rig.printers["zebra-cut"]
	printer.SetState(sim.PrinterState{PaperOut: true})
	_, packs, _ := d.s.watch.progress()
	d.waitFor(t, "packs while the printer is out of paper", func(w *lineWatch) bool { return w.packs >= packs+5 })
	unconfirmed := 0
	for _, p := range d.s.k.station.Printers() {
		if p.Name == "zebra-cut" {
			unconfirmed = p.Unconfirmed
		}
	}
	if unconfirmed == 0 {
		t.Error("labels sent to a printer out of paper were confirmed")
	}
	printer.SetState(sim.PrinterState{})
	d.finish(t)

	sawPaperOut := false
	for len(sub.C) > 0 {
		if e, ok := (<-sub.C).(line.PrinterStatusChangedEvent); ok && e.Printer == "zebra-cut" && e.Status.PaperOut {
			sawPaperOut = true
		}
	}
	if !sawPaperOut {
		t.Error("no PrinterStatusChangedEvent said the pack printer was out of paper")
	}
	d.wantLog(t, "printer not ready", "paper_out=true", "printer ready")
}

// TestReaderUnplugged unplugs the ear-tag reader before the fourth pass.
// The kill line waits at the reader, the cutting goes on, and the driver
// opens the reader again on its own once it is plugged back in.
func TestReaderUnplugged(t *testing.T) {
	unplugged := make(chan int, 1)
	d := startFaultDay(t, 8, func(d *faultDay, i int) {
		if i != 3 {
			return
		}
		if err := d.s.rig.reader.Unplug(); err != nil {
			t.Error(err)
		}
		_, packs, _ := d.s.watch.progress()
		unplugged <- packs
	})

	packs := <-unplugged
	d.waitFor(t, "packs while the reader is unplugged", func(w *lineWatch) bool { return w.packs >= packs+3 })
	if entered, _, _ := d.s.watch.progress(); entered != 3 {
		t.Errorf("%d carcasses entered with the reader unplugged before the fourth pass", entered)
	}
	if err := d.s.rig.reader.Replug(); err != nil {
		t.Fatal(err)
	}
	d.finish(t)
	d.wantLog(t, "serial port failed, reopening", "simulated reader cannot send", "simulated reader is back")
}

// TestScaleStopsAnswering makes the hook scale stop replying before the
// fourth pass. The kill line waits for the hot weight, the cutting goes
// on, and the driver reconnects on its own when the scale replies again.
func TestScaleStopsAnswering(t *testing.T) {
	silenced := make(chan int, 1)
	d := startFaultDay(t, 8, func(d *faultDay, i int) {
		if i != 3 {
			return
		}
		// Each held reply outlasts the driver's request timeout of 1 s.
		d.s.rig.indicators["hook-1"].DelayReplies(3, 1500*time.Millisecond)
		_, packs, _ := d.s.watch.progress()
		silenced <- packs
	})

	packs := <-silenced
	d.waitFor(t, "packs while the hook scale is silent", func(w *lineWatch) bool { return w.packs >= packs+3 })
	if entered, _, _ := d.s.watch.progress(); entered > 4 {
		t.Errorf("%d carcasses entered while the hook scale had not weighed the fourth", entered)
	}
	d.finish(t)
	d.wantLog(t, "scale connection failed, reconnecting", "scale reconnected")
}

// TestPlatformDown signs off a short day while the embedded platform is
// down. The batch waits in the outbox, the status bar reports the platform
// cannot be reached, and the upload worker delivers the batch on its own
// once the platform is back, with a receipt that verifies.
func TestPlatformDown(t *testing.T) {
	d := startFaultDay(t, 4, func(*faultDay, int) {})
	d.finish(t)
	ctx := context.Background()
	k := d.s.k

	// The platform goes down: its port refuses connections.
	addr := strings.TrimPrefix(d.s.platform.url, "http://")
	if err := d.s.platform.http.Close(); err != nil {
		t.Fatal(err)
	}
	if err := signOffDemo(ctx, k); err != nil {
		t.Fatal(err)
	}
	keys, err := receiptKeys(k.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	client, err := upload.NewClient(upload.ClientConfig{Platform: d.s.platform.url, ReceiptKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(d.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	worker, err := upload.NewWorker(upload.WorkerConfig{DB: k.db, Client: client, RetryBase: 50 * time.Millisecond,
		RetryMax: 200 * time.Millisecond, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go worker.Run(runCtx)

	status := uiStatus{k: k, links: k.links, platform: d.s.platform.url}
	waitStatus := func(what string, cond func(ui.StatusReport) bool) ui.StatusReport {
		t.Helper()
		deadline := time.Now().Add(stepTimeout)
		for {
			r := status.Status(ctx)
			if cond(r) {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: status %+v\nlog:\n%s", what, r, d.log.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	platformLink := func(r ui.StatusReport) ui.LinkStatus {
		for _, l := range r.Links {
			if l.Kind == ui.LinkPlatform {
				return l
			}
		}
		return ui.LinkStatus{}
	}
	down := waitStatus("the failed upload", func(r ui.StatusReport) bool { return !platformLink(r).OK && r.Outbox.Waiting == 1 })
	if got := platformLink(down).Problem.Key; got != "ui.status.problem.platform_unreachable" {
		t.Errorf("platform link problem %q", got)
	}

	// The platform comes back on the same address.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	back := &http.Server{Handler: d.s.platform.server.Handler()}
	go back.Serve(ln)
	defer back.Close()
	up := waitStatus("the delivery", func(r ui.StatusReport) bool { return platformLink(r).OK && r.Outbox.Waiting == 0 })
	if up.Outbox.Rejected != 0 {
		t.Errorf("%d batches rejected", up.Outbox.Rejected)
	}
	uploaded, verified, err := verifiedReceipts(ctx, k)
	if err != nil || uploaded != 1 || verified != 1 {
		t.Errorf("verifiedReceipts = %d, %d, %v, want 1, 1", uploaded, verified, err)
	}
	d.wantLog(t, "upload attempt failed; will retry", "batch delivered")
}
