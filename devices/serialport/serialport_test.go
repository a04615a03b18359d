//go:build linux

package serialport_test

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"

	"lambtrace/devices/serialport"
	"lambtrace/devices/sim"
)

// startPair starts a socat pty pair and returns it with the simulator's
// end opened for the test to write and read.
func startPair(t testing.TB) (*sim.PtyPair, *os.File) {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; the serial port tests need it (apt-get install socat)")
	}
	pair, err := sim.StartPtyPair(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pair.Close)
	end, err := os.OpenFile(pair.Simulator, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { end.Close() })
	return pair, end
}

var mode9600 = &serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}

func TestReadWrite(t *testing.T) {
	pair, end := startPair(t)
	p, err := serialport.Open(pair.Station, mode9600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetReadTimeout(2 * time.Second)

	if _, err := end.Write([]byte("ST,GS,+0012.34kg\r\n")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 64)
	for len(got) < 18 {
		n, err := p.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatalf("read timed out after %q", got)
		}
		got = append(got, buf[:n]...)
	}
	if string(got) != "ST,GS,+0012.34kg\r\n" {
		t.Errorf("read %q", got)
	}

	if _, err := p.Write([]byte("RS\r")); err != nil {
		t.Fatal(err)
	}
	end.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := end.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if string(buf[:n]) != "RS\r" {
		t.Errorf("the other end read %q, want %q", buf[:n], "RS\r")
	}
}

func TestReadTimeout(t *testing.T) {
	pair, _ := startPair(t)
	p, err := serialport.Open(pair.Station, mode9600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetReadTimeout(100 * time.Millisecond)
	start := time.Now()
	n, err := p.Read(make([]byte, 8))
	if n != 0 || err != nil {
		t.Errorf("Read on a silent line = %d, %v; want 0, nil", n, err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("Read returned after %v, before its 100 ms timeout", waited)
	}
}

func TestCloseEndsRead(t *testing.T) {
	pair, _ := startPair(t)
	p, err := serialport.Open(pair.Station, mode9600)
	if err != nil {
		t.Fatal(err)
	}
	p.SetReadTimeout(0)
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 8))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a Read ended by Close returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a waiting Read within 5 s")
	}
}

func TestHangUp(t *testing.T) {
	pair, end := startPair(t)
	p, err := serialport.Open(pair.Station, mode9600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetReadTimeout(2 * time.Second)
	end.Close()
	pair.Close()
	<-pair.Exited()
	_, err = p.Read(make([]byte, 8))
	if !errors.Is(err, serialport.ErrHangUp) {
		t.Errorf("Read after the other end closed = %v, want ErrHangUp", err)
	}
}

func TestLineSettings(t *testing.T) {
	pair, _ := startPair(t)
	cases := []struct {
		mode  serial.Mode
		speed uint32
		cflag uint32
	}{
		{serial.Mode{BaudRate: 9600, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}, 9600, unix.B9600},
		{serial.Mode{BaudRate: 19200, DataBits: 7, Parity: serial.EvenParity, StopBits: serial.OneStopBit}, 19200, unix.B19200},
		{serial.Mode{BaudRate: 4800, DataBits: 8, Parity: serial.OddParity, StopBits: serial.TwoStopBits}, 4800, unix.CSTOPB | unix.B4800},
		{serial.Mode{BaudRate: 2400, Parity: serial.NoParity, StopBits: serial.OneStopBit}, 2400, unix.B2400},
		{serial.Mode{BaudRate: 14400, DataBits: 8}, 14400, unix.BOTHER},
	}
	for _, c := range cases {
		p, err := serialport.Open(pair.Station, &c.mode)
		if err != nil {
			t.Fatalf("%+v: %v", c.mode, err)
		}
		f, err := os.Open(pair.Station)
		if err != nil {
			t.Fatal(err)
		}
		got, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS2)
		f.Close()
		p.Close()
		if err != nil {
			t.Fatal(err)
		}
		// A pty keeps the rate and stop bits but forces 8 data bits and
		// no parity, so those are checked in termiosFor's test.
		mask := uint32(unix.CSTOPB | unix.CBAUD)
		if got.Cflag&mask != c.cflag {
			t.Errorf("%+v: cflag %#o, want %#o", c.mode, got.Cflag&mask, c.cflag)
		}
		if got.Ospeed != c.speed {
			t.Errorf("%+v: %d baud, want %d", c.mode, got.Ospeed, c.speed)
		}
		if got.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || got.Oflag&unix.OPOST != 0 {
			t.Errorf("%+v: line not raw: lflag %#o oflag %#o", c.mode, got.Lflag, got.Oflag)
		}
	}
}

func TestOpenInvalid(t *testing.T) {
	pair, _ := startPair(t)
	cases := []serial.Mode{
		{BaudRate: 0},
		{BaudRate: 9600, DataBits: 9},
		{BaudRate: 9600, StopBits: serial.OnePointFiveStopBits},
		{BaudRate: 9600, Parity: serial.Parity(42)},
	}
	for _, m := range cases {
		if p, err := serialport.Open(pair.Station, &m); err == nil {
			p.Close()
			t.Errorf("Open with %+v succeeded", m)
		}
	}
	if _, err := serialport.Open(pair.Station+".absent", mode9600); !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Open of a missing path = %v, want ENOENT", err)
	}
}

func TestBytesBeforeOpenKept(t *testing.T) {
	pair, end := startPair(t)
	if _, err := end.Write([]byte("LA 982 000123456789\r\n")); err != nil {
		t.Fatal(err)
	}
	p, err := serialport.Open(pair.Station, mode9600)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	p.SetReadTimeout(time.Second)
	buf := make([]byte, 64)
	n, err := p.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the bytes written before the open were dropped")
	}
}
