package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"lambtrace/devices/sim"
)

// printerSim is a simulated ZPL printer from devices/sim, served on
// 127.0.0.1, that also notes when each job arrived and, given a labels
// directory, writes every job there as SERIAL.zpl.
type printerSim struct {
	id      string
	printer *sim.Printer
	ln      net.Listener
	dir     string
	log     *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	onJob  func(serial string, at time.Time)
	jobs   int
	copies map[string]int // jobs per serial, to name reprints apart
	closed bool

	wg sync.WaitGroup
}

// startPrinterSim starts a simulated printer on a free port of 127.0.0.1.
func startPrinterSim(id, labelsDir string, log *slog.Logger) (*printerSim, error) {
	if labelsDir != "" {
		if err := os.MkdirAll(labelsDir, 0o755); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ps := &printerSim{id: id, printer: sim.NewPrinter(), ln: ln, dir: labelsDir, log: log,
		conns: make(map[net.Conn]struct{}), copies: make(map[string]int)}
	ps.wg.Add(1)
	go ps.accept()
	return ps, nil
}

// Addr returns the printer's host:port.
func (ps *printerSim) Addr() string { return ps.ln.Addr().String() }

// observe makes fn receive the serial and arrival time of every later job.
func (ps *printerSim) observe(fn func(serial string, at time.Time)) {
	ps.mu.Lock()
	ps.onJob = fn
	ps.mu.Unlock()
}

// Jobs returns the number of jobs the printer took.
func (ps *printerSim) Jobs() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.jobs
}

// SetState sets what the printer reports to ~HS, such as paper out.
func (ps *printerSim) SetState(s sim.PrinterState) { ps.printer.SetState(s) }

func (ps *printerSim) accept() {
	defer ps.wg.Done()
	for {
		conn, err := ps.ln.Accept()
		if err != nil {
			return // the listener was closed
		}
		ps.mu.Lock()
		if ps.closed {
			ps.mu.Unlock()
			conn.Close()
			return
		}
		ps.conns[conn] = struct{}{}
		ps.mu.Unlock()

		ps.wg.Add(1)
		go func() {
			defer ps.wg.Done()
			ps.printer.Serve(&stampedConn{Conn: conn, ps: ps})
			conn.Close()
			ps.mu.Lock()
			delete(ps.conns, conn)
			ps.mu.Unlock()
		}()
	}
}

// stampedConn cuts the jobs out of the bytes the simulated printer reads
// and notes when each arrived: when the read that completed it returned.
type stampedConn struct {
	net.Conn
	ps    *printerSim
	split jobSplitter
}

func (c *stampedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	at := time.Now()
	c.split.feed(b[:max(n, 0)], func(job []byte) { c.ps.took(job, at) })
	// The jobs are taken here, so the simulator need not keep its copies.
	c.ps.printer.ClearJobs()
	return n, err
}

// jobSplitter finds the ZPL formats, ^XA to ^XZ, in a byte stream split
// anywhere, as the simulated printer does: bytes outside a format, such
// as ~HS, are skipped.
type jobSplitter struct {
	buf      []byte
	inFormat bool // buf starts with ^XA
	scanned  int  // bytes of buf already searched for ^XZ
}

var (
	formatStart = []byte("^XA")
	formatEnd   = []byte("^XZ")
)

func (s *jobSplitter) feed(data []byte, onJob func([]byte)) {
	s.buf = append(s.buf, data...)
	for {
		if !s.inFormat {
			i := bytes.Index(s.buf, formatStart)
			if i < 0 {
				// Keep two bytes that may begin a ^XA split by the read.
				s.buf = append(s.buf[:0], s.buf[max(0, len(s.buf)-2):]...)
				return
			}
			s.buf = append(s.buf[:0], s.buf[i:]...)
			s.inFormat, s.scanned = true, len(formatStart)
		}
		j := bytes.Index(s.buf[s.scanned:], formatEnd)
		if j < 0 {
			s.scanned = max(len(formatStart), len(s.buf)-2)
			return
		}
		end := s.scanned + j + len(formatEnd)
		onJob(s.buf[:end])
		s.buf = append(s.buf[:0], s.buf[end:]...)
		s.inFormat = false
	}
}

// took notes a job that arrived at at and writes it to the labels
// directory.
func (ps *printerSim) took(job []byte, at time.Time) {
	serial, ok := labelSerial(job)
	if !ok {
		ps.log.Warn("simulated printer took a job without a label serial", "printer", ps.id, "bytes", len(job))
		serial = "unknown"
	}
	ps.mu.Lock()
	ps.jobs++
	ps.copies[serial]++
	copyNo, onJob := ps.copies[serial], ps.onJob
	ps.mu.Unlock()
	if onJob != nil {
		onJob(serial, at)
	}
	if ps.dir == "" {
		return
	}
	name := serial
	if copyNo > 1 {
		name = fmt.Sprintf("%s-%d", serial, copyNo)
	}
	if err := os.WriteFile(filepath.Join(ps.dir, name+".zpl"), job, 0o644); err != nil {
		ps.log.Error("write label job", "printer", ps.id, "serial", serial, "err", err)
	}
}

// Close stops the printer and waits for its connections to end.
func (ps *printerSim) Close() error {
	ps.mu.Lock()
	ps.closed = true
	for conn := range ps.conns {
		conn.Close()
	}
	ps.mu.Unlock()
	err := ps.ln.Close()
	ps.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// labelSerial returns the serial a ZPL label job carries in its QR code:
// the carcass number of a carcass label, or AI 21 of the GS1 Digital
// Link URI of a pack label. The job's QR field data starts with the
// error-correction and input switches, MA, or MM,Bnnnn.
func labelSerial(job []byte) (string, bool) {
	_, after, ok := bytes.Cut(job, []byte("^BQN"))
	if !ok {
		return "", false
	}
	_, after, ok = bytes.Cut(after, []byte("^FD"))
	if !ok {
		return "", false
	}
	data, _, ok := bytes.Cut(after, []byte("^FS"))
	if !ok {
		return "", false
	}

	content := string(data)
	switch {
	case strings.HasPrefix(content, "MA,"):
		content = content[3:]
	case strings.HasPrefix(content, "MM,B") && len(content) >= 8:
		content = content[8:]
	default:
		return "", false
	}

	// A pack's Digital Link carries its serial in AI 21; a carcass label
	// carries the carcass number alone.
	if _, path, ok := strings.Cut(content, "/21/"); ok {
		serial, _, _ := strings.Cut(path, "?")
		serial, _, _ = strings.Cut(serial, "/")
		return serial, serial != ""
	}
	if strings.ContainsAny(content, "/?:") || content == "" {
		return "", false
	}
	return content, true
}
