package printer

import (
	"bytes"
	"fmt"
	"strconv"

	"lambtrace/line"
)

// Control bytes that frame each ~HS string.
const (
	stx = 0x02
	etx = 0x03
)

// statusFrames is the number of STX…ETX strings in a ~HS reply.
const statusFrames = 3

// MaxStatusReply is the largest ~HS reply the collector accepts. The
// three strings of a real reply take about 80 bytes.
const MaxStatusReply = 512

// Field counts of the three ~HS strings in the ZPL II Programming Guide.
// Extra fields that a newer firmware may append are ignored.
var statusFieldCounts = [statusFrames]int{12, 11, 2}

// StatusCollector gathers a ~HS reply from reads of any size, so a frame
// split across several TCP segments or serial reads is reassembled. The
// zero value is ready to use.
type StatusCollector struct {
	buf    []byte
	frames int  // complete frames seen
	inside bool // between an STX and its ETX
}

// Add appends p to the reply and reports whether the third frame has
// ended. It returns a *StatusError as soon as the bytes show that the
// reply is not ~HS status. The error wraps ErrNotZPL when the first byte
// other than CR, LF or space is not STX. It wraps ErrStatusMalformed for
// a byte outside the frames, a control byte inside one, or a reply
// longer than MaxStatusReply. Bytes after the third ETX are kept but not
// checked.
func (c *StatusCollector) Add(p []byte) (done bool, err error) {
	for _, b := range p {
		if c.frames == statusFrames {
			c.buf = append(c.buf, b)
			continue
		}
		if len(c.buf) >= MaxStatusReply {
			return false, c.fail(ErrStatusMalformed, "reply longer than %d bytes", MaxStatusReply)
		}
		c.buf = append(c.buf, b)

		if err := c.step(b); err != nil {
			return false, err
		}
	}
	return c.frames == statusFrames, nil
}

// step advances the framing state by one byte that is already in buf.
func (c *StatusCollector) step(b byte) error {
	if c.inside {
		switch {
		case b == etx:
			c.inside = false
			c.frames++
		case b < 0x20 || b > 0x7e:
			return c.fail(ErrStatusMalformed, "byte 0x%02x inside frame %d", b, c.frames+1)
		}
		return nil
	}

	switch {
	case b == stx:
		c.inside = true
	case b == '\r' || b == '\n' || b == ' ':
		// CR LF ends each frame. It may arrive after the collector has
		// stopped at the third ETX of the previous reply.
	case c.frames == 0:
		return c.fail(ErrNotZPL, "first byte 0x%02x is not STX", b)
	default:
		return c.fail(ErrStatusMalformed, "byte 0x%02x between frames %d and %d", b, c.frames, c.frames+1)
	}
	return nil
}

// Bytes returns the reply collected so far. The slice is valid until the
// next Add or Reset.
func (c *StatusCollector) Bytes() []byte { return c.buf }

// Reset empties the collector for the next reply.
func (c *StatusCollector) Reset() {
	c.buf = c.buf[:0]
	c.frames = 0
	c.inside = false
}

// Status parses the collected reply. Before the third frame has ended it
// returns ErrStatusTruncated.
func (c *StatusCollector) Status() (line.PrinterStatus, error) {
	return ParseStatus(c.buf)
}

func (c *StatusCollector) fail(kind error, detail string, args ...any) *StatusError {
	return &StatusError{
		Reply:  bytes.Clone(c.buf),
		Err:    kind,
		Detail: fmt.Sprintf(detail, args...),
	}
}

// ParseStatus parses a complete reply to ~HS: three strings, each STX,
// comma-separated fields, ETX, CR, LF. It returns a *StatusError that
// wraps ErrNotZPL, ErrStatusMalformed or ErrStatusTruncated when the
// reply is not that. Status.Raw holds a copy of reply.
//
// LabelsPending is the "labels remaining in batch" field of string 2 plus
// the "formats in receive buffer" field of string 1. ~HS does not say how
// many labels a waiting format holds, so each counts as one, and zero
// means the printer has finished every format it received.
func ParseStatus(reply []byte) (line.PrinterStatus, error) {
	var c StatusCollector
	done, err := c.Add(reply)
	if err != nil {
		return line.PrinterStatus{}, err
	}
	if !done {
		detail := fmt.Sprintf("%d of %d frames complete", c.frames, statusFrames)
		if len(reply) == 0 {
			detail = "empty reply"
		}
		return line.PrinterStatus{}, &StatusError{Reply: bytes.Clone(reply), Err: ErrStatusTruncated, Detail: detail}
	}

	fields, err := splitFrames(c.buf)
	if err != nil {
		return line.PrinterStatus{}, &StatusError{Reply: bytes.Clone(reply), Err: ErrStatusMalformed, Detail: err.Error()}
	}
	status, err := decodeFields(fields)
	if err != nil {
		return line.PrinterStatus{}, &StatusError{Reply: bytes.Clone(reply), Err: ErrStatusMalformed, Detail: err.Error()}
	}
	status.Raw = bytes.Clone(reply)
	return status, nil
}

// splitFrames returns the comma-separated fields of each of the three
// frames in a reply that StatusCollector has accepted.
func splitFrames(reply []byte) ([statusFrames][]string, error) {
	var fields [statusFrames][]string
	rest := reply
	for i := range statusFrames {
		start := bytes.IndexByte(rest, stx)
		end := bytes.IndexByte(rest, etx)
		if start < 0 || end < start {
			return fields, fmt.Errorf("frame %d not found", i+1)
		}
		fields[i] = splitFields(rest[start+1 : end])
		if len(fields[i]) < statusFieldCounts[i] {
			return fields, fmt.Errorf("string %d has %d fields, want %d", i+1, len(fields[i]), statusFieldCounts[i])
		}
		rest = rest[end+1:]
	}
	return fields, nil
}

func splitFields(frame []byte) []string {
	parts := bytes.Split(frame, []byte{','})
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// decodeFields maps the fields the line cares about. Field positions
// follow the ~HS description in the ZPL II Programming Guide:
//
//	string 1  aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
//	          b paper out, c pause, eee formats in receive buffer,
//	          f buffer full, l over temperature
//	string 2  mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
//	          o head up (open), p ribbon out,
//	          uuuuuuuu labels remaining in batch
//	string 3  xxxx,y
//
// Every field of string 1 and the numeric fields of string 2 must be
// decimal digits. The print mode r may be a letter (K, S or A for kiosk
// modes) and is not checked. String 3 is not checked.
func decodeFields(fields [statusFrames][]string) (line.PrinterStatus, error) {
	s1, s2 := fields[0], fields[1]
	for i, f := range s1[:statusFieldCounts[0]] {
		if !isDigits(f) {
			return line.PrinterStatus{}, fmt.Errorf("string 1 field %d is %q, not digits", i+1, f)
		}
	}
	for _, i := range []int{0, 1, 2, 3, 4, 6, 7, 8, 9, 10} {
		if !isDigits(s2[i]) {
			return line.PrinterStatus{}, fmt.Errorf("string 2 field %d is %q, not digits", i+1, s2[i])
		}
	}

	var status line.PrinterStatus
	var err error
	if status.PaperOut, err = flagField(s1[1], "paper out"); err != nil {
		return line.PrinterStatus{}, err
	}
	if status.Paused, err = flagField(s1[2], "pause"); err != nil {
		return line.PrinterStatus{}, err
	}
	if status.BufferFull, err = flagField(s1[5], "buffer full"); err != nil {
		return line.PrinterStatus{}, err
	}
	if status.HeadTooHot, err = flagField(s1[11], "over temperature"); err != nil {
		return line.PrinterStatus{}, err
	}
	if status.HeadOpen, err = flagField(s2[2], "head up"); err != nil {
		return line.PrinterStatus{}, err
	}
	if status.RibbonOut, err = flagField(s2[3], "ribbon out"); err != nil {
		return line.PrinterStatus{}, err
	}

	formats, err := count(s1[4], "formats in receive buffer")
	if err != nil {
		return line.PrinterStatus{}, err
	}
	remaining, err := count(s2[8], "labels remaining in batch")
	if err != nil {
		return line.PrinterStatus{}, err
	}
	status.LabelsPending = formats + remaining
	return status, nil
}

func flagField(v, name string) (bool, error) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("%s flag is %q, not 0 or 1", name, v)
}

// count parses a decimal count of at most 8 digits, the width of the
// widest ~HS count field, so the result always fits an int.
func count(v, name string) (int, error) {
	if len(v) > 8 {
		return 0, fmt.Errorf("%s is %q, more than 8 digits", name, v)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s is %q, not a number", name, v)
	}
	return n, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
