package printer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/devices/printer"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// testStatusTimeout keeps the silent-printer tests short. Replies on
// loopback take well under a millisecond.
const testStatusTimeout = 300 * time.Millisecond

// MustSimPrinter starts a simulated printer on loopback and returns it
// with its address. It is closed when the test ends.
func MustSimPrinter(tb testing.TB) (*sim.Printer, string) {
	tb.Helper()
	s := sim.NewPrinter()
	addr, err := s.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, addr
}

// MustPrinter returns a TCP printer at addr with a discard logger and a
// short status timeout. It is closed when the test ends.
func MustPrinter(tb testing.TB, addr string) *printer.Printer {
	tb.Helper()
	p := printer.NewTCP("label-1", addr)
	p.Logger = slog.New(slog.DiscardHandler)
	p.StatusTimeout = testStatusTimeout
	tb.Cleanup(func() { p.Close() })
	return p
}

// waitJobs waits until the simulator has received n jobs in total.
func waitJobs(tb testing.TB, s *sim.Printer, n int) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.JobCount() < n {
		if time.Now().After(deadline) {
			tb.Fatalf("simulator received %d jobs, want %d", s.JobCount(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func label(n int) []byte {
	return fmt.Appendf(nil, "^XA^CI28^PW480^LL320^FO20,20^A0N,30,30^FD胴体 %04d^FS^FO20,80^BQN,2,4^FDQA,156000012345%03d^FS^PQ1,0,0,N^XZ", n, n)
}

func TestPrintSendsExactBytes(t *testing.T) {
	s, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	ctx := context.Background()

	var want [][]byte
	for i := range 5 {
		job := label(i)
		want = append(want, job)
		if err := p.Print(ctx, job); err != nil {
			t.Fatalf("Print(job %d): %v", i, err)
		}
	}

	waitJobs(t, s, len(want))
	got := s.Jobs()
	if len(got) != len(want) {
		t.Fatalf("simulator stored %d jobs, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("job %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestStatusStates(t *testing.T) {
	tests := []struct {
		name  string
		state sim.PrinterState
		want  line.PrinterStatus
	}{
		{"Ready", sim.PrinterState{}, line.PrinterStatus{}},
		{"PaperOut", sim.PrinterState{PaperOut: true}, line.PrinterStatus{PaperOut: true}},
		{"HeadOpen", sim.PrinterState{HeadOpen: true}, line.PrinterStatus{HeadOpen: true}},
		{"Paused", sim.PrinterState{Paused: true}, line.PrinterStatus{Paused: true}},
		{"RibbonOut", sim.PrinterState{RibbonOut: true}, line.PrinterStatus{RibbonOut: true}},
		{"HeadTooHot", sim.PrinterState{HeadTooHot: true}, line.PrinterStatus{HeadTooHot: true}},
		{"BufferFull", sim.PrinterState{BufferFull: true}, line.PrinterStatus{BufferFull: true}},
		{"Pending", sim.PrinterState{FormatsInBuffer: 1, LabelsRemaining: 9}, line.PrinterStatus{LabelsPending: 10}},
	}
	for _, split := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/split=%v", tt.name, split), func(t *testing.T) {
				s, addr := MustSimPrinter(t)
				s.SetState(tt.state)
				s.SetSplitReplies(split)
				p := MustPrinter(t, addr)

				got, err := p.Status(context.Background())
				if err != nil {
					t.Fatalf("Status: %v", err)
				}
				// Status stops reading at the third ETX, so the final CR LF
				// may still be on its way.
				want := sim.PrinterStatusReply(tt.state)
				if !bytes.Equal(got.Raw, want) && !bytes.Equal(got.Raw, bytes.TrimSuffix(want, []byte("\r\n"))) {
					t.Errorf("Raw = %q, want %q", got.Raw, want)
				}
				got.Raw = nil
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Status = %+v, want %+v", got, tt.want)
				}
			})
		}
	}
}

// Ensure a printer that accepts the connection but never replies to ~HS
// is reported as needing attention, not as offline, within the timeout.
func TestStatusSilentNeedsAttention(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetSilent(true)
	p := MustPrinter(t, addr)

	start := time.Now()
	_, err := p.Status(context.Background())
	elapsed := time.Since(start)

	if !errors.Is(err, printer.ErrNeedsAttention) {
		t.Fatalf("Status error = %v, want ErrNeedsAttention", err)
	}
	if errors.Is(err, printer.ErrOffline) {
		t.Errorf("Status error = %v, must not wrap ErrOffline", err)
	}
	if elapsed > 10*testStatusTimeout {
		t.Errorf("Status took %v, want about %v", elapsed, testStatusTimeout)
	}
	if got := s.StatusRequests(); got != 1 {
		t.Errorf("simulator received %d ~HS, want 1", got)
	}
	var perr *printer.Error
	if !errors.As(err, &perr) || perr.Hint() == "" {
		t.Errorf("Status error %v has no *printer.Error with a hint", err)
	}
}

// Ensure a closed port gives ErrOffline from both Print and Status.
func TestClosedPortOffline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := MustPrinter(t, addr)

	_, err = p.Status(context.Background())
	if !errors.Is(err, printer.ErrOffline) {
		t.Errorf("Status error = %v, want ErrOffline", err)
	}
	if errors.Is(err, printer.ErrNeedsAttention) {
		t.Errorf("Status error = %v, must not wrap ErrNeedsAttention", err)
	}

	err = p.Print(context.Background(), label(1))
	if !errors.Is(err, printer.ErrOffline) {
		t.Errorf("Print error = %v, want ErrOffline", err)
	}
	var perr *printer.Error
	if !errors.As(err, &perr) || perr.Sent != 0 {
		t.Errorf("Print error = %#v, want *printer.Error with Sent 0", err)
	}
}

func TestStatusNotZPL(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetNonZPLReply([]byte("PRINTER READY\r\n"))
	p := MustPrinter(t, addr)

	start := time.Now()
	_, err := p.Status(context.Background())
	if !errors.Is(err, printer.ErrNotZPL) {
		t.Fatalf("Status error = %v, want ErrNotZPL", err)
	}
	// The first byte shows the reply is not ZPL, so Status need not wait
	// for the timeout.
	if elapsed := time.Since(start); elapsed >= testStatusTimeout {
		t.Errorf("Status took %v, want less than the %v timeout", elapsed, testStatusTimeout)
	}
	var statusErr *printer.StatusError
	if !errors.As(err, &statusErr) || !bytes.HasPrefix([]byte("PRINTER READY\r\n"), statusErr.Reply) {
		t.Errorf("Status error = %v, want a *StatusError with the reply", err)
	}
}

// Ensure a job is sent once even when Status fails after it and the
// driver reconnects.
func TestPrintNeverResent(t *testing.T) {
	s, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	ctx := context.Background()

	first := label(1)
	if err := p.Print(ctx, first); err != nil {
		t.Fatal(err)
	}
	s.SetSilent(true)
	if _, err := p.Status(ctx); !errors.Is(err, printer.ErrNeedsAttention) {
		t.Fatalf("Status error = %v, want ErrNeedsAttention", err)
	}
	s.SetNonZPLReply([]byte("?"))
	s.SetSilent(false)
	if _, err := p.Status(ctx); !errors.Is(err, printer.ErrNotZPL) {
		t.Fatalf("Status error = %v, want ErrNotZPL", err)
	}
	s.SetNonZPLReply(nil)
	if _, err := p.Status(ctx); err != nil {
		t.Fatalf("Status after recovery: %v", err)
	}

	second := label(2)
	if err := p.Print(ctx, second); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, s, 2)
	// Give a resend, if there were one, time to arrive.
	if _, err := p.Status(ctx); err != nil {
		t.Fatal(err)
	}

	got := s.Jobs()
	if len(got) != 2 {
		t.Fatalf("simulator stored %d jobs, want 2: %q", len(got), got)
	}
	if !bytes.Equal(got[0], first) || !bytes.Equal(got[1], second) {
		t.Errorf("jobs = %q, want [%q %q]", got, first, second)
	}
}

// Ensure a job write that stops midway reports that the label may have
// printed, with the byte count, instead of retrying. The peer accepts
// the connection but never reads, so the write fills the socket buffers
// and hits the write timeout.
func TestPrintMaybePrinted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			accepted <- conn
		}
	}()

	p := MustPrinter(t, ln.Addr().String())
	p.WriteTimeout = 200 * time.Millisecond
	job := append(append([]byte("^XA^GFA,"), bytes.Repeat([]byte("F"), 64<<20)...), "^XZ"...)

	err = p.Print(context.Background(), job)
	select {
	case conn := <-accepted:
		conn.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("peer never accepted")
	}

	if !errors.Is(err, printer.ErrMaybePrinted) {
		t.Fatalf("Print error = %v, want ErrMaybePrinted", err)
	}
	var perr *printer.Error
	if !errors.As(err, &perr) {
		t.Fatalf("Print error type %T, want *printer.Error", err)
	}
	if perr.Sent <= 0 || perr.Sent >= len(job) || perr.Total != len(job) {
		t.Errorf("Sent = %d, Total = %d, want 0 < Sent < %d", perr.Sent, perr.Total, len(job))
	}
}

// Ensure cancelling the context ends a Status that waits on a silent
// printer at once, with the context's error and not ErrNeedsAttention.
func TestStatusContextCancel(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetSilent(true)
	p := MustPrinter(t, addr)
	p.StatusTimeout = time.Minute

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := p.Status(ctx)

	if !errors.Is(err, context.Canceled) {
		t.Errorf("Status error = %v, want context.Canceled", err)
	}
	if errors.Is(err, printer.ErrNeedsAttention) {
		t.Errorf("Status error = %v, must not wrap ErrNeedsAttention", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Status took %v after cancel", elapsed)
	}
}

// Ensure a context deadline shorter than StatusTimeout is reported as
// the context's error.
func TestStatusContextDeadline(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetSilent(true)
	p := MustPrinter(t, addr)
	p.StatusTimeout = time.Minute

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Status(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Status error = %v, want context.DeadlineExceeded", err)
	}
}

// Ensure Status reconnects when the printer closed the connection that
// an earlier call left open, for example after a power cycle.
func TestStatusReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	s := sim.NewPrinter()
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- conn
			go s.Serve(conn)
		}
	}()

	p := MustPrinter(t, ln.Addr().String())
	ctx := context.Background()
	if _, err := p.Status(ctx); err != nil {
		t.Fatalf("first Status: %v", err)
	}
	first := <-conns
	first.Close()

	if _, err := p.Status(ctx); err != nil {
		t.Fatalf("Status after the printer closed the connection: %v", err)
	}
	select {
	case second := <-conns:
		second.Close()
	default:
		t.Fatal("Status did not open a new connection")
	}
}

func TestCallsAfterClose(t *testing.T) {
	_, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	if _, err := p.Status(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := p.Print(context.Background(), label(1)); !errors.Is(err, printer.ErrClosed) {
		t.Errorf("Print after Close error = %v, want ErrClosed", err)
	}
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrClosed) {
		t.Errorf("Status after Close error = %v, want ErrClosed", err)
	}
}

func TestPrintEmptyJob(t *testing.T) {
	s, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	if err := p.Print(context.Background(), nil); err == nil {
		t.Error("Print(nil) succeeded, want an error")
	}
	if got := s.StatusRequests() + s.JobCount(); got != 0 {
		t.Errorf("simulator saw traffic for an empty job")
	}
}

// Ensure concurrent calls share one connection safely.
func TestConcurrentCalls(t *testing.T) {
	s, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	ctx := context.Background()

	const workers, each = 4, 25
	errs := make(chan error, workers*each*2)
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range each {
				errs <- p.Print(ctx, label(w*each+i))
				_, err := p.Status(ctx)
				errs <- err
			}
		}()
	}
	for range workers {
		<-done
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	waitJobs(t, s, workers*each)
	if got := len(s.Jobs()); got != workers*each {
		t.Errorf("simulator stored %d jobs, want %d", got, workers*each)
	}
}

// BenchmarkPrint2KiB measures jobs per second for a 2 KiB job over
// loopback, counting until the simulator has received every job.
func BenchmarkPrint2KiB(b *testing.B) {
	s, addr := MustSimPrinter(b)
	p := MustPrinter(b, addr)
	ctx := context.Background()

	job := append([]byte("^XA^CI28^FO20,20^GFA,"), bytes.Repeat([]byte("A"), 2048-len("^XA^CI28^FO20,20^GFA,")-len("^XZ"))...)
	job = append(job, "^XZ"...)
	if len(job) != 2048 {
		b.Fatalf("job is %d bytes", len(job))
	}

	b.SetBytes(int64(len(job)))
	start := time.Now()
	sent := 0
	for b.Loop() {
		if err := p.Print(ctx, job); err != nil {
			b.Fatal(err)
		}
		sent++
		if sent%4096 == 0 {
			s.ClearJobs()
		}
	}
	waitJobs(b, s, sent)
	b.ReportMetric(float64(sent)/time.Since(start).Seconds(), "jobs/s")
}

// Ensure the CR LF that trails a split reply, left unread when Status
// stops at the third ETX, does not spoil the next reply.
func TestStatusRepeatedSplitReplies(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetSplitReplies(true)
	p := MustPrinter(t, addr)

	for i := range 5 {
		s.SetState(sim.PrinterState{LabelsRemaining: i})
		got, err := p.Status(context.Background())
		if err != nil {
			t.Fatalf("Status %d: %v", i, err)
		}
		if got.LabelsPending != i {
			t.Errorf("Status %d: LabelsPending = %d, want %d", i, got.LabelsPending, i)
		}
	}
}

// Ensure a dropped and reopened connection is logged with the printer id.
func TestReconnectLogged(t *testing.T) {
	s, addr := MustSimPrinter(t)
	p := MustPrinter(t, addr)
	var logs syncBuffer
	p.Logger = slog.New(slog.NewTextHandler(&logs, nil))

	s.SetSilent(true)
	if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrNeedsAttention) {
		t.Fatalf("Status error = %v, want ErrNeedsAttention", err)
	}
	s.SetSilent(false)
	if _, err := p.Status(context.Background()); err != nil {
		t.Fatalf("Status after the fault cleared: %v", err)
	}

	out := logs.String()
	for _, want := range []string{
		`msg="printer connected" device=label-1`,
		`msg="printer connection closed after error" device=label-1 op=status`,
		`msg="printer reconnected" device=label-1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// syncBuffer is a bytes.Buffer that is safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Ensure a job is not lost when the printer closed the kept connection
// between two jobs, as it does when it is switched off and on: Print
// notices the closed connection and sends the job on a new one.
func TestPrintAfterPrinterClosedConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the closed-connection check is implemented on Linux only")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	s := sim.NewPrinter()
	conns := make(chan net.Conn, 4)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- conn
			go s.Serve(conn)
		}
	}()

	p := MustPrinter(t, ln.Addr().String())
	ctx := context.Background()
	first, second := label(1), label(2)
	if err := p.Print(ctx, first); err != nil {
		t.Fatal(err)
	}
	waitJobs(t, s, 1)
	conn1 := <-conns
	conn1.Close()
	// Let the FIN reach the driver's socket.
	time.Sleep(20 * time.Millisecond)

	if err := p.Print(ctx, second); err != nil {
		t.Fatalf("Print after the printer closed the connection: %v", err)
	}
	waitJobs(t, s, 2)
	jobs := s.Jobs()
	if len(jobs) != 2 || !bytes.Equal(jobs[0], first) || !bytes.Equal(jobs[1], second) {
		t.Errorf("jobs = %q, want [%q %q]", jobs, first, second)
	}
	select {
	case conn2 := <-conns:
		conn2.Close()
	default:
		t.Error("Print did not open a new connection")
	}
}

// BenchmarkStatus measures ~HS round trips over loopback.
func BenchmarkStatus(b *testing.B) {
	_, addr := MustSimPrinter(b)
	p := MustPrinter(b, addr)
	ctx := context.Background()

	for b.Loop() {
		if _, err := p.Status(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Ensure a reply that stops inside a frame is reported as truncated
// once the timeout passes, with the bytes received.
func TestStatusTruncatedReply(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	partial := sim.PrinterStatusReply(sim.PrinterState{})[:50]
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, 16)
		if _, err := conn.Read(buf); err != nil {
			return
		}
		conn.Write(partial)
		// Keep the connection open and silent until the driver gives up.
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		conn.Read(buf)
	}()

	p := MustPrinter(t, ln.Addr().String())
	_, err = p.Status(context.Background())
	if !errors.Is(err, printer.ErrStatusTruncated) {
		t.Fatalf("Status error = %v, want ErrStatusTruncated", err)
	}
	if errors.Is(err, printer.ErrNeedsAttention) || errors.Is(err, printer.ErrOffline) {
		t.Errorf("Status error = %v, want neither ErrNeedsAttention nor ErrOffline", err)
	}
	var statusErr *printer.StatusError
	if !errors.As(err, &statusErr) || !bytes.Equal(statusErr.Reply, partial) {
		t.Errorf("Status error = %v, want a *StatusError with the %d bytes received", err, len(partial))
	}
}

// Ensure polling a printer with a fault logs the dropped connection and
// the reconnect once a minute, not on every poll.
func TestRepeatedFailuresRateLimited(t *testing.T) {
	s, addr := MustSimPrinter(t)
	s.SetSilent(true)
	p := MustPrinter(t, addr)
	p.StatusTimeout = 50 * time.Millisecond
	var logs syncBuffer
	p.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	now := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	p.Now = func() time.Time { return now }

	poll := func() {
		t.Helper()
		if _, err := p.Status(context.Background()); !errors.Is(err, printer.ErrNeedsAttention) {
			t.Fatalf("Status error = %v, want ErrNeedsAttention", err)
		}
	}
	for range 3 {
		poll()
	}
	if got := strings.Count(logs.String(), "connection closed after error"); got != 1 {
		t.Errorf("%d closed-connection lines after 3 polls in a minute, want 1:\n%s", got, logs.String())
	}
	if got := strings.Count(logs.String(), "printer reconnected"); got != 1 {
		t.Errorf("%d reconnect lines after 3 polls in a minute, want 1:\n%s", got, logs.String())
	}

	now = now.Add(time.Minute)
	poll()
	if got := strings.Count(logs.String(), "connection closed after error"); got != 2 {
		t.Errorf("%d closed-connection lines after a minute, want 2:\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "suppressed=2") {
		t.Errorf("log lacks the count of 2 suppressed lines:\n%s", logs.String())
	}
}
