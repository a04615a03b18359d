package sim_test

import (
	"bytes"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

func TestCRC16(t *testing.T) {
	tests := []struct {
		frame []byte
		want  uint16 // as sent: low byte first
	}{
		{[]byte{0x01, 0x06, 0x00, 0x1A, 0x00, 0x01}, 0x69CD},
		{[]byte{0x01, 0x04, 0x00, 0x00, 0x00, 0x02}, 0x71CB},
		{[]byte{0x02, 0x06, 0x00, 0x00, 0x00, 0x03}, 0xC9F8},
	}
	for _, tt := range tests {
		crc := sim.CRC16(tt.frame)
		sent := crc<<8 | crc>>8
		if sent != tt.want {
			t.Errorf("CRC16(% X) sent as %04X, want %04X", tt.frame, sent, tt.want)
		}
	}
}

func TestIndicatorEncodesEveryProfile(t *testing.T) {
	for _, profile := range scale.Profiles() {
		for _, grams := range []line.Mass{0, 23400, -1250, 999990} {
			indicator, err := sim.NewIndicator(profile, sim.NewScript(0, 1), nil)
			if err != nil {
				t.Fatal(err)
			}
			load := sim.Load{Grams: grams, Stable: true}
			r, err := scale.Decode(profile, indicator.Registers(load))
			if err != nil {
				t.Fatalf("%s: Decode(%d g) error: %v", profile.Name, grams, err)
			}
			if r.Grams != grams {
				t.Errorf("%s: Decode(Registers(%d g)) = %d g", profile.Name, grams, r.Grams)
			}
			if profile.HasStableFlag() && !r.Stable {
				t.Errorf("%s: stable load decoded as unstable", profile.Name)
			}
		}
	}
}

func TestSplitWords(t *testing.T) {
	const raw = 0x414570A4 // 12.34 as a float32
	tests := []struct {
		order         scale.WordOrder
		first, second uint16
	}{
		{scale.ABCD, 0x4145, 0x70A4},
		{scale.CDAB, 0x70A4, 0x4145},
		{scale.BADC, 0x4541, 0xA470},
		{scale.DCBA, 0xA470, 0x4541},
	}
	for _, tt := range tests {
		first, second := sim.SplitWords(raw, tt.order)
		if first != tt.first || second != tt.second {
			t.Errorf("SplitWords(%08X, %s) = %04X %04X, want %04X %04X", raw, tt.order, first, second, tt.first, tt.second)
		}
	}
}

// mbpollProfile puts an int32 weight at wire addresses 0–1 and a status
// word at 2, so mbpoll can read them from reference 1.
func mbpollProfile() scale.Profile {
	return scale.Profile{
		Name: "mbpoll", Function: 3, Unit: "g",
		Weight: scale.Register{Address: 0, Type: scale.Int32, WordOrder: scale.ABCD},
		Stable: &scale.Bit{Address: 2, Bit: 0},
	}
}

var mbpollValue = regexp.MustCompile(`\[(\d+)\]:\s+(-?\d+)`)

// runMbpoll runs mbpoll with args and returns the register values it
// printed, keyed by reference number.
func runMbpoll(t *testing.T, args ...string) map[int]int {
	t.Helper()
	mbpoll, err := exec.LookPath("mbpoll")
	if err != nil {
		t.Skip("mbpoll is not installed; install the mbpoll package to cross-check the simulators")
	}
	cmd := exec.Command(mbpoll, args...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("mbpoll %v: %v\n%s", args, err, output.String())
	}
	values := map[int]int{}
	for _, m := range mbpollValue.FindAllStringSubmatch(output.String(), -1) {
		reference, _ := strconv.Atoi(m[1])
		value, _ := strconv.Atoi(m[2])
		values[reference] = value
	}
	return values
}

func checkMbpollValues(t *testing.T, values map[int]int) {
	t.Helper()
	// 70000 g = 0x0001 0x1170; mbpoll prints signed 16-bit values.
	want := map[int]int{1: 1, 2: 0x1170, 3: 1}
	for reference, value := range want {
		if values[reference] != value {
			t.Errorf("mbpoll reference %d = %d, want %d (all: %v)", reference, values[reference], value, values)
		}
	}
}

func TestMbpollReadsTCPServer(t *testing.T) {
	indicator, err := sim.NewIndicator(mbpollProfile(), sim.NewScript(0, 1).Settle(70000, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	_, port, _ := net.SplitHostPort(server.Addr)

	values := runMbpoll(t, "-m", "tcp", "-p", port, "-a", "1", "-r", "1", "-c", "3", "-t", "4", "-1", "127.0.0.1")
	checkMbpollValues(t, values)
}

// startSocat starts a socat pty pair and returns the paths of its two ends.
func startSocat(t *testing.T) (string, string) {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; install the socat package to run the RTU tests")
	}
	pair, err := sim.StartPtyPair(t.TempDir(), "pty")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pair.Close)
	return pair.Station, pair.Simulator
}

func startRTU(t *testing.T, profile scale.Profile, grams line.Mass) (*sim.RTUSlave, string) {
	t.Helper()
	client, slavePath := startSocat(t)
	indicator, err := sim.NewIndicator(profile, sim.NewScript(0, 1).Settle(grams, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := sim.StartRTU(indicator, slavePath, 19200, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	return slave, client
}

func TestMbpollReadsRTUSlave(t *testing.T) {
	_, path := startRTU(t, mbpollProfile(), 70000)
	values := runMbpoll(t, "-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-r", "1", "-c", "3", "-t", "4", "-1", path)
	checkMbpollValues(t, values)
}

// exchange writes request to port and returns the bytes that arrive
// within 300 ms.
func exchange(t *testing.T, port serial.Port, request []byte) []byte {
	t.Helper()
	if _, err := port.Write(request); err != nil {
		t.Fatal(err)
	}
	var reply []byte
	buffer := make([]byte, 256)
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		n, err := port.Read(buffer)
		if err != nil {
			t.Fatal(err)
		}
		reply = append(reply, buffer[:n]...)
	}
	return reply
}

func withCRC(frame ...byte) []byte {
	crc := sim.CRC16(frame)
	return append(frame, byte(crc), byte(crc>>8))
}

func TestRTUSlaveFrames(t *testing.T) {
	slave, path := startRTU(t, mbpollProfile(), 70000)
	port, err := serial.Open(path, &serial.Mode{BaudRate: 19200, DataBits: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	if err := port.SetReadTimeout(20 * time.Millisecond); err != nil {
		t.Fatal(err)
	}

	read := withCRC(0x01, 0x03, 0x00, 0x00, 0x00, 0x02)
	want := withCRC(0x01, 0x03, 0x04, 0x00, 0x01, 0x11, 0x70)
	if got := exchange(t, port, read); !bytes.Equal(got, want) {
		t.Errorf("read 2 registers: reply % X, want % X", got, want)
	}

	bad := append([]byte(nil), read...)
	bad[len(bad)-1] ^= 0xFF
	if got := exchange(t, port, bad); len(got) != 0 {
		t.Errorf("request with a bad CRC got reply % X, want none", got)
	}
	if slave.CRCErrors() != 1 {
		t.Errorf("CRCErrors = %d, want 1", slave.CRCErrors())
	}

	other := withCRC(0x02, 0x03, 0x00, 0x00, 0x00, 0x02)
	if got := exchange(t, port, other); len(got) != 0 {
		t.Errorf("request for unit 2 got reply % X, want none", got)
	}

	outside := withCRC(0x01, 0x03, 0x00, 0x10, 0x00, 0x01)
	if got, want := exchange(t, port, outside), withCRC(0x01, 0x83, 0x02); !bytes.Equal(got, want) {
		t.Errorf("read outside the map: reply % X, want exception 2 % X", got, want)
	}

	unknown := withCRC(0x01, 0x2B, 0x0E, 0x01, 0x00)
	if got, want := exchange(t, port, unknown), withCRC(0x01, 0xAB, 0x01); !bytes.Equal(got, want) {
		t.Errorf("function 0x2B: reply % X, want exception 1 % X", got, want)
	}

	// Half a frame, a pause longer than 3.5 characters, then a whole one.
	// The slave must drop the half frame and reply to the whole one.
	port.Write(read[:3])
	time.Sleep(50 * time.Millisecond)
	if got := exchange(t, port, read); !bytes.Equal(got, want) {
		t.Errorf("after a partial frame: reply % X, want % X", got, want)
	}

	write := withCRC(0x01, 0x10, 0x00, 0x02, 0x00, 0x01, 0x02, 0x00, 0x00)
	if got, want := exchange(t, port, write), withCRC(0x01, 0x10, 0x00, 0x02, 0x00, 0x01); !bytes.Equal(got, want) {
		t.Errorf("write multiple: reply % X, want % X", got, want)
	}
}
