package scale

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// inputFlusher discards what waits in a serial port's input queue. It
// holds its own descriptor of the port, because goburrow/modbus v0.1.0
// keeps its own unexported, and the queue belongs to the port, not to a
// descriptor.
type inputFlusher struct {
	fd int
}

// openFlusher opens path without changing its settings or taking it for
// exclusive use.
func openFlusher(path string) (*inputFlusher, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s to flush its input: %w", path, err)
	}
	return &inputFlusher{fd: fd}, nil
}

// flush discards the bytes received and not yet read.
func (f *inputFlusher) flush() error {
	return unix.IoctlSetInt(f.fd, unix.TCFLSH, unix.TCIFLUSH)
}

func (f *inputFlusher) close() error {
	return unix.Close(f.fd)
}
