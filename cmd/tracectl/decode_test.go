package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
)

func decode(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWithInput(args, bytes.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestDecodeTagCapture(t *testing.T) {
	var capture []byte
	for _, f := range []rfid.Format{rfid.FormatAllflex, rfid.FormatTIRIS, rfid.FormatWL134, rfid.FormatDotHex, rfid.FormatSpaced} {
		read, err := sim.EncodeRead(f, "036000982000123")
		if err != nil {
			t.Fatal(err)
		}
		capture = append(capture, read...)
	}
	stdout, stderr, code := decode(t, capture, "decode", "tag")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if want := strings.Repeat("036000982000123\n", 5); stdout != want {
		t.Errorf("stdout = %q, want five reads with the leading zero kept", stdout)
	}

	stdout, stderr, code = decode(t, []byte("LA 156 000011051554\r\nLA 156 00001105155X\r\n"), "decode", "tag")
	if code != exitFailure || stdout != "156000011051554\n" || !strings.Contains(stderr, "无法解码") || !strings.Contains(stderr, "cannot decode") {
		t.Errorf("bad read: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, _, code := decode(t, nil, "decode", "tag", "--format", "morse"); code != exitInvalid {
		t.Errorf("unknown format: exit %d, want %d", code, exitInvalid)
	}
}

func TestDecodeScaleStream(t *testing.T) {
	var capture []byte
	samples := []sim.ScaleSample{{Grams: 18280, Decimals: 3, Stable: true}, {Grams: -20, Decimals: 3}, {Overload: true, Decimals: 3}}
	for _, s := range samples {
		frame, err := sim.EncodeScaleFrame(scale.FormatAND, s, false)
		if err != nil {
			t.Fatal(err)
		}
		capture = append(capture, frame...)
	}
	stdout, stderr, code := decode(t, capture, "decode", "scale", "--format", "and")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := `{"grams":18280,"stable":true,"overload":false,"underload":false,"net":false}
{"grams":-20,"stable":false,"overload":false,"underload":false,"net":false}
{"grams":0,"stable":false,"overload":true,"underload":false,"net":false}
`
	if stdout != want {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout, want)
	}
	_, stderr, code = decode(t, []byte("ST,GS,+0023.4x5kg\r\n"), "decode", "scale", "--format", "and")
	if code != exitFailure || !strings.Contains(stderr, "cannot decode") {
		t.Errorf("garbled frame: exit %d, stderr %q", code, stderr)
	}
}

// Reversed Keli frames may follow each other without a line ending, so
// the end of the capture ends the last one.
func TestDecodeScaleKeliReversed(t *testing.T) {
	stdout, stderr, code := decode(t, []byte("=54.3200=03.2100-"), "decode", "scale", "--format", "keli-reversed")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want := `{"grams":23450,"stable":true,"overload":false,"underload":false,"net":false}
{"grams":-12300,"stable":true,"overload":false,"underload":false,"net":false}
`
	if stdout != want {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout, want)
	}
	_, stderr, code = decode(t, []byte("=54.3200xx"), "decode", "scale", "--format", "keli-reversed")
	if code != exitFailure || !strings.Contains(stderr, "cannot decode") {
		t.Errorf("garbled last frame: exit %d, stderr %q", code, stderr)
	}
}

func TestDecodeScaleRegisters(t *testing.T) {
	for _, p := range scale.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			script := sim.NewScript(0, 1).Hold(time.Second)
			ind, err := sim.NewIndicator(p, script, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			regs := ind.Registers(sim.Load{Grams: 18280, Stable: true})
			var pairs []string
			for addr, word := range regs {
				pairs = append(pairs, fmt.Sprintf("%d:%04X", addr, word))
			}
			sort.Strings(pairs)
			stdout, stderr, code := decode(t, nil, "decode", "scale", "--profile", p.Name, "--registers", strings.Join(pairs, ","))
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			var got readingLine
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatal(err)
			}
			if got.Grams != 18280 || got.Stable != p.HasStableFlag() {
				t.Errorf("reading = %+v, want 18280 g, stable %v", got, p.HasStableFlag())
			}
		})
	}
	for _, args := range [][]string{
		{"decode", "scale", "--profile", "nope", "--registers", "0:0001"},
		{"decode", "scale", "--profile", "dgt4x", "--registers", "zero:1"},
		{"decode", "scale"},
	} {
		if _, _, code := decode(t, nil, args...); code != exitInvalid {
			t.Errorf("%v: exit %d, want %d", args, code, exitInvalid)
		}
	}
}

func TestDecodePrinterStatus(t *testing.T) {
	reply := sim.PrinterStatusReply(sim.PrinterState{PaperOut: true, LabelsRemaining: 2})
	stdout, stderr, code := decode(t, reply, "decode", "printer-status")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got statusLine
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Ready || !got.PaperOut || got.HeadOpen || got.LabelsPending != 2 {
		t.Errorf("status = %+v", got)
	}
	_, stderr, code = decode(t, []byte("PRINTER READY\r\n"), "decode", "printer-status")
	if code != exitFailure || !strings.Contains(stderr, "无法解码") {
		t.Errorf("plain-text reply: exit %d, stderr %q", code, stderr)
	}
}
