package scale

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/serialport"
	"lambtrace/devices/tap"
	"lambtrace/line"
)

// Defaults for the zero fields of a StreamScale.
const (
	// DefaultStreamReadTimeout bounds each port read, so Run notices a
	// cancelled ctx within about this long.
	DefaultStreamReadTimeout = 100 * time.Millisecond
	// DefaultStreamSilence is how long Run waits for a complete frame
	// before it reopens the port. Indicators in continuous mode send
	// several frames a second (Mettler Toledo gives about 7 per second).
	DefaultStreamSilence = 2 * time.Second
	// DefaultStreamMinBackoff and DefaultStreamMaxBackoff bound the wait
	// before a reopen, which doubles after each failed attempt.
	DefaultStreamMinBackoff = 200 * time.Millisecond
	DefaultStreamMaxBackoff = 5 * time.Second
	// DefaultStreamLogInterval is the shortest time between two log
	// lines of the same kind: a port opened or closed again, a reopen, a
	// skipped frame or skipped noise.
	DefaultStreamLogInterval = 10 * time.Second
)

// maxStreamBuffer is the number of bytes the framer keeps without
// finding a terminator before it drops them as noise. The longest frame,
// an A&D overload line, is under 30 bytes.
const maxStreamBuffer = 256

// Log attribute keys.
const (
	streamLogDevice = "device"
	streamLogPath   = "path"
)

var errStreamSilent = errors.New("no complete frame")

// StreamScale reads a weighing indicator that sends its weight
// continuously over a serial port, in one of the StreamFormat formats. It
// implements line.Scale.
type StreamScale struct {
	ID      string       // scale id from the configuration, copied into each line.Reading
	Path    string       // serial port, best a /dev/serial/by-id link, resolved again on each open
	Mode    serial.Mode  // baud rate, data bits, parity and stop bits, all set by the configuration
	Format  StreamFormat // format of the frames
	Options FrameOptions // checksum, unit and division the frames do not carry

	ReadTimeout time.Duration // bound of one port read; 0 means DefaultStreamReadTimeout
	Silence     time.Duration // time without a frame before a reopen; 0 means DefaultStreamSilence
	MinBackoff  time.Duration // first wait before a reopen; 0 means DefaultStreamMinBackoff
	MaxBackoff  time.Duration // cap of the wait before a reopen; 0 means DefaultStreamMaxBackoff
	LogInterval time.Duration // time between repeated log lines; 0 means DefaultStreamLogInterval

	Now    func() time.Time // clock for Reading.At and the silence window; nil means time.Now
	Logger *slog.Logger     // nil means slog.Default()

	// Tap, when not nil, receives a copy of every chunk read from the
	// port, stamped with Now.
	Tap *tap.Recorder
}

var _ line.Scale = (*StreamScale)(nil)

// NewStreamScale returns a StreamScale with the given configuration and
// default timing. It does no I/O.
func NewStreamScale(id, path string, mode serial.Mode, format StreamFormat) *StreamScale {
	return &StreamScale{ID: id, Path: path, Mode: mode, Format: format}
}

// validate reports a configuration that no reopen can fix.
func (s *StreamScale) validate() error {
	if _, ok := streamFormatNames[s.Format]; !ok {
		return fmt.Errorf("scale %s: unknown stream format %v", s.ID, s.Format)
	}
	if s.Path == "" {
		return fmt.Errorf("scale %s: serial port path is missing", s.ID)
	}
	if s.Mode.BaudRate <= 0 {
		return fmt.Errorf("scale %s: baud rate %d is invalid: set the indicator's baud rate", s.ID, s.Mode.BaudRate)
	}
	if s.Mode.DataBits != 7 && s.Mode.DataBits != 8 {
		return fmt.Errorf("scale %s: data bits %d is invalid: expected 7 or 8", s.ID, s.Mode.DataBits)
	}
	if u := s.Options.Unit; u != 0 && u != line.Gram && u != line.Kilogram {
		return fmt.Errorf("scale %s: frame unit %d g is invalid: expected 1 g or 1000 g", s.ID, u)
	}
	if s.Options.Division < 0 {
		return fmt.Errorf("scale %s: division %v is negative", s.ID, s.Options.Division)
	}
	return nil
}

// Run reads frames and calls deliver with each reading, from the one
// goroutine that owns the port, so deliver must not block. A frame that
// cannot be parsed is logged and skipped. After a read error, an unplug
// or the Silence time without a frame, Run closes the port and opens it
// again after a backoff that doubles up to MaxBackoff. Run returns nil
// when ctx is done, and an error at once only for an invalid
// configuration.
func (s *StreamScale) Run(ctx context.Context, deliver func(line.Reading)) error {
	if err := s.validate(); err != nil {
		return err
	}
	run := s.newStreamRun()

	backoff := run.minBackoff
	failures := 0
	for ctx.Err() == nil {
		delivered, err := run.session(ctx, deliver)
		if ctx.Err() != nil {
			break
		}
		if delivered {
			backoff = run.minBackoff
			failures = 0
		}
		failures++
		run.logf(slog.LevelWarn, "reopen", "scale stream interrupted, reopening",
			"error", err, "failures", failures, "backoff", backoff)
		if !streamSleep(ctx, backoff) {
			break
		}
		backoff = min(2*backoff, run.maxBackoff)
	}
	return nil
}

// streamRun is the state of one Run call.
type streamRun struct {
	*StreamScale
	readTimeout time.Duration
	silence     time.Duration
	minBackoff  time.Duration
	maxBackoff  time.Duration
	now         func() time.Time
	logger      *slog.Logger
	limiter     streamLogLimiter
}

func (s *StreamScale) newStreamRun() *streamRun {
	run := &streamRun{
		StreamScale: s,
		readTimeout: streamDuration(s.ReadTimeout, DefaultStreamReadTimeout),
		silence:     streamDuration(s.Silence, DefaultStreamSilence),
		minBackoff:  streamDuration(s.MinBackoff, DefaultStreamMinBackoff),
		maxBackoff:  streamDuration(s.MaxBackoff, DefaultStreamMaxBackoff),
		now:         s.Now,
		logger:      s.Logger,
	}
	run.maxBackoff = max(run.maxBackoff, run.minBackoff)
	if run.now == nil {
		run.now = time.Now
	}
	if run.logger == nil {
		run.logger = slog.Default()
	}
	run.logger = run.logger.With(streamLogDevice, s.ID)
	run.limiter = streamLogLimiter{interval: streamDuration(s.LogInterval, DefaultStreamLogInterval)}
	return run
}

// streamDuration returns value, or fallback when value is not positive.
func streamDuration(value, fallback time.Duration) time.Duration {
	if value > 0 {
		return value
	}
	return fallback
}

// session opens the port, reads frames until an error, the silence window
// or ctx ends it, and closes the port. It reports whether any reading was
// delivered.
func (run *streamRun) session(ctx context.Context, deliver func(line.Reading)) (bool, error) {
	// Resolving the link on every open follows a USB adapter that came
	// back under another ttyUSB name.
	resolved, err := filepath.EvalSymlinks(run.Path)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", run.Path, err)
	}
	mode := run.Mode
	port, err := serialport.Open(resolved, &mode)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", resolved, err)
	}
	defer port.Close()
	if err := port.SetReadTimeout(run.readTimeout); err != nil {
		return false, fmt.Errorf("set read timeout on %s: %w", resolved, err)
	}
	run.logf(slog.LevelInfo, "open", "scale port opened", streamLogPath, run.Path, "device_path", resolved,
		"format", run.Format.String(), "baud", run.Mode.BaudRate)

	framer := NewStreamFramer(run.Format, run.Options.Checksum)
	buf := make([]byte, 128)
	delivered := false
	lastFrame := run.now()
	for ctx.Err() == nil {
		n, err := port.Read(buf)
		// The port reports an unplugged device as an error. The clamp
		// keeps buf[:n] safe where a driver returns -1 with one.
		n = max(n, 0)
		run.Tap.Record(tap.Received, run.now(), buf[:n])
		framer.Push(buf[:n])
		for {
			frame, skipped, ok := framer.Next()
			if len(skipped) > 0 {
				run.logf(slog.LevelWarn, "skipped", "scale stream bytes skipped between frames",
					"bytes", fmt.Sprintf("%q", truncateNoise(skipped)))
			}
			if !ok {
				break
			}
			if frame == nil {
				continue
			}
			lastFrame = run.now()
			reading, parseErr := ParseFrame(run.Format, frame, run.Options)
			if parseErr != nil {
				run.logf(slog.LevelWarn, "frame", "scale frame skipped", "error", parseErr)
				continue
			}
			reading.Scale = run.ID
			reading.At = lastFrame
			deliver(reading)
			delivered = true
		}
		if err != nil {
			run.logf(slog.LevelInfo, "close", "scale port closed", streamLogPath, run.Path, "error", err)
			return delivered, fmt.Errorf("read %s: %w", resolved, err)
		}
		if silent := run.now().Sub(lastFrame); silent > run.silence {
			run.logf(slog.LevelInfo, "close", "scale port closed", streamLogPath, run.Path, "error", errStreamSilent)
			return delivered, fmt.Errorf("%w from %s for %v", errStreamSilent, resolved, silent.Round(time.Millisecond))
		}
	}
	run.logger.Info("scale port closed", streamLogPath, run.Path, "reason", "stopped")
	return delivered, nil
}

// logf logs msg at level unless a line with the same key was logged within
// the log interval. The next line logged then carries the number held back.
func (run *streamRun) logf(level slog.Level, key, msg string, args ...any) {
	ok, suppressed := run.limiter.allow(key, run.now())
	if !ok {
		return
	}
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	run.logger.Log(context.Background(), level, msg, args...)
}

func truncateNoise(b []byte) []byte {
	if len(b) > maxQuotedFrame {
		return b[:maxQuotedFrame]
	}
	return b
}

// streamSleep waits for d and reports whether ctx is still live.
func streamSleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// streamLogLimiter lets one log line per key through in each interval and
// counts the lines it holds back. Only the Run goroutine uses it.
type streamLogLimiter struct {
	interval   time.Duration
	last       map[string]time.Time
	suppressed map[string]int
}

func (l *streamLogLimiter) allow(key string, now time.Time) (bool, int) {
	if l.last == nil {
		l.last = make(map[string]time.Time)
		l.suppressed = make(map[string]int)
	}
	if last, seen := l.last[key]; seen && now.Sub(last) < l.interval {
		l.suppressed[key]++
		return false, 0
	}
	suppressed := l.suppressed[key]
	l.last[key] = now
	l.suppressed[key] = 0
	return true, suppressed
}

// StreamFramer splits the bytes read from a port into frames of one
// format. STX formats (Toledo, Yaohua) start a frame at the last STX
// before the terminator, so noise and a cut-off frame before it are
// skipped and the whole frame after them is kept. Line formats (A&D,
// Keli, Yaohua line) end a frame at CR, LF or CR LF. A reversed Keli
// frame starts at '=' and ends at CR or LF or where the next frame's '='
// starts, so without line endings a frame is complete only when the next
// one begins. Bytes without a terminator are dropped as noise once they
// pass 256. A StreamFramer is not safe for concurrent use.
type StreamFramer struct {
	format  StreamFormat
	trailer int // bytes after the terminator: the Toledo checksum
	buf     []byte
}

// NewStreamFramer returns a framer for format. When checksum is true,
// Toledo frames end with the checksum byte after CR.
func NewStreamFramer(format StreamFormat, checksum bool) *StreamFramer {
	f := &StreamFramer{format: format}
	if format == FormatToledo && checksum {
		f.trailer = 1
	}
	return f
}

// Push appends bytes read from the port.
func (f *StreamFramer) Push(p []byte) {
	f.buf = append(f.buf, p...)
}

// Next removes the next frame from the buffer. It returns the frame, the
// noise skipped before it, and ok = false when no complete frame is left.
// A frame that holds only a line ending is returned as nil with ok = true.
func (f *StreamFramer) Next() (frame, skipped []byte, ok bool) {
	if f.format == FormatToledo || f.format == FormatYaohua {
		return f.nextSTX()
	}
	if f.format == FormatKeliReversed {
		return f.nextReversed()
	}

	i := bytes.IndexAny(f.buf, "\r\n")
	if i < 0 {
		return nil, f.dropOverflow(), false
	}
	if f.buf[i] == asciiCR && i+1 < len(f.buf) && f.buf[i+1] == asciiLF {
		i++
	}
	chunk := f.take(i + 1)
	if len(trimFrameLineEnd(chunk)) == 0 {
		return nil, nil, true
	}
	return chunk, nil, true
}

// nextSTX is Next for the formats that start a frame with STX and end it
// with CR (Toledo, then the checksum byte if enabled) or ETX (Yaohua).
// Noise with a terminator but no STX is skipped without a trailer, so it
// cannot take the STX of the next frame as its checksum.
func (f *StreamFramer) nextSTX() (frame, skipped []byte, ok bool) {
	terminator := byte(asciiETX)
	if f.format == FormatToledo {
		terminator = asciiCR
	}
	i := bytes.IndexByte(f.buf, terminator)
	if i < 0 {
		return nil, f.dropOverflow(), false
	}
	start := bytes.LastIndexByte(f.buf[:i], asciiSTX)
	if start < 0 {
		return nil, f.take(i + 1), true
	}
	end := i + 1 + f.trailer
	if end > len(f.buf) {
		return nil, nil, false
	}
	chunk := f.take(end)
	return chunk[start:], chunk[:start], true
}

// nextReversed is Next for FormatKeliReversed: a frame runs from '=' to
// the next '=', CR or LF. Line endings between frames are skipped
// silently, other bytes before '=' are noise.
func (f *StreamFramer) nextReversed() (frame, skipped []byte, ok bool) {
	start := bytes.IndexByte(f.buf, '=')
	if start < 0 {
		if len(bytes.Trim(f.buf, "\r\n")) == 0 {
			f.buf = f.buf[:0]
			return nil, nil, false
		}
		return nil, f.dropOverflow(), false
	}
	end := bytes.IndexAny(f.buf[start+1:], "=\r\n")
	if end < 0 {
		return nil, f.dropOverflow(), false
	}
	chunk := f.take(start + 1 + end)
	if noise := bytes.Trim(chunk[:start], "\r\n"); len(noise) > 0 {
		skipped = noise
	}
	return chunk[start:], skipped, true
}

// Final returns the bytes left after the last complete frame as a last
// frame, at the end of a recorded stream. Only a reversed Keli frame can
// be complete there, because it may end where the next frame would
// start; for the other formats the rest is an incomplete frame, which
// Final leaves in the buffer and reports with ok = false.
func (f *StreamFramer) Final() (frame, skipped []byte, ok bool) {
	if f.format != FormatKeliReversed {
		return nil, nil, false
	}
	start := bytes.IndexByte(f.buf, '=')
	if start < 0 {
		rest := bytes.Trim(f.take(len(f.buf)), "\r\n")
		if len(rest) == 0 {
			return nil, nil, false
		}
		return nil, rest, false
	}
	chunk := f.take(len(f.buf))
	if noise := bytes.Trim(chunk[:start], "\r\n"); len(noise) > 0 {
		skipped = noise
	}
	return chunk[start:], skipped, true
}

// dropOverflow empties a buffer that has grown past maxStreamBuffer
// without a terminator and returns what it dropped.
func (f *StreamFramer) dropOverflow() []byte {
	if len(f.buf) <= maxStreamBuffer {
		return nil
	}
	return f.take(len(f.buf))
}

// take removes and returns the first n bytes of the buffer, as a copy, so
// the buffer can be reused.
func (f *StreamFramer) take(n int) []byte {
	out := append([]byte(nil), f.buf[:n]...)
	f.buf = append(f.buf[:0], f.buf[n:]...)
	return out
}
