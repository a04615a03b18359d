//go:build linux

package serialport

import (
	"testing"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

func TestTermiosForFlags(t *testing.T) {
	cases := []struct {
		mode  serial.Mode
		cflag uint32
		iflag uint32
	}{
		{serial.Mode{BaudRate: 9600}, unix.CS8 | unix.B9600, 0},
		{serial.Mode{BaudRate: 19200, DataBits: 7, Parity: serial.EvenParity}, unix.CS7 | unix.PARENB | unix.B19200, unix.INPCK},
		{serial.Mode{BaudRate: 4800, DataBits: 8, Parity: serial.OddParity, StopBits: serial.TwoStopBits},
			unix.CS8 | unix.PARENB | unix.PARODD | unix.CSTOPB | unix.B4800, unix.INPCK},
		{serial.Mode{BaudRate: 9600, DataBits: 7, Parity: serial.MarkParity}, unix.CS7 | unix.PARENB | unix.PARODD | unix.CMSPAR | unix.B9600, unix.INPCK},
		{serial.Mode{BaudRate: 9600, DataBits: 6, Parity: serial.SpaceParity}, unix.CS6 | unix.PARENB | unix.CMSPAR | unix.B9600, unix.INPCK},
		{serial.Mode{BaudRate: 250000, DataBits: 5}, unix.CS5 | unix.BOTHER, 0},
	}
	for _, c := range cases {
		got, err := termiosFor(&c.mode)
		if err != nil {
			t.Fatalf("%+v: %v", c.mode, err)
		}
		if want := c.cflag | unix.CREAD | unix.CLOCAL; got.Cflag != want {
			t.Errorf("%+v: cflag %#o, want %#o", c.mode, got.Cflag, want)
		}
		if got.Iflag != c.iflag {
			t.Errorf("%+v: iflag %#o, want %#o", c.mode, got.Iflag, c.iflag)
		}
		if got.Ospeed != uint32(c.mode.BaudRate) || got.Ispeed != uint32(c.mode.BaudRate) {
			t.Errorf("%+v: speeds %d/%d", c.mode, got.Ispeed, got.Ospeed)
		}
		if got.Lflag != 0 || got.Oflag != 0 {
			t.Errorf("%+v: not raw: lflag %#o oflag %#o", c.mode, got.Lflag, got.Oflag)
		}
	}
}
