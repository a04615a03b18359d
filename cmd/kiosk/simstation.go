package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
)

// simStation is a station on simulated devices: the simulators, the
// kiosk whose drivers read them and, given a line run, the simulated line
// that plays it.
type simStation struct {
	k         *kiosk
	rig       *rig
	watch     *lineWatch
	sub       *line.Subscription
	clock     *lineClock
	run       *line.LineRun // nil when no line run is played
	plan      *dayrun.Plan
	line      *simLine
	platform  *embeddedPlatform // nil when the configuration names a platform
	uploader  *upload.Worker
	labelsDir string
	log       *slog.Logger

	stopRun context.CancelFunc
	stopped chan struct{}
}

// simInput holds the inputs and settings a simulated station starts
// from.
type simInput struct {
	// products and registry are files to import, unless the data
	// directory holds the same already; empty imports nothing.
	products, registry string
	// run is the line run to play; nil plays nothing, and the station
	// then runs on the wall clock.
	run *line.LineRun
	// speed is the line pace times speed; 0 plays as fast as possible.
	speed float64
	// labelsDir receives every label job and the label previews; empty
	// writes none.
	labelsDir string
	// policy releases review holds at once, for a day without quality
	// staff.
	policy *line.ReleasePolicy
}

// openSimStation imports the input files, starts the simulators and the
// kiosk on them, opens or resumes the shift and starts the station and
// its drivers. With a line run the shift is the run's, and a shift that
// holds part of it continues: print jobs a stopped run left unfinished
// are decided, and play goes on from where the batch stopped.
func openSimStation(ctx context.Context, cfg *Config, in simInput, log *slog.Logger) (_ *simStation, err error) {
	db, err := store.Open(ctx, cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		return nil, err
	}
	// s is not the named result: a failing return sets that to nil
	// before the deferred clean-up reads it.
	s := &simStation{run: in.run, labelsDir: in.labelsDir, log: log}
	defer func() {
		if err != nil {
			if s.k == nil {
				db.Close()
			}
			s.Close()
		}
	}()
	if err := importFiles(ctx, db, in.products, in.registry, log); err != nil {
		return nil, err
	}
	if s.labelsDir != "" {
		if err := os.MkdirAll(s.labelsDir, 0o755); err != nil {
			return nil, err
		}
	}

	// With a line run the clock runs on the run's day. A stopped run
	// continues after the last time it recorded, so the line's times
	// never go back. Without a line run the clock is the wall clock.
	opts := kioskOptions{policy: in.policy, actor: demoActors.Operator, previewDir: in.labelsDir}
	rate, paced := 1.0, false
	if in.run != nil {
		rate, paced = float64(fullSpeedRate), false
		if in.speed > 0 {
			rate, paced = in.speed, true
		}
		start, err := continueAt(ctx, db, cfg, in.run)
		if err != nil {
			return nil, err
		}
		s.clock = newLineClock(start, rate)
		opts.day, opts.shiftStart = in.run.SlaughterDay, in.run.ShiftStart
	} else {
		s.clock = newLineClock(time.Now(), 1)
	}
	opts.clock, opts.timing = s.clock, timing{rate: rate}

	simCfg := *cfg
	simCfg.Scales = append([]ScaleConfig(nil), cfg.Scales...)
	simCfg.Printers = append([]PrinterConfig(nil), cfg.Printers...)
	if in.run != nil {
		matchDivisions(&simCfg, in.run, log)
	}
	if err := applySavedSettings(ctx, db, &simCfg, log); err != nil {
		return nil, err
	}
	if err := prepareDemo(ctx, db, &simCfg, log); err != nil {
		return nil, err
	}
	url := simCfg.Platform.URL
	if url == "" {
		if s.platform, err = startEmbeddedPlatform(ctx, &simCfg, log); err != nil {
			return nil, err
		}
		url = s.platform.url
	}
	if s.uploader, err = newUploader(&simCfg, db, url, log); err != nil {
		return nil, err
	}
	if s.rig, err = startRig(&simCfg, opts.timing, in.labelsDir, log); err != nil {
		return nil, err
	}
	if s.k, err = openKiosk(ctx, &simCfg, db, opts, log); err != nil {
		return nil, err
	}
	s.k.station.SetOperator(demoActors.Operator)
	s.k.uploader, s.k.platformURL = s.uploader, url

	s.watch = newLineWatch(s.k.roles(), log)
	s.sub = s.k.station.Subscribe(1 << 16)
	go s.watch.follow(s.sub)
	for _, ps := range s.rig.printers {
		ps.observe(s.watch.labelPrinted)
	}
	if in.run != nil {
		facts, err := db.BatchFacts(ctx, s.k.shift.Batch.String())
		if err != nil {
			return nil, err
		}
		if s.plan, err = dayrun.PlanOf(s.k.shift, facts, in.run); err != nil {
			return nil, err
		}
		s.line = &simLine{run: in.run, plan: s.plan, rig: s.rig, watch: s.watch, clock: s.clock, paced: paced, log: log}
		s.line.day = &dayrun.Line{Station: s.k.station, Run: in.run, Scales: s.k.roles(), Actors: demoActors,
			Weigh: s.line.weigh, Now: s.clock.Now}
	}

	runCtx, stopRun := context.WithCancel(context.Background())
	s.stopRun, s.stopped = stopRun, make(chan struct{})
	go func() {
		defer close(s.stopped)
		s.k.run(runCtx, s.watch.deliverTag(s.k.station), s.watch.deliverReading(s.k.station))
	}()
	if in.run != nil {
		if err := resolveUnfinished(ctx, s.k, in.labelsDir, log); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// importFiles imports a product master and a registry export, each
// unless the data directory holds the same already or the path is empty.
func importFiles(ctx context.Context, db *store.DB, products, registry string, log *slog.Logger) error {
	for _, f := range []struct{ kind, path string }{{store.ImportProducts, products}, {store.ImportRegistry, registry}} {
		if f.path == "" {
			continue
		}
		imported, err := dayrun.ImportOnce(ctx, db, importActor, f.kind, f.path)
		if err != nil {
			return err
		}
		if imported {
			log.Info("imported", "kind", f.kind, "file", f.path)
		}
	}
	return nil
}

// continueAt returns the line time a line run starts or continues at:
// its shift start, or a second after the latest time the batch recorded.
func continueAt(ctx context.Context, db *store.DB, cfg *Config, run *line.LineRun) (time.Time, error) {
	batch, err := cfg.batch(run.SlaughterDay)
	if err != nil {
		return time.Time{}, err
	}
	facts, err := db.BatchFacts(ctx, batch.String())
	if errors.Is(err, store.ErrNotFound) {
		return run.ShiftStart, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	if last := latestTime(facts); last.After(run.ShiftStart) {
		return last.Add(time.Second), nil
	}
	return run.ShiftStart, nil
}

// play plays the line run until every pass is cut, every lot packed and
// every label printed.
func (s *simStation) play(ctx context.Context) error {
	if s.line == nil {
		return errors.New("no line run to play")
	}
	err := s.line.play(ctx)
	if err == nil {
		err = waitPrinted(ctx, s.k.station, s.watch)
	}
	if err != nil && s.sub.Dropped() > 0 {
		err = fmt.Errorf("%w (the simulated line missed %d station events)", err, s.sub.Dropped())
	}
	return err
}

// stop stops the station's printing and the drivers.
func (s *simStation) stop() {
	if s.stopRun != nil {
		s.stopRun()
		<-s.stopped
		s.stopRun = nil
	}
}

// Close stops everything and closes the database.
func (s *simStation) Close() {
	s.stop()
	if s.sub != nil {
		s.sub.Close()
	}
	if s.k != nil {
		s.k.Close()
	}
	if s.rig != nil {
		s.rig.Close()
	}
	if s.platform != nil {
		s.platform.Close()
	}
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
		if !printed {
			if err := printAgain(ctx, k, job.Kind, job.Serial, log); err != nil {
				return err
			}
		}
	}

	// A crash between storing a carcass or pack and committing its label
	// job leaves a label with no job at all.
	refs, err := k.unqueuedLabels(ctx)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		log.Info("label never queued before a restart is printed", "serial", ref.serial, "kind", ref.kind)
		if err := printAgain(ctx, k, ref.kind, ref.serial, log); err != nil {
			return err
		}
	}
	return nil
}

// printAgain prints a label that has no job or only failed ones. A label
// the station refuses to print, such as that of a blocked carcass, is
// logged and left.
func printAgain(ctx context.Context, k *kiosk, kind line.LabelKind, serial string, log *slog.Logger) error {
	_, err := k.station.PrintLabel(ctx, demoActors.Quality, kind, serial)
	var refusal *line.RefusalError
	if errors.As(err, &refusal) {
		log.Warn("label not printed again", "serial", serial, "reason", refusal.Reason)
		return nil
	}
	return err
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
