package rfid

import (
	"time"

	"go.bug.st/serial"
)

// SetOpen replaces the function that opens a Reader's port.
func SetOpen(r *Reader, open func(path string, mode *serial.Mode, timeout time.Duration) (Port, error)) {
	r.open = open
}

// OpenSerial is the function that opens a Reader's port by default.
var OpenSerial = openSerial
