package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
	"lambtrace/store"
)

// fullSpeedRate is the rate of the line clock when a day is played as
// fast as the machine allows (-speed 0). The drivers then poll a Modbus
// scale every 0.2 ms of wall time, 100 ms of line time, and a stability
// window's 500 ms of line time pass in 1 ms. On 2 cores the sample day
// then spends most of its time waiting for the database's fsyncs.
const fullSpeedRate = 500

// demoActors are the users the headless day records in the journal.
var demoActors = dayrun.Actors{Operator: "demo-operator", Quality: "demo-quality", Inspector: "demo-vet"}

// importActor records the headless day's imports in the journal.
const importActor store.Actor = "kiosk"

// headlessInput holds the files the headless day plays, where its
// results go and how fast it runs.
type headlessInput struct {
	products, registry, linerun string
	out                         string  // summary.json and labels/ go here
	speed                       float64 // line pace times speed; 0 is as fast as possible
	progress                    io.Writer
	lang                        line.Lang
}

// daySummary is the content of summary.json: the day check's summary of
// the recorded batch and the figures of the simulated day.
type daySummary struct {
	dayrun.Summary
	// LabelsPrinted counts the label jobs that reached the simulated
	// printers, reprints included, as the files in labels/ show.
	LabelsPrinted   int       `json:"labels_printed"`
	JournalVerified bool      `json:"journal_verified"`
	ElapsedS        float64   `json:"elapsed_s"` // wall time from start to summary
	Latency         Latencies `json:"latency"`
	// Batches counts the day's batches the demo veterinarian signed off
	// and sealed into the outbox, Uploaded those the platform accepted,
	// and ReceiptsVerified those whose receipt verifies against the
	// platform's receipt key for the sealed document.
	Batches          *int `json:"batches"`
	Uploaded         *int `json:"uploaded"`
	ReceiptsVerified *int `json:"receipts_verified"`
}

// runHeadless plays a whole line run through the simulated devices, the
// real drivers, the station, labels and printers into the data directory
// of cfg, and writes OUT/summary.json and OUT/labels/. A data directory
// that holds part of the day already continues it.
func runHeadless(ctx context.Context, cfg *Config, in headlessInput, log *slog.Logger) (*daySummary, error) {
	started := time.Now()
	day, err := loadDay(in.products, in.registry, in.linerun)
	if err != nil {
		return nil, err
	}
	if in.out == "" {
		in.out = cfg.DataDir
	}
	s, err := openSimStation(ctx, cfg, simInput{products: in.products, registry: in.registry, run: day.Run, speed: in.speed,
		labelsDir: filepath.Join(in.out, "labels"), policy: demoActors.Policy()}, log)
	if err != nil {
		return nil, err
	}
	defer s.Close()

	stopProgress := showProgress(in.progress, in.lang, s.watch, s.plan, len(day.Run.Passes), started)
	err = s.play(ctx)
	stopProgress()
	if err != nil {
		return nil, err
	}
	if err := signOffDemo(ctx, s.k); err != nil {
		return nil, err
	}
	if _, err := s.uploader.Pass(ctx, true); err != nil {
		return nil, err
	}
	s.stop()

	summary, err := dayrun.Summarize(ctx, s.k.db, s.k.shift.Batch, day.Run)
	if err != nil {
		return nil, err
	}
	out := &daySummary{Summary: summary, Latency: s.watch.latencies()}
	batches, err := sealedBatches(ctx, s.k)
	if err != nil {
		return nil, err
	}
	out.Batches = &batches
	uploaded, verified, err := verifiedReceipts(ctx, s.k)
	if err != nil {
		return nil, err
	}
	out.Uploaded, out.ReceiptsVerified = &uploaded, &verified
	if _, err := s.k.db.Verify(ctx); err != nil {
		log.Error("journal verification failed", "err", err)
	} else {
		out.JournalVerified = true
	}
	if out.LabelsPrinted, err = countLabels(s.labelsDir); err != nil {
		return nil, err
	}
	out.ElapsedS = time.Since(started).Seconds()
	if err := writeSummary(filepath.Join(in.out, "summary.json"), out); err != nil {
		return nil, err
	}
	return out, nil
}

// loadDay reads the three input files and checks them against each other
// as tracectl check does.
func loadDay(productsPath, registryPath, runPath string) (*line.Day, error) {
	products, err := line.ReadProductsFile(productsPath)
	if err != nil {
		return nil, &dayrun.InputError{Err: err}
	}
	reg, err := line.ReadRegistryFile(registryPath)
	if err != nil {
		return nil, &dayrun.InputError{Err: err}
	}
	run, err := line.ReadLineRunFile(runPath)
	if err != nil {
		return nil, &dayrun.InputError{Err: err}
	}
	day, err := line.NewDay(products, reg, run, nil, runPath)
	if err != nil {
		return nil, &dayrun.InputError{Err: err}
	}
	return day, nil
}

// countLabels counts the label jobs written to the labels directory.
func countLabels(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".zpl") {
			n++
		}
	}
	return n, nil
}

// writeSummary writes summary.json through a temporary file in the same
// directory, so a reader never sees half of it.
func writeSummary(path string, s *daySummary) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".summary-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// showProgress draws a progress bar of the day on w until the returned
// function is called: redrawn in place on a terminal, a line every few
// seconds otherwise.
func showProgress(w io.Writer, lang line.Lang, watch *lineWatch, plan *dayrun.Plan, passes int, started time.Time) (stop func()) {
	if w == nil {
		return func() {}
	}
	before := 0
	for _, pp := range plan.Passes {
		if pp.Carcass != "" {
			before++
		}
	}
	tty := isTerminal(w)
	interval := 5 * time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	draw := func(last bool) {
		carcasses, packs, labels := watch.progress()
		text := progressLine(lang, before+carcasses, passes, packs, labels, time.Since(started))
		switch {
		case tty && last:
			fmt.Fprintf(w, "\r%s\n", text)
		case tty:
			fmt.Fprintf(w, "\r%s", text)
		default:
			fmt.Fprintln(w, text)
		}
	}
	go func() {
		defer close(finished)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				draw(true)
				return
			case <-ticker.C:
				draw(false)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progressLine returns the progress bar's text.
func progressLine(lang line.Lang, carcasses, passes, packs, labels int, elapsed time.Duration) string {
	const width = 30
	filled := 0
	if passes > 0 {
		filled = min(width, carcasses*width/passes)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return "[" + bar + "] " + line.Translate(lang, "kiosk.progress", map[string]string{
		"carcasses": strconv.Itoa(carcasses), "passes": strconv.Itoa(passes), "packs": strconv.Itoa(packs),
		"labels": strconv.Itoa(labels), "seconds": strconv.Itoa(int(elapsed.Seconds())),
	})
}

// isTerminal reports whether w is a character device, such as a
// terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
