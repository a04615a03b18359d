package main

import (
	"context"
	"encoding/json"
	"errors"
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
// scale every 0.5 ms of wall time, 100 ms of line time, and a stability
// window's 500 ms of line time pass in 2.5 ms.
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
	// TODO: the veterinarian's sign-off, the batch's seal and its upload
	// to an embedded platform are not built yet. Until they are, batches,
	// uploaded and receipts_verified are written as null.
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
	run := day.Run
	if in.out == "" {
		in.out = cfg.DataDir
	}
	labelsDir := filepath.Join(in.out, "labels")
	if err := os.MkdirAll(labelsDir, 0o755); err != nil {
		return nil, err
	}

	db, err := store.Open(ctx, cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		return nil, err
	}
	dbOwned := true
	defer func() {
		if dbOwned {
			db.Close()
		}
	}()
	for _, f := range []struct{ kind, path string }{{store.ImportProducts, in.products}, {store.ImportRegistry, in.registry}} {
		imported, err := dayrun.ImportOnce(ctx, db, importActor, f.kind, f.path)
		if err != nil {
			return nil, err
		}
		if imported {
			log.Info("imported", "kind", f.kind, "file", f.path)
		}
	}

	// A day that was stopped continues after the last time it recorded,
	// so the line's times never go back.
	batch, err := cfg.batch(run.SlaughterDay)
	if err != nil {
		return nil, err
	}
	lineStart := run.ShiftStart
	if facts, err := db.BatchFacts(ctx, batch.String()); err == nil {
		if last := latestTime(facts); last.After(lineStart) {
			lineStart = last.Add(time.Second)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	rate, paced := float64(fullSpeedRate), false
	if in.speed > 0 {
		rate, paced = in.speed, true
	}
	clock := newLineClock(lineStart, rate)
	t := timing{rate: rate}

	simCfg := *cfg
	simCfg.Scales = append([]ScaleConfig(nil), cfg.Scales...)
	simCfg.Printers = append([]PrinterConfig(nil), cfg.Printers...)
	matchDivisions(&simCfg, run, log)
	r, err := startRig(&simCfg, t, labelsDir, log)
	if err != nil {
		return nil, err
	}
	defer r.Close()

	dbOwned = false
	k, err := openKiosk(ctx, &simCfg, db, kioskOptions{clock: clock, timing: t, day: run.SlaughterDay,
		shiftStart: run.ShiftStart, policy: demoActors.Policy(), actor: demoActors.Operator, previewDir: labelsDir}, log)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	k.station.SetOperator(demoActors.Operator)

	roles := k.roles()
	watch := newLineWatch(roles, log)
	sub := k.station.Subscribe(1 << 16)
	go watch.follow(sub)
	for _, ps := range r.printers {
		ps.observe(watch.labelPrinted)
	}
	facts, err := db.BatchFacts(ctx, batch.String())
	if err != nil {
		return nil, err
	}
	plan, err := dayrun.PlanOf(k.shift, facts, run)
	if err != nil {
		return nil, err
	}

	runCtx, stopRun := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		k.run(runCtx, watch.deliverTag(k.station), watch.deliverReading(k.station))
	}()
	defer func() {
		stopRun()
		<-stopped
		sub.Close()
	}()

	if err := resolveUnfinished(ctx, k, labelsDir, log); err != nil {
		return nil, err
	}
	stopProgress := showProgress(in.progress, in.lang, watch, plan, len(run.Passes), started)
	sl := &simLine{run: run, plan: plan, rig: r, watch: watch, clock: clock, paced: paced, log: log,
		day: &dayrun.Line{Station: k.station, Run: run, Scales: roles, Actors: demoActors, Weigh: nil, Now: clock.Now}}
	sl.day.Weigh = sl.weigh
	err = sl.play(ctx)
	if err == nil {
		err = waitPrinted(ctx, k.station, watch)
	}
	stopProgress()
	if err != nil {
		if n := sub.Dropped(); n > 0 {
			err = fmt.Errorf("%w (the simulated line missed %d station events)", err, n)
		}
		return nil, err
	}
	stopRun()
	<-stopped

	summary, err := dayrun.Summarize(ctx, db, batch, run)
	if err != nil {
		return nil, err
	}
	out := &daySummary{Summary: summary, Latency: watch.latencies()}
	if _, err := db.Verify(ctx); err != nil {
		log.Error("journal verification failed", "err", err)
	} else {
		out.JournalVerified = true
	}
	if out.LabelsPrinted, err = countLabels(labelsDir); err != nil {
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

// matchDivisions sets the simulated scales' divisions to the line run's,
// because the mass balance's tolerance is made of them and the recorded
// day must balance as the day check does.
func matchDivisions(cfg *Config, run *line.LineRun, log *slog.Logger) {
	for i := range cfg.Scales {
		s := &cfg.Scales[i]
		division := run.PackScale.Division
		if s.Role != RolePack {
			division = run.CarcassScale.Division
		}
		if s.DivisionG != int64(division) {
			log.Info("simulated scale takes the line run's division", "scale", s.ID, "configured_g", s.DivisionG, "division_g", int64(division))
			s.DivisionG = int64(division)
		}
	}
}

// latestTime returns the latest line time a batch recorded.
func latestTime(f *line.BatchFacts) time.Time {
	var last time.Time
	later := func(t time.Time) {
		if t.After(last) {
			last = t
		}
	}
	for _, c := range f.Carcasses {
		later(c.EnteredAt)
		for _, w := range c.Weighings {
			later(w.At)
		}
		if c.Inspection != nil {
			later(c.Inspection.At)
		}
	}
	for _, b := range f.Byproducts {
		later(b.At)
	}
	for _, p := range f.Packs {
		later(p.PackedAt)
	}
	for _, d := range f.Decisions {
		later(d.DecidedAt)
	}
	return last
}

// resolveUnfinished decides the print jobs a stopped run left queued or
// sent, as quality staff would after looking at the printer. A label
// whose job reached the simulated printer, as its file in labels/ shows,
// was printed. Any other is recorded as not printed and printed again.
func resolveUnfinished(ctx context.Context, k *kiosk, labelsDir string, log *slog.Logger) error {
	for _, job := range k.station.Snapshot().Unfinished {
		_, err := os.Stat(filepath.Join(labelsDir, job.Serial+".zpl"))
		printed := err == nil
		if err := k.station.ResolvePrint(ctx, demoActors.Quality, job.ID, printed); err != nil {
			return err
		}
		log.Info("print job left unfinished by a restart resolved", "job", job.ID, "serial", job.Serial, "printed", printed)
		if printed {
			continue
		}
		_, err = k.station.PrintLabel(ctx, demoActors.Quality, job.Kind, job.Serial)
		var refusal *line.RefusalError
		if errors.As(err, &refusal) {
			log.Warn("label of an unfinished print job not printed again", "serial", job.Serial, "reason", refusal.Reason)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// waitPrinted waits until every label job the station committed has gone
// to its printer and the printer confirmed it.
func waitPrinted(ctx context.Context, st *line.Station, w *lineWatch) error {
	return w.wait(ctx, stepTimeout, "the printers' queues", func() bool {
		for _, p := range st.Printers() {
			if p.Pending > 0 || p.Unconfirmed > 0 {
				return false
			}
		}
		return true
	})
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
