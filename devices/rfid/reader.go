package rfid

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/serialport"
	"lambtrace/devices/tap"
	"lambtrace/line"
)

// Defaults of a Reader's zero-valued fields.
const (
	DefaultBaudRate     = 9600 // Allflex readers and WL-134 modules, 8N1
	DefaultDataBits     = 8
	DefaultDedupWindow  = 3 * time.Second
	DefaultReadTimeout  = 50 * time.Millisecond
	DefaultLineTimeout  = time.Second
	DefaultRetryMin     = 200 * time.Millisecond
	DefaultRetryMax     = 5 * time.Second
	defaultLogRepeatGap = time.Minute
)

// Log attribute keys.
const (
	keyDevice = "device" // reader id from the configuration
	keyPath   = "path"   // configured serial device path
	keyTTY    = "tty"    // device the path led to when the port was opened
	keyError  = "err"
)

// Port is the part of a serial port that a Reader uses. A read that
// times out returns 0 bytes and no error.
type Port interface {
	Read(p []byte) (int, error)
	Close() error
}

// Reader reads an ear-tag reader on a serial port and implements
// line.TagReader. Create it with NewReader and set the exported fields
// before Run. A zero field means its default.
//
// Reader cuts the byte stream itself, because a read that times out
// returns no bytes and no error, which bufio.Scanner takes for a broken
// reader. Text lines end at CR, LF or CR LF. Empty lines and the line of
// STX alone that an Allflex reader sends at power-on are skipped, and a
// leading STX is removed. WL-134 frames are 30 bytes from an STX. Bytes
// that form no line or frame are delivered as a read with an error.
// Repeats of one number are dropped until the number has not been read
// for DedupWindow, so a tag held at the antenna gives one event, while a
// different number is delivered at once.
type Reader struct {
	ID   string // reader id from the configuration, in every event and log
	Path string // serial device, such as a /dev/serial/by-id/... link

	// Mode is the serial setting. A zero BaudRate means 9600 and zero
	// DataBits means 8. Parity and StopBits are zero for none and one, so
	// the zero Mode is 9600 8N1. All four are always set on the port.
	Mode serial.Mode

	// Format is the output format the reader is set to. FormatUnknown
	// accepts every format that DecodeAny decodes and finds WL-134 frames
	// among text lines. FormatWL134 cuts the stream into 30-byte frames
	// only.
	Format Format

	DedupWindow time.Duration // repeats of one number within it are dropped
	ReadTimeout time.Duration // how long one read waits for bytes
	LineTimeout time.Duration // a partial line older than this is reported
	RetryMin    time.Duration // first wait before reopening the port
	RetryMax    time.Duration // the wait doubles up to this

	// Setup lists configuration commands, such as an Allflex "B" command,
	// that Run sends each time it opens the port, once the baud rate is
	// set or detected. Each is followed by CR, and the reader's echo of it
	// is dropped.
	Setup []string

	// DetectBaud makes Run find the reader's baud rate instead of using
	// Mode.BaudRate: it tries each of BaudRates for DetectWindow and keeps
	// the first at which a read decodes or the reader's power-on greeting
	// arrives. After the port is lost it tries the rate found last first.
	DetectBaud   bool
	BaudRates    []int          // rates to try, in order; nil means DefaultBaudRates
	DetectWindow time.Duration  // time to listen at one rate; 0 means DefaultDetectWindow
	BaudFound    func(rate int) // called on Run's goroutine with each rate found; may be nil

	Now    func() time.Time
	Logger *slog.Logger

	// Tap, when not nil, receives a copy of every chunk read from the
	// port and every command written to it, stamped with Now.
	Tap *tap.Recorder

	// open opens the port. Tests replace it.
	open func(path string, mode *serial.Mode, timeout time.Duration) (Port, error)

	// sends carries Send's commands to Run. NewReader makes it.
	sends chan sendRequest
}

var _ line.TagReader = (*Reader)(nil)

// NewReader returns a reader with the default settings for the reader
// id and serial device. It does no I/O.
func NewReader(id, path string) *Reader {
	return &Reader{ID: id, Path: path, sends: make(chan sendRequest)}
}

// ErrDisconnected is returned, and logged, when a port stops delivering:
// the device was unplugged or its read returns no bytes at once.
var ErrDisconnected = errors.New("serial port disconnected")

// Run reads the port and delivers one line.TagEvent per tag read until
// ctx is cancelled, reopening the port with a growing wait after every
// error. A line or frame that does not decode is delivered with TagRead.Err
// set. Run returns ctx.Err() when ctx is done, or at once an error for an
// invalid configuration. Cancelling ctx closes the port to end a pending
// read. Run calls deliver on its own goroutine, so deliver should hand
// the event on rather than block, because bytes wait while it runs.
func (r *Reader) Run(ctx context.Context, deliver func(line.TagEvent)) error {
	cfg, err := r.settings()
	if err != nil {
		return err
	}
	log := cfg.Logger.With(keyDevice, cfg.ID, keyPath, cfg.Path)
	dedup := dedup{window: cfg.DedupWindow, last: make(map[line.RFID]time.Time)}
	failures := repeatLog{gap: defaultLogRepeatGap}
	wait := cfg.RetryMin
	found := 0 // the baud rate DetectBaud found last
	for {
		healthy, err := cfg.connect(ctx, log, &dedup, deliver, &found)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if healthy {
			wait = cfg.RetryMin
		}
		if failures.allow(err.Error(), time.Now()) {
			log.Warn("serial port failed, reopening", keyError, err, "retry_in", wait, "suppressed_repeats", failures.suppressed)
			failures.suppressed = 0
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, cfg.RetryMax)
	}
}

// settings returns a copy of r with the defaults filled in.
func (r *Reader) settings() (*Reader, error) {
	cfg := *r
	if cfg.Path == "" {
		return nil, fmt.Errorf("rfid reader %q: missing serial device path", cfg.ID)
	}
	if cfg.Format > lastFormat {
		return nil, fmt.Errorf("rfid reader %q: invalid format %d", cfg.ID, cfg.Format)
	}

	if cfg.Mode.BaudRate == 0 || cfg.DetectBaud {
		cfg.Mode.BaudRate = DefaultBaudRate
	}
	if cfg.DetectBaud {
		if cfg.BaudRates == nil {
			cfg.BaudRates = DefaultBaudRates
		}
		if len(cfg.BaudRates) == 0 {
			return nil, fmt.Errorf("rfid reader %q: baud rate detection has no rates to try", cfg.ID)
		}
		for _, rate := range cfg.BaudRates {
			if rate <= 0 {
				return nil, fmt.Errorf("rfid reader %q: invalid baud rate %d to try", cfg.ID, rate)
			}
		}
	}
	for _, command := range cfg.Setup {
		if err := checkCommand(command); err != nil {
			return nil, fmt.Errorf("rfid reader %q: setup %w", cfg.ID, err)
		}
	}
	if cfg.Mode.DataBits == 0 {
		cfg.Mode.DataBits = DefaultDataBits
	}
	if err := checkMode(cfg.Mode); err != nil {
		return nil, fmt.Errorf("rfid reader %q: %w", cfg.ID, err)
	}

	setDefault(&cfg.DedupWindow, DefaultDedupWindow)
	setDefault(&cfg.ReadTimeout, DefaultReadTimeout)
	setDefault(&cfg.LineTimeout, DefaultLineTimeout)
	setDefault(&cfg.RetryMin, DefaultRetryMin)
	setDefault(&cfg.RetryMax, DefaultRetryMax)
	setDefault(&cfg.DetectWindow, DefaultDetectWindow)
	cfg.RetryMax = max(cfg.RetryMax, cfg.RetryMin)

	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.open == nil {
		cfg.open = openSerial
	}
	return &cfg, nil
}

// checkMode rejects a serial setting that no port accepts, so Run fails at
// once instead of retrying the open forever.
func checkMode(m serial.Mode) error {
	switch {
	case m.BaudRate < 0:
		return fmt.Errorf("invalid baud rate %d", m.BaudRate)
	case m.DataBits < 5 || m.DataBits > 8:
		return fmt.Errorf("invalid data bits %d: expected 5 to 8", m.DataBits)
	case m.Parity < serial.NoParity || m.Parity > serial.SpaceParity:
		return fmt.Errorf("invalid parity %d", m.Parity)
	case m.StopBits < serial.OneStopBit || m.StopBits > serial.TwoStopBits:
		return fmt.Errorf("invalid stop bits %d", m.StopBits)
	}
	return nil
}

func setDefault(d *time.Duration, value time.Duration) {
	if *d <= 0 {
		*d = value
	}
}

// openSerial resolves the path again, so a by-id link that now points to
// another ttyUSB device is followed, and opens the port.
func openSerial(path string, mode *serial.Mode, timeout time.Duration) (Port, error) {
	device, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", path, err)
	}
	port, err := serialport.Open(device, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", device, err)
	}
	if err := port.SetReadTimeout(timeout); err != nil {
		port.Close()
		return nil, fmt.Errorf("set read timeout on %s: %w", device, err)
	}
	return port, nil
}

// session opens the port at rate and reads it until an error or ctx is
// done. It reports whether the port was healthy, meaning it delivered
// bytes or stayed open for RetryMax, so the next wait starts again at
// RetryMin.
//
// A probation above 0 puts the rate on trial. Reads that do not decode
// are then dropped as the garble of a wrong rate, and the first read that
// decodes, or a power-on greeting, confirms the rate: the session calls
// found and r.BaudFound and goes on as usual. Without either within
// probation it returns errTrialFailed. Setup commands go out only once
// the rate is known, so that garbled commands cannot change the reader's
// settings.
func (r *Reader) session(ctx context.Context, log *slog.Logger, dedup *dedup, deliver func(line.TagEvent), rate int, probation time.Duration, found func()) (bool, error) {
	mode := r.Mode
	mode.BaudRate = rate
	port, err := r.open(r.Path, &mode, r.ReadTimeout)
	if err != nil {
		return false, err
	}
	stop := context.AfterFunc(ctx, func() { port.Close() })
	defer stop()
	defer port.Close()
	device, _ := filepath.EvalSymlinks(r.Path)
	confirmed := probation == 0
	opened := time.Now()
	echoes := &echoFilter{}
	defer func() {
		if ctx.Err() != nil && confirmed {
			log.Info("serial port closed")
		}
	}()
	ready := func() error {
		log.Info("serial port opened", keyTTY, device, "mode", modeString(mode), "format", r.formatName(), "baud_detected", probation > 0)
		for _, command := range r.Setup {
			if err := writeCommand(port, command, echoes, r.Now(), r.Tap); err != nil {
				return err
			}
		}
		return nil
	}
	if confirmed {
		if err := ready(); err != nil {
			return false, err
		}
	} else {
		log.Debug("trying baud rate", keyTTY, device, "baud", rate, "window", probation)
	}

	var startErr error
	f := framer{
		binary:      r.Format == FormatWL134,
		auto:        r.Format == FormatUnknown,
		lineTimeout: r.LineTimeout,
	}
	emit := func(c chunk) {
		if !c.binary && c.err == "" && !c.greeting {
			var rest bool
			if c.data, rest = echoes.strip(c.data, r.Now()); !rest {
				return
			}
		}
		var read line.TagRead
		if !c.greeting {
			read = r.decode(c)
		}
		if !confirmed {
			if !c.greeting && read.Err != nil {
				return
			}
			confirmed = true
			log.Info("reader baud rate detected", "baud", rate)
			found()
			if r.BaudFound != nil {
				r.BaudFound(rate)
			}
			startErr = ready()
		}
		if c.greeting {
			return
		}
		now := r.Now()
		if read.Err == nil && dedup.repeat(read.RFID, now) {
			return
		}
		deliver(line.TagEvent{Reader: r.ID, At: now, TagRead: read})
	}

	received := false
	buf := make([]byte, 256)
	early := 0
	for ctx.Err() == nil {
		if startErr != nil {
			return received, startErr
		}
		if !confirmed && time.Since(opened) >= probation {
			return false, errTrialFailed
		}
		select {
		case req := <-r.sends:
			if !confirmed {
				req.result <- errBaudUnknown
			} else {
				req.result <- writeCommand(port, req.command, echoes, r.Now(), r.Tap)
			}
		default:
		}

		start := time.Now()
		n, err := port.Read(buf)
		n = max(n, 0) // some drivers return -1 with an error
		if n > 0 {
			received, early = true, 0
			now := r.Now()
			r.Tap.Record(tap.Received, now, buf[:n])
			f.push(buf[:n], now, emit)
		}
		if err != nil {
			return received || time.Since(opened) >= r.RetryMax, fmt.Errorf("%w: %w", ErrDisconnected, err)
		}
		if n > 0 {
			continue
		}

		// A read with no bytes and no error is a timeout. One that
		// returns long before the timeout means the device is gone.
		if time.Since(start) < r.ReadTimeout/4 {
			early++
			if early >= 3 {
				return received, fmt.Errorf("%w: read returned no bytes %d times before the timeout", ErrDisconnected, early)
			}
		} else {
			early = 0
		}
		f.idle(r.Now(), emit)
	}
	return received, ctx.Err()
}

// decode decodes a chunk into a read, with Err set when it does not
// decode.
func (r *Reader) decode(c chunk) line.TagRead {
	read := line.TagRead{Raw: rawText(c)}
	switch {
	case c.err != "":
		read.Err = &DecodeError{Input: string(c.data), Err: errFraming(c), Detail: c.err}
	case c.binary:
		read.RFID, read.Err = DecodeFrame(c.data)
	default:
		read.RFID, read.Err = r.decodeText(string(c.data))
	}
	return read
}

// decodeText decodes a line in the reader's format. A Biomark read
// replayed from the reader's memory is rejected, because it is not an
// animal at the antenna now. A reader set to an Allflex configurable
// format decodes in its base, so that a line without leading zeros is
// padded back rather than rejected.
func (r *Reader) decodeText(text string) (line.RFID, error) {
	switch r.Format {
	case FormatAllflexCustom:
		return DecodeAllflexCustomBase(text, 10)
	case FormatAllflexCustomHex:
		return DecodeAllflexCustomBase(text, 16)
	}
	id, format, err := DecodeAny(text)
	if err != nil {
		return "", err
	}
	if r.Format != FormatUnknown && format != r.Format {
		return "", &DecodeError{
			Input:  text,
			Format: r.Format,
			Err:    ErrUnrecognized,
			Detail: "decoded as " + format.String() + ", but the reader is set to " + r.Format.String(),
		}
	}
	if format == FormatBiomark {
		if read, _ := DecodeBiomark(text); read.FromMemory {
			return "", &DecodeError{Input: text, Format: FormatBiomark, Err: ErrFromMemory}
		}
	}
	return id, nil
}

// errFraming returns the sentinel error for bytes the framer could not cut.
func errFraming(c chunk) error {
	if c.binary {
		return ErrFrameDelimiter
	}
	return ErrUnrecognized
}

// rawText returns a chunk as text when it is printable ASCII after a
// leading STX, and as hex otherwise.
func rawText(c chunk) string {
	text := string(c.data)
	if !c.binary {
		text = strings.TrimPrefix(text, "\x02")
		printable := true
		for i := 0; i < len(text); i++ {
			if text[i] < 0x20 || text[i] > 0x7e {
				printable = false
			}
		}
		if printable {
			return text
		}
	}
	return hex.EncodeToString(c.data)
}

func (r *Reader) formatName() string {
	if r.Format == FormatUnknown {
		return "auto"
	}
	return r.Format.String()
}

func modeString(m serial.Mode) string {
	parity := map[serial.Parity]string{
		serial.NoParity: "N", serial.OddParity: "O", serial.EvenParity: "E",
		serial.MarkParity: "M", serial.SpaceParity: "S",
	}[m.Parity]
	stop := map[serial.StopBits]string{
		serial.OneStopBit: "1", serial.OnePointFiveStopBits: "1.5", serial.TwoStopBits: "2",
	}[m.StopBits]
	return fmt.Sprintf("%d %d%s%s", m.BaudRate, m.DataBits, parity, stop)
}

// dedup drops a number read again within the window of its last read.
// Every repeat restarts the window, so a tag held at the antenna gives
// one event however long it stays.
type dedup struct {
	window time.Duration
	last   map[line.RFID]time.Time
}

func (d *dedup) repeat(id line.RFID, now time.Time) bool {
	last, seen := d.last[id]
	d.last[id] = now
	if len(d.last) > 64 {
		for other, at := range d.last {
			if now.Sub(at) >= d.window {
				delete(d.last, other)
			}
		}
	}
	return seen && now.Sub(last) < d.window
}

// repeatLog limits a repeated message to one per gap and counts the
// ones it suppressed.
type repeatLog struct {
	gap        time.Duration
	message    string
	at         time.Time
	suppressed int
}

func (l *repeatLog) allow(message string, now time.Time) bool {
	if message == l.message && now.Sub(l.at) < l.gap {
		l.suppressed++
		return false
	}
	l.message, l.at = message, now
	return true
}

// ParseFormat returns the format for a configuration name: auto,
// allflex, tiris, digits, spaced, wl134, allflex-custom (a reader set to
// decimal), allflex-custom-hex, dot-hex or biomark. "auto" gives
// FormatUnknown.
func ParseFormat(name string) (Format, error) {
	formats := map[string]Format{
		"auto":               FormatUnknown,
		"allflex":            FormatAllflex,
		"tiris":              FormatTIRIS,
		"digits":             FormatDigits,
		"spaced":             FormatSpaced,
		"wl134":              FormatWL134,
		"allflex-custom":     FormatAllflexCustom,
		"allflex-custom-hex": FormatAllflexCustomHex,
		"dot-hex":            FormatDotHex,
		"biomark":            FormatBiomark,
	}
	format, ok := formats[strings.ToLower(name)]
	if !ok {
		return FormatUnknown, fmt.Errorf("invalid rfid reader format %q: expected %s", name, FormatNames)
	}
	return format, nil
}

// FormatNames lists the names that ParseFormat accepts, for messages.
const FormatNames = "auto, allflex, tiris, digits, spaced, wl134, allflex-custom, allflex-custom-hex, dot-hex or biomark"
