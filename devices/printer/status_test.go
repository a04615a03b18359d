package printer_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"lambtrace/devices/printer"
	"lambtrace/line"
)

// Replies as a Zebra printer sends them: three STX…ETX CR LF strings.
const (
	readyReply = "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n" +
		"\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n" +
		"\x021234,0\x03\r\n"
	headOpenReply = "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n" +
		"\x02000,0,1,0,1,2,4,0,00000000,1,000\x03\r\n" +
		"\x021234,0\x03\r\n"
	allFaultsReply = "\x02030,1,1,0812,002,1,0,1,000,0,0,1\x03\r\n" +
		"\x02000,0,1,1,1,K,4,0,00000017,1,000\x03\r\n" +
		"\x021234,0\x03\r\n"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  line.PrinterStatus
	}{
		{"Ready", readyReply, line.PrinterStatus{}},
		{"HeadOpen", headOpenReply, line.PrinterStatus{HeadOpen: true}},
		{"PaperOut", "\x02030,1,0,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			line.PrinterStatus{PaperOut: true}},
		{"Paused", "\x02030,0,1,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			line.PrinterStatus{Paused: true}},
		{"RibbonOut", "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,1,1,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			line.PrinterStatus{RibbonOut: true}},
		{"LabelsRemaining", "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000042,1,000\x03\r\n\x021234,0\x03\r\n",
			line.PrinterStatus{LabelsPending: 42}},
		{"AllFaults", allFaultsReply, line.PrinterStatus{
			PaperOut: true, Paused: true, HeadOpen: true, RibbonOut: true,
			HeadTooHot: true, BufferFull: true, LabelsPending: 2 + 17,
		}},
		// Ensure CR LF before the first frame, a missing CR LF after the
		// last and extra fields from newer firmware are accepted.
		{"LeadingCRLF", "\r\n" + readyReply, line.PrinterStatus{}},
		{"NoFinalCRLF", readyReply[:len(readyReply)-2], line.PrinterStatus{}},
		{"ExtraFields", "\x02030,0,0,0812,000,0,0,0,000,0,0,0,9\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000,7\x03\r\n\x021234,0,5\x03\r\n",
			line.PrinterStatus{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := printer.ParseStatus([]byte(tt.reply))
			if err != nil {
				t.Fatalf("ParseStatus(%q) error: %v", tt.reply, err)
			}
			if !bytes.Equal(got.Raw, []byte(tt.reply)) {
				t.Errorf("ParseStatus(%q).Raw = %q, want the reply", tt.reply, got.Raw)
			}
			got.Raw = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseStatus(%q) = %+v, want %+v", tt.reply, got, tt.want)
			}
		})
	}
}

func TestParseStatusErrors(t *testing.T) {
	tests := []struct {
		name  string
		reply string
		want  error
	}{
		{"Empty", "", printer.ErrStatusTruncated},
		{"OneFrame", readyReply[:38], printer.ErrStatusTruncated},
		{"TwoFrames", readyReply[:len(readyReply)-10], printer.ErrStatusTruncated},
		{"NoThirdETX", readyReply[:len(readyReply)-3], printer.ErrStatusTruncated},
		{"StopsInsideFrame", "\x02030,0,0,08", printer.ErrStatusTruncated},
		{"PlainText", "PRINTER READY\r\n", printer.ErrNotZPL},
		{"EPLReply", "\r\nOK\r\n", printer.ErrNotZPL},
		{"NUL", "\x00\x02030", printer.ErrNotZPL},
		{"GarbageBetweenFrames", "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\nXX\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"STXInsideFrame", "\x02030,0,\x020,0812\x03", printer.ErrStatusMalformed},
		{"HighByteInsideFrame", "\x02030,\xff,0,0812,000,0,0,0,000,0,0,0\x03", printer.ErrStatusMalformed},
		{"TooFewFields", "\x02030,0,0,0812\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"FlagNotBinary", "\x02030,2,0,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"FieldNotDigits", "\x02030,0,0,0812,0x0,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"EmptyField", "\x02030,0,,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"CountTooLong", "\x02030,0,0,0812,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,9999999999999999999999,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.ErrStatusMalformed},
		{"TooLong", "\x02" + string(bytes.Repeat([]byte("0,"), 300)) + "\x03", printer.ErrStatusMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := printer.ParseStatus([]byte(tt.reply))
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseStatus(%q) error = %v, want %v", tt.reply, err, tt.want)
			}
			var statusErr *printer.StatusError
			if !errors.As(err, &statusErr) {
				t.Fatalf("ParseStatus(%q) error type = %T, want *StatusError", tt.reply, err)
			}
			if got.Raw != nil {
				t.Errorf("ParseStatus(%q).Raw = %q, want nil on error", tt.reply, got.Raw)
			}
		})
	}
}

// Ensure a reply split at every possible point, and fed one byte at a
// time, gives the same status as the whole reply.
func TestStatusCollectorSplitReads(t *testing.T) {
	reply := []byte(allFaultsReply)
	want, err := printer.ParseStatus(reply)
	if err != nil {
		t.Fatal(err)
	}

	for cut := 0; cut <= len(reply); cut++ {
		var c printer.StatusCollector
		done1, err1 := c.Add(reply[:cut])
		done2, err2 := c.Add(reply[cut:])
		if err1 != nil || err2 != nil {
			t.Fatalf("cut %d: Add errors %v, %v", cut, err1, err2)
		}
		// The third ETX is 2 bytes before the end, so the reply is
		// complete before its final CR LF.
		if done1 != (cut >= len(reply)-2) {
			t.Errorf("cut %d: first Add done = %v", cut, done1)
		}
		if !done2 {
			t.Errorf("cut %d: second Add done = false, want true", cut)
		}
		got, err := c.Status()
		if err != nil {
			t.Fatalf("cut %d: Status error: %v", cut, err)
		}
		if !bytes.Equal(got.Raw, reply) {
			t.Errorf("cut %d: Raw = %q, want %q", cut, got.Raw, reply)
		}
	}

	var c printer.StatusCollector
	for i, b := range reply {
		done, err := c.Add([]byte{b})
		if err != nil {
			t.Fatalf("byte %d: %v", i, err)
		}
		if done != (i >= len(reply)-3) {
			t.Errorf("byte %d: done = %v", i, done)
		}
	}
	got, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	got.Raw, want.Raw = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("byte-wise status = %+v, want %+v", got, want)
	}
}

// Ensure the collector reports a non-ZPL reply on its first byte, so the
// driver need not wait for the timeout.
func TestStatusCollectorNotZPLEarly(t *testing.T) {
	var c printer.StatusCollector
	done, err := c.Add([]byte("R"))
	if done || !errors.Is(err, printer.ErrNotZPL) {
		t.Fatalf("Add(%q) = %v, %v, want false, ErrNotZPL", "R", done, err)
	}
}

func TestStatusCollectorReset(t *testing.T) {
	var c printer.StatusCollector
	if _, err := c.Add([]byte(readyReply)); err != nil {
		t.Fatal(err)
	}
	c.Reset()
	if len(c.Bytes()) != 0 {
		t.Fatalf("Bytes after Reset = %q, want empty", c.Bytes())
	}
	done, err := c.Add([]byte(headOpenReply))
	if !done || err != nil {
		t.Fatalf("Add after Reset = %v, %v, want true, nil", done, err)
	}
	st, err := c.Status()
	if err != nil || !st.HeadOpen {
		t.Fatalf("Status after Reset = %+v, %v, want head open", st, err)
	}
}

// Ensure no input makes the parser panic.
func FuzzParseStatus(f *testing.F) {
	for _, s := range []string{readyReply, headOpenReply, allFaultsReply, "", "\x02\x03\x02\x03\x02\x03", "PRINTER READY"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		st, err := printer.ParseStatus(reply)
		if err == nil && !bytes.Equal(st.Raw, reply) {
			t.Fatalf("Raw = %q, want %q", st.Raw, reply)
		}
		if err != nil && st.Raw != nil {
			t.Fatalf("Raw = %q on error %v", st.Raw, err)
		}
	})
}
