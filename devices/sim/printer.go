package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// PrinterState is the condition a simulated ZPL printer reports in its
// reply to ~HS.
type PrinterState struct {
	PaperOut        bool
	Paused          bool
	HeadOpen        bool
	RibbonOut       bool
	HeadTooHot      bool
	BufferFull      bool
	FormatsInBuffer int // string 1 field eee, 0–999
	LabelsRemaining int // string 2 field uuuuuuuu, 0–99999999
}

// MaxPrinterJob is the largest job, from ^XA to ^XZ, that the simulated
// printer stores. A longer job is dropped and counted in DroppedJobs.
const MaxPrinterJob = 8 << 20

// printerReplyChunk and printerReplyPause shape a split reply. The
// simulator writes it a few bytes at a time, so the driver receives one
// frame in several reads.
const (
	printerReplyChunk = 5
	printerReplyPause = 2 * time.Millisecond
)

// Printer is a simulated ZPL II label printer. It serves raw TCP on
// 127.0.0.1 (Listen) or any byte stream such as a pty (Serve). It stores
// each job from ^XA to ^XZ. It replies to ~HS with the three STX…ETX CR
// LF strings of the ZPL II Programming Guide, built from its
// PrinterState.
// It can be made silent, as Zebra printers are during a media or head
// fault, or made to reply to ~HS with plain text, as a printer set to
// another command language does.
//
// Only the default prefixes ^ and ~ are recognized: ^CC and ~CT are
// stored with the job but not obeyed. A ~HS inside a job gets a reply and
// stays in the stored job. All methods are safe for concurrent use.
type Printer struct {
	mu             sync.Mutex // protects the fields below
	state          PrinterState
	silent         bool
	nonZPLReply    []byte
	splitReplies   bool
	jobs           [][]byte
	jobCount       int
	droppedJobs    int
	statusRequests int
	listener       net.Listener
	conns          map[net.Conn]struct{}
	closed         bool

	wg sync.WaitGroup // accept loop and connection goroutines
}

// NewPrinter returns a ready printer with paper, a closed head and
// nothing to print. It does no I/O.
func NewPrinter() *Printer {
	return &Printer{conns: make(map[net.Conn]struct{})}
}

// Listen starts serving raw TCP on a free port of 127.0.0.1 and returns
// its address. Each connection is served as by Serve.
func (p *Printer) Listen() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("simulated printer: listen: %w", err)
	}

	p.mu.Lock()
	if p.closed || p.listener != nil {
		p.mu.Unlock()
		ln.Close()
		return "", errors.New("simulated printer: already listening or closed")
	}
	p.listener = ln
	p.mu.Unlock()

	p.wg.Add(1)
	go p.accept(ln)
	return ln.Addr().String(), nil
}

func (p *Printer) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return // the listener was closed
		}

		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			conn.Close()
			return
		}
		p.conns[conn] = struct{}{}
		p.mu.Unlock()

		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.Serve(conn)
			conn.Close()

			p.mu.Lock()
			delete(p.conns, conn)
			p.mu.Unlock()
		}()
	}
}

// Serve reads ZPL from rw until a read fails, storing jobs and writing
// ~HS replies to rw. It returns nil at io.EOF and the read error otherwise. A
// read that returns no bytes and no error, as a serial port with a read
// timeout does, is retried.
func (p *Printer) Serve(rw io.ReadWriter) error {
	var stream zplStream
	buf := make([]byte, 4096)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			stream.feed(buf[:n], p.storeJob, p.dropJob, func() { p.answerStatus(rw) })
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Close stops the listener, closes every connection and waits for their
// goroutines. Close is safe to call more than once.
func (p *Printer) Close() error {
	p.mu.Lock()
	p.closed = true
	ln := p.listener
	for conn := range p.conns {
		conn.Close()
	}
	p.mu.Unlock()

	if ln != nil {
		ln.Close()
	}
	p.wg.Wait()
	return nil
}

// SetState sets what the printer reports in its next ~HS reply.
func (p *Printer) SetState(s PrinterState) {
	p.mu.Lock()
	p.state = s
	p.mu.Unlock()
}

// State returns the state set by SetState.
func (p *Printer) State() PrinterState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// SetSilent makes the printer keep reading and storing jobs but send no
// reply to ~HS. SetSilent(false) turns replies back on.
func (p *Printer) SetSilent(silent bool) {
	p.mu.Lock()
	p.silent = silent
	p.mu.Unlock()
}

// SetNonZPLReply makes the printer send reply instead of ZPL status in
// response to ~HS. A nil reply restores ZPL status replies.
func (p *Printer) SetNonZPLReply(reply []byte) {
	p.mu.Lock()
	p.nonZPLReply = bytes.Clone(reply)
	p.mu.Unlock()
}

// SetSplitReplies makes the printer write each ~HS reply 5 bytes at a
// time with a 2 ms pause between writes, so a frame reaches the driver
// in several reads.
func (p *Printer) SetSplitReplies(split bool) {
	p.mu.Lock()
	p.splitReplies = split
	p.mu.Unlock()
}

// Jobs returns a copy of the jobs received since the last ClearJobs, in
// order, each from ^XA to ^XZ inclusive.
func (p *Printer) Jobs() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([][]byte, len(p.jobs))
	for i, j := range p.jobs {
		out[i] = bytes.Clone(j)
	}
	return out
}

// JobCount returns the number of jobs received since NewPrinter,
// including cleared ones.
func (p *Printer) JobCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jobCount
}

// DroppedJobs returns the number of jobs dropped for being longer than
// MaxPrinterJob.
func (p *Printer) DroppedJobs() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.droppedJobs
}

// ClearJobs discards the stored jobs, so a long benchmark does not keep
// them all in memory. JobCount still counts them.
func (p *Printer) ClearJobs() {
	p.mu.Lock()
	p.jobs = nil
	p.mu.Unlock()
}

// StatusRequests returns the number of ~HS commands received, including
// those left without a reply.
func (p *Printer) StatusRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statusRequests
}

// PrinterStatusReply returns the three ~HS strings for s, each STX, fields, ETX,
// CR, LF, with the field layout of the ZPL II Programming Guide. Fields
// the simulator does not model have fixed plausible values: 9600 8N1
// communication settings, a 812-dot label, tear-off mode.
func PrinterStatusReply(s PrinterState) []byte {
	flag := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	formats := min(max(s.FormatsInBuffer, 0), 999)
	remaining := min(max(s.LabelsRemaining, 0), 99999999)

	var b bytes.Buffer
	fmt.Fprintf(&b, "\x02030,%d,%d,0812,%03d,%d,0,0,000,0,0,%d\x03\r\n",
		flag(s.PaperOut), flag(s.Paused), formats, flag(s.BufferFull), flag(s.HeadTooHot))
	fmt.Fprintf(&b, "\x02000,0,%d,%d,0,2,4,0,%08d,1,000\x03\r\n",
		flag(s.HeadOpen), flag(s.RibbonOut), remaining)
	b.WriteString("\x021234,0\x03\r\n")
	return b.Bytes()
}

func (p *Printer) storeJob(job []byte) {
	p.mu.Lock()
	p.jobs = append(p.jobs, bytes.Clone(job))
	p.jobCount++
	p.mu.Unlock()
}

func (p *Printer) dropJob() {
	p.mu.Lock()
	p.droppedJobs++
	p.mu.Unlock()
}

// answerStatus writes the ~HS reply for the current state, unless the
// printer is silent. A write error is ignored: the next read on the same
// stream fails too and ends Serve.
func (p *Printer) answerStatus(w io.Writer) {
	p.mu.Lock()
	p.statusRequests++
	silent, split := p.silent, p.splitReplies
	reply := PrinterStatusReply(p.state)
	if p.nonZPLReply != nil {
		reply = bytes.Clone(p.nonZPLReply)
	}
	p.mu.Unlock()

	if silent {
		return
	}
	if !split {
		w.Write(reply)
		return
	}
	for len(reply) > 0 {
		n := min(printerReplyChunk, len(reply))
		if _, err := w.Write(reply[:n]); err != nil {
			return
		}
		reply = reply[n:]
		time.Sleep(printerReplyPause)
	}
}

// zplStream finds jobs and ~HS commands in a byte stream that may be
// split anywhere, including inside ^XA, ^XZ or ~HS.
type zplStream struct {
	prev     [2]byte // the two bytes before the current one
	inFormat bool    // between ^XA and ^XZ
	job      []byte
	tooLong  bool // the current job passed MaxPrinterJob and is being skipped
}

func (s *zplStream) feed(data []byte, onJob func([]byte), onDrop func(), onStatus func()) {
	for _, b := range data {
		window := [3]byte{s.prev[0], s.prev[1], b}
		s.prev = [2]byte{s.prev[1], b}

		if s.inFormat && !s.tooLong {
			s.job = append(s.job, b)
			if len(s.job) > MaxPrinterJob {
				s.tooLong = true
				s.job = nil
			}
		}

		switch string(window[:]) {
		case "^XA":
			if !s.inFormat {
				s.inFormat = true
				s.tooLong = false
				s.job = append(s.job[:0], "^XA"...)
			}
		case "^XZ":
			if s.inFormat {
				if s.tooLong {
					onDrop()
				} else {
					onJob(s.job)
				}
				s.inFormat = false
				s.tooLong = false
				s.job = s.job[:0]
			}
		case "~HS":
			onStatus()
		}
	}
}
