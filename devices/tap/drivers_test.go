package tap_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/printer"
	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/devices/tap"
	"lambtrace/line"
)

// These tests run the real drivers against the simulators of devices/sim
// on socat ptys and loopback TCP, each driver with a tap, and check the
// bytes the tap recorded against what went over the wire.

const waitTimeout = 10 * time.Second

var discard = slog.New(slog.DiscardHandler)

// plantNow is the drivers' clock: the wall clock in the plant's zone.
func plantNow() time.Time { return time.Now().In(shanghai) }

func needSocat(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		tb.Skip("socat is not installed; the tap's driver tests need it for pseudo-terminals (apt-get install socat)")
	}
}

// run runs a driver's Run until the test ends.
func run(t *testing.T, start func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- start(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Error("the driver did not stop within 10 s of cancel")
		}
	})
}

// waitChunks waits until the recorder holds chunks that satisfy ok and
// returns them.
func waitChunks(t *testing.T, r *tap.Recorder, what string, ok func([]tap.Chunk) bool) []tap.Chunk {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		chunks := r.Chunks()
		if ok(chunks) {
			return chunks
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tap recorded no %s within %v; it holds %d chunks", what, waitTimeout, len(chunks))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// joined returns the bytes of the chunks of one direction, in order.
func joined(chunks []tap.Chunk, dir tap.Direction) []byte {
	var b []byte
	for _, c := range chunks {
		if c.Dir == dir {
			b = append(b, c.Data...)
		}
	}
	return b
}

// checkTimes checks that every chunk is stamped by the driver's clock,
// in the plant's zone, between from and now.
func checkTimes(t *testing.T, chunks []tap.Chunk, from time.Time) {
	t.Helper()
	to := plantNow()
	for i, c := range chunks {
		if c.At.Location() != shanghai {
			t.Errorf("chunk %d: At %v is not in the plant's zone", i, c.At)
		}
		if c.At.Before(from) || c.At.After(to) {
			t.Errorf("chunk %d: At %v is outside the test's run %v to %v", i, c.At, from, to)
		}
	}
}

func TestReaderFrameByteForByte(t *testing.T) {
	needSocat(t)
	from := plantNow()
	pty, err := sim.StartPty(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pty.Close() })
	reader := sim.NewReaderSim(pty, rfid.FormatWL134)

	rec := tap.New(tap.Limits{})
	r := rfid.NewReader("reader-1", pty.Path)
	r.ReadTimeout, r.RetryMin, r.RetryMax = 20*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
	r.Now, r.Logger, r.Tap = plantNow, discard, rec
	events := make(chan line.TagEvent, 100)
	run(t, func(ctx context.Context) error { return r.Run(ctx, func(e line.TagEvent) { events <- e }) })

	// A first frame, written until the driver delivers it, shows that
	// the port is open. Once the line is quiet, the chunks recorded so
	// far are set aside.
	probe, tag := line.RFID("999000000000001"), line.RFID("036000982000123")
	awaitTag(t, events, probe, func() error { return reader.Read(probe) })
	time.Sleep(100 * time.Millisecond)
	for len(events) > 0 {
		<-events
	}
	before := len(rec.Chunks())

	frame := sim.EncodeFrame(tag, 0)
	if err := reader.Write(frame); err != nil {
		t.Fatal(err)
	}
	awaitTag(t, events, tag, nil)
	chunks := rec.Chunks()[before:]
	if got := joined(chunks, tap.Received); !bytes.Equal(got, frame) {
		t.Errorf("received bytes = % X\nwant the frame % X", got, frame)
	}
	checkTimes(t, chunks, from)

	// A command sent to the reader is recorded as sent, with its CR.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := r.Send(ctx, "RS"); err != nil {
		t.Fatal(err)
	}
	chunks = waitChunks(t, rec, "sent command", func(c []tap.Chunk) bool { return len(joined(c, tap.Sent)) > 0 })
	if got := joined(chunks, tap.Sent); string(got) != "RS\r" {
		t.Errorf("sent bytes = %q, want %q", got, "RS\r")
	}
}

// awaitTag calls write, when not nil, every 50 ms until the reader
// delivers id.
func awaitTag(t *testing.T, events <-chan line.TagEvent, id line.RFID, write func() error) {
	t.Helper()
	deadline := time.After(waitTimeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if write != nil {
			if err := write(); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case e := <-events:
			if e.RFID == id {
				return
			}
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the reader delivered no read of %s within %v", id, waitTimeout)
		}
	}
}

func hold(grams line.Mass) *sim.Script {
	return sim.NewScript(0, 1).Settle(grams, 0).Hold(time.Hour)
}

// runScale runs a scale and waits for its first reading.
func runScale(t *testing.T, s line.Scale) {
	t.Helper()
	readings := make(chan line.Reading, 1)
	run(t, func(ctx context.Context) error {
		return s.Run(ctx, func(r line.Reading) {
			select {
			case readings <- r:
			default:
			}
		})
	})
	select {
	case <-readings:
	case <-time.After(waitTimeout):
		t.Fatalf("the scale delivered no reading within %v", waitTimeout)
	}
}

func TestModbusTCPFrames(t *testing.T) {
	from := plantNow()
	profile, _ := scale.LookupProfile("id551pn")
	indicator, err := sim.NewIndicator(profile, hold(23400), nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })

	rec := tap.New(tap.Limits{})
	s := &scale.ModbusScale{ID: "hook-1", Profile: profile, Address: server.Addr, UnitID: 1,
		PollInterval: 20 * time.Millisecond, Now: plantNow, Logger: discard, Tap: rec}
	runScale(t, s)

	chunks := rec.Chunks()
	if len(chunks) < 2 || chunks[0].Dir != tap.Sent || chunks[1].Dir != tap.Received {
		t.Fatalf("the first chunks are not a request and its reply: %+v", chunks)
	}
	request, reply := chunks[0].Data, chunks[1].Data
	checkMBAP(t, "request", request)
	checkMBAP(t, "reply", reply)
	if len(request) != 12 || request[6] != 1 || request[7] != 3 {
		t.Errorf("request % X is not a read of holding registers (function 3) for unit 1", request)
	}
	if !bytes.Equal(reply[:2], request[:2]) || reply[6] != 1 || reply[7] != 3 {
		t.Errorf("reply % X does not answer request % X", reply, request)
	}
	count := int(binary.BigEndian.Uint16(request[10:]))
	if len(reply) < 9 || int(reply[8]) != 2*count || len(reply) != 9+2*count {
		t.Errorf("reply % X does not carry the %d registers requested", reply, count)
	}
	checkTimes(t, chunks, from)

	// A zero command goes out as function 6 on the demand register.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := s.Zero(ctx); err != nil {
		t.Fatal(err)
	}
	chunks = waitChunks(t, rec, "write request", func(c []tap.Chunk) bool { return findFunction(c, 7, 6) != nil })
	write := findFunction(chunks, 7, 6)
	checkMBAP(t, "write request", write)
	if demand := profile.Zero.Address - uint16(profile.AddressBase); binary.BigEndian.Uint16(write[8:]) != demand {
		t.Errorf("write request % X is not for the demand register %d", write, demand)
	}
}

// checkMBAP checks a Modbus TCP frame's MBAP header: protocol id 0 and a
// length that counts the unit id and the PDU.
func checkMBAP(t *testing.T, what string, frame []byte) {
	t.Helper()
	if len(frame) < 8 {
		t.Errorf("%s % X is shorter than an MBAP header and a function code", what, frame)
		return
	}
	if protocol := binary.BigEndian.Uint16(frame[2:]); protocol != 0 {
		t.Errorf("%s % X: protocol id %d, want 0", what, frame, protocol)
	}
	if length := int(binary.BigEndian.Uint16(frame[4:])); length != len(frame)-6 {
		t.Errorf("%s % X: MBAP length %d, want %d", what, frame, length, len(frame)-6)
	}
}

// findFunction returns the first sent chunk whose byte at offset is the
// function code fn.
func findFunction(chunks []tap.Chunk, offset int, fn byte) []byte {
	for _, c := range chunks {
		if c.Dir == tap.Sent && len(c.Data) > offset && c.Data[offset] == fn {
			return c.Data
		}
	}
	return nil
}

func TestModbusRTUFrames(t *testing.T) {
	needSocat(t)
	from := plantNow()
	pair, err := sim.StartPtyPair(t.TempDir(), "rtu")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pair.Close)
	profile, _ := scale.LookupProfile("id551pn")
	indicator, err := sim.NewIndicator(profile, hold(18420), nil)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := sim.StartRTU(indicator, pair.Simulator, 115200, 7)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })

	rec := tap.New(tap.Limits{})
	s := &scale.ModbusScale{ID: "hook-2", Profile: profile, UnitID: 7,
		Serial:       scale.SerialConfig{Path: pair.Station, BaudRate: 115200, DataBits: 8, Parity: "N", StopBits: 1},
		PollInterval: 20 * time.Millisecond, Timeout: 500 * time.Millisecond, Now: plantNow, Logger: discard, Tap: rec}
	runScale(t, s)

	chunks := rec.Chunks()
	if len(chunks) < 2 || chunks[0].Dir != tap.Sent || chunks[1].Dir != tap.Received {
		t.Fatalf("the first chunks are not a request and its reply: %+v", chunks)
	}
	request, reply := chunks[0].Data, chunks[1].Data
	if len(request) != 8 || request[0] != 7 || request[1] != 3 {
		t.Errorf("request % X is not an 8-byte read of holding registers (function 3) for unit 7", request)
	}
	count := int(binary.BigEndian.Uint16(request[4:]))
	if len(reply) != 5+2*count || reply[0] != 7 || reply[1] != 3 || int(reply[2]) != 2*count {
		t.Errorf("reply % X does not carry the %d registers requested", reply, count)
	}
	for what, frame := range map[string][]byte{"request": request, "reply": reply} {
		if len(frame) < 4 {
			continue
		}
		body, sum := frame[:len(frame)-2], binary.LittleEndian.Uint16(frame[len(frame)-2:])
		if want := crc16Modbus(body); sum != want {
			t.Errorf("%s % X ends in CRC %04X, want %04X", what, frame, sum, want)
		}
	}
	checkTimes(t, chunks, from)
}

// crc16Modbus is the CRC of a Modbus RTU frame: polynomial 0xA001
// (reflected 0x8005), initial value 0xFFFF, sent low byte first.
func crc16Modbus(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range b {
		crc ^= uint16(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

func TestASCIIScaleLine(t *testing.T) {
	needSocat(t)
	from := plantNow()
	pair, err := sim.StartPtyPair(t.TempDir(), "chill")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pair.Close)
	sample := sim.ScaleSample{Grams: 21340, Decimals: 2, Stable: true}
	stream := &sim.ASCIIScale{Format: scale.FormatAND, Samples: []sim.ScaleSample{sample},
		Interval: 20 * time.Millisecond, Logger: discard}
	run(t, func(ctx context.Context) error { return stream.Serve(ctx, pair.Simulator) })

	rec := tap.New(tap.Limits{})
	s := scale.NewStreamScale("chill-1", pair.Station, serial.Mode{BaudRate: 9600, DataBits: 8}, scale.FormatAND)
	s.Now, s.Logger, s.Tap = plantNow, discard, rec
	runScale(t, s)

	frame, err := sim.EncodeScaleFrame(scale.FormatAND, sample, false)
	if err != nil {
		t.Fatal(err)
	}
	chunks := rec.Chunks()
	got := joined(chunks, tap.Received)
	if !bytes.Contains(got, frame) {
		t.Errorf("received bytes %q do not hold the line %q", got, frame)
	}
	// The simulator writes the same line again and again, so whatever the
	// driver read after the first line ending is whole lines.
	if i := bytes.IndexByte(got, '\n'); i >= 0 {
		rest := got[i+1:]
		rest = rest[:len(rest)-len(rest)%len(frame)]
		if !bytes.Equal(rest, bytes.Repeat(frame, len(rest)/len(frame))) {
			t.Errorf("received bytes after the first line %q are not repeats of %q", rest, frame)
		}
	}
	for i, c := range chunks {
		if c.Dir != tap.Received {
			t.Errorf("chunk %d of a stream scale is %v", i, c.Dir)
		}
	}
	checkTimes(t, chunks, from)
}

func TestZPLPrintAndStatus(t *testing.T) {
	from := plantNow()
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	rec := tap.New(tap.Limits{})
	drv := printer.NewTCP("zebra-1", addr)
	drv.Now, drv.Logger, drv.Tap = plantNow, discard, rec
	t.Cleanup(func() { drv.Close() })

	// A label of about 10 KB, mostly a graphic field, as a bitmap label is.
	job := []byte("^XA^CI28^FO20,20^GFA,10000,10000,50," + strings.Repeat("F0", 5000) + "^FS^PQ1^XZ")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := drv.Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	if _, err := drv.Status(ctx); err != nil {
		t.Fatal(err)
	}

	chunks := rec.Chunks()
	if len(chunks) < 3 {
		t.Fatalf("the tap holds %d chunks, want the job, ~HS and the reply", len(chunks))
	}
	first := chunks[0]
	if first.Dir != tap.Sent || !bytes.Equal(first.Data, job[:tap.DefaultChunkBytes]) {
		t.Errorf("first chunk %v %q, want the job's first %d bytes sent", first.Dir, first.Data, tap.DefaultChunkBytes)
	}
	if first.Size != len(job) || !first.Cut() {
		t.Errorf("first chunk: Size %d, Cut %v, want %d and true", first.Size, first.Cut(), len(job))
	}
	if got := joined(chunks[1:], tap.Sent); string(got) != "~HS" {
		t.Errorf("sent after the job = %q, want ~HS", got)
	}
	if got, want := joined(chunks, tap.Received), sim.PrinterStatusReply(p.State()); !bytes.Equal(got, want) {
		t.Errorf("received = %q, want the ~HS reply %q", got, want)
	}
	checkTimes(t, chunks, from)
}

func TestZPLPrintOfflineRecordsNothing(t *testing.T) {
	rec := tap.New(tap.Limits{})
	drv := printer.NewTCP("zebra-1", "127.0.0.1:1")
	drv.Logger, drv.Tap = discard, rec
	t.Cleanup(func() { drv.Close() })
	err := drv.Print(context.Background(), []byte("^XA^XZ"))
	if !errors.Is(err, printer.ErrOffline) {
		t.Fatalf("Print to a closed port = %v, want ErrOffline", err)
	}
	if got := rec.Chunks(); len(got) != 0 {
		t.Errorf("a job that never left recorded %d chunks", len(got))
	}
}
