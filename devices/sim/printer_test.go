package sim_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"lambtrace/devices/printer"
	"lambtrace/devices/sim"
)

// stream is an in-memory byte stream: reads come from r, writes go to w.
type stream struct {
	r io.Reader
	w bytes.Buffer
}

func (s *stream) Read(p []byte) (int, error)  { return s.r.Read(p) }
func (s *stream) Write(p []byte) (int, error) { return s.w.Write(p) }

const (
	label1 = "^XA^CI28^FO20,20^A0N,30,30^FDcarcass 1^FS^XZ"
	label2 = "^XA^CI28^FO20,20^BQN,2,4^FDQA,156000012345678^FS^XZ"
)

func TestPrinterServeSplitsJobs(t *testing.T) {
	input := "\r\n" + label1 + "\r\n" + label2 + "~HS" + "junk^XZ"
	p := sim.NewPrinter()
	s := &stream{r: strings.NewReader(input)}
	if err := p.Serve(s); err != nil {
		t.Fatalf("Serve: %v", err)
	}

	jobs := p.Jobs()
	if len(jobs) != 2 {
		t.Fatalf("Jobs() has %d jobs, want 2: %q", len(jobs), jobs)
	}
	if string(jobs[0]) != label1 {
		t.Errorf("job 1 = %q, want %q", jobs[0], label1)
	}
	if string(jobs[1]) != label2 {
		t.Errorf("job 2 = %q, want %q", jobs[1], label2)
	}
	if got := p.StatusRequests(); got != 1 {
		t.Errorf("StatusRequests() = %d, want 1", got)
	}
	if !bytes.Equal(s.w.Bytes(), sim.PrinterStatusReply(sim.PrinterState{})) {
		t.Errorf("reply = %q, want the ready status", s.w.Bytes())
	}
}

// Ensure jobs and ~HS are found when the stream is split inside ^XA,
// ^XZ or ~HS, down to one byte per read.
func TestPrinterServeOneByteReads(t *testing.T) {
	input := label1 + "~HS" + label2
	p := sim.NewPrinter()
	s := &stream{r: iotest.OneByteReader(strings.NewReader(input))}
	if err := p.Serve(s); err != nil {
		t.Fatalf("Serve: %v", err)
	}

	jobs := p.Jobs()
	if len(jobs) != 2 || string(jobs[0]) != label1 || string(jobs[1]) != label2 {
		t.Errorf("Jobs() = %q, want [%q %q]", jobs, label1, label2)
	}
	if got := p.StatusRequests(); got != 1 {
		t.Errorf("StatusRequests() = %d, want 1", got)
	}
}

func TestPrinterStatusReplyStates(t *testing.T) {
	tests := []struct {
		name  string
		state sim.PrinterState
	}{
		{"Ready", sim.PrinterState{}},
		{"PaperOut", sim.PrinterState{PaperOut: true}},
		{"Paused", sim.PrinterState{Paused: true}},
		{"HeadOpen", sim.PrinterState{HeadOpen: true}},
		{"RibbonOut", sim.PrinterState{RibbonOut: true}},
		{"HeadTooHot", sim.PrinterState{HeadTooHot: true}},
		{"BufferFull", sim.PrinterState{BufferFull: true}},
		{"Pending", sim.PrinterState{FormatsInBuffer: 3, LabelsRemaining: 12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reply := sim.PrinterStatusReply(tt.state)
			got, err := printer.ParseStatus(reply)
			if err != nil {
				t.Fatalf("ParseStatus(%q): %v", reply, err)
			}
			s := tt.state
			if got.PaperOut != s.PaperOut || got.Paused != s.Paused || got.HeadOpen != s.HeadOpen ||
				got.RibbonOut != s.RibbonOut || got.HeadTooHot != s.HeadTooHot || got.BufferFull != s.BufferFull {
				t.Errorf("ParseStatus(%q) = %+v, want flags of %+v", reply, got, s)
			}
			if want := s.FormatsInBuffer + s.LabelsRemaining; got.LabelsPending != want {
				t.Errorf("LabelsPending = %d, want %d", got.LabelsPending, want)
			}
		})
	}
}

func TestPrinterStatusReplyBytes(t *testing.T) {
	got := string(sim.PrinterStatusReply(sim.PrinterState{HeadOpen: true}))
	want := "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n" +
		"\x02000,0,1,0,0,2,4,0,00000000,1,000\x03\r\n" +
		"\x021234,0\x03\r\n"
	if got != want {
		t.Errorf("PrinterStatusReply(head open) = %q, want %q", got, want)
	}
}

func TestPrinterSilent(t *testing.T) {
	p := sim.NewPrinter()
	p.SetSilent(true)
	s := &stream{r: strings.NewReader("~HS" + label1)}
	if err := p.Serve(s); err != nil {
		t.Fatal(err)
	}
	if s.w.Len() != 0 {
		t.Errorf("silent printer wrote %q", s.w.Bytes())
	}
	if p.StatusRequests() != 1 || p.JobCount() != 1 {
		t.Errorf("StatusRequests() = %d, JobCount() = %d, want 1, 1", p.StatusRequests(), p.JobCount())
	}
}

func TestPrinterNonZPLReply(t *testing.T) {
	p := sim.NewPrinter()
	p.SetNonZPLReply([]byte("PRINTER READY\r\n"))
	s := &stream{r: strings.NewReader("~HS")}
	if err := p.Serve(s); err != nil {
		t.Fatal(err)
	}
	if got := s.w.String(); got != "PRINTER READY\r\n" {
		t.Errorf("reply = %q, want the plain text", got)
	}
}

func TestPrinterDropsOversizedJob(t *testing.T) {
	big := "^XA" + strings.Repeat("0", sim.MaxPrinterJob) + "^XZ"
	p := sim.NewPrinter()
	if err := p.Serve(&stream{r: strings.NewReader(big + label1)}); err != nil {
		t.Fatal(err)
	}
	if got := p.DroppedJobs(); got != 1 {
		t.Errorf("DroppedJobs() = %d, want 1", got)
	}
	jobs := p.Jobs()
	if len(jobs) != 1 || string(jobs[0]) != label1 {
		t.Errorf("Jobs() = %d jobs, want only the small one", len(jobs))
	}
}

// Ensure Serve returns a read error other than io.EOF.
func TestPrinterServeReadError(t *testing.T) {
	boom := errors.New("boom")
	p := sim.NewPrinter()
	if err := p.Serve(&stream{r: iotest.ErrReader(boom)}); !errors.Is(err, boom) {
		t.Errorf("Serve error = %v, want %v", err, boom)
	}
}

func TestPrinterTCP(t *testing.T) {
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))

	if _, err := conn.Write([]byte(label1 + "~HS")); err != nil {
		t.Fatal(err)
	}
	want := sim.PrinterStatusReply(sim.PrinterState{})
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil {
		t.Fatalf("read reply: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("reply = %q, want %q", got, want)
	}
	// The stream is handled in order, so the job was stored before the
	// reply was sent.
	if jobs := p.Jobs(); len(jobs) != 1 || string(jobs[0]) != label1 {
		t.Errorf("Jobs() = %q, want [%q]", jobs, label1)
	}
}

// Ensure Close ends open connections and a second Close is harmless.
func TestPrinterClose(t *testing.T) {
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	p.Close()
	p.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Error("read after Close succeeded, want an error")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("dial after Close succeeded, want an error")
	}
}

// Ensure the jobs found and ~HS commands counted do not depend on where
// the stream is split, and that no input makes Serve panic.
func FuzzPrinterServeSplit(f *testing.F) {
	f.Add([]byte(label1+"~HS"+label2), 3)
	f.Add([]byte("^X^XA^XZ~H~HS^XZ^XA"), 1)
	f.Add([]byte("~HS~HS^XA~HS^XZ"), 7)
	f.Fuzz(func(t *testing.T, input []byte, cut int) {
		whole := sim.NewPrinter()
		if err := whole.Serve(&stream{r: bytes.NewReader(input)}); err != nil {
			t.Fatal(err)
		}

		cut = min(max(cut, 0), len(input))
		split := sim.NewPrinter()
		r := io.MultiReader(bytes.NewReader(input[:cut]), bytes.NewReader(input[cut:]))
		if err := split.Serve(&stream{r: r}); err != nil {
			t.Fatal(err)
		}

		if whole.StatusRequests() != split.StatusRequests() {
			t.Errorf("StatusRequests() = %d whole, %d split at %d", whole.StatusRequests(), split.StatusRequests(), cut)
		}
		wholeJobs, splitJobs := whole.Jobs(), split.Jobs()
		if len(wholeJobs) != len(splitJobs) {
			t.Fatalf("%d jobs whole, %d split at %d", len(wholeJobs), len(splitJobs), cut)
		}
		for i := range wholeJobs {
			if !bytes.Equal(wholeJobs[i], splitJobs[i]) {
				t.Errorf("job %d = %q whole, %q split at %d", i, wholeJobs[i], splitJobs[i], cut)
			}
			if !bytes.HasPrefix(wholeJobs[i], []byte("^XA")) || !bytes.HasSuffix(wholeJobs[i], []byte("^XZ")) {
				t.Errorf("job %d = %q, want ^XA…^XZ", i, wholeJobs[i])
			}
		}
	})
}
