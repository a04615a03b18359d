//go:build !linux

package sim

import (
	"errors"
	"os"
)

// ttyBaud is implemented on Linux only.
func ttyBaud(*os.File) (int, error) {
	return 0, errors.New("sim: reading a pty's baud rate is implemented on Linux only")
}
