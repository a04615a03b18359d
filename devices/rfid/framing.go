package rfid

import (
	"bytes"
	"strconv"
	"time"
)

// maxLine is the maximum length of a text line that the framer collects.
// The longest known format, a Biomark line with date and reader id, is 42
// bytes, so a longer run without a line ending is noise.
const maxLine = 128

// chunk is one complete line or frame cut from the byte stream, or a run
// of bytes that could not be framed.
type chunk struct {
	data     []byte
	binary   bool   // a 30-byte frame, or bytes of a binary stream or of a broken frame
	err      string // reason the bytes could not be framed, or empty
	greeting bool   // a line of only STX, which an Allflex reader sends at power-on
}

// framer cuts the bytes of a reader into lines and WL-134 frames. It
// keeps no more than one incomplete line or frame between calls, so a
// line that arrives in pieces is joined.
//
// In text mode a line ends at CR, LF or CR LF, empty lines are skipped
// and a leading STX is kept for the decoders to strip. In binary mode
// 30-byte frames are cut, each starting at an STX. In auto mode a buffer
// that starts with STX is a frame when its 30th byte is ETX and no line
// ending comes before the checksum, and a line otherwise.
type framer struct {
	binary      bool // WL-134 frames only
	auto        bool // lines and WL-134 frames
	lineTimeout time.Duration
	buf         []byte
	last        time.Time // when the last byte arrived
}

// push adds bytes received at now and calls emit for each complete chunk.
func (f *framer) push(p []byte, now time.Time, emit func(chunk)) {
	f.buf = append(f.buf, p...)
	f.last = now
	for f.next(emit) {
	}
}

// idle is called after a read that returned no bytes. It completes an
// STX-started line in auto mode that can no longer grow into a frame, and
// reports a partial line or frame older than the line timeout.
func (f *framer) idle(now time.Time, emit func(chunk)) {
	if len(f.buf) == 0 {
		return
	}
	if !f.binary && f.nextText(emit) {
		for f.next(emit) {
		}
		return
	}
	if f.lineTimeout > 0 && now.Sub(f.last) >= f.lineTimeout {
		f.emitRest("incomplete line or frame: no more bytes within "+f.lineTimeout.String(), emit)
	}
}

// next emits at most one chunk from the buffer and reports whether it
// did, so the caller loops until the buffer needs more bytes.
func (f *framer) next(emit func(chunk)) bool {
	if len(f.buf) == 0 {
		return false
	}
	if f.binary {
		return f.nextFrame(emit)
	}
	if f.auto && f.buf[0] == stx {
		// Bytes 1-26 of a frame are ASCII hex digits. The checksum byte
		// that follows may be CR, LF or STX, so it decides nothing.
		ascii := f.buf[1:min(len(f.buf), offsetChecksum)]
		if !bytes.ContainsAny(ascii, "\r\n\x02") {
			if len(f.buf) < FrameSize {
				return false
			}
			if f.buf[FrameSize-1] == etx {
				f.emitPrefix(FrameSize, true, "", emit)
				return true
			}
		}
	}
	return f.nextText(emit)
}

// nextText emits the line up to the first line ending, or the bytes
// before an STX that comes first: those are noise, such as the tail of a
// line cut off when the reader was plugged in.
func (f *framer) nextText(emit func(chunk)) bool {
	end := bytes.IndexAny(f.buf, "\r\n")
	if start := bytes.IndexByte(f.buf[1:], stx) + 1; start > 0 && (end < 0 || start < end) {
		binary := f.auto && f.buf[0] == stx
		f.emitPrefix(start, binary, "bytes before STX without a line ending", emit)
		return true
	}
	if end >= 0 {
		f.emitLine(end, emit)
		return true
	}
	if len(f.buf) > maxLine {
		f.emitRest("no line ending within "+strconv.Itoa(maxLine)+" bytes", emit)
		return true
	}
	return false
}

// nextFrame emits a 30-byte frame that starts at STX, or the bytes before
// the next STX.
func (f *framer) nextFrame(emit func(chunk)) bool {
	if f.buf[0] != stx {
		i := bytes.IndexByte(f.buf, stx)
		if i < 0 {
			if len(f.buf) > maxLine {
				f.emitRest("no STX within "+strconv.Itoa(maxLine)+" bytes", emit)
				return true
			}
			return false
		}
		f.emitPrefix(i, true, "bytes before STX", emit)
		return true
	}
	if len(f.buf) < FrameSize {
		return false
	}
	if f.buf[FrameSize-1] != etx {
		// Not a frame: resynchronise on the next STX, if any.
		end := FrameSize
		if i := bytes.IndexByte(f.buf[1:FrameSize], stx); i >= 0 {
			end = i + 1
		}
		f.emitPrefix(end, true, "STX not followed by ETX 29 bytes later", emit)
		return true
	}
	f.emitPrefix(FrameSize, true, "", emit)
	return true
}

// emitLine emits the line before the line ending at i, unless it is
// empty, and drops the line ending. A lone STX, which an Allflex reader
// sends at power-on, is emitted as a greeting.
func (f *framer) emitLine(i int, emit func(chunk)) {
	switch {
	case i == 1 && f.buf[0] == stx:
		emit(chunk{data: bytes.Clone(f.buf[:i]), greeting: true})
	case i > 0:
		emit(chunk{data: bytes.Clone(f.buf[:i])})
	}
	f.buf = f.buf[i+1:]
}

func (f *framer) emitPrefix(n int, binary bool, err string, emit func(chunk)) {
	emit(chunk{data: bytes.Clone(f.buf[:n]), binary: binary, err: err})
	f.buf = f.buf[n:]
}

func (f *framer) emitRest(err string, emit func(chunk)) {
	binary := f.binary || (f.auto && f.buf[0] == stx)
	f.emitPrefix(len(f.buf), binary, err, emit)
}
