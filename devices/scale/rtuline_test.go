package scale_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// twoUnitLine is an RS-485 line simulated on one pty: unit 1 is a dgt4x
// indicator holding 11.11 kg and unit 2 an id551pn holding 22.22 kg.
type twoUnitLine struct {
	path                  string
	slave                 *sim.RTUSlave
	first, second         *sim.Indicator
	firstProf, secondProf scale.Profile
}

func startTwoUnitLine(tb testing.TB, baud int) *twoUnitLine {
	tb.Helper()
	station, simulator := startSocat(tb)
	l := &twoUnitLine{path: station}
	l.firstProf, _ = scale.LookupProfile("dgt4x")
	l.secondProf, _ = scale.LookupProfile("id551pn")
	var err error
	if l.first, err = sim.NewIndicator(l.firstProf, hold(11110), nil); err != nil {
		tb.Fatal(err)
	}
	if l.second, err = sim.NewIndicator(l.secondProf, hold(22220), nil); err != nil {
		tb.Fatal(err)
	}
	l.slave, err = sim.StartRTUUnits(map[byte]*sim.Indicator{1: l.first, 2: l.second}, simulator, baud)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.slave.Close() })
	return l
}

// scales returns one scale per unit, both naming the line's port.
func (l *twoUnitLine) scales(baud int, logger *slog.Logger) (*scale.ModbusScale, *scale.ModbusScale) {
	a := rtuScale(l.firstProf, l.path, baud)
	a.ID, a.UnitID, a.Logger = "hook-1", 1, logger
	b := rtuScale(l.secondProf, l.path, baud)
	b.ID, b.UnitID, b.Logger = "hook-2", 2, logger
	return a, b
}

// unitLog records what one scale delivered, checked as it arrives, so
// that no reading is dropped however fast the scale polls.
type unitLog struct {
	mu       sync.Mutex
	accepted func(line.Reading) bool
	count    int
	wrong    []line.Reading
	times    []time.Time
}

func (u *unitLog) deliver(r line.Reading) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.count++
	u.times = append(u.times, time.Now())
	if !u.accepted(r) && len(u.wrong) < 10 {
		u.wrong = append(u.wrong, r)
	}
}

func (u *unitLog) snapshot() (int, []line.Reading, []time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.count, append([]line.Reading(nil), u.wrong...), append([]time.Time(nil), u.times...)
}

// runLogged runs s until the test ends, delivering to u, and returns the
// outcome of Run.
func runLogged(t *testing.T, s *scale.ModbusScale, u *unitLog) *runResult {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	result := &runResult{done: make(chan struct{})}
	go func() {
		defer close(result.done)
		result.err = s.Run(ctx, u.deliver)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-result.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return 10 s after its context was cancelled")
		}
	})
	return result
}

// waitCount waits up to 10 s until u has more than n readings.
func waitCount(t *testing.T, u *unitLog, n int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if count, _, _ := u.snapshot(); count > n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reading from %s within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Two indicators with different unit ids and profiles share one RS-485
// line. Their scales poll as fast as they can while the second one is
// tared and zeroed over and over: 1000 requests in all must give no
// framing error, no timeout and no reading attributed to the wrong unit.
func TestRTULineTwoUnitsMixedRequests(t *testing.T) {
	const baud = 115200
	l := startTwoUnitLine(t, baud)
	logs := &recordingHandler{}
	a, b := l.scales(baud, slog.New(logs))
	a.PollInterval, b.PollInterval = time.Millisecond, time.Millisecond

	first := &unitLog{accepted: func(r line.Reading) bool {
		return r.Scale == "hook-1" && r.Grams == 11110 && !r.Net
	}}
	// The second indicator reads 22.22 kg until its first tare, then 0 g
	// net after a tare and 0 g gross after a zero.
	second := &unitLog{accepted: func(r line.Reading) bool {
		return r.Scale == "hook-2" && (r.Grams == 22220 && !r.Net || r.Grams == 0)
	}}
	doneA := runLogged(t, a, first)
	doneB := runLogged(t, b, second)
	waitCount(t, first, 0, "unit 1")
	waitCount(t, second, 0, "unit 2")

	// Each zero or tare of the id551pn profile is two register writes:
	// the bit set, then cleared.
	requests := func() int {
		return l.first.Reads() + l.second.Reads() + 2*(l.second.Tares()+l.second.Zeros())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	commands := 0
	for requests() < 1000 {
		var err error
		if commands%2 == 0 {
			err = b.Tare(ctx)
		} else {
			err = b.Zero(ctx)
		}
		if err != nil {
			t.Fatalf("command %d on unit 2: %v", commands, err)
		}
		commands++
		time.Sleep(20 * time.Millisecond)
	}

	if got := l.second.Tares() + l.second.Zeros(); got != commands {
		t.Errorf("unit 2 carried out %d zero and tare commands, want %d", got, commands)
	}
	countA, wrongA, _ := first.snapshot()
	countB, wrongB, _ := second.snapshot()
	if len(wrongA) > 0 {
		t.Errorf("unit 1 delivered readings it does not hold: %+v", wrongA)
	}
	if len(wrongB) > 0 {
		t.Errorf("unit 2 delivered readings it does not hold: %+v", wrongB)
	}
	if countA < 200 || countB < 200 {
		t.Errorf("readings: unit 1 %d, unit 2 %d; want at least 200 each from %d requests", countA, countB, requests())
	}
	if n := l.slave.CRCErrors(); n != 0 {
		t.Errorf("simulator dropped %d frames for a bad CRC", n)
	}
	if n := l.slave.PartialFrames(); n != 0 {
		t.Errorf("simulator dropped %d partial frames", n)
	}
	if n := logs.count(slog.LevelWarn) + logs.count(slog.LevelError); n != 0 {
		t.Errorf("drivers logged %d warnings or errors (timeouts, CRC or framing errors), want 0", n)
	}
	for _, done := range []*runResult{doneA, doneB} {
		if returned, err := done.returned(); returned {
			t.Errorf("Run returned %v during the test", err)
		}
	}
	t.Logf("%d requests: %d readings from unit 1, %d from unit 2, %d zero and tare commands", requests(), countA, countB, commands)
}

// An indicator that stops answering delays only its own readings: the
// other scale on the line keeps delivering, held up at most by one
// timeout of the silent unit at a time.
func TestRTULineSilentUnitDelaysOnlyItself(t *testing.T) {
	const baud = 115200
	l := startTwoUnitLine(t, baud)
	a, b := l.scales(baud, discard)
	for _, s := range []*scale.ModbusScale{a, b} {
		s.PollInterval = 10 * time.Millisecond
		s.Timeout = 200 * time.Millisecond
		s.MaxBackoff = time.Second
	}
	first := &unitLog{accepted: func(r line.Reading) bool { return r.Scale == "hook-1" && r.Grams == 11110 }}
	second := &unitLog{accepted: func(r line.Reading) bool { return r.Scale == "hook-2" && r.Grams == 22220 }}
	runLogged(t, a, first)
	doneB := runLogged(t, b, second)
	waitCount(t, first, 0, "unit 1")
	waitCount(t, second, 0, "unit 2")

	l.slave.Silence(2, true)
	time.Sleep(300 * time.Millisecond) // a reply in flight may still arrive
	countA, _, _ := first.snapshot()
	countB, _, _ := second.snapshot()
	const window = 2 * time.Second
	time.Sleep(window)
	afterA, wrongA, timesA := first.snapshot()
	afterB, _, _ := second.snapshot()

	if afterB != countB {
		t.Errorf("silent unit 2 delivered %d readings", afterB-countB)
	}
	if afterA-countA < 20 {
		t.Errorf("unit 1 delivered %d readings in %v while unit 2 was silent, want at least 20", afterA-countA, window)
	}
	if len(wrongA) > 0 {
		t.Errorf("unit 1 delivered readings it does not hold: %+v", wrongA)
	}
	var longest time.Duration
	for i := countA + 1; i < afterA; i++ {
		longest = max(longest, timesA[i].Sub(timesA[i-1]))
	}
	if limit := 2*b.Timeout + 100*time.Millisecond; longest > limit {
		t.Errorf("unit 1 went %v without a reading while unit 2 was silent, want at most %v", longest, limit)
	}
	if returned, err := doneB.returned(); returned {
		t.Fatalf("Run of the silent unit returned %v, want it to keep retrying", err)
	}

	l.slave.Silence(2, false)
	waitCount(t, second, afterB, "unit 2 after it answers again")
	t.Logf("unit 1: %d readings in %v while unit 2 was silent, longest gap %v", afterA-countA, window, longest)
}

// Two names of one port, a path and a link to it, are one line, and a
// scale that sets other serial settings for it is a configuration error.
func TestRTULineRejectsOtherSettings(t *testing.T) {
	l := startTwoUnitLine(t, 115200)
	a, _ := l.scales(115200, discard)
	first := &unitLog{accepted: func(line.Reading) bool { return true }}
	runLogged(t, a, first)
	waitCount(t, first, 0, "unit 1")

	link := filepath.Join(t.TempDir(), "usb-rs485-port0")
	if err := os.Symlink(l.path, link); err != nil {
		t.Fatal(err)
	}
	other := rtuScale(l.secondProf, link, 9600)
	other.ID, other.UnitID = "hook-2", 2
	err := other.Run(context.Background(), func(line.Reading) {})
	var configErr *scale.ConfigError
	if !errors.As(err, &configErr) {
		t.Fatalf("Run at 9600 baud on a line open at 115200: err = %v, want *ConfigError", err)
	}
	for _, want := range []string{"hook-1", "115200", "9600"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not name %s", err, want)
		}
	}
}

// Bytes that arrive between two requests, such as the reply to a request
// that timed out or line noise, must not be read as the start of the next
// reply: the line discards waiting input before each request.
func TestRTULineDiscardsStrayBytes(t *testing.T) {
	const baud = 115200
	l := startTwoUnitLine(t, baud)
	logs := &recordingHandler{}
	a, _ := l.scales(baud, slog.New(logs))
	// Polls 200 ms apart leave time for the stray bytes to arrive 60 ms
	// after a reply, when the driver has read that reply and waits.
	a.PollInterval = 200 * time.Millisecond
	first := &unitLog{accepted: func(r line.Reading) bool { return r.Grams == 11110 }}
	runLogged(t, a, first)
	waitCount(t, first, 0, "unit 1")

	for i := 0; i < 5; i++ {
		count, _, _ := first.snapshot()
		// The start of a reply of unit 1 to a read of 2 registers.
		l.slave.WriteAfterNextReply([]byte{0x01, 0x03, 0x04}, 60*time.Millisecond)
		waitCount(t, first, count+2, "unit 1 after stray bytes")
	}
	if _, wrong, _ := first.snapshot(); len(wrong) > 0 {
		t.Errorf("unit 1 delivered readings it does not hold: %+v", wrong)
	}
	if n := logs.count(slog.LevelWarn) + logs.count(slog.LevelError); n != 0 {
		t.Errorf("driver logged %d warnings or errors after stray bytes, want 0", n)
	}
}
