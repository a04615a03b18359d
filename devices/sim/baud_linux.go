package sim

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// baudRates maps the Linux termios speed codes to rates in bit/s.
var baudRates = map[uint32]int{
	unix.B1200: 1200, unix.B2400: 2400, unix.B4800: 4800, unix.B9600: 9600,
	unix.B19200: 19200, unix.B38400: 38400, unix.B57600: 57600, unix.B115200: 115200,
}

// ttyBaud returns the baud rate a terminal is set to.
func ttyBaud(f *os.File) (int, error) {
	termios, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return 0, fmt.Errorf("sim: read settings of %s: %w", f.Name(), err)
	}
	code := termios.Cflag & unix.CBAUD
	rate, ok := baudRates[code]
	if !ok {
		return 0, fmt.Errorf("sim: %s is set to speed code %#o, not a rate from 1200 to 115200 baud", f.Name(), code)
	}
	return rate, nil
}
