package scale_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goburrow/modbus"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

var discard = slog.New(slog.DiscardHandler)

// runResult is the outcome of Run: err is set before done is closed.
type runResult struct {
	done chan struct{}
	err  error
}

// returned reports whether Run has returned and with which error.
func (r *runResult) returned() (bool, error) {
	select {
	case <-r.done:
		return true, r.err
	default:
		return false, nil
	}
}

// wait waits up to 10 s for Run to return and returns its error.
func (r *runResult) wait(t *testing.T, what string) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return within 10 s of %s", what)
		return nil
	}
}

// runScale runs s until the test ends and returns its readings and the
// outcome of Run.
func runScale(t *testing.T, s *scale.ModbusScale) (<-chan line.Reading, *runResult) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	readings := make(chan line.Reading, 1000)
	result := &runResult{done: make(chan struct{})}
	go func() {
		defer close(result.done)
		result.err = s.Run(ctx, func(r line.Reading) {
			select {
			case readings <- r:
			default: // a test that stopped reading must not block Run
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-result.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return 10 s after its context was cancelled")
		}
	})
	return readings, result
}

// waitReading returns the first reading that satisfies match, failing the
// test after 10 s.
func waitReading(t *testing.T, readings <-chan line.Reading, what string, match func(line.Reading) bool) line.Reading {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-readings:
			if match(r) {
				return r
			}
		case <-deadline:
			t.Fatalf("no reading with %s within 10 s", what)
			return line.Reading{}
		}
	}
}

func startTCPSim(t testing.TB, profile scale.Profile, script *sim.Script) (*sim.Indicator, *sim.TCPServer) {
	t.Helper()
	indicator, err := sim.NewIndicator(profile, script, nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return indicator, server
}

func tcpScale(profile scale.Profile, address string) *scale.ModbusScale {
	return &scale.ModbusScale{
		ID:           "hook-1",
		Profile:      profile,
		Address:      address,
		UnitID:       1,
		PollInterval: 10 * time.Millisecond,
		Timeout:      300 * time.Millisecond,
		MaxBackoff:   200 * time.Millisecond,
		Logger:       discard,
	}
}

func hold(grams line.Mass) *sim.Script {
	return sim.NewScript(0, 1).Settle(grams, 0).Hold(time.Hour)
}

func TestModbusTCPEveryProfile(t *testing.T) {
	for _, profile := range scale.Profiles() {
		t.Run(profile.Name, func(t *testing.T) {
			_, server := startTCPSim(t, profile, hold(23400))
			readings, _ := runScale(t, tcpScale(profile, server.Addr))
			r := waitReading(t, readings, "any weight", func(line.Reading) bool { return true })
			if r.Grams != 23400 {
				t.Errorf("Grams = %d, want 23400", r.Grams)
			}
			if r.Scale != "hook-1" {
				t.Errorf("Scale = %q, want hook-1", r.Scale)
			}
			if r.At.IsZero() {
				t.Error("At is zero")
			}
			if r.Stable != profile.HasStableFlag() {
				t.Errorf("Stable = %v, want %v", r.Stable, profile.HasStableFlag())
			}
		})
	}
}

func TestModbusTCPFollowsScript(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	script := sim.NewScript(0, 1).Hold(200*time.Millisecond).Settle(31250, 300*time.Millisecond).Hold(time.Hour)
	_, server := startTCPSim(t, profile, script)
	readings, _ := runScale(t, tcpScale(profile, server.Addr))

	var window scale.Window
	r := waitReading(t, readings, "an accepted 31.25 kg", func(r line.Reading) bool {
		accepted, ok := window.Add(r)
		return ok && accepted.Grams == 31250
	})
	if !r.Stable {
		t.Error("accepted reading is not stable")
	}
}

func TestModbusTCPZeroAndTare(t *testing.T) {
	for _, name := range []string{"id551pn", "dgt4x"} {
		t.Run(name, func(t *testing.T) {
			profile, _ := scale.LookupProfile(name)
			indicator, server := startTCPSim(t, profile, hold(5000))
			s := tcpScale(profile, server.Addr)
			readings, _ := runScale(t, s)
			waitReading(t, readings, "5 kg", func(r line.Reading) bool { return r.Grams == 5000 })

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Tare(ctx); err != nil {
				t.Fatalf("Tare: %v", err)
			}
			if indicator.Tares() != 1 {
				t.Errorf("indicator counted %d tares, want 1", indicator.Tares())
			}
			r := waitReading(t, readings, "0 g net", func(r line.Reading) bool { return r.Grams == 0 })
			if !r.Net {
				t.Error("Net = false after a tare")
			}

			if err := s.Zero(ctx); err != nil {
				t.Fatalf("Zero: %v", err)
			}
			if indicator.Zeros() != 1 {
				t.Errorf("indicator counted %d zeros, want 1", indicator.Zeros())
			}
			waitReading(t, readings, "0 g gross", func(r line.Reading) bool { return r.Grams == 0 && !r.Net })
		})
	}
}

func TestModbusZeroWithoutCommand(t *testing.T) {
	profile, _ := scale.LookupProfile("ci600d")
	s := tcpScale(profile, "127.0.0.1:1")
	var configErr *scale.ConfigError
	if err := s.Zero(context.Background()); !errors.As(err, &configErr) {
		t.Errorf("Zero on a profile without a zero command: err = %v, want *ConfigError", err)
	}
}

func TestModbusTCPReconnectAfterRestart(t *testing.T) {
	profile, _ := scale.LookupProfile("id551pn")
	indicator, server := startTCPSim(t, profile, hold(12340))
	readings, done := runScale(t, tcpScale(profile, server.Addr))
	waitReading(t, readings, "12.34 kg", func(r line.Reading) bool { return r.Grams == 12340 })

	if err := server.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let Run fail and back off
	for len(readings) > 0 {
		<-readings
	}
	restarted, err := sim.StartTCP(indicator, server.Addr)
	if err != nil {
		t.Fatalf("restart the server on %s: %v", server.Addr, err)
	}
	t.Cleanup(func() { restarted.Close() })

	readsBefore := indicator.Reads()
	waitReading(t, readings, "12.34 kg after the restart", func(r line.Reading) bool { return r.Grams == 12340 })
	if indicator.Reads() <= readsBefore {
		t.Error("the reading did not come from the restarted server")
	}
	if returned, err := done.returned(); returned {
		t.Fatalf("Run returned %v while the server was down", err)
	}
}

func TestModbusTCPIllegalAddressIsConfigError(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	indicator, server := startTCPSim(t, profile, hold(1000))
	indicator.SetException(sim.ExceptionIllegalDataAddress)
	_, done := runScale(t, tcpScale(profile, server.Addr))

	err := done.wait(t, "exception 2")
	var configErr *scale.ConfigError
	if !errors.As(err, &configErr) {
		t.Fatalf("Run returned %v, want *ConfigError", err)
	}
	var exception *modbus.ModbusError
	if !errors.As(err, &exception) || exception.ExceptionCode != 2 {
		t.Errorf("Run error %v does not wrap exception 2", err)
	}
	if !strings.Contains(err.Error(), "illegal data address") {
		t.Errorf("message %q does not name the exception", err)
	}
}

func TestModbusTCPBusyIsRetried(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	indicator, server := startTCPSim(t, profile, hold(1000))
	indicator.SetException(sim.ExceptionDeviceBusy)
	readings, done := runScale(t, tcpScale(profile, server.Addr))

	time.Sleep(300 * time.Millisecond)
	if returned, err := done.returned(); returned {
		t.Fatalf("Run returned %v on exception 6, want a retry", err)
	}
	indicator.SetException(0)
	waitReading(t, readings, "1 kg after the indicator stopped being busy", func(r line.Reading) bool { return r.Grams == 1000 })
}

// A reply that comes after the timeout leaves a goburrow TCP client one
// transaction behind for good; the driver must reconnect and read on.
func TestModbusTCPRecoversAfterTimeout(t *testing.T) {
	profile, _ := scale.LookupProfile("id551pn")
	indicator, server := startTCPSim(t, profile, hold(7000))
	s := tcpScale(profile, server.Addr)
	readings, _ := runScale(t, s)
	waitReading(t, readings, "7 kg", func(r line.Reading) bool { return r.Grams == 7000 })

	indicator.DelayReplies(1, 2*s.Timeout)
	time.Sleep(3 * s.Timeout)
	for len(readings) > 0 {
		<-readings
	}
	for i := 0; i < 10; i++ {
		r := waitReading(t, readings, "a reading after the late reply", func(line.Reading) bool { return true })
		if r.Grams != 7000 {
			t.Fatalf("reading %d after the late reply = %d g, want 7000", i, r.Grams)
		}
	}
}

// staleServer replies to Modbus TCP read requests with 7000 counts in
// registers 0–1. On the first connection it echoes the previous
// transaction id instead of the request's, as a reply arriving one
// request late looks, and it counts connections.
type staleServer struct {
	listener    net.Listener
	mu          sync.Mutex
	connections int
}

func startStaleServer(t *testing.T) *staleServer {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &staleServer{listener: listener}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.connections++
			stale := s.connections == 1
			s.mu.Unlock()
			go s.serve(conn, stale)
		}
	}()
	return s
}

func (s *staleServer) serve(conn net.Conn, stale bool) {
	defer conn.Close()
	var request [12]byte
	for {
		if _, err := io.ReadFull(conn, request[:]); err != nil {
			return
		}
		id := binary.BigEndian.Uint16(request[0:])
		counts := uint32(7000)
		if stale {
			id--
			counts = 12345 // a value that must never be delivered
		}
		count := binary.BigEndian.Uint16(request[10:])
		reply := binary.BigEndian.AppendUint16(nil, id)
		reply = append(reply, 0, 0)
		reply = binary.BigEndian.AppendUint16(reply, uint16(3+2*count))
		reply = append(reply, request[6], request[7], byte(2*count))
		for i := 0; i < int(count); i++ {
			word := uint16(0)
			switch i {
			case 0:
				word = uint16(counts >> 16)
			case 1:
				word = uint16(counts)
			}
			reply = binary.BigEndian.AppendUint16(reply, word)
		}
		if _, err := conn.Write(reply); err != nil {
			return
		}
	}
}

func TestModbusTCPTransactionMismatch(t *testing.T) {
	server := startStaleServer(t)
	profile, _ := scale.LookupProfile("w100") // weight at wire address 7–8
	profile.Weight.Address = 0
	readings, _ := runScale(t, tcpScale(profile, server.listener.Addr().String()))

	r := waitReading(t, readings, "any weight", func(line.Reading) bool { return true })
	if r.Grams != 70000 {
		t.Errorf("first reading = %d g, want 70000 (12345 counts came with a stale transaction id)", r.Grams)
	}
	server.mu.Lock()
	defer server.mu.Unlock()
	if server.connections != 2 {
		t.Errorf("connections = %d, want 2: one stale, one after the reconnect", server.connections)
	}
}

func TestModbusConfigErrors(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	tests := []struct {
		name   string
		serial scale.SerialConfig
	}{
		{"no address or path", scale.SerialConfig{}},
		{"no baud rate", scale.SerialConfig{Path: "/dev/null", DataBits: 8, Parity: "N", StopBits: 1}},
		{"no parity", scale.SerialConfig{Path: "/dev/null", BaudRate: 9600, DataBits: 8, StopBits: 1}},
		{"no stop bits", scale.SerialConfig{Path: "/dev/null", BaudRate: 9600, DataBits: 8, Parity: "N"}},
		{"9 data bits", scale.SerialConfig{Path: "/dev/null", BaudRate: 9600, DataBits: 9, Parity: "N", StopBits: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scale.ModbusScale{ID: "hook-1", Profile: profile, Serial: tt.serial, Logger: discard}
			err := s.Run(context.Background(), func(line.Reading) {})
			var configErr *scale.ConfigError
			if !errors.As(err, &configErr) {
				t.Errorf("Run err = %v, want *ConfigError", err)
			}
		})
	}

	broken := profile
	broken.Function = 5
	s := &scale.ModbusScale{ID: "hook-1", Profile: broken, Address: "127.0.0.1:1", Logger: discard}
	if err := s.Run(context.Background(), func(line.Reading) {}); !errors.Is(err, scale.ErrProfile) {
		t.Errorf("Run with function 5: err = %v, want ErrProfile", err)
	}
}

// startSocat starts a socat pty pair and returns the paths of its two ends.
func startSocat(tb testing.TB) (string, string) {
	tb.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		tb.Skip("socat is not installed; install the socat package to run the RTU tests")
	}
	pair, err := sim.StartPtyPair(tb.TempDir(), "pty")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pair.Close)
	return pair.Station, pair.Simulator
}

func startRTUSim(tb testing.TB, profile scale.Profile, script *sim.Script, baud int) (*sim.Indicator, string) {
	tb.Helper()
	client, slave := startSocat(tb)
	indicator, err := sim.NewIndicator(profile, script, nil)
	if err != nil {
		tb.Fatal(err)
	}
	rtu, err := sim.StartRTU(indicator, slave, baud, 1)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { rtu.Close() })
	return indicator, client
}

func rtuScale(profile scale.Profile, path string, baud int) *scale.ModbusScale {
	return &scale.ModbusScale{
		ID:           "hook-2",
		Profile:      profile,
		Serial:       scale.SerialConfig{Path: path, BaudRate: baud, DataBits: 8, Parity: "N", StopBits: 1},
		UnitID:       1,
		PollInterval: 10 * time.Millisecond,
		Timeout:      500 * time.Millisecond,
		MaxBackoff:   200 * time.Millisecond,
		Logger:       discard,
	}
}

func TestModbusRTUReadsAndTares(t *testing.T) {
	profile, _ := scale.LookupProfile("id551pn")
	indicator, path := startRTUSim(t, profile, hold(18420), 115200)
	s := rtuScale(profile, path, 115200)
	readings, _ := runScale(t, s)

	r := waitReading(t, readings, "18.42 kg", func(r line.Reading) bool { return r.Grams == 18420 })
	if !r.Stable || r.Scale != "hook-2" {
		t.Errorf("reading = %+v, want stable from hook-2", r)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Tare(ctx); err != nil {
		t.Fatalf("Tare over RTU: %v", err)
	}
	if indicator.Tares() != 1 {
		t.Errorf("indicator counted %d tares, want 1", indicator.Tares())
	}
	waitReading(t, readings, "0 g net", func(r line.Reading) bool { return r.Grams == 0 && r.Net })
}

func TestModbusRTUEveryProfile(t *testing.T) {
	for _, profile := range scale.Profiles() {
		t.Run(profile.Name, func(t *testing.T) {
			_, path := startRTUSim(t, profile, hold(-2500), 115200)
			readings, _ := runScale(t, rtuScale(profile, path, 115200))
			r := waitReading(t, readings, "any weight", func(line.Reading) bool { return true })
			if r.Grams != -2500 {
				t.Errorf("Grams = %d, want -2500", r.Grams)
			}
		})
	}
}

func TestModbusRTUIllegalFunctionIsConfigError(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	_, path := startRTUSim(t, profile, hold(1000), 19200)
	wrong := profile
	wrong.Function = 4 // the simulated indicator serves holding registers only
	_, done := runScale(t, rtuScale(wrong, path, 19200))
	err := done.wait(t, "exception 1")
	var configErr *scale.ConfigError
	if !errors.As(err, &configErr) {
		t.Errorf("Run returned %v, want *ConfigError", err)
	}
	var exception *modbus.ModbusError
	if !errors.As(err, &exception) || exception.ExceptionCode != 1 {
		t.Errorf("Run error %v does not wrap exception 1", err)
	}
}

func TestModbusRTUReconnectAfterSlaveRestart(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	client, slavePath := startSocat(t)
	indicator, err := sim.NewIndicator(profile, hold(6600), nil)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := sim.StartRTU(indicator, slavePath, 115200, 1)
	if err != nil {
		t.Fatal(err)
	}
	s := rtuScale(profile, client, 115200)
	s.Timeout = 100 * time.Millisecond
	readings, done := runScale(t, s)
	waitReading(t, readings, "6.6 kg", func(r line.Reading) bool { return r.Grams == 6600 })

	if err := slave.Close(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let requests time out
	for len(readings) > 0 {
		<-readings
	}
	restarted, err := sim.StartRTU(indicator, slavePath, 115200, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { restarted.Close() })

	readsBefore := indicator.Reads()
	waitReading(t, readings, "6.6 kg after the restart", func(r line.Reading) bool { return r.Grams == 6600 })
	if indicator.Reads() <= readsBefore {
		t.Error("the reading did not come from the restarted slave")
	}
	if returned, err := done.returned(); returned {
		t.Fatalf("Run returned %v while the slave was down", err)
	}
}

func TestModbusTCPWindowIgnoresSpike(t *testing.T) {
	profile, _ := scale.LookupProfile("id551pn")
	script := sim.NewScript(10, 3).
		Settle(18420, 300*time.Millisecond).
		Hold(300*time.Millisecond).
		Spike(-3100, 15*time.Millisecond).
		Hold(time.Hour)
	_, server := startTCPSim(t, profile, script)
	readings, _ := runScale(t, tcpScale(profile, server.Addr))

	window := scale.Window{Division: 20}
	sawSpike := false
	r := waitReading(t, readings, "an accepted weight", func(r line.Reading) bool {
		if r.Grams < 0 {
			sawSpike = true
		}
		_, ok := window.Add(r)
		return ok
	})
	if r.Grams < 18400 || r.Grams > 18440 {
		t.Errorf("accepted %d g, want 18420 ± 20", r.Grams)
	}
	t.Logf("spike polled: %v", sawSpike)
}

// A Modbus TCP gateway answers exception 11 for a unit id that no device
// behind it answers to; the scale configured with that unit id stops with
// a configuration error that names the unit, while the unit the gateway
// reaches reads on.
func TestModbusTCPGatewayUnknownUnit(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	indicator, err := sim.NewIndicator(profile, hold(4200), nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sim.StartTCPUnits(map[byte]*sim.Indicator{1: indicator}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })

	known := tcpScale(profile, server.Addr)
	readings, _ := runScale(t, known)
	waitReading(t, readings, "4.2 kg from unit 1", func(r line.Reading) bool { return r.Grams == 4200 })

	unknown := tcpScale(profile, server.Addr)
	unknown.ID, unknown.UnitID = "hook-5", 5
	_, done := runScale(t, unknown)
	err = done.wait(t, "exception 11")
	var configErr *scale.ConfigError
	if !errors.As(err, &configErr) {
		t.Fatalf("Run returned %v, want *ConfigError", err)
	}
	if !errors.Is(err, scale.ErrUnitUnreachable) {
		t.Errorf("Run error %v does not wrap ErrUnitUnreachable", err)
	}
	var exception *modbus.ModbusError
	if !errors.As(err, &exception) || exception.ExceptionCode != 11 {
		t.Errorf("Run error %v does not wrap exception 11", err)
	}
	for _, want := range []string{"hook-5", "unit 5", "unit id"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
}
