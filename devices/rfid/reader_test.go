package rfid_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/rfid"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// Settings that keep the tests fast: a timed-out read returns after
// 20 ms and a lost port is reopened after 20 ms to 200 ms.
const (
	testReadTimeout = 20 * time.Millisecond
	testRetryMin    = 20 * time.Millisecond
	testRetryMax    = 200 * time.Millisecond
	eventTimeout    = 5 * time.Second
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// startPty starts a socat pty pair, or skips the test without socat.
func startPty(tb testing.TB) *sim.Pty {
	tb.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		tb.Skip("socat is not installed; the reader tests need it for pseudo-terminals (apt-get install socat)")
	}
	pty, err := sim.StartPty(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pty.Close() })
	return pty
}

// newTestReader returns a reader of path with the fast test settings.
func newTestReader(path string, format rfid.Format) *rfid.Reader {
	r := rfid.NewReader("reader-1", path)
	r.Format = format
	r.ReadTimeout = testReadTimeout
	r.RetryMin = testRetryMin
	r.RetryMax = testRetryMax
	r.Logger = discard
	return r
}

// runReader runs r until the test ends and returns its events. The
// cleanup checks that Run returns soon after ctx is cancelled.
func runReader(tb testing.TB, r *rfid.Reader) <-chan line.TagEvent {
	tb.Helper()
	events := make(chan line.TagEvent, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, func(e line.TagEvent) { events <- e }) }()
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				tb.Errorf("Run returned %v, want %v", err, context.Canceled)
			}
		case <-time.After(2 * time.Second):
			tb.Error("Run did not return within 2 s of cancel")
		}
	})
	return events
}

// awaitOpen writes reads of a probe tag until the reader delivers one,
// which shows that the reader has the port open.
func awaitOpen(tb testing.TB, s *sim.ReaderSim, events <-chan line.TagEvent, probe line.RFID) {
	tb.Helper()
	deadline := time.After(eventTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.Read(probe); err != nil {
			tb.Fatalf("write probe: %v", err)
		}
		for {
			select {
			case e := <-events:
				if e.RFID == probe {
					return
				}
				continue
			case <-tick.C:
			case <-deadline:
				tb.Fatalf("reader delivered no read of probe %s within %v", probe, eventTimeout)
			}
			break
		}
	}
}

// nextEvent returns the next event or fails the test after eventTimeout.
func nextEvent(tb testing.TB, events <-chan line.TagEvent) line.TagEvent {
	tb.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(eventTimeout):
		tb.Fatalf("no event within %v", eventTimeout)
		return line.TagEvent{}
	}
}

// noEvent checks that no event arrives within d.
func noEvent(t *testing.T, events <-chan line.TagEvent, d time.Duration) {
	t.Helper()
	select {
	case e := <-events:
		t.Errorf("unexpected event %+v", e)
	case <-time.After(d):
	}
}

const (
	probeTag  line.RFID = "999000000000001"
	heldTag   line.RFID = "982000123456789"
	leadZero  line.RFID = "036000982000123"
	secondTag line.RFID = "156000123456789"
)

var allFormats = []rfid.Format{
	rfid.FormatAllflex, rfid.FormatTIRIS, rfid.FormatDigits, rfid.FormatSpaced,
	rfid.FormatWL134, rfid.FormatAllflexCustom, rfid.FormatDotHex, rfid.FormatBiomark,
}

func TestReaderFormats(t *testing.T) {
	for _, format := range allFormats {
		for _, fixed := range []bool{false, true} {
			name := format.String() + "/auto"
			readerFormat := rfid.FormatUnknown
			if fixed {
				name, readerFormat = format.String()+"/fixed", format
			}
			t.Run(name, func(t *testing.T) {
				pty := startPty(t)
				s := sim.NewReaderSim(pty, format)
				events := runReader(t, newTestReader(pty.Path, readerFormat))
				awaitOpen(t, s, events, probeTag)

				if err := s.Read(leadZero); err != nil {
					t.Fatal(err)
				}
				e := nextEvent(t, events)
				if e.Err != nil || e.RFID != leadZero {
					t.Fatalf("event = %q, %v, want %q", e.RFID, e.Err, leadZero)
				}
				if e.Reader != "reader-1" || e.At.IsZero() || e.Raw == "" {
					t.Errorf("event = %+v, want reader id, time and raw output", e)
				}
			})
		}
	}
}

func TestReaderFixedFormatRejectsOther(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatAllflex))
	awaitOpen(t, s, events, probeTag)

	if err := s.Write([]byte("156000123456789\r\n")); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if !errors.Is(e.Err, rfid.ErrUnrecognized) || e.RFID != "" || e.Raw != "156000123456789" {
		t.Errorf("event = %+v, want an unrecognized read with its raw text", e)
	}
	want := `rfid: invalid reader output "156000123456789" in Allflex format: not a known reader output format (decoded as 15 digits, but the reader is set to Allflex)`
	if e.Err == nil || e.Err.Error() != want {
		t.Errorf("error = %v, want %s", e.Err, want)
	}
}

// Ensure a Biomark read replayed from the reader's memory is delivered
// as an error, not as an animal at the antenna.
func TestReaderRejectsMemoryRead(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatBiomark)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatUnknown))
	awaitOpen(t, s, events, probeTag)

	if err := s.Write([]byte("20-07-2012 11:46:28 01 TAG *09C.00075BCD15\r\n")); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if !errors.Is(e.Err, rfid.ErrFromMemory) || e.RFID != "" {
		t.Errorf("event = %q, %v, want error %v", e.RFID, e.Err, rfid.ErrFromMemory)
	}
	var decodeErr *rfid.DecodeError
	if !errors.As(e.Err, &decodeErr) || decodeErr.IDProblem() != line.ProblemUnsupported {
		t.Errorf("error %v is not classified as %s", e.Err, line.ProblemUnsupported)
	}
}

// Ensure the simulator's held tag, sent every 20 ms, gives one event.
func TestReaderSimHold(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatTIRIS)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatUnknown))
	awaitOpen(t, s, events, probeTag)

	if err := s.Hold(context.Background(), heldTag, 20*time.Millisecond, 10); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, events); e.RFID != heldTag {
		t.Errorf("event = %q, %v, want %q", e.RFID, e.Err, heldTag)
	}
	noEvent(t, events, 200*time.Millisecond)
}

// Ensure a line that arrives in pieces, with pauses longer than the read
// timeout, is joined into one read.
func TestReaderSplitReads(t *testing.T) {
	for _, format := range []rfid.Format{rfid.FormatAllflex, rfid.FormatWL134} {
		t.Run(format.String(), func(t *testing.T) {
			pty := startPty(t)
			s := sim.NewReaderSim(pty, format)
			r := newTestReader(pty.Path, rfid.FormatUnknown)
			r.LineTimeout = time.Minute // no partial line is reported on a slow machine
			events := runReader(t, r)
			awaitOpen(t, s, events, probeTag)

			b, err := sim.EncodeRead(format, secondTag)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.WriteSlowly(b, 4, 3*testReadTimeout); err != nil {
				t.Fatal(err)
			}
			e := nextEvent(t, events)
			if e.Err != nil || e.RFID != secondTag {
				t.Fatalf("event = %q, %v, want %q", e.RFID, e.Err, secondTag)
			}
			noEvent(t, events, 100*time.Millisecond)
		})
	}
}

// Ensure a tag held at the antenna, re-sent every 300 ms 30 times, gives
// one event, and a different tag read in between passes at once. The
// reader's clock is a fake that the test moves 300 ms forward after the
// reader has read each frame, so the default 3 s window applies however
// slowly the test machine runs.
func TestReaderHeldTagOneEvent(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatWL134)
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	start := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	var elapsed atomic.Int64
	r.Now = func() time.Time { return start.Add(time.Duration(elapsed.Load())) }
	var reads, received atomic.Int64
	rfid.SetOpen(r, func(path string, mode *serial.Mode, timeout time.Duration) (rfid.Port, error) {
		port, err := rfid.OpenSerial(path, mode, timeout)
		if err != nil {
			return nil, err
		}
		return countingPort{port, &reads, &received}, nil
	})
	events := runReader(t, r)
	awaitOpen(t, s, events, probeTag)

	const interval = 300 * time.Millisecond
	var otherWrittenAt time.Duration
	for i := range 30 {
		want := received.Load() + rfid.FrameSize
		if err := s.Read(heldTag); err != nil {
			t.Fatal(err)
		}
		if i == 15 {
			if err := s.Read(secondTag); err != nil {
				t.Fatal(err)
			}
			want += rfid.FrameSize
			otherWrittenAt = time.Duration(elapsed.Load())
		}
		waitForBytes(t, &received, want)
		elapsed.Add(int64(interval))
	}

	var got []line.RFID
	var otherAt time.Time
	for len(events) > 0 {
		e := <-events
		if e.Err != nil {
			t.Errorf("event error: %v", e.Err)
		}
		got = append(got, e.RFID)
		if e.RFID == secondTag {
			otherAt = e.At
		}
	}
	want := []line.RFID{heldTag, secondTag}
	if !slices.Equal(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	// The clock moves one step after the reader has read a frame, so a
	// read delivered at once is stamped at most one step late.
	if delay := otherAt.Sub(start.Add(otherWrittenAt)); delay > interval {
		t.Errorf("second tag delivered %v after it was written, want at once", delay)
	}
}

// waitForBytes waits up to eventTimeout until the reader has read want
// bytes in total.
func waitForBytes(tb testing.TB, received *atomic.Int64, want int64) {
	tb.Helper()
	deadline := time.Now().Add(eventTimeout)
	for received.Load() < want {
		if time.Now().After(deadline) {
			tb.Fatalf("reader read %d bytes within %v, want %d", received.Load(), eventTimeout, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Ensure a read timeout, which returns no bytes and no error, neither
// stops nor spins the read loop.
func TestReaderReadTimeoutNoSpin(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatDigits)
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	var opens, reads atomic.Int64
	rfid.SetOpen(r, func(path string, mode *serial.Mode, timeout time.Duration) (rfid.Port, error) {
		opens.Add(1)
		port, err := rfid.OpenSerial(path, mode, timeout)
		if err != nil {
			return nil, err
		}
		return countingPort{port, &reads, new(atomic.Int64)}, nil
	})
	events := runReader(t, r)
	awaitOpen(t, s, events, probeTag)

	readsBefore := reads.Load()
	const silence = 500 * time.Millisecond
	time.Sleep(silence)
	idleReads := reads.Load() - readsBefore

	if err := s.Read(secondTag); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, events); e.RFID != secondTag {
		t.Errorf("event after silence = %q, %v, want %q", e.RFID, e.Err, secondTag)
	}
	// 500 ms at a 20 ms read timeout is about 25 reads. A spinning loop
	// makes thousands; ten times the expected count still passes.
	if expected := int64(silence / testReadTimeout); idleReads < 2 || idleReads > 10*expected {
		t.Errorf("%d reads in %v of silence, want about %d", idleReads, silence, expected)
	}
	if n := opens.Load(); n != 1 {
		t.Errorf("port opened %d times, want 1", n)
	}
}

// countingPort counts the reads of a port and the bytes they return.
type countingPort struct {
	rfid.Port
	reads, bytes *atomic.Int64
}

func (p countingPort) Read(b []byte) (int, error) {
	n, err := p.Port.Read(b)
	p.reads.Add(1)
	p.bytes.Add(int64(max(n, 0)))
	return n, err
}

// Ensure unplugging and re-plugging the reader, also under another pty
// behind the same link, reopens the port and delivers reads again.
func TestReaderReplug(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatUnknown))
	awaitOpen(t, s, events, probeTag)

	tags := []line.RFID{"156000000000001", "156000000000002", "156000000000003"}
	for i, tag := range tags {
		before, err := pty.Device()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Unplug(); err != nil {
			t.Fatal(err)
		}
		// The pty is freed once the reader has closed its end too. On a
		// busy machine that can come after the next pair starts, which
		// would then leave the old name free for the replug.
		waitGone(t, before)
		// Another pair takes the freed ptys, so the reader's comes back
		// under a new /dev/pts name, as an adapter comes back as ttyUSB1.
		startPty(t)
		time.Sleep(3 * testRetryMax) // the reader fails to reopen a few times
		if err := s.Replug(); err != nil {
			t.Fatal(err)
		}
		after, err := pty.Device()
		if err != nil {
			t.Fatal(err)
		}
		if after == before {
			t.Fatalf("replug %d: %s still leads to %s", i, pty.Path, after)
		}
		awaitOpen(t, s, events, tag)
	}
}

// waitGone waits up to 5 s until path no longer exists.
func waitGone(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still exists 5 s after the unplug: the reader did not close it", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Ensure a port that fails at once, returning -1 bytes or returning no
// bytes long before the read timeout, is reopened after a growing wait
// and never spun on.
func TestReaderBrokenPortBacksOff(t *testing.T) {
	tests := []struct {
		name string
		read func([]byte) (int, error)
	}{
		{"negative count", func([]byte) (int, error) { return -1, errors.New("device not configured") }},
		{"zero at once", func([]byte) (int, error) { return 0, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rfid.NewReader("reader-1", "/dev/serial/by-id/test")
			r.ReadTimeout = 100 * time.Millisecond
			r.RetryMin = 10 * time.Millisecond
			r.RetryMax = 80 * time.Millisecond
			r.Logger = discard
			var opens atomic.Int64
			rfid.SetOpen(r, func(string, *serial.Mode, time.Duration) (rfid.Port, error) {
				opens.Add(1)
				return funcPort(tt.read), nil
			})
			events := runReader(t, r)
			time.Sleep(500 * time.Millisecond)
			// Waits of 10, 20, 40, 80, 80... ms: about 8 opens in 500 ms.
			if n := opens.Load(); n < 3 || n > 20 {
				t.Errorf("port opened %d times in 500 ms, want about 8", n)
			}
			if len(events) != 0 {
				t.Errorf("%d events from a broken port, want none", len(events))
			}
		})
	}
}

type funcPort func([]byte) (int, error)

func (f funcPort) Read(b []byte) (int, error) { return f(b) }
func (f funcPort) Close() error               { return nil }

func TestReaderRetriesMissingPort(t *testing.T) {
	dir := t.TempDir()
	r := newTestReader(dir+"/reader", rfid.FormatUnknown)
	events := runReader(t, r)
	noEvent(t, events, 200*time.Millisecond)
}

func TestReaderConfigErrors(t *testing.T) {
	readers := []*rfid.Reader{
		rfid.NewReader("reader-1", ""),
		{ID: "reader-1", Path: "/dev/null", Format: rfid.Format(200)},
		{ID: "reader-1", Path: "/dev/null", Mode: serial.Mode{BaudRate: -1}},
		{ID: "reader-1", Path: "/dev/null", Mode: serial.Mode{DataBits: 9}},
		{ID: "reader-1", Path: "/dev/null", Mode: serial.Mode{Parity: 7}},
		{ID: "reader-1", Path: "/dev/null", Mode: serial.Mode{StopBits: 3}},
	}
	for _, r := range readers {
		if err := r.Run(context.Background(), func(line.TagEvent) {}); err == nil {
			t.Errorf("Run with path %q, format %v and mode %+v returned no error", r.Path, r.Format, r.Mode)
		}
	}
}

// Ensure a number with a leading zero keeps it from the wire to the
// event in every format.
func TestReaderKeepsLeadingZeros(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatDigits)
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	r.DedupWindow = 50 * time.Millisecond // the test sends one number repeatedly
	events := runReader(t, r)
	awaitOpen(t, s, events, probeTag)

	for i, format := range allFormats {
		b, err := sim.EncodeRead(format, leadZero)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(b); err != nil {
			t.Fatal(err)
		}
		e := nextEvent(t, events)
		if e.RFID != leadZero || e.RFID.Country() != "036" {
			t.Errorf("%v: event = %q, %v, want %q", format, e.RFID, e.Err, leadZero)
		}
		// Let the duplicate window pass before the same number again.
		if i < len(allFormats)-1 {
			time.Sleep(60 * time.Millisecond)
		}
	}
}

// Ensure noise and a frame with a bad checksum are delivered as errors
// with printable raw output, and the next good read still arrives.
func TestReaderGarbage(t *testing.T) {
	frame := sim.EncodeFrame(heldTag, 0)
	badChecksum := sim.EncodeFrame(heldTag, 0x01)
	tests := []struct {
		name    string
		garbage []byte
		pause   time.Duration
		wantErr error
		wantRaw string
	}{
		{"noise line", []byte("\xff\xfe\x00noise\r\n"), 0, rfid.ErrUnrecognized, "fffe006e6f697365"},
		{"text line", []byte("hello\r\n"), 0, rfid.ErrUnrecognized, "hello"},
		{"industrial tag", []byte("LR 0006 0000000018514243\r\n"), 0, rfid.ErrIndustrialTag, "LR 0006 0000000018514243"},
		{"bad checksum", badChecksum, 0, rfid.ErrChecksum, hexString(badChecksum)},
		{"short frame", frame[:20], 500 * time.Millisecond, rfid.ErrFrameDelimiter, hexString(frame[:20])},
		{"noise before STX", []byte("\xff\xfe"), 0, rfid.ErrUnrecognized, "fffe"},
		{"noise then pause", []byte("\xff\xfeLA 98"), 500 * time.Millisecond, rfid.ErrUnrecognized, "fffe4c41203938"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pty := startPty(t)
			s := sim.NewReaderSim(pty, rfid.FormatWL134)
			r := newTestReader(pty.Path, rfid.FormatUnknown)
			r.LineTimeout = 100 * time.Millisecond
			events := runReader(t, r)
			awaitOpen(t, s, events, probeTag)

			if err := s.Write(tt.garbage); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tt.pause)
			if err := s.Read(heldTag); err != nil {
				t.Fatal(err)
			}
			e := nextEvent(t, events)
			if !errors.Is(e.Err, tt.wantErr) || e.RFID != "" {
				t.Errorf("garbage event = %q, %v, want error %v", e.RFID, e.Err, tt.wantErr)
			}
			if e.Raw != tt.wantRaw {
				t.Errorf("garbage event raw = %q, want %q", e.Raw, tt.wantRaw)
			}
			if e := nextEvent(t, events); e.Err != nil || e.RFID != heldTag {
				t.Errorf("event after garbage = %q, %v, want %q", e.RFID, e.Err, heldTag)
			}
		})
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0xF])
	}
	return string(out)
}

// BenchmarkReaderLatency measures the time from a tag line written to the
// simulator's end of a pty pair to the decoded read delivered by the
// reader, and reports its median and 99th percentile. Pseudo-terminal
// throughput through socat bounds it, not a real UART: at 9600 baud a
// 21-byte line alone takes about 22 ms on the wire.
func BenchmarkReaderLatency(b *testing.B) {
	pty := startPty(b)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	events := runReader(b, newTestReader(pty.Path, rfid.FormatUnknown))
	awaitOpen(b, s, events, probeTag)

	var latencies []time.Duration
	n := 0
	for b.Loop() {
		n++
		id, err := line.NewRFID(156, uint64(n))
		if err != nil {
			b.Fatal(err)
		}
		written := time.Now()
		if err := s.Read(id); err != nil {
			b.Fatal(err)
		}
		e := nextEvent(b, events)
		if e.RFID != id {
			b.Fatalf("event = %q, %v, want %q", e.RFID, e.Err, id)
		}
		latencies = append(latencies, time.Since(written))
	}
	slices.Sort(latencies)
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds())
	}
	b.ReportMetric(percentile(0.50), "p50-µs")
	b.ReportMetric(percentile(0.99), "p99-µs")
}
