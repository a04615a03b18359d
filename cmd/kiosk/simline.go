package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
)

// stepTimeout is how long the simulated line waits, in wall time, for the
// station to act on one input before it gives up: far longer than any
// step takes, but short enough that a stuck day fails visibly.
const stepTimeout = 30 * time.Second

// simLine plays a line run on the simulated devices, the way the line's
// people and animals would. Each pass's tag goes to the reader's pty and
// its weights onto the simulated scales. The inspection, the lab results
// and the cutting table's picks go to the station as commands.
// The kill line (tag read, hot weight, inspection) and the cutting table
// (chilled weight, cuts, by-products) run side by side on their own
// scales, the cutting table on the carcasses the kill line has passed.
// It continues a day from plan.
type simLine struct {
	run   *line.LineRun
	day   *dayrun.Line
	plan  *dayrun.Plan
	rig   *rig
	watch *lineWatch
	clock *lineClock
	// paced waits until the line clock reaches each pass's time before
	// its tag is read; otherwise passes follow each other at once.
	paced bool
	log   *slog.Logger
	// beforePass, when set, is called before the kill line reads the tag
	// of pass index (0-based), so a test can break a device there.
	beforePass func(index int)
}

// cutJob is a carcass the kill line hands to the cutting table.
type cutJob struct {
	index   int
	pass    *line.Pass
	carcass string
}

// play plays the line run from where plan shows the batch stopped until
// every pass is cut and every lot packed.
func (s *simLine) play(ctx context.Context) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if err := s.day.Prepare(ctx, s.plan); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cuts := make(chan cutJob, len(s.run.Passes))
	killed := make(chan error, 1)
	go func() {
		defer close(cuts)
		killed <- s.killLine(ctx, cuts)
	}()
	cutErr := s.cuttingTable(ctx, cuts)
	if cutErr != nil {
		cancel()
	}
	if err := errors.Join(<-killed, cutErr); err != nil {
		return err
	}

	for _, lot := range s.run.Lots {
		if err := s.day.PackLot(ctx, lot, s.plan.Lot(lot.ID)); err != nil {
			return err
		}
	}
	return nil
}

// ready waits until the station has seen every scale empty, which arms
// it for the scale's first load.
func (s *simLine) ready(ctx context.Context) error {
	for id := range s.rig.dials {
		err := s.watch.wait(ctx, stepTimeout, "first reading of scale "+id, func() bool { return s.watch.empties[id] > 0 })
		if err != nil {
			return err
		}
	}
	return nil
}

// killLine reads each pass's tag, weighs its hot carcass and records its
// inspection, then hands the carcass to the cutting table.
func (s *simLine) killLine(ctx context.Context, cuts chan<- cutJob) error {
	for i, p := range s.run.Passes {
		pp := s.plan.Pass(i)
		number := pp.Carcass
		if s.beforePass != nil {
			s.beforePass(i)
		}
		if number == "" {
			var err error
			if number, err = s.readTag(ctx, p); err != nil {
				return fmt.Errorf("pass %d: %w", p.Number, err)
			}
		}
		if !pp.Hot {
			if err := s.weigh(ctx, s.day.Scales.Hook, p.HotWeight, s.run.CarcassScale.Division); err != nil {
				return fmt.Errorf("pass %d: hot weight of carcass %s: %w", p.Number, number, err)
			}
		}
		if !pp.Inspected {
			if err := s.day.Inspect(ctx, p, number); err != nil {
				return fmt.Errorf("pass %d: %w", p.Number, err)
			}
		}
		select {
		case cuts <- cutJob{index: i, pass: p, carcass: number}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// readTag writes the pass's reader output to the reader's pty and
// returns the number of the carcass the station entered for it.
func (s *simLine) readTag(ctx context.Context, p *line.Pass) (string, error) {
	if s.paced {
		if err := s.clock.sleepUntil(ctx, p.At); err != nil {
			return "", err
		}
	}
	n := s.watch.enteredCount()
	if err := s.writeTag(ctx, p); err != nil {
		return "", err
	}
	written := time.Now()
	what := fmt.Sprintf("tag read %q", dayrun.ReaderText(p))
	if err := s.watch.wait(ctx, stepTimeout, what, func() bool { return len(s.watch.entered) > n }); err != nil {
		return "", err
	}
	s.watch.mu.Lock()
	number := s.watch.entered[n]
	s.watch.mu.Unlock()
	if number == "" {
		return "", fmt.Errorf("%s entered no carcass; the station logged the cause", what)
	}
	s.watch.tagWrote(number, written)
	return number, nil
}

// writeTag writes the pass's reader output to the reader's pty. While the
// simulated reader is unplugged the animal waits at it, as the kill line
// stops at a dead reader, until it is plugged in again or stepTimeout
// passes.
func (s *simLine) writeTag(ctx context.Context, p *line.Pass) error {
	deadline := time.Now().Add(stepTimeout)
	logged := false
	for {
		err := s.rig.writeTag(dayrun.ReaderBytes(p))
		if err == nil {
			if logged {
				s.log.Info("simulated reader is back", "pass", p.Number)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("simulated reader: %w", err)
		}
		if !logged {
			s.log.Warn("simulated reader cannot send, the kill line waits", "pass", p.Number, "err", err)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// cuttingTable cuts each carcass the kill line passes on.
func (s *simLine) cuttingTable(ctx context.Context, cuts <-chan cutJob) error {
	for job := range cuts {
		pp := s.plan.Pass(job.index)
		if pp.Closed || pp.Blocked {
			continue
		}
		if _, err := s.day.Cut(ctx, job.pass, job.carcass, pp); err != nil {
			return fmt.Errorf("pass %d: %w", job.pass.Number, err)
		}
	}
	return ctx.Err()
}

// weigh puts a load on a simulated scale, waits until the station took
// or refused it, and empties the scale until the station has seen it
// empty.
func (s *simLine) weigh(ctx context.Context, scaleID string, grams, division line.Mass) error {
	d, ok := s.rig.dials[scaleID]
	if !ok {
		return fmt.Errorf("scale %s is not simulated", scaleID)
	}
	if grams < emptyLoad(division) {
		return fmt.Errorf("%s is below the station's empty-scale load of %s on scale %s, so it would never be weighed",
			grams, emptyLoad(division), scaleID)
	}
	judged := s.watch.judgedCount(scaleID)
	d.set(grams)
	what := fmt.Sprintf("%s on scale %s", grams, scaleID)
	if err := s.watch.wait(ctx, stepTimeout, what, func() bool { return s.watch.judged[scaleID] > judged }); err != nil {
		return err
	}
	empties := s.watch.emptyCount(scaleID)
	d.set(0)
	return s.watch.wait(ctx, stepTimeout, "empty scale "+scaleID, func() bool { return s.watch.empties[scaleID] > empties })
}
