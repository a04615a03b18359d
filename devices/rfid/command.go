package rfid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"lambtrace/devices/tap"
)

// echoWindow is how long after a command its echo is expected. A reader
// echoes each character as it arrives, so the echo comes within a few
// character times; the rest is margin for a busy station.
const echoWindow = 2 * time.Second

// errBaudUnknown is the result of Send while DetectBaud has not found the
// reader's rate yet.
var errBaudUnknown = errors.New("the reader's baud rate is not detected yet; send again after the first read")

// sendRequest is one command that Send hands to Run.
type sendRequest struct {
	command string
	result  chan error // buffered, so Run never waits for a sender that gave up
}

// Send sends a configuration command, such as an Allflex "B" command,
// followed by CR, through the running Run, which owns the port. The
// reader's echo of the command is dropped rather than delivered as a
// read. Send waits until Run has written the command or ctx is done, so
// it blocks while Run is not running or is between two opens of the port.
// The reader must have been made by NewReader.
func (r *Reader) Send(ctx context.Context, command string) error {
	if err := checkCommand(command); err != nil {
		return fmt.Errorf("rfid reader %q: %w", r.ID, err)
	}
	if r.sends == nil {
		return fmt.Errorf("rfid reader %q: Send needs a reader made by NewReader", r.ID)
	}
	req := sendRequest{command: command, result: make(chan error, 1)}
	select {
	case r.sends <- req:
	case <-ctx.Done():
		return fmt.Errorf("rfid reader %q: send %q: %w", r.ID, command, ctx.Err())
	}
	select {
	case err := <-req.result:
		if err != nil {
			return fmt.Errorf("rfid reader %q: send %q: %w", r.ID, command, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("rfid reader %q: send %q: %w", r.ID, command, ctx.Err())
	}
}

// checkCommand accepts a command of printable ASCII characters, which the
// line ending cannot be part of.
func checkCommand(command string) error {
	if command == "" {
		return errors.New("command is empty")
	}
	for i := 0; i < len(command); i++ {
		if command[i] < 0x20 || command[i] > 0x7e {
			return fmt.Errorf("command %q has a byte that is not printable ASCII at %d", command, i)
		}
	}
	return nil
}

// writeCommand writes command and CR to the port, copies what it wrote
// to t, and expects the echo.
func writeCommand(port Port, command string, echoes *echoFilter, now time.Time, t *tap.Recorder) error {
	w, ok := port.(io.Writer)
	if !ok {
		return errors.New("the port cannot be written to")
	}
	echoes.expect(command, now)
	b := []byte(command + "\r")
	n, err := w.Write(b)
	t.Record(tap.Sent, now, b[:max(n, 0)])
	if err != nil {
		return fmt.Errorf("write command %q: %w", command, err)
	}
	return nil
}

// echoFilter removes the reader's echo of the commands sent to it from
// the lines it sends.
type echoFilter struct {
	pending []pendingEcho
}

type pendingEcho struct {
	text  []byte
	until time.Time
}

func (f *echoFilter) expect(command string, now time.Time) {
	f.pending = append(f.pending, pendingEcho{text: []byte(command), until: now.Add(echoWindow)})
}

// strip removes an expected echo from the start of line, after any STX,
// and reports whether anything is left to decode: a read that followed
// the echo on the same line is kept.
func (f *echoFilter) strip(line []byte, now time.Time) ([]byte, bool) {
	kept := f.pending[:0]
	for _, p := range f.pending {
		if now.Before(p.until) {
			kept = append(kept, p)
		}
	}
	f.pending = kept

	text := bytes.TrimPrefix(line, []byte{stx})
	for i, p := range f.pending {
		if !bytes.HasPrefix(text, p.text) {
			continue
		}
		f.pending = append(f.pending[:i], f.pending[i+1:]...)
		rest := bytes.TrimLeft(text[len(p.text):], " ")
		return rest, len(rest) > 0
	}
	return line, true
}
