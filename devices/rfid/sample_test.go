package rfid_test

import (
	"encoding/json"
	"os"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

const sampleDay = "../../testdata/xilingol-2026-12-04.linerun.json"

// samplePass is the part of a pass in the line run that records what the
// RFID reader sent: a text line or a WL-134 frame as hex.
type samplePass struct {
	At             string `json:"at"`
	ReaderLine     string `json:"reader_line"`
	ReaderFrameHex string `json:"reader_frame_hex"`
}

func TestSampleDayDecodes(t *testing.T) {
	data, err := os.ReadFile(sampleDay)
	if err != nil {
		t.Fatal(err)
	}
	var run struct {
		Passes []samplePass `json:"passes"`
	}
	if err := json.Unmarshal(data, &run); err != nil {
		t.Fatalf("%s: %v", sampleDay, err)
	}
	if len(run.Passes) != 375 {
		t.Fatalf("%s has %d passes, want 375", sampleDay, len(run.Passes))
	}

	decoded := make(map[line.RFID]bool)
	formats := make(map[rfid.Format]int)
	for i, pass := range run.Passes {
		var id line.RFID
		var format rfid.Format
		var err error
		switch {
		case pass.ReaderLine != "" && pass.ReaderFrameHex != "":
			t.Errorf("pass %d at %s has both reader_line and reader_frame_hex", i, pass.At)
			continue
		case pass.ReaderLine != "":
			id, format, err = rfid.DecodeLine(pass.ReaderLine)
		case pass.ReaderFrameHex != "":
			id, err = rfid.DecodeFrameHex(pass.ReaderFrameHex)
			format = rfid.FormatWL134
		default:
			t.Errorf("pass %d at %s has neither reader_line nor reader_frame_hex", i, pass.At)
			continue
		}
		if err != nil {
			t.Errorf("pass %d at %s: %v", i, pass.At, err)
			continue
		}
		decoded[id] = true
		formats[format]++
	}

	for _, want := range []line.RFID{"156000011051554", "156000011051577", "156000011055209"} {
		if !decoded[want] {
			t.Errorf("decoded numbers do not contain %s", want)
		}
	}
	for _, format := range []rfid.Format{rfid.FormatAllflex, rfid.FormatTIRIS, rfid.FormatDigits, rfid.FormatSpaced, rfid.FormatWL134} {
		if formats[format] == 0 {
			t.Errorf("no pass was sent in the %v format", format)
		}
	}
	t.Logf("decoded %d passes, %d distinct numbers, by format: %v", len(run.Passes), len(decoded), formats)
}
