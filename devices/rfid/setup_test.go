package rfid_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/rfid"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// awaitOpenClean is awaitOpen that fails on any event with an error, so
// that a stray echo or greeting delivered as a read is noticed.
func awaitOpenClean(t *testing.T, s *sim.ReaderSim, events <-chan line.TagEvent, probe line.RFID) {
	t.Helper()
	deadline := time.After(eventTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := s.Read(probe); err != nil {
			t.Fatalf("write probe: %v", err)
		}
		select {
		case e := <-events:
			if e.Err != nil {
				t.Fatalf("reader delivered %q with error %v", e.Raw, e.Err)
			}
			if e.RFID == probe {
				return
			}
		case <-tick.C:
		case <-deadline:
			t.Fatalf("reader delivered no read of probe %s within %v", probe, eventTimeout)
		}
	}
}

func TestReaderIgnoresPowerOnGreeting(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatUnknown))
	awaitOpenClean(t, s, events, probeTag)

	if err := s.PowerOn(); err != nil {
		t.Fatal(err)
	}
	if err := s.Read(heldTag); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if e.Err != nil || e.RFID != heldTag {
		t.Fatalf("event after the greeting = %q, %v, want %s", e.RFID, e.Err, heldTag)
	}
	noEvent(t, events, 200*time.Millisecond)
}

// An Allflex reader echoes every character it receives. The echo of the
// setup commands and of a command sent later must not arrive as reads.
func TestReaderDropsCommandEcho(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	if err := s.StartEcho(); err != nil {
		t.Fatal(err)
	}
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	r.Setup = []string{"BE40239"}
	events := runReader(t, r)
	awaitOpenClean(t, s, events, probeTag)

	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	defer cancel()
	if err := r.Send(ctx, "B0800"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	deadline := time.Now().Add(eventTimeout)
	for !bytes.Contains(s.Received(), []byte("B0800\r")) {
		if time.Now().After(deadline) {
			t.Fatalf("reader received %q, want the setup command and B0800", s.Received())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := s.Received(); !bytes.HasPrefix(got, []byte("BE40239\r")) {
		t.Errorf("reader received %q, want BE40239 and CR first", got)
	}
	if err := s.Read(heldTag); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if e.Err != nil || e.RFID != heldTag {
		t.Fatalf("event after the commands = %q, %v, want %s", e.RFID, e.Err, heldTag)
	}
	noEvent(t, events, 200*time.Millisecond)

	// A line that only looks like an echo, with no command sent, is a
	// read that does not decode.
	if err := s.Write([]byte("BE40239\r\n")); err != nil {
		t.Fatal(err)
	}
	if e := nextEvent(t, events); e.Err == nil || e.Raw != "BE40239" {
		t.Errorf("unrequested echo-like line delivered as %q, %v, want it with an error", e.Raw, e.Err)
	}
}

func TestReaderSendRejectsLineEnding(t *testing.T) {
	r := rfid.NewReader("reader-1", "/dev/null")
	if err := r.Send(context.Background(), "B0800\r"); err == nil {
		t.Error("Send with CR in the command returned no error")
	}
	r.Setup = []string{""}
	if err := r.Run(context.Background(), func(line.TagEvent) {}); err == nil {
		t.Error("Run with an empty setup command returned no error")
	}
}

// The Allflex configurable format with letter country codes and without
// leading zeros, written to a pty and read by a reader set to it.
func TestReaderAllflexCustomOptions(t *testing.T) {
	tests := []struct {
		name   string
		format rfid.Format
		layout sim.AllflexLayout
	}{
		{"letters", rfid.FormatAllflexCustom, sim.AllflexLayout{Letters: true}},
		{"letters joined", rfid.FormatUnknown, sim.AllflexLayout{Letters: true, Joined: true}},
		{"no leading zeros", rfid.FormatAllflexCustom, sim.AllflexLayout{NoLeadingZeros: true, Delimiter: ','}},
		{"no leading zeros hex", rfid.FormatAllflexCustomHex, sim.AllflexLayout{NoLeadingZeros: true, Hex: true, Delimiter: '\t'}},
		{"letters without leading zeros", rfid.FormatAllflexCustom, sim.AllflexLayout{NoLeadingZeros: true, Letters: true, Delimiter: ' '}},
	}
	tags := []line.RFID{leadZero, "040000000004711", secondTag, heldTag}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pty := startPty(t)
			s := sim.NewReaderSim(pty, rfid.FormatAllflex)
			r := newTestReader(pty.Path, tt.format)
			r.DedupWindow = time.Nanosecond
			events := runReader(t, r)
			for _, id := range tags {
				b, err := sim.EncodeAllflexCustom(id, tt.layout)
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Write(b); err != nil {
					t.Fatal(err)
				}
				e := nextEvent(t, events)
				if e.Err != nil || e.RFID != id {
					t.Errorf("%q delivered as %q, %v, want %s", b, e.RFID, e.Err, id)
				}
			}
		})
	}
}

func TestReaderUnknownLetterCountry(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	events := runReader(t, newTestReader(pty.Path, rfid.FormatAllflexCustom))
	if err := s.Write([]byte("#A;00000;0;XK;000123456789\r\n")); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if !errors.Is(e.Err, rfid.ErrCountryCode) {
		t.Fatalf("event = %q, %v, want %v", e.RFID, e.Err, rfid.ErrCountryCode)
	}
	if !strings.Contains(e.Err.Error(), `"XK"`) {
		t.Errorf("error %q does not name the code XK", e.Err)
	}
}

// recordRates makes r open its port through the real serial driver and
// returns the baud rates it opens the port at.
func recordRates(r *rfid.Reader) func() []int {
	var mu sync.Mutex
	var rates []int
	rfid.SetOpen(r, func(path string, mode *serial.Mode, timeout time.Duration) (rfid.Port, error) {
		mu.Lock()
		rates = append(rates, mode.BaudRate)
		mu.Unlock()
		return rfid.OpenSerial(path, mode, timeout)
	})
	return func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), rates...)
	}
}

// keepWriting calls write every interval until the test ends.
func keepWriting(t *testing.T, interval time.Duration, write func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				if err := write(); err != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func TestReaderDetectsBaudFromRead(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	s.Baud = 19200
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	r.DetectBaud = true
	r.DetectWindow = 400 * time.Millisecond
	found := make(chan int, 4)
	r.BaudFound = func(rate int) { found <- rate }
	rates := recordRates(r)
	keepWriting(t, 100*time.Millisecond, func() error { return s.Read(heldTag) })
	events := runReader(t, r)

	e := nextEvent(t, events)
	if e.Err != nil || e.RFID != heldTag {
		t.Fatalf("first event = %q, %v, want %s: garbage at a wrong rate must not be delivered", e.Raw, e.Err, heldTag)
	}
	select {
	case rate := <-found:
		if rate != 19200 {
			t.Errorf("BaudFound(%d), want 19200", rate)
		}
	case <-time.After(eventTimeout):
		t.Fatal("BaudFound was not called")
	}
	if got := rates(); len(got) != 2 || got[0] != 9600 || got[1] != 19200 {
		t.Errorf("port opened at %v baud, want 9600 then 19200", got)
	}
}

func TestReaderDetectsBaudFromGreeting(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	s.Baud = 4800
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	r.DetectBaud = true
	r.DetectWindow = 300 * time.Millisecond
	found := make(chan int, 4)
	r.BaudFound = func(rate int) { found <- rate }
	rates := recordRates(r)
	keepWriting(t, 50*time.Millisecond, s.PowerOn)
	events := runReader(t, r)

	select {
	case rate := <-found:
		if rate != 4800 {
			t.Errorf("BaudFound(%d), want 4800", rate)
		}
	case <-time.After(eventTimeout):
		t.Fatal("BaudFound was not called")
	}
	if got := rates(); len(got) != 3 || got[2] != 4800 {
		t.Errorf("port opened at %v baud, want 9600, 19200, then 4800", got)
	}
	if err := s.Read(secondTag); err != nil {
		t.Fatal(err)
	}
	e := nextEvent(t, events)
	if e.Err != nil || e.RFID != secondTag {
		t.Fatalf("event at the detected rate = %q, %v, want %s", e.Raw, e.Err, secondTag)
	}
}

func TestReaderBaudNotFoundKeepsTrying(t *testing.T) {
	pty := startPty(t)
	s := sim.NewReaderSim(pty, rfid.FormatAllflex)
	s.Baud = 1200
	r := newTestReader(pty.Path, rfid.FormatUnknown)
	r.DetectBaud = true
	r.BaudRates = []int{9600, 19200}
	r.DetectWindow = 100 * time.Millisecond
	r.BaudFound = func(rate int) { t.Errorf("BaudFound(%d) for a reader at 1200 baud", rate) }
	rates := recordRates(r)
	keepWriting(t, 20*time.Millisecond, func() error { return s.Read(heldTag) })
	events := runReader(t, r)

	noEvent(t, events, time.Second)
	got := rates()
	if len(got) < 4 {
		t.Fatalf("port opened at %v baud in 1 s, want both rates tried at least twice", got)
	}
	for i, rate := range got {
		if want := r.BaudRates[i%2]; rate != want {
			t.Errorf("attempt %d at %d baud, want %d", i+1, rate, want)
		}
	}
}
