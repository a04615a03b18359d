package scale

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/goburrow/modbus"

	"lambtrace/devices/tap"
	"lambtrace/line"
)

// Defaults of ModbusScale.
const (
	DefaultPollInterval = 100 * time.Millisecond
	DefaultTimeout      = time.Second
	DefaultMaxBackoff   = 5 * time.Second
	firstBackoff        = 100 * time.Millisecond
	repeatLogInterval   = time.Minute
)

// SerialConfig is an RTU serial line. Every field is required, because
// github.com/goburrow/serial v0.1.0 silently uses 19200 baud and even
// parity for unset fields, and an indicator set to 9600 8N1 would then
// just time out.
type SerialConfig struct {
	Path     string // device path, preferably a /dev/serial/by-id link
	BaudRate int
	DataBits int    // 5 to 8
	Parity   string // "N", "E" or "O"
	StopBits int    // 1 or 2
}

// ModbusScale polls a Modbus indicator over TCP or RTU and decodes its
// registers with Profile. Over TCP one goroutine, the one running Run,
// owns the connection, and Zero and Tare hand their request to it. Over
// RTU several scales may name the same serial port, because indicators
// with different unit ids share one RS-485 line. One goroutine per port
// then owns the port and sends the requests of all of them one at a time, and
// they must agree on the serial settings and the timeout.
//
// Set Address for Modbus TCP, or Serial for RTU. Zero durations mean the
// Default values.
type ModbusScale struct {
	ID           string  // scale id from the configuration, copied into each reading
	Profile      Profile // register map
	Address      string  // host:port of a Modbus TCP indicator or gateway
	Serial       SerialConfig
	UnitID       byte
	PollInterval time.Duration // time from the start of one poll to the next
	Timeout      time.Duration // limit on each request and on connecting
	MaxBackoff   time.Duration // maximum wait between reconnection attempts
	Logger       *slog.Logger  // nil means slog.Default()
	Now          func() time.Time

	// Tap, when not nil, receives a copy of every request frame sent to
	// the indicator and every reply frame read from it, stamped with Now.
	Tap *tap.Recorder

	initOnce sync.Once
	commands chan command
}

var _ line.Scale = (*ModbusScale)(nil)

// ConfigError reports a request that the indicator rejects with Modbus
// exception 1, 2 or 3 (illegal function, data address or data value), a
// unit that a Modbus TCP gateway cannot reach (exception 10 or 11, then
// Err wraps ErrUnitUnreachable), or a configuration that cannot work.
// Retrying cannot help, so Run returns it at once.
type ConfigError struct {
	Scale string
	Op    string // the failed operation: "read registers", "zero", …
	Err   error
}

func (e *ConfigError) Error() string {
	if errors.Is(e.Err, ErrUnitUnreachable) {
		return fmt.Sprintf("scale %s: %s: %v; check the unit id configured for this scale against the indicator's Modbus address, and that the indicator is on and wired to the gateway", e.Scale, e.Op, e.Err)
	}
	return fmt.Sprintf("scale %s: %s: %v; check the profile's function code, register addresses and the unit id", e.Scale, e.Op, e.Err)
}

// ErrUnitUnreachable is wrapped by the *ConfigError of a Modbus TCP
// gateway that answers exception 10 (gateway path unavailable) or 11
// (gateway target device failed to respond): no device behind the gateway
// responds to the scale's unit id.
var ErrUnitUnreachable = errors.New("no device behind the gateway responds to this unit id: check the unit id and the indicator's power and RS-485 wiring")

func (e *ConfigError) Unwrap() error { return e.Err }

// ErrNotConnected reports a Zero or Tare requested while Run has no
// connection to the indicator.
var ErrNotConnected = errors.New("scale not connected")

type command struct {
	name   string // "zero" or "tare"
	action *Command
	result chan error
}

func (s *ModbusScale) init() {
	s.initOnce.Do(func() { s.commands = make(chan command) })
}

// Zero sends the profile's zero command through the running Run. It waits
// until Run takes the request or ctx is done, so it blocks while Run is not
// running.
func (s *ModbusScale) Zero(ctx context.Context) error {
	return s.send(ctx, "zero", s.Profile.Zero)
}

// Tare sends the profile's tare command, as Zero does.
func (s *ModbusScale) Tare(ctx context.Context) error {
	return s.send(ctx, "tare", s.Profile.Tare)
}

func (s *ModbusScale) send(ctx context.Context, name string, action *Command) error {
	if action == nil {
		return &ConfigError{Scale: s.ID, Op: name, Err: fmt.Errorf("profile %q has no %s command", s.Profile.Name, name)}
	}
	s.init()
	c := command{name: name, action: action, result: make(chan error, 1)}
	select {
	case s.commands <- c:
	case <-ctx.Done():
		return fmt.Errorf("scale %s: %s: %w", s.ID, name, ctx.Err())
	}
	select {
	case err := <-c.result:
		return err
	case <-ctx.Done():
		return fmt.Errorf("scale %s: %s: %w", s.ID, name, ctx.Err())
	}
}

func (s *ModbusScale) baseLogger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *ModbusScale) logger() *slog.Logger {
	return s.baseLogger().With("device", s.ID)
}

func (s *ModbusScale) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func durationOr(d, fallback time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return fallback
}

// validate checks the parts of the configuration that are wrong whatever
// the indicator replies.
func (s *ModbusScale) validate() error {
	if err := s.Profile.Validate(); err != nil {
		return &ConfigError{Scale: s.ID, Op: "check profile", Err: err}
	}
	if s.Address != "" {
		return nil
	}
	c := s.Serial
	var problem string
	switch {
	case c.Path == "":
		problem = "neither a TCP address nor a serial path is set"
	case c.BaudRate <= 0:
		problem = fmt.Sprintf("serial baud rate is %d, expected a positive rate such as 9600", c.BaudRate)
	case c.DataBits < 5 || c.DataBits > 8:
		problem = fmt.Sprintf("serial data bits is %d, expected 5 to 8", c.DataBits)
	case c.Parity != "N" && c.Parity != "E" && c.Parity != "O":
		problem = fmt.Sprintf("serial parity is %q, expected \"N\", \"E\" or \"O\"", c.Parity)
	case c.StopBits != 1 && c.StopBits != 2:
		problem = fmt.Sprintf("serial stop bits is %d, expected 1 or 2", c.StopBits)
	default:
		return nil
	}
	return &ConfigError{Scale: s.ID, Op: "check configuration", Err: errors.New(problem)}
}

// connection is the client of one session and the function that ends it.
type connection struct {
	client registerClient
	close  func() error
}

// connect opens a Modbus TCP connection, or returns a client of line for
// an RTU scale, whose port the line's goroutine opens.
func (s *ModbusScale) connect(ctx context.Context, line *rtuLine) (connection, error) {
	if line != nil {
		client := lineClient{ctx: ctx, line: line, unit: s.UnitID, tap: s.Tap, now: s.now}
		return connection{client: client, close: func() error { return nil }}, nil
	}
	h := modbus.NewTCPClientHandler(s.Address)
	h.Timeout = durationOr(s.Timeout, DefaultTimeout)
	h.IdleTimeout = 0 // no idle timer goroutine: Run alone closes the connection
	h.SlaveId = s.UnitID
	if err := h.Connect(); err != nil {
		h.Close()
		return connection{}, fmt.Errorf("connect %s: %w", s.endpoint(), err)
	}
	return connection{client: tappedClient(h, s.Tap, s.now), close: h.Close}, nil
}

func (s *ModbusScale) endpoint() string {
	if s.Address != "" {
		return "tcp://" + s.Address
	}
	return "rtu://" + s.Serial.Path
}

// Run polls the indicator and passes each decoded reading to deliver until
// ctx is done, then returns ctx.Err(). After a timeout, a mismatched reply
// or any other I/O error it waits from 100 ms up to MaxBackoff and starts
// again. Over TCP it reconnects, because a goburrow TCP client that missed
// one reply reads every later reply one transaction late. Over RTU the
// line reopens the port, and a scale whose indicator does not answer
// delays only its own readings and, by its timeouts, the other scales'
// polls on that line. Modbus exceptions 1 to 3, 10 and 11 end Run with a
// *ConfigError, and other exceptions are retried like I/O errors. deliver
// runs on Run's goroutine, so a deliver that blocks also holds up polling,
// Zero and Tare.
func (s *ModbusScale) Run(ctx context.Context, deliver func(line.Reading)) error {
	s.init()
	logger := s.logger()
	if err := s.validate(); err != nil {
		logger.Error("scale configuration rejected", "error", err)
		return err
	}
	var line *rtuLine
	if s.Address == "" {
		var err error
		if line, err = acquireLine(s); err != nil {
			logger.Error("scale configuration rejected", "error", err)
			return err
		}
		defer line.release()
	}
	failures := &repeatLog{logger: logger, now: s.now}
	backoff := time.Duration(0)
	maxBackoff := durationOr(s.MaxBackoff, DefaultMaxBackoff)
	for {
		polled, err := s.session(ctx, line, deliver, failures)
		if ctx.Err() != nil {
			logger.Info("scale closed", "endpoint", s.endpoint())
			return ctx.Err()
		}
		var configErr *ConfigError
		if errors.As(err, &configErr) {
			logger.Error("scale stopped: the indicator rejects the request", "error", err)
			return err
		}

		if polled {
			backoff = 0
		}
		switch {
		case backoff == 0:
			backoff = firstBackoff
		case backoff < maxBackoff:
			backoff *= 2
		}
		backoff = min(backoff, maxBackoff)
		failures.warn("scale connection failed, reconnecting", err, "endpoint", s.endpoint(), "backoff", backoff)
		if err := s.wait(ctx, backoff); err != nil {
			logger.Info("scale closed", "endpoint", s.endpoint())
			return err
		}
	}
}

// wait sleeps for d or until ctx is done, and fails commands that arrive
// meanwhile with ErrNotConnected.
func (s *ModbusScale) wait(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-s.commands:
			c.result <- fmt.Errorf("scale %s: %s: %w", s.ID, c.name, ErrNotConnected)
		case <-timer.C:
			return nil
		}
	}
}

// session connects, then polls and runs commands until an error. It
// reports whether any poll succeeded, so Run can reset its backoff.
func (s *ModbusScale) session(ctx context.Context, rtu *rtuLine, deliver func(line.Reading), failures *repeatLog) (bool, error) {
	conn, err := s.connect(ctx, rtu)
	if err != nil {
		return false, err
	}
	defer func() {
		if err := conn.close(); err != nil {
			failures.logger.Debug("close scale connection", "error", err)
		}
	}()
	client := conn.client
	spans := s.Profile.spans()
	interval := durationOr(s.PollInterval, DefaultPollInterval)
	polled := false
	decodeFailures := &repeatLog{logger: failures.logger, now: s.now}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return polled, ctx.Err()

		case c := <-s.commands:
			err := s.execute(client, c)
			c.result <- err
			var configErr *ConfigError
			if err != nil && !errors.As(err, &configErr) && !isException(err) {
				return polled, err // an I/O error leaves the connection unusable
			}

		case <-timer.C:
			started := time.Now()
			registers, err := s.poll(client, spans)
			if err != nil {
				return polled, err
			}
			if !polled {
				polled = true
				if failures.count > 0 {
					failures.logger.Info("scale reconnected", "endpoint", s.endpoint(), "failures", failures.count)
				} else {
					failures.logger.Info("scale connected", "endpoint", s.endpoint())
				}
				failures.reset()
			}
			reading, err := Decode(s.Profile, registers)
			if err != nil {
				decodeFailures.warn("scale reading dropped", err)
			} else {
				reading.Scale = s.ID
				reading.At = s.now()
				deliver(reading)
			}
			timer.Reset(max(0, interval-time.Since(started)))
		}
	}
}

func isException(err error) bool {
	var exception *modbus.ModbusError
	return errors.As(err, &exception)
}

// classify turns exceptions 1 to 3, 10 and 11 into a *ConfigError and
// wraps every other error with op. A gateway sends 10 or 11 when no
// device behind it answers to the unit id: a wrong unit id, or an
// indicator that is off or cut from the RS-485 side. Either way a person
// has to look, so it ends Run like a wrong register address does.
func (s *ModbusScale) classify(op string, err error) error {
	var exception *modbus.ModbusError
	if !errors.As(err, &exception) {
		return fmt.Errorf("scale %s: %s: %w", s.ID, op, err)
	}
	switch exception.ExceptionCode {
	case modbus.ExceptionCodeIllegalFunction, modbus.ExceptionCodeIllegalDataAddress, modbus.ExceptionCodeIllegalDataValue:
		return &ConfigError{Scale: s.ID, Op: op, Err: err}
	case modbus.ExceptionCodeGatewayPathUnavailable, modbus.ExceptionCodeGatewayTargetDeviceFailedToRespond:
		return &ConfigError{Scale: s.ID, Op: op, Err: fmt.Errorf("%w: unit %d at %s: %w", ErrUnitUnreachable, s.UnitID, s.endpoint(), err)}
	}
	return fmt.Errorf("scale %s: %s: %w", s.ID, op, err)
}

func (s *ModbusScale) poll(client registerClient, spans []span) (map[uint16]uint16, error) {
	registers := make(map[uint16]uint16, 8)
	for _, sp := range spans {
		var data []byte
		var err error
		if s.Profile.Function == 4 {
			data, err = client.ReadInputRegisters(sp.Start, sp.Count)
		} else {
			data, err = client.ReadHoldingRegisters(sp.Start, sp.Count)
		}
		op := fmt.Sprintf("read %d registers at %d with function %d", sp.Count, sp.Start, s.Profile.Function)
		if err != nil {
			return nil, s.classify(op, err)
		}
		if len(data) != 2*int(sp.Count) {
			return nil, fmt.Errorf("scale %s: %s: got %d bytes, expected %d", s.ID, op, len(data), 2*int(sp.Count))
		}
		for i := 0; i < int(sp.Count); i++ {
			registers[sp.Start+uint16(i)] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		}
	}
	return registers, nil
}

func (s *ModbusScale) execute(client registerClient, c command) error {
	wire := s.Profile.wire(c.action.Address)
	op := fmt.Sprintf("%s: write register %d", c.name, wire)
	if c.action.Kind == CommandWrite {
		if _, err := client.WriteSingleRegister(wire, c.action.Value); err != nil {
			return s.classify(op, err)
		}
		return nil
	}
	// An edge command: the indicator acts when the bit goes from 0 to 1,
	// and the bit is cleared so that the next command is an edge again.
	if _, err := client.WriteSingleRegister(wire, 1<<c.action.Bit); err != nil {
		return s.classify(op, err)
	}
	if _, err := client.WriteSingleRegister(wire, 0); err != nil {
		return s.classify(op, err)
	}
	return nil
}

// repeatLog logs the first of a series of failures and then at most one
// line per repeatLogInterval with the count so far.
type repeatLog struct {
	logger *slog.Logger
	now    func() time.Time
	count  int
	last   time.Time
}

func (l *repeatLog) warn(message string, err error, args ...any) {
	l.count++
	now := l.now()
	if l.count > 1 && now.Sub(l.last) < repeatLogInterval {
		return
	}
	l.last = now
	l.logger.Warn(message, append([]any{"error", err, "failures", l.count}, args...)...)
}

func (l *repeatLog) reset() { l.count = 0 }
