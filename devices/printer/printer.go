package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/tap"
	"lambtrace/line"
)

// Defaults for the Printer fields whose zero value means "use the
// default".
const (
	// DefaultPort is the raw TCP port of ZPL printers.
	DefaultPort = "9100"

	// DefaultStatusTimeout is how long Status waits for the three ~HS
	// frames. The reply has no length header, so only a timeout
	// distinguishes a silent printer from a slow one. The value is an estimate that
	// leaves a working printer ample time.
	DefaultStatusTimeout = 1500 * time.Millisecond

	// DefaultDialTimeout bounds a TCP connect.
	DefaultDialTimeout = 3 * time.Second

	// DefaultWriteTimeout bounds the write of one job. A 100 kB job with
	// bitmaps takes about 100 s at 9600 baud, so serial printers with
	// large jobs need a longer value.
	DefaultWriteTimeout = 10 * time.Second
)

// hostStatusCommand requests the three status strings of a ZPL printer.
var hostStatusCommand = []byte("~HS")

// ErrClosed is returned by calls on a Printer after Close.
var ErrClosed = errors.New("printer closed")

// ErrInvalidConfig is returned by every call on a Printer whose
// configuration cannot work, such as a serial mode without a baud rate.
var ErrInvalidConfig = errors.New("invalid printer configuration")

// Printer is a ZPL II label printer on raw TCP or a serial port. It
// implements line.Printer. One mutex serializes all calls, so exactly one
// call uses the connection at a time.
//
// Printer opens the connection on the first call and keeps it. After a
// failed call it closes the connection and opens a new one on the next
// call, so stale reply bytes never reach a later Status.
type Printer struct {
	ID            string        // printer id from the configuration, used in errors and logs
	StatusTimeout time.Duration // if zero, DefaultStatusTimeout
	DialTimeout   time.Duration // if zero, DefaultDialTimeout
	WriteTimeout  time.Duration // if zero, DefaultWriteTimeout
	Logger        *slog.Logger  // if nil, slog.Default()

	// Now returns the current time for rate-limiting repeated log
	// messages. If nil, time.Now. I/O deadlines always use the system
	// clock, because the network and serial stacks do.
	Now func() time.Time

	// Tap, when not nil, receives a copy of every job and ~HS request
	// written to the printer and every chunk of status reply read from
	// it, stamped with Now. Bytes that the connection check discards
	// before a call are not copied.
	Tap *tap.Recorder

	target string // TCP address or serial device path
	open   func(ctx context.Context, timeout time.Duration) (link, error)

	mu       sync.Mutex // serializes calls and protects the fields below
	conn     link       // nil until connected and after a failure
	failures int        // consecutive failed calls since the last success
	closed   bool
	limiter  logLimiter
}

var _ line.Printer = (*Printer)(nil)

// NewTCP returns a printer at addr, which is "host" or "host:port". When
// addr has no port, DefaultPort is used. NewTCP does no I/O.
func NewTCP(id, addr string) *Printer {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, DefaultPort)
	}
	p := &Printer{ID: id, target: addr}
	p.open = func(ctx context.Context, timeout time.Duration) (link, error) {
		d := net.Dialer{Timeout: timeout}
		return d.DialContext(ctx, "tcp", addr)
	}
	return p
}

// NewSerial returns a printer on the serial device at path, opened with
// mode. The mode must be given in full because printers differ, although
// 9600 8N1 is common. A zero BaudRate or DataBits makes every call fail
// with ErrInvalidConfig. NewSerial does no I/O.
//
// Use a stable device name such as /dev/serial/by-id/…, because a
// USB-serial adapter that drops out can come back as another ttyUSBn.
func NewSerial(id, path string, mode serial.Mode) *Printer {
	p := &Printer{ID: id, target: path}
	p.open = func(context.Context, time.Duration) (link, error) {
		if mode.BaudRate <= 0 || mode.DataBits < 5 || mode.DataBits > 8 {
			return nil, fmt.Errorf("%w: serial mode for %s has baud rate %d and data bits %d; set both explicitly",
				ErrInvalidConfig, path, mode.BaudRate, mode.DataBits)
		}
		return openSerial(path, &mode)
	}
	return p
}

// Print sends job to the printer exactly once. It never resends: if the
// write fails after some bytes were sent, the error wraps ErrMaybePrinted
// and only the operator can tell whether the label came out. If the
// connection cannot be opened, or the write fails before any byte was
// sent, the error wraps ErrOffline, its Sent field is 0 and the label was
// not printed.
//
// A nil error means the operating system accepted the bytes. ZPL has no
// acknowledgement, so call Status to see whether the printer is printing.
//
// Before reusing a kept TCP connection, Print checks without blocking
// that the printer has not closed it, for example after a power cycle,
// and reconnects if it has. Otherwise the local TCP stack would accept
// the job and lose it.
//
// NOTE: the check needs Linux. On other systems, and when the printer
// closes the connection just after the check, Print may return nil for
// a job the printer never receives.
func (p *Printer) Print(ctx context.Context, job []byte) error {
	if len(job) == 0 {
		return &Error{Printer: p.ID, Op: "print", Err: errors.New("empty job")}
	}

	p.mu.Lock()
	defer p.mu.Unlock()

	// Open the connection, or reuse the one that worked last time.
	conn, err := p.connect(ctx, "print")
	if err != nil {
		return err
	}

	// Write the whole job once, bounded by WriteTimeout and ctx.
	timeout := p.timeout(p.WriteTimeout, DefaultWriteTimeout)
	ownDeadline := time.Now().Add(timeout)
	disarm := arm(ctx, conn, timeout)
	n, err := conn.Write(job)
	disarm()
	p.Tap.Record(tap.Sent, p.now(), job[:max(n, 0)])
	if err != nil {
		p.drop("print", err)
		kind := ErrMaybePrinted
		if n == 0 {
			kind = ErrOffline
			if cause := callerError(ctx, err, ownDeadline); cause != nil {
				kind, err = nil, cause
			}
		}
		return &Error{Printer: p.ID, Op: "print", Kind: kind, Err: err, Sent: n, Total: len(job)}
	}

	p.succeeded()
	return nil
}

// Status sends ~HS and parses the three frames of the reply. Errors wrap:
//   - ErrOffline when the printer cannot be reached or the connection
//     fails;
//   - ErrNeedsAttention when the printer is reachable but sends nothing
//     within StatusTimeout, as Zebra printers do while out of paper or
//     ribbon or with the head open;
//   - ErrNotZPL, ErrStatusMalformed or ErrStatusTruncated (through a
//     *StatusError) when the reply cannot be parsed;
//   - ctx.Err() when ctx ends first.
//
// Over a serial port, where opening the device proves nothing about the
// printer, ErrNeedsAttention also covers an unplugged cable.
//
// When a reused connection turns out to be broken, Status opens a new one
// and sends ~HS once more, because ~HS, unlike a job, is safe to repeat.
func (p *Printer) Status(ctx context.Context) (line.PrinterStatus, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	reused := p.conn != nil
	status, err := p.status(ctx)
	if err != nil && reused && errors.Is(err, ErrOffline) && ctx.Err() == nil {
		p.logger().Info("printer connection broken, reconnecting", "err", err)
		status, err = p.status(ctx)
	}
	if err != nil {
		return line.PrinterStatus{}, err
	}
	p.succeeded()
	return status, nil
}

func (p *Printer) status(ctx context.Context) (line.PrinterStatus, error) {
	fail := func(kind, err error) (line.PrinterStatus, error) {
		p.drop("status", err)
		return line.PrinterStatus{}, &Error{Printer: p.ID, Op: "status", Kind: kind, Err: err}
	}

	conn, err := p.connect(ctx, "status")
	if err != nil {
		return line.PrinterStatus{}, err
	}

	// Bound the request and the reply by StatusTimeout and ctx.
	timeout := p.timeout(p.StatusTimeout, DefaultStatusTimeout)
	ownDeadline := time.Now().Add(timeout)
	disarm := arm(ctx, conn, timeout)
	defer disarm()

	// Send ~HS.
	n, err := conn.Write(hostStatusCommand)
	p.Tap.Record(tap.Sent, p.now(), hostStatusCommand[:max(n, 0)])
	if err != nil {
		if cause := callerError(ctx, err, ownDeadline); cause != nil {
			return fail(nil, cause)
		}
		return fail(ErrOffline, err)
	}

	// Read until the third frame ends.
	var collector StatusCollector
	buf := make([]byte, 256)
	for {
		n, err := conn.Read(buf)
		p.Tap.Record(tap.Received, p.now(), buf[:max(n, 0)])
		done, parseErr := collector.Add(buf[:max(n, 0)])
		switch {
		case parseErr != nil:
			return fail(nil, parseErr)
		case done:
			status, err := collector.Status()
			if err != nil {
				return fail(nil, err)
			}
			return status, nil
		case err == nil:
			continue
		case callerError(ctx, err, ownDeadline) != nil:
			return fail(nil, callerError(ctx, err, ownDeadline))
		case errors.Is(err, os.ErrDeadlineExceeded) && len(collector.Bytes()) == 0:
			return fail(ErrNeedsAttention, fmt.Errorf("no reply to ~HS within %v", timeout))
		case errors.Is(err, os.ErrDeadlineExceeded):
			_, truncated := ParseStatus(collector.Bytes())
			return fail(nil, truncated)
		case errors.Is(err, io.EOF):
			return fail(ErrOffline, errors.New("printer closed the connection"))
		default:
			return fail(ErrOffline, err)
		}
	}
}

// callerError returns the error of ctx when ctx, and not the printer,
// ended the I/O call that returned err: ctx is done, or err is a timeout
// and ctx has a deadline before own. It returns nil otherwise.
func callerError(ctx context.Context, err error, own time.Time) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	// The connection deadline can pass a moment before ctx's own timer
	// fires, so ctx may not be done yet.
	if d, ok := ctx.Deadline(); ok && d.Before(own) && errors.Is(err, os.ErrDeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return nil
}

// Close closes the connection. Later calls return ErrClosed. Close is
// safe to call more than once.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()

	p.closed = true
	if p.conn == nil {
		return nil
	}
	err := p.conn.Close()
	p.conn = nil
	p.logger().Info("printer connection closed")
	return err
}

// connect returns the open connection or opens a new one. A failure
// returns an *Error that wraps ErrOffline.
func (p *Printer) connect(ctx context.Context, op string) (link, error) {
	if p.closed {
		return nil, &Error{Printer: p.ID, Op: op, Err: ErrClosed}
	}
	if p.conn != nil {
		err := checkConn(p.conn)
		if err == nil {
			return p.conn, nil
		}
		if ok, suppressed := p.limiter.allow("found closed", p.now()); ok {
			p.logger().Info("printer connection found closed, reconnecting", "err", err, "suppressed", suppressed)
		}
		p.conn.Close()
		p.conn = nil
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Printer: p.ID, Op: op, Err: err}
	}

	conn, err := p.open(ctx, p.timeout(p.DialTimeout, DefaultDialTimeout))
	if errors.Is(err, ErrInvalidConfig) {
		return nil, &Error{Printer: p.ID, Op: op, Err: err}
	}
	if err != nil {
		p.failures++
		return nil, &Error{Printer: p.ID, Op: op, Kind: ErrOffline, Err: err}
	}

	// A printer with a fault fails every status poll and is reconnected
	// on the next one, so the reconnect message is rate-limited.
	p.conn = conn
	if p.failures == 0 {
		p.logger().Info("printer connected", "addr", p.target)
	} else if ok, suppressed := p.limiter.allow("reconnect", p.now()); ok {
		p.logger().Info("printer reconnected", "addr", p.target, "failures", p.failures, "suppressed", suppressed)
	}
	return conn, nil
}

// drop closes the connection after a failed call, so the next call opens
// a new one. The caller also returns the error, so the log line only
// records the closed connection, at most once a minute per operation.
// The limits use Now, so a test can step through them.
func (p *Printer) drop(op string, cause error) {
	p.failures++
	if p.conn == nil {
		return
	}
	p.conn.Close()
	p.conn = nil

	if ok, suppressed := p.limiter.allow(op, p.now()); ok {
		p.logger().Warn("printer connection closed after error",
			"op", op, "err", cause, "failures", p.failures, "suppressed", suppressed)
	}
}

func (p *Printer) succeeded() {
	p.failures = 0
}

func (p *Printer) timeout(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func (p *Printer) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Printer) logger() *slog.Logger {
	l := p.Logger
	if l == nil {
		l = slog.Default()
	}
	return l.With("device", p.ID)
}

// arm sets the connection deadline to timeout from now, or to ctx's
// deadline if that is earlier, and makes a cancellation of ctx end a
// blocked Read or Write at once. The returned function undoes the ctx
// hook and waits for it if it already started, so it cannot touch a later
// call's deadline.
func arm(ctx context.Context, conn link, timeout time.Duration) (disarm func()) {
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)

	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		conn.SetDeadline(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !stop() {
			<-fired
		}
	}
}

// logLimiter lets a repeated log message through at most once per
// logRepeatInterval and counts the ones it held back.
type logLimiter struct {
	last       map[string]time.Time
	suppressed map[string]int
}

const logRepeatInterval = time.Minute

func (l *logLimiter) allow(key string, now time.Time) (ok bool, suppressed int) {
	if l.last == nil {
		l.last = make(map[string]time.Time)
		l.suppressed = make(map[string]int)
	}
	if last, seen := l.last[key]; seen && now.Sub(last) < logRepeatInterval {
		l.suppressed[key]++
		return false, 0
	}
	suppressed = l.suppressed[key]
	l.last[key] = now
	l.suppressed[key] = 0
	return true, suppressed
}
