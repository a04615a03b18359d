package sim

import (
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"sync"
	"time"

	svmb "github.com/simonvetter/modbus"
	"go.bug.st/serial"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

// Modbus exception codes the simulators can return.
const (
	ExceptionIllegalFunction    byte = 1
	ExceptionIllegalDataAddress byte = 2
	ExceptionIllegalDataValue   byte = 3
	ExceptionDeviceFailure      byte = 4
	ExceptionDeviceBusy         byte = 6
	ExceptionGatewayNoResponse  byte = 11 // gateway target device failed to respond
)

// Indicator is a simulated weighing indicator: it plays a Script and
// serves the weight as registers laid out by a scale.Profile, and it acts
// on the profile's zero and tare commands. The TCP server and the RTU
// slave share this register image. It is safe for concurrent use.
type Indicator struct {
	profile  scale.Profile
	script   *Script
	now      func() time.Time
	start    time.Time
	decimals int
	division line.Mass // reported when the profile reads the division

	mu          sync.Mutex
	zeroOffset  line.Mass
	tare        line.Mass
	written     map[uint16]uint16 // last value written to each wire address
	exception   byte
	delay       time.Duration
	delayed     int
	zeros       int
	tares       int
	reads       int
	lowAddress  uint16
	highAddress uint16
}

// NewIndicator returns an indicator that serves script through profile,
// starting the script at now(). A nil now means time.Now. Integer weights
// are encoded with the profile's fixed decimals, or 2 when the profile
// reads the decimals from a register. A division register reads 20 g.
func NewIndicator(profile scale.Profile, script *Script, now func() time.Time) (*Indicator, error) {
	if err := profile.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	d := &Indicator{
		profile:  profile,
		script:   script,
		now:      now,
		start:    now(),
		decimals: profile.Decimals.Fixed,
		division: 20 * line.Gram,
		written:  map[uint16]uint16{},
	}
	if profile.Decimals.Register != nil {
		d.decimals = 2
	}
	d.lowAddress, d.highAddress = d.addressRange()
	return d, nil
}

// Profile returns the register map the indicator serves.
func (d *Indicator) Profile() scale.Profile { return d.profile }

// SetException makes every request fail with the Modbus exception code,
// until it is called with 0.
func (d *Indicator) SetException(code byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.exception = code
}

// DelayReplies holds the next count replies back by delay, to make a
// client time out.
func (d *Indicator) DelayReplies(count int, delay time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.delayed, d.delay = count, delay
}

// Zeros returns how many zero commands the indicator has carried out.
func (d *Indicator) Zeros() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.zeros
}

// Tares returns how many tare commands the indicator has carried out.
func (d *Indicator) Tares() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tares
}

// Reads returns how many read requests the indicator has served.
func (d *Indicator) Reads() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reads
}

// addressRange returns the lowest and highest wire address the profile
// uses. Reads outside it get exception 2, the reply of a real indicator
// to a request for registers it does not have.
func (d *Indicator) addressRange() (uint16, uint16) {
	p := d.profile
	base := uint16(p.AddressBase)
	var addresses []uint16
	addRegister := func(r scale.Register) {
		addresses = append(addresses, r.Address-base)
		if r.Type != scale.Int16 {
			addresses = append(addresses, r.Address-base+1)
		}
	}
	addRegister(p.Weight)
	if p.Division.Register != nil {
		addRegister(*p.Division.Register)
	}
	if p.Decimals.Register != nil {
		addresses = append(addresses, *p.Decimals.Register-base)
	}
	for _, b := range []*scale.Bit{p.Sign.Bit, p.Stable, p.Overload, p.Underload, p.Net} {
		if b != nil {
			addresses = append(addresses, b.Address-base)
		}
	}
	for _, c := range []*scale.Command{p.Zero, p.Tare} {
		if c != nil {
			addresses = append(addresses, c.Address-base)
		}
	}
	low, high := addresses[0], addresses[0]
	for _, a := range addresses {
		low, high = min(low, a), max(high, a)
	}
	return low, high
}

// takeDelay returns the delay for the reply being prepared. The caller
// holds d.mu.
func (d *Indicator) takeDelay() time.Duration {
	if d.delayed <= 0 {
		return 0
	}
	d.delayed--
	return d.delay
}

// read returns count registers from wire address start for function, or a
// Modbus exception code.
func (d *Indicator) read(function byte, start, count uint16) ([]uint16, byte) {
	d.mu.Lock()
	delay := d.takeDelay()
	values, code := d.readLocked(function, start, count)
	d.mu.Unlock()
	time.Sleep(delay)
	return values, code
}

func (d *Indicator) readLocked(function byte, start, count uint16) ([]uint16, byte) {
	if d.exception != 0 {
		return nil, d.exception
	}
	if function != d.profile.Function {
		return nil, ExceptionIllegalFunction
	}
	if count == 0 || count > 125 {
		return nil, ExceptionIllegalDataValue
	}
	end := int(start) + int(count) - 1
	if start < d.lowAddress || end > int(d.highAddress) {
		return nil, ExceptionIllegalDataAddress
	}
	d.reads++
	registers := d.encodeLocked(d.script.At(d.now().Sub(d.start)))
	values := make([]uint16, count)
	for i := range values {
		values[i] = registers[start+uint16(i)]
	}
	return values, 0
}

// write stores values from wire address start and carries out any zero or
// tare command they contain. It returns a Modbus exception code or 0.
func (d *Indicator) write(start uint16, values []uint16) byte {
	d.mu.Lock()
	delay := d.takeDelay()
	code := d.writeLocked(start, values)
	d.mu.Unlock()
	time.Sleep(delay)
	return code
}

func (d *Indicator) writeLocked(start uint16, values []uint16) byte {
	if d.exception != 0 {
		return d.exception
	}
	if int(start)+len(values)-1 > int(d.highAddress) || start < d.lowAddress {
		return ExceptionIllegalDataAddress
	}
	load := d.script.At(d.now().Sub(d.start))
	for i, value := range values {
		address := start + uint16(i)
		previous := d.written[address]
		d.written[address] = value
		if d.triggered(d.profile.Zero, address, previous, value) {
			d.zeroOffset = load.Grams
			d.tare = 0
			d.zeros++
		}
		if d.triggered(d.profile.Tare, address, previous, value) {
			d.tare = load.Grams - d.zeroOffset
			d.tares++
		}
	}
	return 0
}

func (d *Indicator) triggered(c *scale.Command, address, previous, value uint16) bool {
	if c == nil || c.Address-uint16(d.profile.AddressBase) != address {
		return false
	}
	if c.Kind == scale.CommandWrite {
		return value == c.Value
	}
	mask := uint16(1) << c.Bit
	return previous&mask == 0 && value&mask != 0
}

// Registers returns the register image for load, keyed by wire address,
// with the current zero and tare applied.
func (d *Indicator) Registers(load Load) map[uint16]uint16 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.encodeLocked(load)
}

func (d *Indicator) encodeLocked(load Load) map[uint16]uint16 {
	p := d.profile
	base := uint16(p.AddressBase)
	registers := map[uint16]uint16{}
	for address, value := range d.written {
		registers[address] = value
	}
	setBit := func(b *scale.Bit, on bool) {
		if b == nil {
			return
		}
		mask := uint16(1) << b.Bit
		wire := b.Address - base
		if on != b.Inverted {
			registers[wire] |= mask
		} else {
			registers[wire] &^= mask
		}
	}

	grams := load.Grams - d.zeroOffset - d.tare
	weight := grams
	if p.Sign.Bit != nil && grams < 0 {
		weight = -grams
	}
	setBit(p.Sign.Bit, grams < 0)
	setBit(p.Stable, load.Stable)
	setBit(p.Overload, load.Overload)
	setBit(p.Underload, false)
	setBit(p.Net, d.tare != 0)
	d.encodeValue(registers, p.Weight, weight)
	if p.Division.Register != nil {
		d.encodeValue(registers, *p.Division.Register, d.division)
	}
	if p.Decimals.Register != nil {
		field := uint16(d.decimals)
		for key, count := range p.Decimals.Map {
			if count == d.decimals {
				field = key
			}
		}
		wire := *p.Decimals.Register - base
		registers[wire] = registers[wire]&^(p.Decimals.Mask<<p.Decimals.Shift) | field<<p.Decimals.Shift
	}
	return registers
}

// encodeValue writes grams into reg as the profile's unit and decimals.
func (d *Indicator) encodeValue(registers map[uint16]uint16, reg scale.Register, grams line.Mass) {
	wire := reg.Address - uint16(d.profile.AddressBase)
	unitGrams := 1.0
	if d.profile.Unit == "kg" {
		unitGrams = 1000
	}
	var raw uint32
	if reg.Type == scale.Float32 {
		raw = math.Float32bits(float32(float64(grams) / unitGrams))
	} else {
		counts := math.Round(float64(grams) / unitGrams * math.Pow10(d.decimals))
		raw = uint32(int32(counts))
	}
	if reg.Type == scale.Int16 {
		registers[wire] = uint16(raw)
		return
	}
	first, second := SplitWords(raw, reg.WordOrder)
	registers[wire], registers[wire+1] = first, second
}

// SplitWords returns the two registers that hold the 32-bit value raw in
// word order order, the first register first.
func SplitWords(raw uint32, order scale.WordOrder) (uint16, uint16) {
	high, low := uint16(raw>>16), uint16(raw)
	swap := func(w uint16) uint16 { return w<<8 | w>>8 }
	switch order {
	case scale.CDAB:
		return low, high
	case scale.BADC:
		return swap(high), swap(low)
	case scale.DCBA:
		return swap(low), swap(high)
	default:
		return high, low
	}
}

// TCPServer serves an Indicator over Modbus TCP with the
// github.com/simonvetter/modbus server.
type TCPServer struct {
	Addr   string // host:port the server listens on
	server *svmb.ModbusServer
}

// StartTCP starts a Modbus TCP server for indicator on address, which
// should be a loopback address. Port 0 picks a free port, read back from
// Addr. The indicator answers every unit id, as many Modbus TCP
// indicators ignore it.
func StartTCP(indicator *Indicator, address string) (*TCPServer, error) {
	return startTCP(&tcpHandler{indicator: indicator}, address)
}

// StartTCPUnits starts a Modbus TCP server that serves each indicator of
// units under its unit id, as a Modbus TCP to RTU gateway does with the
// indicators on its RS-485 side. A request for any other unit id gets
// exception 11 (gateway target device failed to respond), the gateway's
// reply when no device answers on the serial side.
func StartTCPUnits(units map[byte]*Indicator, address string) (*TCPServer, error) {
	if len(units) == 0 {
		return nil, errors.New("modbus tcp gateway: no unit to serve")
	}
	served := make(map[byte]*Indicator, len(units))
	for unit, indicator := range units {
		if indicator == nil {
			return nil, fmt.Errorf("modbus tcp gateway: unit %d has no indicator", unit)
		}
		served[unit] = indicator
	}
	return startTCP(&tcpHandler{units: served}, address)
}

func startTCP(handler *tcpHandler, address string) (*TCPServer, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		listenAddress, err := resolvePort(address)
		if err != nil {
			return nil, err
		}
		server, err := svmb.NewServer(&svmb.ServerConfiguration{
			URL:        "tcp://" + listenAddress,
			Timeout:    30 * time.Second,
			MaxClients: 16,
			Logger:     log.New(io.Discard, "", 0),
		}, handler)
		if err != nil {
			return nil, fmt.Errorf("start modbus tcp server on %s: %w", listenAddress, err)
		}
		if err := server.Start(); err != nil {
			// The free port found by resolvePort can be taken before the
			// server binds it; try another one.
			lastErr = fmt.Errorf("start modbus tcp server on %s: %w", listenAddress, err)
			continue
		}
		return &TCPServer{Addr: listenAddress, server: server}, nil
	}
	return nil, lastErr
}

// resolvePort replaces port 0 in address with a free port, because the
// simonvetter server does not report the port it bound.
func resolvePort(address string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("invalid listen address %q: %w", address, err)
	}
	if port != "0" {
		return address, nil
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", host, err)
	}
	defer listener.Close()
	return listener.Addr().String(), nil
}

// Close stops the server and closes every client connection.
func (s *TCPServer) Close() error {
	return s.server.Stop()
}

// tcpHandler adapts Indicators to the simonvetter request handler: either
// one indicator that answers every unit id, or one per unit id.
type tcpHandler struct {
	indicator *Indicator
	units     map[byte]*Indicator
}

// unit returns the indicator that answers unit, or nil.
func (h *tcpHandler) unit(unit uint8) *Indicator {
	if h.units == nil {
		return h.indicator
	}
	return h.units[unit]
}

var exceptionErrors = map[byte]error{
	ExceptionIllegalFunction:    svmb.ErrIllegalFunction,
	ExceptionIllegalDataAddress: svmb.ErrIllegalDataAddress,
	ExceptionIllegalDataValue:   svmb.ErrIllegalDataValue,
	ExceptionDeviceFailure:      svmb.ErrServerDeviceFailure,
	ExceptionDeviceBusy:         svmb.ErrServerDeviceBusy,
	ExceptionGatewayNoResponse:  svmb.ErrGWTargetFailedToRespond,
}

func exceptionError(code byte) error {
	if err, ok := exceptionErrors[code]; ok {
		return err
	}
	return svmb.ErrServerDeviceFailure
}

func (h *tcpHandler) HandleCoils(*svmb.CoilsRequest) ([]bool, error) {
	return nil, svmb.ErrIllegalFunction
}

func (h *tcpHandler) HandleDiscreteInputs(*svmb.DiscreteInputsRequest) ([]bool, error) {
	return nil, svmb.ErrIllegalFunction
}

func (h *tcpHandler) HandleHoldingRegisters(req *svmb.HoldingRegistersRequest) ([]uint16, error) {
	indicator := h.unit(req.UnitId)
	if indicator == nil {
		return nil, svmb.ErrGWTargetFailedToRespond
	}
	if req.IsWrite {
		if code := indicator.write(req.Addr, req.Args); code != 0 {
			return nil, exceptionError(code)
		}
		return nil, nil
	}
	values, code := indicator.read(3, req.Addr, req.Quantity)
	if code != 0 {
		return nil, exceptionError(code)
	}
	return values, nil
}

func (h *tcpHandler) HandleInputRegisters(req *svmb.InputRegistersRequest) ([]uint16, error) {
	indicator := h.unit(req.UnitId)
	if indicator == nil {
		return nil, svmb.ErrGWTargetFailedToRespond
	}
	values, code := indicator.read(4, req.Addr, req.Quantity)
	if code != 0 {
		return nil, exceptionError(code)
	}
	return values, nil
}

// RTUSlave serves one or more Indicators as Modbus RTU slaves on one
// serial port, usually one end of a socat pty pair, as several indicators
// share one RS-485 line: each unit id has its own indicator with its own
// profile and script. It serves functions 3 and 4 (read registers), 6
// (write single register) and 16 (write multiple registers), frames
// requests by their length and drops any partial frame after 3.5
// character times of silence, and ignores frames with a bad CRC or a unit
// id it does not serve, as the Modbus serial line specification asks. A
// broadcast (unit 0) write reaches every unit and gets no reply.
type RTUSlave struct {
	units map[byte]*Indicator
	port  serial.Port
	done  chan struct{}

	mu            sync.Mutex
	silent        map[byte]bool
	stray         []byte // written strayDelay after the next reply
	strayDelay    time.Duration
	crcErrors     int
	partialFrames int
}

// StartRTU opens path at baud 8N1 and serves indicator as unit unitID
// until Close.
func StartRTU(indicator *Indicator, path string, baud int, unitID byte) (*RTUSlave, error) {
	return StartRTUUnits(map[byte]*Indicator{unitID: indicator}, path, baud)
}

// StartRTUUnits opens path at baud 8N1 and serves each indicator of units
// under its unit id, 1 to 247, until Close.
func StartRTUUnits(units map[byte]*Indicator, path string, baud int) (*RTUSlave, error) {
	if len(units) == 0 {
		return nil, errors.New("rtu slave: no unit to serve")
	}
	served := make(map[byte]*Indicator, len(units))
	for unit, indicator := range units {
		if unit < 1 || unit > 247 || indicator == nil {
			return nil, fmt.Errorf("rtu slave: unit id %d must be 1 to 247 and have an indicator", unit)
		}
		served[unit] = indicator
	}
	port, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("open rtu slave port %s: %w", path, err)
	}
	if err := port.SetReadTimeout(silentInterval(baud)); err != nil {
		port.Close()
		return nil, fmt.Errorf("set read timeout on %s: %w", path, err)
	}
	s := &RTUSlave{units: served, port: port, silent: map[byte]bool{}, done: make(chan struct{})}
	go s.serve()
	return s, nil
}

// Silence makes unit stop answering when on is true, as an indicator that
// is switched off or cut from the line, and answer again when it is false.
// The other units on the line keep answering.
func (s *RTUSlave) Silence(unit byte, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent[unit] = on
}

// silentInterval returns 3.5 character times of 10 bits at baud. The
// Modbus serial line specification fixes 1.75 ms above 19200 baud, and
// the read timer has millisecond resolution, so the result is at least
// 2 ms to keep a frame from being cut short.
func silentInterval(baud int) time.Duration {
	interval := time.Duration(35 * float64(time.Second) / float64(baud))
	return max(interval, 2*time.Millisecond)
}

// Close stops the slave and closes its port.
func (s *RTUSlave) Close() error {
	err := s.port.Close()
	<-s.done
	return err
}

// WriteAfterNextReply writes b delay after the next reply, as the late
// reply to a request that timed out, or line noise, arrives between two
// requests.
func (s *RTUSlave) WriteAfterNextReply(b []byte, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stray, s.strayDelay = append(s.stray, b...), delay
}

// CRCErrors returns how many frames were dropped for a bad CRC.
func (s *RTUSlave) CRCErrors() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crcErrors
}

// PartialFrames returns how many incomplete frames were dropped after a
// silence.
func (s *RTUSlave) PartialFrames() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.partialFrames
}

func (s *RTUSlave) serve() {
	defer close(s.done)
	var frame []byte
	var chunk [256]byte
	for {
		n, err := s.port.Read(chunk[:])
		if err != nil {
			return // the port was closed
		}
		if n == 0 {
			// Silence: a complete frame was handled when its last byte
			// arrived, so what is left is either a frame of a function
			// whose length is unknown, or noise.
			if len(frame) >= 4 && validCRC(frame) {
				s.handle(frame)
			} else if len(frame) > 0 {
				s.mu.Lock()
				s.partialFrames++
				s.mu.Unlock()
			}
			frame = frame[:0]
			continue
		}
		frame = append(frame, chunk[:n]...)
		for {
			length := requestLength(frame)
			if length <= 0 || len(frame) < length {
				break
			}
			s.handle(frame[:length])
			frame = append(frame[:0], frame[length:]...)
		}
		if len(frame) > 256 {
			frame = frame[:0] // longer than any Modbus RTU frame
		}
	}
}

// requestLength returns the length of the request at the start of frame,
// 0 when more bytes are needed to tell, or -1 for a function whose length
// the slave does not know.
func requestLength(frame []byte) int {
	if len(frame) < 2 {
		return 0
	}
	switch frame[1] {
	case 3, 4, 6:
		return 8
	case 16:
		if len(frame) < 7 {
			return 0
		}
		return 9 + int(frame[6])
	default:
		return -1
	}
}

func (s *RTUSlave) handle(frame []byte) {
	if !validCRC(frame) {
		s.mu.Lock()
		s.crcErrors++
		s.mu.Unlock()
		return
	}
	unit, function := frame[0], frame[1]
	body := frame[2 : len(frame)-2]
	if unit == 0 {
		// A broadcast reaches every unit and gets no reply.
		for _, indicator := range s.units {
			respond(indicator, function, body)
		}
		return
	}
	indicator, ok := s.units[unit]
	s.mu.Lock()
	silent := s.silent[unit]
	s.mu.Unlock()
	if !ok || silent {
		return
	}
	reply, code := respond(indicator, function, body)
	if code != 0 {
		reply = []byte{function | 0x80, code}
	} else {
		reply = append([]byte{function}, reply...)
	}
	s.port.Write(appendCRC(append([]byte{unit}, reply...)))

	s.mu.Lock()
	stray, delay := s.stray, s.strayDelay
	s.stray = nil
	s.mu.Unlock()
	if len(stray) > 0 {
		time.AfterFunc(delay, func() { s.port.Write(stray) })
	}
}

// respond carries out one request on indicator and returns the reply data
// after the function code, or an exception code.
func respond(indicator *Indicator, function byte, body []byte) ([]byte, byte) {
	word := func(i int) uint16 { return uint16(body[i])<<8 | uint16(body[i+1]) }
	switch function {
	case 3, 4:
		if len(body) != 4 {
			return nil, ExceptionIllegalDataValue
		}
		values, code := indicator.read(function, word(0), word(2))
		if code != 0 {
			return nil, code
		}
		reply := []byte{byte(2 * len(values))}
		for _, v := range values {
			reply = append(reply, byte(v>>8), byte(v))
		}
		return reply, 0
	case 6:
		if len(body) != 4 {
			return nil, ExceptionIllegalDataValue
		}
		if code := indicator.write(word(0), []uint16{word(2)}); code != 0 {
			return nil, code
		}
		return body, 0
	case 16:
		if len(body) < 5 || int(body[4]) != len(body)-5 || int(body[4]) != 2*int(word(2)) {
			return nil, ExceptionIllegalDataValue
		}
		values := make([]uint16, word(2))
		for i := range values {
			values[i] = word(5 + 2*i)
		}
		if code := indicator.write(word(0), values); code != 0 {
			return nil, code
		}
		return body[:4], 0
	default:
		return nil, ExceptionIllegalFunction
	}
}

// CRC16 returns the Modbus RTU CRC of data: polynomial 0xA001 (0x8005
// reflected), initial value 0xFFFF. It is sent low byte first.
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b)
		for i := 0; i < 8; i++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func appendCRC(frame []byte) []byte {
	crc := CRC16(frame)
	return append(frame, byte(crc), byte(crc>>8))
}

func validCRC(frame []byte) bool {
	if len(frame) < 4 {
		return false
	}
	n := len(frame) - 2
	crc := CRC16(frame[:n])
	return frame[n] == byte(crc) && frame[n+1] == byte(crc>>8)
}
