package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// readerFormats are the --format names of the reader subcommand.
var readerFormats = []string{"allflex", "tiris", "digits", "spaced", "wl134", "dot-hex"}

// readerStuckWait is how long the reader subcommand waits at shutdown for
// a write that the full pty buffer blocks.
const readerStuckWait = 2 * time.Second

// tagList is a repeatable --tag flag.
type tagList []line.RFID

var _ flag.Value = (*tagList)(nil)

func (l *tagList) String() string {
	var parts []string
	for _, id := range *l {
		parts = append(parts, string(id))
	}
	return strings.Join(parts, ",")
}

func (l *tagList) Set(s string) error {
	id, err := line.ParseRFID(s)
	if err != nil {
		return fmt.Errorf("invalid ear tag number %q: expected the 15 digits of an ISO 11784 number, such as 156000011051554", s)
	}
	*l = append(*l, id)
	return nil
}

// readerRead is one read as the reader sends it.
type readerRead struct {
	label string // tag number or pass number, for the log
	bytes []byte
}

func newReaderCommand() *command {
	fs := newFlagSet("reader")
	dir := fs.String("pty", "", "directory `DIR` for the pty pair; the station's reader opens DIR/reader (required)")
	formatName := fs.String("format", "allflex", "reader output format for --tag: "+strings.Join(readerFormats, ", "))
	linerun := fs.String("linerun", "", "lambtrace-linerun/1 file whose passes are sent as recorded, garbled ones included")
	var tags tagList
	fs.Var(&tags, "tag", "ear tag number to read, the 15 digits of an ISO 11784 `RFID`; repeat the flag for several tags")
	interval := fs.Duration("interval", 2*time.Second, "time between two reads, such as 2s or 500ms")
	repeat := fs.Int("repeat", 1, "times to send the whole list of reads; 0 repeats until stopped")

	var format rfid.Format
	c := &command{
		name:    "reader",
		summary: "an ear-tag reader on a socat pty pair, sending the given tags or a line run's reads",
		flags:   fs,
	}
	c.check = func() error {
		var err error
		switch {
		case *dir == "":
			return errors.New("missing --pty DIR")
		case !isDir(*dir):
			return fmt.Errorf("--pty directory %s does not exist: create it first", *dir)
		case !contains(readerFormats, strings.ToLower(*formatName)):
			return fmt.Errorf("invalid --format %q: expected %s", *formatName, strings.Join(readerFormats, ", "))
		case *linerun == "" && len(tags) == 0:
			return errors.New("nothing to read: give --tag RFID or --linerun FILE")
		case *linerun != "" && len(tags) > 0:
			return errors.New("give either --tag or --linerun, not both")
		case *interval <= 0:
			return fmt.Errorf("invalid --interval %v: expected a positive duration such as 2s", *interval)
		case *repeat < 0:
			return fmt.Errorf("invalid --repeat %d: expected 0 (until stopped) or more", *repeat)
		}
		format, err = rfid.ParseFormat(*formatName)
		return err
	}
	c.run = func(ctx context.Context, s *session) error {
		reads, err := readerReads(format, tags, *linerun)
		if err != nil {
			return err
		}
		return runReader(ctx, s, *dir, reads, *interval, *repeat)
	}
	return c
}

// readerReads returns the bytes of each read: the encoded tags, or the
// line or frame of each pass of the line run, exactly as recorded.
func readerReads(format rfid.Format, tags []line.RFID, linerun string) ([]readerRead, error) {
	var reads []readerRead
	if linerun == "" {
		for _, id := range tags {
			b, err := sim.EncodeRead(format, id)
			if err != nil {
				return nil, fmt.Errorf("encode tag %s: %w", id, err)
			}
			reads = append(reads, readerRead{label: string(id), bytes: b})
		}
		return reads, nil
	}

	run, err := line.ReadLineRunFile(linerun)
	if err != nil {
		return nil, fmt.Errorf("read line run: %w", err)
	}
	for _, pass := range run.Passes {
		b := pass.ReaderFrame
		if b == nil {
			b = []byte(pass.ReaderLine + "\r\n")
		}
		reads = append(reads, readerRead{label: fmt.Sprintf("pass %d", pass.Number), bytes: b})
	}
	if len(reads) == 0 {
		return nil, fmt.Errorf("line run %s has no passes", linerun)
	}
	return reads, nil
}

func runReader(ctx context.Context, s *session, dir string, reads []readerRead, interval time.Duration, repeat int) error {
	pty, err := sim.StartPty(dir)
	if err != nil {
		return fmt.Errorf("start reader pty in %s: %w", dir, err)
	}
	log := s.logger.With(keyDevice, "reader", keyPath, pty.Path)
	device, _ := pty.Device()
	log.Info("reader simulator started", "tty", device, "reads", len(reads), "interval", interval, "repeat", repeat)
	s.ready(pty.Path)

	reader := sim.NewReaderSim(pty, rfid.FormatUnknown)
	done := make(chan error, 1)
	go func() { done <- sendReads(ctx, log, reader, reads, interval, repeat) }()

	var sendErr error
	select {
	case sendErr = <-done:
		if sendErr == nil {
			log.Info("all reads sent, pty stays open until stopped")
			<-ctx.Done()
		}
	case <-ctx.Done():
		// Writes block once the pty buffers are full and no program reads
		// the station's end, so wait only a bounded time.
		select {
		case <-done:
		case <-time.After(readerStuckWait):
			// sim.Pty has no write deadline, and closing it under a
			// blocked write is a data race, so read the station's end
			// until the write completes.
			log.Warn("a read is blocked on the full pty, draining the station's end")
			if err := drainUntil(pty.Path, done); err != nil {
				// NOTE: closing the pty below then races with the
				// blocked write, which is the only way left to end it.
				log.Error("drain failed, closing the pty under the blocked write", keyError, err)
			}
		}
	}

	if err := pty.Close(); err != nil {
		log.Warn("remove pty link failed", keyError, err)
	}
	log.Info("reader simulator stopped")
	if sendErr != nil {
		return fmt.Errorf("send reads on %s: %w", pty.Path, sendErr)
	}
	return nil
}

// sendReads writes the reads interval apart, starting one interval after
// the start, repeat times over, or until ctx is done when repeat is 0.
func sendReads(ctx context.Context, log *slog.Logger, reader *sim.ReaderSim, reads []readerRead, interval time.Duration, repeat int) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for round := 1; repeat == 0 || round <= repeat; round++ {
		for _, read := range reads {
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
			if err := reader.Write(read.bytes); err != nil {
				return err
			}
			log.Debug("read sent", "read", read.label, "round", round, "bytes", fmt.Sprintf("%q", read.bytes))
		}
	}
	return nil
}

// drainUntil reads and discards what waits at the station's end of the
// pty at path until done delivers, so that a write blocked on full pty
// buffers completes.
func drainUntil(path string, done <-chan error) error {
	end, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open %s to drain it: %w", path, err)
	}
	go io.Copy(io.Discard, end)
	<-done
	return end.Close()
}
