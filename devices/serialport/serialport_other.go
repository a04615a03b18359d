//go:build !linux

package serialport

import "go.bug.st/serial"

// Open opens the port at path with go.bug.st/serial.
func Open(path string, mode *serial.Mode) (Port, error) {
	return serial.Open(path, mode)
}
