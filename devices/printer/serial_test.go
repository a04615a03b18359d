package printer_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/printer"
	"lambtrace/devices/sim"
)

var testSerialMode = serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}

// MustPtyPair starts socat with two linked ptys and returns their paths.
// socat is stopped by its pid when the test ends.
func MustPtyPair(tb testing.TB) (printerEnd, hostEnd string) {
	tb.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		tb.Skip("socat not installed; install the socat package to run the serial tests")
	}
	pair, err := sim.StartPtyPair(tb.TempDir(), "host")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pair.Close)
	return pair.Simulator, pair.Station
}

// MustSerialSim runs a simulated printer on the printer end of a pty
// pair and returns it with the host end's path.
func MustSerialSim(tb testing.TB) (*sim.Printer, string) {
	tb.Helper()
	printerEnd, hostEnd := MustPtyPair(tb)

	port, err := serial.Open(printerEnd, &testSerialMode)
	if err != nil {
		tb.Fatalf("open %s: %v", printerEnd, err)
	}
	s := sim.NewPrinter()
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.Serve(port)
	}()
	tb.Cleanup(func() {
		port.Close() // ends the pending Read, so Serve returns
		<-served
	})
	return s, hostEnd
}

func MustSerialPrinter(tb testing.TB, path string) *printer.Printer {
	tb.Helper()
	p := printer.NewSerial("label-serial", path, testSerialMode)
	p.Logger = slog.New(slog.DiscardHandler)
	p.StatusTimeout = testStatusTimeout
	tb.Cleanup(func() { p.Close() })
	return p
}

func TestSerialPrintAndStatus(t *testing.T) {
	s, path := MustSerialSim(t)
	p := MustSerialPrinter(t, path)
	ctx := context.Background()

	var want [][]byte
	for i := range 3 {
		job := label(i)
		want = append(want, job)
		if err := p.Print(ctx, job); err != nil {
			t.Fatalf("Print(job %d): %v", i, err)
		}
	}
	big := append(append([]byte("^XA^FO0,0^GFA,"), bytes.Repeat([]byte("0F"), 4096)...), "^XZ"...)
	want = append(want, big)
	if err := p.Print(ctx, big); err != nil {
		t.Fatalf("Print(8 KiB job): %v", err)
	}

	waitJobs(t, s, len(want))
	got := s.Jobs()
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("job %d = %q, want %q", i, got[i], want[i])
		}
	}

	s.SetState(sim.PrinterState{HeadOpen: true, LabelsRemaining: 3})
	status, err := p.Status(ctx)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	if !status.HeadOpen || status.LabelsPending != 3 {
		t.Errorf("Status = %+v, want head open and 3 labels pending", status)
	}
}

func TestSerialSilentNeedsAttention(t *testing.T) {
	s, path := MustSerialSim(t)
	s.SetSilent(true)
	p := MustSerialPrinter(t, path)

	start := time.Now()
	_, err := p.Status(context.Background())
	if !errors.Is(err, printer.ErrNeedsAttention) {
		t.Fatalf("Status error = %v, want ErrNeedsAttention", err)
	}
	if elapsed := time.Since(start); elapsed > 10*testStatusTimeout {
		t.Errorf("Status took %v, want about %v", elapsed, testStatusTimeout)
	}

	// The port is reopened on the next call and the printer replies
	// again once its fault is cleared.
	s.SetSilent(false)
	if _, err := p.Status(context.Background()); err != nil {
		t.Errorf("Status after the fault cleared: %v", err)
	}
}

func TestSerialNotZPL(t *testing.T) {
	s, path := MustSerialSim(t)
	s.SetNonZPLReply([]byte("OK\r\n"))
	p := MustSerialPrinter(t, path)

	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrNotZPL) {
		t.Errorf("Status error = %v, want ErrNotZPL", err)
	}
}

func TestSerialMissingDeviceOffline(t *testing.T) {
	p := MustSerialPrinter(t, filepath.Join(t.TempDir(), "no-such-tty"))
	if err := p.Print(context.Background(), label(1)); !errors.Is(err, printer.ErrOffline) {
		t.Errorf("Print error = %v, want ErrOffline", err)
	}
}

func TestSerialInvalidMode(t *testing.T) {
	_, path := MustPtyPair(t)
	p := printer.NewSerial("label-serial", path, serial.Mode{})
	p.Logger = slog.New(slog.DiscardHandler)
	defer p.Close()

	_, err := p.Status(context.Background())
	if !errors.Is(err, printer.ErrInvalidConfig) {
		t.Errorf("Status error = %v, want ErrInvalidConfig", err)
	}
	if errors.Is(err, printer.ErrOffline) {
		t.Errorf("Status error = %v, must not wrap ErrOffline", err)
	}
}

// Ensure cancelling the context ends a serial Status that waits on a
// silent printer, although the serial port itself has no deadline.
func TestSerialStatusContextCancel(t *testing.T) {
	s, path := MustSerialSim(t)
	s.SetSilent(true)
	p := MustSerialPrinter(t, path)
	p.StatusTimeout = time.Minute

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Status(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Status error = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Status took %v after cancel", elapsed)
	}
}
