package scale

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/goburrow/modbus"

	"lambtrace/devices/tap"
)

// An RS-485 line carries several indicators, each answering to its own
// unit id, and only one request may be on the wire at a time: a second
// poller that writes while the first waits for its reply makes both time
// out or read each other's replies. So every ModbusScale whose Serial
// names the same port shares one rtuLine, and the line's goroutine alone
// opens the port and sends requests, one after the other, in the order
// the scales hand them over.

// registerClient is the part of a Modbus client that polling and the zero
// and tare commands use. modbus.Client and lineClient implement it.
type registerClient interface {
	ReadHoldingRegisters(address, quantity uint16) ([]byte, error)
	ReadInputRegisters(address, quantity uint16) ([]byte, error)
	WriteSingleRegister(address, value uint16) ([]byte, error)
}

// lineRequest is one request that a scale hands to the line's goroutine.
type lineRequest struct {
	unit   byte
	tap    *tap.Recorder // the requesting scale's, or nil
	now    func() time.Time
	do     func(client modbus.Client) ([]byte, error)
	result chan lineResult // buffered, so the line never waits for a scale that gave up
}

type lineResult struct {
	data []byte
	err  error
}

// rtuLine is one RTU serial port shared by the scales configured on it.
type rtuLine struct {
	key      string // the resolved port path that identifies the line
	config   SerialConfig
	timeout  time.Duration
	owner    string // id of the scale that opened the line, for messages
	logger   *slog.Logger
	requests chan lineRequest
	users    int // scales using the line, guarded by rtuLines.mu
	stop     context.CancelFunc
	done     chan struct{}
}

// ErrLineSettings is wrapped by the *ConfigError of a scale whose serial
// settings or timeout differ from those of another scale on the same port.
var ErrLineSettings = errors.New("every scale on one RS-485 line needs the same baud rate, data bits, parity, stop bits and timeout")

// rtuLines holds the open lines by key.
var rtuLines = struct {
	mu    sync.Mutex
	lines map[string]*rtuLine
}{lines: map[string]*rtuLine{}}

// lineKey returns the key of the port at path: the device a
// /dev/serial/by-id link leads to, so two names of one port share a line,
// or the cleaned path when it does not resolve.
func lineKey(path string) string {
	if device, err := filepath.EvalSymlinks(path); err == nil {
		return device
	}
	return filepath.Clean(path)
}

// acquireLine returns the line of s.Serial, starting its goroutine if no
// other scale uses it. Every scale on a line must use the same serial
// settings and timeout, because they are the port's. A scale that does
// not gets a *ConfigError.
func acquireLine(s *ModbusScale) (*rtuLine, error) {
	key := lineKey(s.Serial.Path)
	timeout := durationOr(s.Timeout, DefaultTimeout)

	rtuLines.mu.Lock()
	defer rtuLines.mu.Unlock()
	if l, ok := rtuLines.lines[key]; ok {
		if l.config != s.Serial || l.timeout != timeout {
			return nil, &ConfigError{Scale: s.ID, Op: "share serial line", Err: fmt.Errorf(
				"%w: %s is already in use by scale %s at %s with a %v timeout, and this scale sets %s with a %v timeout",
				ErrLineSettings, s.Serial.Path, l.owner, serialString(l.config), l.timeout, serialString(s.Serial), timeout)}
		}
		l.users++
		return l, nil
	}

	ctx, stop := context.WithCancel(context.Background())
	l := &rtuLine{
		key:      key,
		config:   s.Serial,
		timeout:  timeout,
		owner:    s.ID,
		logger:   s.baseLogger().With("line", s.Serial.Path),
		requests: make(chan lineRequest),
		users:    1,
		stop:     stop,
		done:     make(chan struct{}),
	}
	rtuLines.lines[key] = l
	go l.run(ctx)
	return l, nil
}

// release ends one scale's use of the line. The last user stops the
// line's goroutine, which closes the port, and waits for it, so a scale
// started later opens the port afresh.
func (l *rtuLine) release() {
	rtuLines.mu.Lock()
	defer rtuLines.mu.Unlock()
	l.users--
	if l.users > 0 {
		return
	}
	delete(rtuLines.lines, l.key)
	l.stop()
	<-l.done
}

func serialString(c SerialConfig) string {
	return fmt.Sprintf("%d %d%s%d", c.BaudRate, c.DataBits, c.Parity, c.StopBits)
}

// run owns the port: it opens it on the first request and sends each
// request with the requesting scale's unit id. Before each request it
// discards any input still waiting, such as a reply that came after its
// request timed out, which goburrow/modbus v0.1.0 would otherwise read as
// the reply to the next request, possibly one for another unit. After an
// error that is not a Modbus exception it closes the port, and the next
// request opens it again at once. Only a failed open makes the line wait,
// from 100 ms up to 5 s, and requests that come meanwhile fail with the
// open error.
//
// NOTE: goburrow/modbus v0.1.0 reads whatever has arrived when its wait
// for the reply ends, so bytes that come right behind a reply, before
// that read, become part of it and fail its CRC. The flush discards only
// what arrives between requests.
func (l *rtuLine) run(ctx context.Context) {
	defer close(l.done)
	var port *linePort
	var openErr error
	var retryAt time.Time
	backoff := time.Duration(0)
	closePort := func() {
		if port != nil {
			port.close(l.logger)
			port = nil
		}
	}
	defer func() {
		closePort()
		l.logger.Info("serial line closed")
	}()

	for {
		var req lineRequest
		select {
		case <-ctx.Done():
			return
		case req = <-l.requests:
		}

		if port == nil {
			if time.Now().Before(retryAt) {
				req.result <- lineResult{err: openErr}
				continue
			}
			var err error
			if port, err = l.open(); err != nil {
				backoff = min(max(2*backoff, firstBackoff), DefaultMaxBackoff)
				retryAt = time.Now().Add(backoff)
				openErr = fmt.Errorf("open serial line %s: %w", l.config.Path, err)
				l.logger.Warn("serial line open failed", "error", err, "backoff", backoff)
				req.result <- lineResult{err: openErr}
				continue
			}
			backoff = 0
			l.logger.Info("serial line opened", "mode", serialString(l.config))
		}

		if err := port.flusher.flush(); err != nil {
			l.logger.Debug("flush serial line input", "error", err)
		}
		port.handler.SlaveId = req.unit
		client := port.client
		if req.tap != nil {
			client = tappedClient(port.handler, req.tap, req.now)
		}
		data, err := req.do(client)
		if err != nil && !isException(err) {
			closePort()
		}
		req.result <- lineResult{data: data, err: err}
	}
}

// linePort is the open port of a line.
type linePort struct {
	handler *modbus.RTUClientHandler
	client  modbus.Client
	flusher *inputFlusher
}

func (l *rtuLine) open() (*linePort, error) {
	h := l.newHandler()
	if err := h.Connect(); err != nil {
		return nil, err
	}
	flusher, err := openFlusher(l.config.Path)
	if err != nil {
		h.Close()
		return nil, err
	}
	return &linePort{handler: h, client: modbus.NewClient(h), flusher: flusher}, nil
}

func (p *linePort) close(logger *slog.Logger) {
	if err := p.flusher.close(); err != nil {
		logger.Debug("close serial line flusher", "error", err)
	}
	if err := p.handler.Close(); err != nil {
		logger.Debug("close serial line", "error", err)
	}
}

// NOTE: goburrow/serial waits for replies in a select system call, which
// keeps the runtime's monitor thread awake as devices/serialport
// describes. The idle CPU figures have no RTU bus polled at 10 Hz.
func (l *rtuLine) newHandler() *modbus.RTUClientHandler {
	h := modbus.NewRTUClientHandler(l.config.Path)
	h.BaudRate = l.config.BaudRate
	h.DataBits = l.config.DataBits
	h.Parity = l.config.Parity
	h.StopBits = l.config.StopBits
	h.Timeout = l.timeout
	h.IdleTimeout = 0 // no idle timer goroutine: run alone closes the port
	return h
}

// errLineStopped reports a request made after the line's goroutine ended,
// which happens only when a scale uses the line after releasing it.
var errLineStopped = errors.New("serial line stopped")

// send hands do to the line's goroutine for the client c and returns its
// result, or ctx.Err() when ctx is done first.
func (l *rtuLine) send(c lineClient, do func(modbus.Client) ([]byte, error)) ([]byte, error) {
	ctx := c.ctx
	req := lineRequest{unit: c.unit, tap: c.tap, now: c.now, do: do, result: make(chan lineResult, 1)}
	select {
	case l.requests <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, errLineStopped
	}
	select {
	case r := <-req.result:
		return r.data, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lineClient sends the requests of one scale, with its unit id, through
// the line's goroutine, which copies their frames to the scale's tap.
type lineClient struct {
	ctx  context.Context
	line *rtuLine
	unit byte
	tap  *tap.Recorder
	now  func() time.Time
}

func (c lineClient) ReadHoldingRegisters(address, quantity uint16) ([]byte, error) {
	return c.line.send(c, func(m modbus.Client) ([]byte, error) { return m.ReadHoldingRegisters(address, quantity) })
}

func (c lineClient) ReadInputRegisters(address, quantity uint16) ([]byte, error) {
	return c.line.send(c, func(m modbus.Client) ([]byte, error) { return m.ReadInputRegisters(address, quantity) })
}

func (c lineClient) WriteSingleRegister(address, value uint16) ([]byte, error) {
	return c.line.send(c, func(m modbus.Client) ([]byte, error) { return m.WriteSingleRegister(address, value) })
}
