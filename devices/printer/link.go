package printer

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"go.bug.st/serial"
)

// link is the byte stream to one printer: a TCP connection or a serial
// port. A Read or Write that passes the deadline returns an error that
// wraps os.ErrDeadlineExceeded, as net.Conn does.
type link interface {
	io.ReadWriteCloser
	SetDeadline(t time.Time) error
}

// serialPollInterval bounds each serial read, so a deadline set while a
// read waits takes effect within this time.
const serialPollInterval = 50 * time.Millisecond

// serialChunk is the number of bytes a serial Write hands to the kernel
// at a time. The deadline is checked between chunks.
const serialChunk = 256

// serialLink gives a go.bug.st/serial port the deadline behaviour of a
// net.Conn. The port's read timeout returns (0, nil), which serialLink
// turns into either another wait or os.ErrDeadlineExceeded.
type serialLink struct {
	port serial.Port

	mu       sync.Mutex // protects deadline
	deadline time.Time
}

func openSerial(path string, mode *serial.Mode) (*serialLink, error) {
	if mode == nil {
		return nil, fmt.Errorf("%w: serial mode missing for %s", ErrInvalidConfig, path)
	}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &serialLink{port: port}, nil
}

func (l *serialLink) SetDeadline(t time.Time) error {
	l.mu.Lock()
	l.deadline = t
	l.mu.Unlock()
	return nil
}

// remaining returns the time left before the deadline, capped at max. It
// returns max when no deadline is set and a value <= 0 once it passed.
func (l *serialLink) remaining(max time.Duration) time.Duration {
	l.mu.Lock()
	deadline := l.deadline
	l.mu.Unlock()
	if deadline.IsZero() {
		return max
	}
	return min(time.Until(deadline), max)
}

func (l *serialLink) Read(p []byte) (int, error) {
	for {
		wait := l.remaining(serialPollInterval)
		if wait <= 0 {
			return 0, os.ErrDeadlineExceeded
		}
		if err := l.port.SetReadTimeout(wait); err != nil {
			return 0, err
		}

		n, err := l.port.Read(p)
		if n < 0 {
			n = 0
		}
		if n > 0 || err != nil {
			return n, err
		}
		// (0, nil) is the port's read timeout: check the deadline again.
	}
}

// Write writes p in chunks and checks the deadline between them.
//
// NOTE: a chunk that blocks in the kernel, for example while the printer
// holds XOFF, is not interrupted by the deadline, because closing the
// descriptor does not end a blocked write(2) on Linux.
func (l *serialLink) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		if l.remaining(time.Hour) <= 0 {
			return sent, os.ErrDeadlineExceeded
		}
		end := min(sent+serialChunk, len(p))
		n, err := l.port.Write(p[sent:end])
		if n > 0 {
			sent += n
		}
		if err != nil {
			return sent, err
		}
		if n <= 0 {
			return sent, io.ErrShortWrite
		}
	}
	return sent, nil
}

func (l *serialLink) Close() error {
	return l.port.Close()
}
