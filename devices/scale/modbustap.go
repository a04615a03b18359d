package scale

import (
	"time"

	"github.com/goburrow/modbus"

	"lambtrace/devices/tap"
)

// tapTransporter copies each request and reply that a goburrow/modbus
// transporter exchanges to a tap. goburrow/modbus v0.1.0 dials the TCP
// connection and opens the serial port itself and keeps both unexported,
// so the frames are taken at its Transporter interface. The request is
// the frame the client encoded, with the MBAP header over TCP or the CRC
// over RTU. The reply is the frame the transporter read, before the
// client checks it.
//
// NOTE: a reply that times out or breaks off midway is not returned by
// the transporter, so the tap shows the request with no reply.
type tapTransporter struct {
	next modbus.Transporter
	tap  *tap.Recorder
	now  func() time.Time
}

func (t tapTransporter) Send(request []byte) ([]byte, error) {
	t.tap.Record(tap.Sent, t.now(), request)
	reply, err := t.next.Send(request)
	t.tap.Record(tap.Received, t.now(), reply)
	return reply, err
}

// tappedClient returns a client of handler that copies its frames to t,
// or the plain client when t is nil.
func tappedClient[H interface {
	modbus.Packager
	modbus.Transporter
}](handler H, t *tap.Recorder, now func() time.Time) modbus.Client {
	if t == nil {
		return modbus.NewClient(handler)
	}
	return modbus.NewClient2(handler, tapTransporter{next: handler, tap: t, now: now})
}
