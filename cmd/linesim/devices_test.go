package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/printer"
	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/line"
)

// collectTags runs an rfid.Reader on path until the test ends and returns
// its events.
func collectTags(t *testing.T, path string) <-chan line.TagEvent {
	t.Helper()
	reader := rfid.NewReader("reader-1", path)
	reader.Logger = slog.New(slog.DiscardHandler)
	events := make(chan line.TagEvent, 64)
	runDriver(t, func(ctx context.Context) error {
		return reader.Run(ctx, func(e line.TagEvent) { events <- e })
	})
	return events
}

// runDriver runs a driver's Run until the test ends and waits for it.
func runDriver(t *testing.T, run func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func nextTag(t *testing.T, events <-chan line.TagEvent) line.TagEvent {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(waitLimit):
		t.Fatalf("no tag read within %v", waitLimit)
		return line.TagEvent{}
	}
}

func TestReaderSendsTags(t *testing.T) {
	requireSocat(t)
	tags := []line.RFID{"156000011051554", "982000000255895"}
	for _, format := range readerFormats {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			// --repeat 0 sends the list until the test ends, so a read sent
			// before the driver opened the pty is sent again.
			cmd := startCommand(t, "reader", "--pty", dir, "--format", format,
				"--tag", string(tags[0]), "--tag", string(tags[1]), "--interval", "50ms", "--repeat", "0")
			if want := filepath.Join(dir, "reader"); cmd.endpoint != want {
				t.Errorf("reader endpoint = %s, want %s", cmd.endpoint, want)
			}

			events := collectTags(t, cmd.endpoint)
			seen := map[line.RFID]bool{}
			for len(seen) < len(tags) {
				e := nextTag(t, events)
				if e.Err != nil {
					t.Fatalf("reader delivered %q with error %v", e.Raw, e.Err)
				}
				if e.RFID != tags[0] && e.RFID != tags[1] {
					t.Fatalf("reader delivered %s, want one of %v", e.RFID, tags)
				}
				seen[e.RFID] = true
			}
		})
	}
}

// writeLineRun writes the first count passes of the sample line run to a
// file, with the reader line of pass garbled replaced by garbage.
func writeLineRun(t *testing.T, count, garbled int, garbage string) string {
	t.Helper()
	data, err := os.ReadFile("../../testdata/xilingol-2026-12-04.linerun.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	passes := doc["passes"].([]any)[:count]
	pass := passes[garbled-1].(map[string]any)
	delete(pass, "reader_frame_hex")
	pass["reader_line"] = garbage
	doc["passes"] = passes
	doc["lots"] = []any{}
	for _, p := range passes {
		if byproducts, ok := p.(map[string]any)["byproducts"].(map[string]any); ok {
			delete(byproducts, "trim_to_lot")
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "run.linerun.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReaderSendsLineRunAsRecorded(t *testing.T) {
	requireSocat(t)
	const garbage = "LA 156 0000110515?4"
	path := writeLineRun(t, 6, 2, garbage)
	run, err := line.ReadLineRunFile(path)
	if err != nil {
		t.Fatalf("test line run invalid: %v", err)
	}

	dir := t.TempDir()
	// The first read goes out 300 ms after the start, after the driver
	// below has opened the pty.
	cmd := startCommand(t, "reader", "--pty", dir, "--linerun", path, "--interval", "300ms")
	events := collectTags(t, cmd.endpoint)

	for _, pass := range run.Passes {
		e := nextTag(t, events)
		if pass.Number == 2 {
			if e.Err == nil || e.Raw != garbage {
				t.Errorf("pass 2 delivered as %q, %v, want %q with an error", e.Raw, e.Err, garbage)
			}
			continue
		}
		var want line.RFID
		if pass.ReaderFrame != nil {
			want, err = rfid.DecodeFrame(pass.ReaderFrame)
		} else {
			want, _, err = rfid.DecodeLine(pass.ReaderLine)
		}
		if err != nil {
			t.Fatalf("pass %d does not decode: %v", pass.Number, err)
		}
		if e.Err != nil || e.RFID != want {
			t.Errorf("pass %d delivered as %s, %v, want %s", pass.Number, e.RFID, e.Err, want)
		}
	}
}

func TestReaderStopsWithFullPty(t *testing.T) {
	requireSocat(t)
	// One round of reads is larger than the pty pair buffers, about 37 kB
	// on Linux 6.18, so the writer blocks soon when no program reads.
	path := writeLineRun(t, 3, 2, strings.Repeat("LA 156 000011051554 ", 3000))
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{logger: logger, stdout: io.Discard, ready: func(string) {}}
	done := make(chan error, 1)
	go func() {
		done <- execute(ctx, []string{"reader", "--pty", t.TempDir(), "--linerun", path, "--interval", "1ms", "--repeat", "0"}, s)
	}()

	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("reader returned %v, want nil", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("reader did not stop within %v with a full pty", waitLimit)
	}
	if !strings.Contains(logs.String(), "draining the station's end") {
		t.Errorf("reader stopped without draining, so the pty was not full; logs:\n%s", logs.String())
	}
}

// waitReading returns the first reading that match accepts.
func waitReading(t *testing.T, readings <-chan line.Reading, match func(line.Reading) bool) line.Reading {
	t.Helper()
	deadline := time.After(waitLimit)
	var last line.Reading
	for {
		select {
		case r := <-readings:
			if match(r) {
				return r
			}
			last = r
		case <-deadline:
			t.Fatalf("no matching reading within %v; last %+v", waitLimit, last)
		}
	}
}

func deliverTo(readings chan line.Reading) func(line.Reading) {
	return func(r line.Reading) {
		select {
		case readings <- r:
		default: // the test reads slower than the driver polls
		}
	}
}

func stableAt(grams line.Mass) func(line.Reading) bool {
	return func(r line.Reading) bool { return r.Stable && r.Grams == grams && !r.Overload }
}

func TestScaleTCPServesScript(t *testing.T) {
	cmd := startCommand(t, "scale-tcp", "--addr", "127.0.0.1:0", "--profile", "id551pn",
		"--script", "settle:18280:200ms,hold:30s")

	s := &scale.ModbusScale{ID: "scale-1", Address: cmd.endpoint, UnitID: 1, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	s.Profile, _ = scale.LookupProfile("id551pn")
	readings := make(chan line.Reading, 16)
	runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })

	waitReading(t, readings, stableAt(18280))
}

func TestScaleTCPLoopsScript(t *testing.T) {
	// A short script that a poll sees both ends of, so it must loop.
	cmd := startCommand(t, "scale-tcp", "--addr", "localhost:0", "--profile", "id551pn",
		"--script", "settle:5000:100ms,hold:200ms,overload:90000:200ms")

	s := &scale.ModbusScale{ID: "scale-1", Address: cmd.endpoint, UnitID: 1, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	s.Profile, _ = scale.LookupProfile("id551pn")
	readings := make(chan line.Reading, 16)
	runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })

	waitReading(t, readings, func(r line.Reading) bool { return r.Overload })
	waitReading(t, readings, stableAt(5000))
}

func TestScaleRTUServesScript(t *testing.T) {
	requireSocat(t)
	dir := t.TempDir()
	cmd := startCommand(t, "scale-rtu", "--pty", dir, "--profile", "id551pn", "--baud", "115200", "--unit", "7",
		"--script", "settle:21040:200ms,hold:30s")
	if want := filepath.Join(dir, "scale"); cmd.endpoint != want {
		t.Errorf("scale-rtu endpoint = %s, want %s", cmd.endpoint, want)
	}

	s := &scale.ModbusScale{ID: "scale-1", UnitID: 7, PollInterval: 20 * time.Millisecond,
		Serial: scale.SerialConfig{Path: cmd.endpoint, BaudRate: 115200, DataBits: 8, Parity: "N", StopBits: 1},
		Logger: slog.New(slog.DiscardHandler)}
	s.Profile, _ = scale.LookupProfile("id551pn")
	readings := make(chan line.Reading, 16)
	runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })

	waitReading(t, readings, stableAt(21040))
}

func TestScaleASCIIStreamsScript(t *testing.T) {
	requireSocat(t)
	tests := []struct {
		format   scale.StreamFormat
		checksum bool
		decimals string
		want     line.Mass
	}{
		{scale.FormatToledo, true, "3", 18283},
		{scale.FormatAND, false, "2", 18280}, // 18283 g rounded to 10 g
		{scale.FormatYaohuaLine, false, "3", 18283},
		{scale.FormatKeliReversed, false, "2", 18280},
	}
	for _, tt := range tests {
		t.Run(tt.format.String(), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"scale-ascii", "--pty", dir, "--format", tt.format.String(), "--decimals", tt.decimals,
				"--interval", "20ms", "--script", "settle:18283:200ms,hold:30s"}
			if tt.checksum {
				args = append(args, "--checksum")
			}
			cmd := startCommand(t, args...)

			s := scale.NewStreamScale("scale-1", cmd.endpoint, serial.Mode{BaudRate: 9600, DataBits: 8}, tt.format)
			s.Options.Checksum = tt.checksum
			s.Logger = slog.New(slog.DiscardHandler)
			readings := make(chan line.Reading, 16)
			runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })

			match := stableAt(tt.want)
			if tt.format == scale.FormatYaohuaLine {
				// The line format has no stable flag.
				match = func(r line.Reading) bool { return r.Grams == tt.want }
			}
			waitReading(t, readings, match)
		})
	}
}

func TestPrinterReportsPaperOut(t *testing.T) {
	jobs := t.TempDir()
	cmd := startCommand(t, "printer", "--addr", "127.0.0.1:0", "--jobs", jobs)

	p := printer.NewTCP("printer-1", cmd.endpoint)
	p.Logger = slog.New(slog.DiscardHandler)
	t.Cleanup(func() { p.Close() })
	ctx := context.Background()

	job := []byte("^XA^FO50,50^A0N,40,40^FD156000011051554^FS^XZ")
	if err := p.Print(ctx, job); err != nil {
		t.Fatalf("Print error: %v", err)
	}
	status, err := p.Status(ctx)
	if err != nil || !status.Ready() {
		t.Fatalf("Status before paper-out = %+v, %v, want ready", status, err)
	}

	fmt.Fprintln(cmd.stdin, "paper-out")
	deadline := time.Now().Add(waitLimit)
	for !status.PaperOut {
		if time.Now().After(deadline) {
			t.Fatalf("Status = %+v, %v after paper-out, want PaperOut", status, err)
		}
		time.Sleep(10 * time.Millisecond)
		status, err = p.Status(ctx)
	}

	// With silent the printer sends no reply, as a Zebra printer with a
	// media fault does, which the driver reports as needing attention.
	fmt.Fprintln(cmd.stdin, "silent")
	p.StatusTimeout = 200 * time.Millisecond
	for {
		_, err = p.Status(ctx)
		if errors.Is(err, printer.ErrNeedsAttention) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Status error = %v after silent, want ErrNeedsAttention", err)
		}
	}

	fmt.Fprintln(cmd.stdin, "jobs")
	path := filepath.Join(jobs, "0001.zpl")
	for {
		got, err := os.ReadFile(path)
		if err == nil && bytes.Equal(got, job) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q, %v, want the job %q", path, got, err, job)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for !bytes.Contains([]byte(cmd.stdout.String()), []byte("1 jobs received")) {
		if time.Now().After(deadline) {
			t.Fatalf("jobs command printed %q, want the job count", cmd.stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The TCP indicator acts as a gateway: it answers the unit ids it was
// given, each with its own profile, and exception 11 for any other, which
// the driver reports as a configuration error naming the unit.
func TestScaleTCPAnswersOnlyItsUnits(t *testing.T) {
	cmd := startCommand(t, "scale-tcp", "--addr", "127.0.0.1:0", "--unit", "2:dgt4x", "--unit", "5:id551pn",
		"--script", "settle:12500:100ms,hold:30s")

	for _, u := range []struct {
		unit    byte
		profile string
	}{{2, "dgt4x"}, {5, "id551pn"}} {
		s := &scale.ModbusScale{ID: "scale-" + u.profile, Address: cmd.endpoint, UnitID: u.unit, PollInterval: 20 * time.Millisecond,
			Logger: slog.New(slog.DiscardHandler)}
		s.Profile, _ = scale.LookupProfile(u.profile)
		readings := make(chan line.Reading, 16)
		runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })
		waitReading(t, readings, func(r line.Reading) bool { return r.Grams == 12500 })
	}

	s := &scale.ModbusScale{ID: "scale-9", Address: cmd.endpoint, UnitID: 1, PollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	s.Profile, _ = scale.LookupProfile("dgt4x")
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	err := s.Run(ctx, func(line.Reading) {})
	if !errors.Is(err, scale.ErrUnitUnreachable) {
		t.Fatalf("Run for unit 1 = %v, want %v", err, scale.ErrUnitUnreachable)
	}
	if !strings.Contains(err.Error(), "unit 1") {
		t.Errorf("error %q does not name unit 1", err)
	}
}

// A plant's own profile, written as the station's configuration writes
// it, serves the weight where the driver with that profile finds it.
func TestScaleTCPProfileFile(t *testing.T) {
	profile, _ := scale.LookupProfile("w100")
	profile.Name = "plant-hook"
	profile.Weight.Address = 40
	profile.Weight.WordOrder = scale.CDAB
	data, err := json.Marshal(profile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plant-hook.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := startCommand(t, "scale-tcp", "--addr", "127.0.0.1:0", "--profile-file", path, "--script", "settle:23450:100ms,hold:30s")

	s := &scale.ModbusScale{ID: "scale-1", Address: cmd.endpoint, UnitID: 1, PollInterval: 20 * time.Millisecond,
		Profile: profile, Logger: slog.New(slog.DiscardHandler)}
	readings := make(chan line.Reading, 16)
	runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })
	waitReading(t, readings, func(r line.Reading) bool { return r.Grams == 23450 })

	broken := filepath.Join(t.TempDir(), "broken.json")
	if err := os.WriteFile(broken, []byte(`{"name":"x","function":5}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := &session{logger: slog.New(slog.DiscardHandler), stdout: io.Discard, ready: func(string) {
		t.Error("simulator started with an invalid profile file")
	}}
	err = execute(context.Background(), []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile-file", broken}, s2)
	var usage *usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("invalid profile file: error %v, want a usage error naming the file", err)
	}
}

// Two indicators with their own profiles share the simulated RS-485
// line, and two scales of the station name the same port.
func TestScaleRTUTwoUnitsOneLine(t *testing.T) {
	requireSocat(t)
	cmd := startCommand(t, "scale-rtu", "--pty", t.TempDir(), "--baud", "115200", "--profile", "id551pn",
		"--unit", "1:dgt4x", "--unit", "2", "--script", "settle:8800:100ms,hold:30s")

	for _, u := range []struct {
		unit    byte
		profile string
	}{{1, "dgt4x"}, {2, "id551pn"}} {
		s := &scale.ModbusScale{ID: "scale-" + u.profile, UnitID: u.unit, PollInterval: 20 * time.Millisecond,
			Serial: scale.SerialConfig{Path: cmd.endpoint, BaudRate: 115200, DataBits: 8, Parity: "N", StopBits: 1},
			Logger: slog.New(slog.DiscardHandler)}
		s.Profile, _ = scale.LookupProfile(u.profile)
		readings := make(chan line.Reading, 16)
		runDriver(t, func(ctx context.Context) error { return s.Run(ctx, deliverTo(readings)) })
		waitReading(t, readings, func(r line.Reading) bool { return r.Grams == 8800 })
	}
}

// The configurable Allflex format with letter country codes and without
// leading zeros reaches a driver set to that format with every zero back.
func TestReaderAllflexCustomLayout(t *testing.T) {
	requireSocat(t)
	tags := []line.RFID{"036000982000123", "156000011051554"}
	cmd := startCommand(t, "reader", "--pty", t.TempDir(), "--format", "allflex-custom", "--letters", "--no-leading-zeros",
		"--tag", string(tags[0]), "--tag", string(tags[1]), "--interval", "50ms", "--repeat", "0")

	reader := rfid.NewReader("reader-1", cmd.endpoint)
	reader.Format = rfid.FormatAllflexCustom
	reader.Logger = slog.New(slog.DiscardHandler)
	events := make(chan line.TagEvent, 64)
	runDriver(t, func(ctx context.Context) error { return reader.Run(ctx, func(e line.TagEvent) { events <- e }) })

	seen := map[line.RFID]bool{}
	for len(seen) < len(tags) {
		e := nextTag(t, events)
		if e.Err != nil {
			t.Fatalf("reader delivered %q with error %v", e.Raw, e.Err)
		}
		if e.RFID != tags[0] && e.RFID != tags[1] {
			t.Fatalf("reader delivered %s from %q, want one of %v", e.RFID, e.Raw, tags)
		}
		seen[e.RFID] = true
	}
}

// A reader at 19200 baud that echoes what it receives, as an Allflex
// reader does: the driver finds the rate, sends its setup command and
// takes neither the echo nor the garble of a wrong rate for a read.
func TestReaderBaudAndEcho(t *testing.T) {
	requireSocat(t)
	cmd := startCommand(t, "reader", "--pty", t.TempDir(), "--baud", "19200", "--echo", "--tag", "156000011051554", "--interval", "50ms", "--repeat", "0")

	reader := rfid.NewReader("reader-1", cmd.endpoint)
	reader.DetectBaud = true
	reader.DetectWindow = 300 * time.Millisecond
	reader.Setup = []string{"BE40239"}
	reader.DedupWindow = time.Nanosecond // deliver every read, to see that none has an error
	found := make(chan int, 4)
	reader.BaudFound = func(rate int) { found <- rate }
	reader.Logger = slog.New(slog.DiscardHandler)
	events := make(chan line.TagEvent, 64)
	runDriver(t, func(ctx context.Context) error {
		return reader.Run(ctx, func(e line.TagEvent) {
			select {
			case events <- e:
			default: // the test reads only the first few
			}
		})
	})

	e := nextTag(t, events)
	if e.Err != nil || e.RFID != "156000011051554" {
		t.Fatalf("first read = %q, %v, want 156000011051554", e.Raw, e.Err)
	}
	if rate := <-found; rate != 19200 {
		t.Errorf("BaudFound(%d), want 19200", rate)
	}
	for range 5 {
		if e := nextTag(t, events); e.Err != nil {
			t.Fatalf("read %q delivered with error %v", e.Raw, e.Err)
		}
	}
}

func TestHelpIsBilingual(t *testing.T) {
	var out bytes.Buffer
	s := &session{logger: slog.New(slog.DiscardHandler), stdout: &out}
	execute(context.Background(), []string{"help", "scale-tcp", "printer"}, s)
	for _, want := range []string{"--profile-file FILE", "--unit ID[:PROFILE]", "网关", "gateway", "paper-out", "报告缺纸", "dgt4x"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "device.linesim") {
		t.Errorf("help shows a catalog key instead of its text:\n%s", out.String())
	}
}
