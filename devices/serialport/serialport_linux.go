//go:build linux

package serialport

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// port is a tty opened non-blocking, so os.File registers it with the
// runtime's poller.
type port struct {
	f       *os.File
	timeout atomic.Int64 // nanoseconds; 0 waits without a deadline
}

// Open opens the tty at path for exclusive use and sets its line to mode:
// raw bytes, no flow control, the given rate, data bits, parity and stop
// bits. A zero DataBits means 8. Any rate the driver accepts can be set.
// It fails when the driver sets another rate than the one requested.
func Open(path string, mode *serial.Mode) (Port, error) {
	t, err := termiosFor(mode)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	if err := setup(fd, t); err != nil {
		unix.Close(fd)
		return nil, &os.PathError{Op: "configure", Path: path, Err: err}
	}
	// The descriptor is non-blocking, so NewFile adds it to the poller.
	return &port{f: os.NewFile(uintptr(fd), path)}, nil
}

// setup takes the tty for exclusive use and sets its line. Bytes that
// arrived before the open stay to be read, as go.bug.st/serial leaves them.
func setup(fd int, want *unix.Termios) error {
	if err := unix.IoctlSetInt(fd, unix.TIOCEXCL, 0); err != nil {
		return fmt.Errorf("exclusive access: %w", err)
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil {
		return fmt.Errorf("read line settings: %w", err)
	}
	t.Iflag, t.Oflag, t.Lflag = want.Iflag, want.Oflag, want.Lflag
	t.Cflag = want.Cflag
	t.Ispeed, t.Ospeed = want.Ispeed, want.Ospeed
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS2, t); err != nil {
		return fmt.Errorf("set line settings: %w", err)
	}
	got, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil {
		return fmt.Errorf("read line settings back: %w", err)
	}
	if got.Ispeed != want.Ispeed || got.Ospeed != want.Ospeed {
		return fmt.Errorf("the driver set %d baud instead of %d", got.Ospeed, want.Ospeed)
	}
	return nil
}

// speedCodes are the termios codes of the usual rates. A program that
// reads the line with the older TCGETS request gets these codes, so they
// are set where one exists, and any other rate goes as a number (BOTHER).
var speedCodes = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600, 19200: unix.B19200,
	38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200, 230400: unix.B230400,
}

// termiosFor returns the raw line settings of mode.
func termiosFor(mode *serial.Mode) (*unix.Termios, error) {
	if mode == nil || mode.BaudRate <= 0 {
		return nil, fmt.Errorf("invalid baud rate in %+v", mode)
	}
	t := &unix.Termios{
		Cflag:  unix.CREAD | unix.CLOCAL,
		Ispeed: uint32(mode.BaudRate),
		Ospeed: uint32(mode.BaudRate),
	}
	if code, ok := speedCodes[mode.BaudRate]; ok {
		t.Cflag |= code
	} else {
		t.Cflag |= unix.BOTHER
	}
	switch mode.DataBits {
	case 0, 8:
		t.Cflag |= unix.CS8
	case 7:
		t.Cflag |= unix.CS7
	case 6:
		t.Cflag |= unix.CS6
	case 5:
		t.Cflag |= unix.CS5
	default:
		return nil, fmt.Errorf("invalid data bits %d: want 5 to 8", mode.DataBits)
	}
	switch mode.Parity {
	case serial.NoParity:
	case serial.OddParity:
		t.Cflag |= unix.PARENB | unix.PARODD
	case serial.EvenParity:
		t.Cflag |= unix.PARENB
	case serial.MarkParity:
		t.Cflag |= unix.PARENB | unix.PARODD | unix.CMSPAR
	case serial.SpaceParity:
		t.Cflag |= unix.PARENB | unix.CMSPAR
	default:
		return nil, fmt.Errorf("invalid parity %d", mode.Parity)
	}
	if t.Cflag&unix.PARENB != 0 {
		// Check parity on input: a byte that fails it reads as 0.
		t.Iflag |= unix.INPCK
	}
	switch mode.StopBits {
	case serial.OneStopBit:
	case serial.TwoStopBits:
		t.Cflag |= unix.CSTOPB
	default:
		return nil, fmt.Errorf("invalid stop bits %d: Linux sets 1 or 2", mode.StopBits)
	}
	return t, nil
}

func (p *port) SetReadTimeout(d time.Duration) error {
	p.timeout.Store(int64(max(d, 0)))
	return nil
}

// Read waits for at least one byte until the read timeout. A hang-up of
// the device, which a tty reports as end of file or EIO, is ErrHangUp.
func (p *port) Read(b []byte) (int, error) {
	var deadline time.Time
	if d := time.Duration(p.timeout.Load()); d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := p.f.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	n, err := p.f.Read(b)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, nil
	case errors.Is(err, io.EOF), errors.Is(err, unix.EIO):
		return n, fmt.Errorf("read %s: %w", p.f.Name(), ErrHangUp)
	}
	return n, err
}

func (p *port) Write(b []byte) (int, error) {
	n, err := p.f.Write(b)
	if errors.Is(err, unix.EIO) {
		return n, fmt.Errorf("write %s: %w", p.f.Name(), ErrHangUp)
	}
	return n, err
}

// Close releases the port. A Read waiting in another goroutine returns
// with an error.
func (p *port) Close() error {
	return p.f.Close()
}
