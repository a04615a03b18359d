package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// readerFormats are the --format names of the reader subcommand: every
// format the station's reader driver decodes.
var readerFormats = []string{"allflex", "tiris", "digits", "spaced", "wl134", "allflex-custom", "allflex-custom-hex", "dot-hex", "biomark"}

// greetingFormats are the formats of Allflex readers, which send STX, CR,
// LF when switched on, as the simulated reader does when it starts.
var greetingFormats = map[rfid.Format]bool{
	rfid.FormatAllflex: true, rfid.FormatTIRIS: true, rfid.FormatAllflexCustom: true, rfid.FormatAllflexCustomHex: true,
}

// readerStuckWait is how long the reader subcommand waits at shutdown for
// a write that the full pty buffer blocks.
const readerStuckWait = 2 * time.Second

// tagList is a repeatable --tag flag. Its values are checked by parse,
// after the flags, so that the error is a message in both languages.
type tagList []string

var _ flag.Value = (*tagList)(nil)

func (l *tagList) String() string { return strings.Join(*l, ",") }

func (l *tagList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// parse returns the tag numbers.
func (l tagList) parse() ([]line.RFID, error) {
	var ids []line.RFID
	for _, s := range l {
		id, err := line.ParseRFID(s)
		if err != nil {
			return nil, newMessage("device.linesim.tag_invalid", "tag", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// readerRead is one read as the reader sends it.
type readerRead struct {
	label string // tag number or pass number, for the log
	bytes []byte
}

// readerOptions are the reader subcommand's settings beyond the reads.
type readerOptions struct {
	format rfid.Format
	layout sim.AllflexLayout // for the Allflex configurable formats
	baud   int               // rate the reader sends at; 0 means any
	echo   bool
}

func newReaderCommand() *command {
	fs := newFlagSet("reader")
	dir := fs.String("pty", "", "device.linesim.flag.pty_reader")
	formatName := fs.String("format", "allflex", "device.linesim.flag.format_reader")
	linerun := fs.String("linerun", "", "device.linesim.flag.linerun")
	var tags tagList
	fs.Var(&tags, "tag", "device.linesim.flag.tag")
	interval := fs.Duration("interval", 2*time.Second, "device.linesim.flag.interval_reader")
	repeat := fs.Int("repeat", 1, "device.linesim.flag.repeat")
	letters := fs.Bool("letters", false, "device.linesim.flag.letters")
	noZeros := fs.Bool("no-leading-zeros", false, "device.linesim.flag.no_leading_zeros")
	baud := fs.Int("baud", 0, "device.linesim.flag.baud_reader")
	echo := fs.Bool("echo", false, "device.linesim.flag.echo")

	var opts readerOptions
	var ids []line.RFID
	c := &command{name: "reader", flags: fs}
	c.check = func() error {
		if err := checkPtyDir(*dir); err != nil {
			return err
		}
		switch {
		case !contains(readerFormats, strings.ToLower(*formatName)):
			return newMessage("device.linesim.reader_format_invalid", "format", *formatName, "formats", strings.Join(readerFormats, ", "))
		case *linerun == "" && len(tags) == 0:
			return newMessage("device.linesim.no_reads")
		case *linerun != "" && len(tags) > 0:
			return newMessage("device.linesim.tag_and_linerun")
		case *interval <= 0:
			return newMessage("device.linesim.interval_invalid", "interval", interval.String())
		case *repeat < 0:
			return newMessage("device.linesim.repeat_invalid", "repeat", strconv.Itoa(*repeat))
		case *baud < 0:
			return newMessage("device.linesim.baud_invalid", "baud", strconv.Itoa(*baud))
		}
		var err error
		if ids, err = tags.parse(); err != nil {
			return err
		}
		format, err := rfid.ParseFormat(*formatName)
		if err != nil {
			return newMessage("device.linesim.reader_format_invalid", "format", *formatName, "formats", strings.Join(readerFormats, ", "))
		}
		custom := format == rfid.FormatAllflexCustom || format == rfid.FormatAllflexCustomHex
		if (*letters || *noZeros) && (!custom || *linerun != "") {
			return newMessage("device.linesim.layout_needs_custom")
		}
		opts = readerOptions{
			format: format,
			layout: sim.AllflexLayout{Hex: format == rfid.FormatAllflexCustomHex, Letters: *letters, NoLeadingZeros: *noZeros},
			baud:   *baud,
			echo:   *echo,
		}
		return nil
	}
	c.run = func(ctx context.Context, s *session) error {
		reads, err := readerReads(opts, ids, *linerun, time.Now)
		if err != nil {
			return err
		}
		return runReader(ctx, s, *dir, opts, reads, *interval, *repeat)
	}
	return c
}

// readerReads returns the bytes of each read: the encoded tags, or the
// line or frame of each pass of the line run, exactly as recorded. A
// Biomark line carries the reader's clock at the start, from now.
func readerReads(opts readerOptions, tags []line.RFID, linerun string, now func() time.Time) ([]readerRead, error) {
	var reads []readerRead
	if linerun == "" {
		for _, id := range tags {
			var b []byte
			var err error
			switch opts.format {
			case rfid.FormatAllflexCustom, rfid.FormatAllflexCustomHex:
				b, err = sim.EncodeAllflexCustom(id, opts.layout)
			case rfid.FormatBiomark:
				b, err = sim.EncodeBiomark(id, now(), "01")
			default:
				b, err = sim.EncodeRead(opts.format, id)
			}
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

func runReader(ctx context.Context, s *session, dir string, opts readerOptions, reads []readerRead, interval time.Duration, repeat int) error {
	pty, err := sim.StartPty(dir)
	if err != nil {
		return fmt.Errorf("start reader pty in %s: %w", dir, err)
	}
	log := s.logger.With(keyDevice, "reader", keyPath, pty.Path)
	device, _ := pty.Device()
	reader := sim.NewReaderSim(pty, rfid.FormatUnknown)
	reader.Baud = opts.baud
	if opts.echo {
		if err := reader.StartEcho(); err != nil {
			pty.Close()
			return err
		}
	}
	if greetingFormats[opts.format] {
		if err := reader.PowerOn(); err != nil {
			pty.Close()
			return fmt.Errorf("send power-on greeting: %w", err)
		}
	}
	log.Info("reader simulator started", "tty", device, "format", opts.format.String(), "reads", len(reads),
		"interval", interval, "repeat", repeat, "baud", opts.baud, "echo", opts.echo)
	s.ready(pty.Path)

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
	if opts.echo {
		log.Info("reader simulator stopped", "received", fmt.Sprintf("%q", reader.Received()))
	} else {
		log.Info("reader simulator stopped")
	}
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
