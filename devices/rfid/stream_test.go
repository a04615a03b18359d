package rfid_test

import (
	"strings"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

func TestDecodeStream(t *testing.T) {
	frame := "\x02" + "51DCB57000" + "C900" + "01" + "0000" + "000000" + "\x08\xf7\x03"
	input := "LA 156 000011051554\r\nLA 156 000011051554\r\n" + frame + "garbage\n156 000011051556"
	var got []line.TagRead
	if err := rfid.DecodeStream(strings.NewReader(input), rfid.FormatUnknown, func(r line.TagRead) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	want := []line.RFID{"156000011051554", "156000011051554", "156000123456789", "", "156000011051556"}
	if len(got) != len(want) {
		t.Fatalf("got %d reads, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].RFID != w || (w == "") != (got[i].Err != nil) {
			t.Errorf("read %d = %+v, want %s", i, got[i], w)
		}
	}
	if got[3].Raw != "garbage" {
		t.Errorf("raw of the bad read = %q", got[3].Raw)
	}
}

func TestDecodeStreamTruncatedFrame(t *testing.T) {
	var got []line.TagRead
	err := rfid.DecodeStream(strings.NewReader("\x0251DCB57000C90001"), rfid.FormatWL134, func(r line.TagRead) { got = append(got, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Err == nil {
		t.Errorf("truncated frame: %+v", got)
	}
}
