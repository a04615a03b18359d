package rfid

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"testing"
	"time"

	"lambtrace/line"
)

// validFrame is the WL-134 frame of tag 156 000123456789.
var validFrame = string(append(append([]byte{0x02},
	"51DCB57000"+"C900"+"0"+"1"+"0000"+"000000"...),
	0x08, 0xF7, 0x03))

// frameWithChecksum returns a valid frame whose checksum byte is c, found
// by trying national numbers.
func frameWithChecksum(t *testing.T, c byte) string {
	t.Helper()
	for national := uint64(1); national < 1<<20; national++ {
		body := reverseString(fmt.Sprintf("%010X", national)) + "C900" + "01" + "0000000000"
		var sum byte
		for i := 0; i < len(body); i++ {
			sum ^= body[i]
		}
		if sum == c {
			return string(append(append([]byte{0x02}, body...), sum, ^sum, 0x03))
		}
	}
	t.Fatalf("no frame has checksum 0x%02X", c)
	return ""
}

func reverseString(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// describe renders chunks for comparison: text, "frame:<hex>",
// "error:<hex>" or "greeting".
func describe(chunks []chunk) []string {
	var out []string
	for _, c := range chunks {
		switch {
		case c.greeting:
			out = append(out, "greeting")
		case c.err != "":
			out = append(out, "error:"+hex.EncodeToString(c.data))
		case c.binary:
			out = append(out, "frame:"+hex.EncodeToString(c.data))
		default:
			out = append(out, string(c.data))
		}
	}
	return out
}

func frameHex(s string) string { return "frame:" + hex.EncodeToString([]byte(s)) }
func errorHex(s string) string { return "error:" + hex.EncodeToString([]byte(s)) }

func TestFramer(t *testing.T) {
	crFrame := frameWithChecksum(t, '\r')
	stxFrame := frameWithChecksum(t, 0x02)
	badETX := validFrame[:29] + "X"
	tests := []struct {
		name   string
		auto   bool
		binary bool
		pieces []string
		want   []string
	}{
		{"CR LF", false, false, []string{"LA 982 000000255895\r\n156000011051556\r\n"},
			[]string{"LA 982 000000255895", "156000011051556"}},
		{"CR only", false, false, []string{"a\rb\r"}, []string{"a", "b"}},
		{"LF only", false, false, []string{"a\nb\n"}, []string{"a", "b"}},
		{"empty lines", false, false, []string{"\r\n\r\n\n\ra\r\n\r\n"}, []string{"a"}},
		{"power-on STX", false, false, []string{"\x02\r\n156000011051556\r\n"}, []string{"greeting", "156000011051556"}},
		{"auto power-on STX", true, false, []string{"\x02\r\n156000011051556\r\n"}, []string{"greeting", "156000011051556"}},
		{"split", false, false, []string{"LA 98", "2 0000", "00255895\r", "\n"}, []string{"LA 982 000000255895"}},
		{"no line ending yet", false, false, []string{"LA 982"}, nil},
		{"noise before STX", false, false, []string{"\xff\xfe\x02156000011051556\r\n"},
			[]string{errorHex("\xff\xfe"), "\x02156000011051556"}},
		{"binary frames", false, true, []string{validFrame + validFrame}, []string{frameHex(validFrame), frameHex(validFrame)}},
		{"binary split", false, true, []string{validFrame[:7], validFrame[7:20], validFrame[20:]}, []string{frameHex(validFrame)}},
		{"binary noise", false, true, []string{"\x00\xff" + validFrame}, []string{"error:00ff", frameHex(validFrame)}},
		{"binary bad ETX", false, true, []string{badETX + validFrame}, []string{errorHex(badETX), frameHex(validFrame)}},
		{"binary CR checksum", false, true, []string{crFrame}, []string{frameHex(crFrame)}},
		{"auto frame", true, false, []string{validFrame}, []string{frameHex(validFrame)}},
		{"auto CR checksum", true, false, []string{crFrame + "156000011051556\r\n"},
			[]string{frameHex(crFrame), "156000011051556"}},
		{"auto STX checksum", true, false, []string{stxFrame + validFrame},
			[]string{frameHex(stxFrame), frameHex(validFrame)}},
		{"auto STX line", true, false, []string{"\x02LA 982 000000255895\r\n"}, []string{"\x02LA 982 000000255895"}},
		{"auto STX TIRIS line", true, false, []string{"\x02LA 00000 0 156 000011051555\r\n"},
			[]string{"\x02LA 00000 0 156 000011051555"}},
		{"auto mixed", true, false, []string{"LA 982 000000255895\r\n" + validFrame + "156 000011051554\r\n"},
			[]string{"LA 982 000000255895", frameHex(validFrame), "156 000011051554"}},
		{"auto frame split", true, false, []string{validFrame[:10], validFrame[10:29], validFrame[29:]},
			[]string{frameHex(validFrame)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := framer{auto: tt.auto, binary: tt.binary, lineTimeout: time.Second}
			var got []chunk
			now := time.Unix(0, 0)
			for _, piece := range tt.pieces {
				f.push([]byte(piece), now, func(c chunk) { got = append(got, c) })
				f.idle(now, func(c chunk) { got = append(got, c) })
			}
			if d := describe(got); !reflect.DeepEqual(d, tt.want) {
				t.Errorf("chunks = %q, want %q", d, tt.want)
			}
		})
	}
}

func TestFramerAutoLineEndsOnIdle(t *testing.T) {
	// Ensure an STX line of 29 bytes ending in CR alone, which could be
	// the start of a frame, is emitted when no more bytes come.
	f := framer{auto: true, lineTimeout: time.Second}
	var got []chunk
	emit := func(c chunk) { got = append(got, c) }
	now := time.Unix(0, 0)
	f.push([]byte("\x02LA 00000 0 156 000011051555\r"), now, emit)
	if len(got) != 0 {
		t.Fatalf("chunks before idle = %q, want none", describe(got))
	}
	f.idle(now, emit)
	want := []string{"\x02LA 00000 0 156 000011051555"}
	if d := describe(got); !reflect.DeepEqual(d, want) {
		t.Errorf("chunks = %q, want %q", d, want)
	}
}

func TestFramerLineTimeout(t *testing.T) {
	f := framer{lineTimeout: time.Second}
	var got []chunk
	emit := func(c chunk) { got = append(got, c) }
	start := time.Unix(0, 0)
	f.push([]byte("\xff\xfeLA 98"), start, emit)
	f.idle(start.Add(999*time.Millisecond), emit)
	if len(got) != 0 {
		t.Fatalf("chunks before the line timeout = %q, want none", describe(got))
	}
	f.idle(start.Add(time.Second), emit)
	f.push([]byte("156000011051556\r\n"), start.Add(2*time.Second), emit)
	want := []string{errorHex("\xff\xfeLA 98"), "156000011051556"}
	if d := describe(got); !reflect.DeepEqual(d, want) {
		t.Errorf("chunks = %q, want %q", d, want)
	}
}

func TestFramerLongNoise(t *testing.T) {
	f := framer{lineTimeout: time.Second}
	var got []chunk
	noise := make([]byte, maxLine+1)
	for i := range noise {
		noise[i] = 0xAA
	}
	f.push(noise, time.Unix(0, 0), func(c chunk) { got = append(got, c) })
	if len(got) != 1 || got[0].err == "" || len(got[0].data) != maxLine+1 {
		t.Errorf("chunks = %q, want one error of %d bytes", describe(got), maxLine+1)
	}
}

func TestDedupWindowRestarts(t *testing.T) {
	d := dedup{window: 3 * time.Second, last: map[line.RFID]time.Time{}}
	start := time.Unix(0, 0)
	held, other := line.RFID("982000123456789"), line.RFID("036000982000123")
	steps := []struct {
		at   time.Duration
		id   line.RFID
		want bool
	}{
		{0, held, false},
		{2 * time.Second, held, true},
		{4 * time.Second, held, true}, // within 3 s of the last repeat
		{4100 * time.Millisecond, other, false},
		{6 * time.Second, held, true},
		{9 * time.Second, held, false},
		{9 * time.Second, other, false},
	}
	for _, step := range steps {
		if got := d.repeat(step.id, start.Add(step.at)); got != step.want {
			t.Errorf("repeat(%s) at %v = %v, want %v", step.id, step.at, got, step.want)
		}
	}
}
