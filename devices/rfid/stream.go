package rfid

import (
	"errors"
	"fmt"
	"io"
	"time"

	"lambtrace/line"
)

// DecodeStream cuts recorded reader output into lines and WL-134 frames,
// as the Reader does on a live port, and delivers every read in order,
// decoded or with Err set. Unlike the Reader it drops no repeats, so a
// capture shows each read the reader sent. Bytes left at the end of the
// stream form a last line; an incomplete frame there is a read with Err.
// It returns the first error of r other than io.EOF.
func DecodeStream(r io.Reader, format Format, deliver func(line.TagRead)) error {
	if format > lastFormat {
		return fmt.Errorf("invalid rfid reader format %d", format)
	}
	reader := &Reader{Format: format, Now: time.Now}
	f := framer{binary: format == FormatWL134, auto: format == FormatUnknown}
	emit := func(c chunk) {
		if c.greeting {
			return
		}
		read := reader.decode(c)
		deliver(read)
	}
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			f.push(buf[:n], time.Time{}, emit)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if len(f.buf) > 0 && !f.binary && !(f.auto && f.buf[0] == stx && len(f.buf) < FrameSize) {
		f.push([]byte("\n"), time.Time{}, emit)
	}
	if len(f.buf) > 0 {
		f.emitRest("the stream ended inside a line or frame", emit)
	}
	return nil
}
