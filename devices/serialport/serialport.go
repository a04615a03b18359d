// Package serialport opens a serial port whose reads wait in Go's
// network poller on Linux.
//
// go.bug.st/serial waits for bytes in a select system call. The Go
// runtime takes the processor back from a goroutine that stays 10 ms in a
// system call, and its monitor thread then polls every 20 µs for a while.
// With a reader and a streaming scale that way, an idle kiosk used about
// 4 % of a core, against 1.3 to 1.9 % with this package. Here the port is
// opened non-blocking and a read waits on epoll like a socket does, with
// the read timeout as a deadline. The line settings are those of
// go.bug.st/serial's Mode, so configuration does not change. Other
// systems use go.bug.st/serial itself.
package serialport

import (
	"errors"
	"time"
)

// ErrHangUp reports a port whose device has gone, such as a USB adapter
// pulled out or a pty whose other end closed.
var ErrHangUp = errors.New("serial device hung up")

// Port is an open serial port. Read returns 0 bytes and a nil error when
// the read timeout passes without a byte, as go.bug.st/serial's ports do.
// Close may be called from another goroutine to end a waiting Read.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	// SetReadTimeout sets how long a Read waits for its first byte;
	// 0 or less waits until a byte arrives or the port closes.
	SetReadTimeout(d time.Duration) error
}
