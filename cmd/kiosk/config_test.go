package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
)

// TestDefaultConfigValid checks that the built-in configuration, with
// simulated devices, is usable as it is.
func TestDefaultConfigValid(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	if !cfg.Simulated {
		t.Error("the default configuration does not simulate its devices")
	}
	for _, role := range []string{RoleHook, RoleCarcass, RolePack} {
		if _, ok := cfg.scale(role); !ok {
			t.Errorf("the default configuration has no %s scale", role)
		}
	}
}

// TestLoadConfigStation reads the example station's file.
func TestLoadConfigStation(t *testing.T) {
	cfg, err := LoadConfig("testdata/station.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if cfg.Simulated {
		t.Error("a file without simulated = true simulates its devices")
	}
	if cfg.Plant.Name != "锡林浩特市草原肉业有限公司" || cfg.Station.ID != "kill-line-1" {
		t.Errorf("plant %q, station %q", cfg.Plant.Name, cfg.Station.ID)
	}
	if !cfg.Station.ManualCapture {
		t.Error("manual_capture = true was not read")
	}
	if want := filepath.Join("testdata", "keys/station.key"); cfg.Platform.StationKey != want {
		t.Errorf("station_key = %q, want %q relative to the file", cfg.Platform.StationKey, want)
	}
	if len(cfg.Scales) != 3 || len(cfg.Printers) != 2 {
		t.Fatalf("%d scales and %d printers, want 3 and 2", len(cfg.Scales), len(cfg.Printers))
	}
	cut, _ := cfg.scale(RolePack)
	p, err := cut.profile()
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "dgt4x" || p.Division.Fixed != 2 {
		t.Errorf("pack scale profile %s with division %d g, want dgt4x with 2 g", p.Name, p.Division.Fixed)
	}
	if w := cut.window(); w.Samples != 5 || w.Span != 600*time.Millisecond {
		t.Errorf("pack scale window %d samples over %v", w.Samples, w.Span)
	}

	rules, err := cfg.rules()
	if err != nil {
		t.Fatal(err)
	}
	if rules.MaxTaggingAgeDays != 30 || rules.MaxLossBP != 250 || rules.MinTagLeadDays != line.DefaultRules().MinTagLeadDays {
		t.Errorf("rules: tagging age %d, loss %d bp, tag lead %d", rules.MaxTaggingAgeDays, rules.MaxLossBP, rules.MinTagLeadDays)
	}
	if rules.Severity(line.CodeOriginFeedlot) != line.SeverityBlock {
		t.Errorf("origin.feedlot severity %s, want block", rules.Severity(line.CodeOriginFeedlot))
	}
}

// TestConfigErrors checks that a wrong file names its problem.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string // in the error of LoadConfig or Validate
	}{
		{"UnknownKey", "[plant]\nnmae = \"x\"\n", "unknown keys plant.nmae"},
		{"NoReaderPort", "[reader]\nid = \"r\"\n", "reader r: port is missing"},
		{"TwoHookScales", "simulated = true\n[[scales]]\nid = \"a\"\nrole = \"hook\"\nprotocol = \"ascii\"\nformat = \"and\"\n" +
			"[[scales]]\nid = \"b\"\nrole = \"hook\"\nprotocol = \"ascii\"\nformat = \"and\"\n", "both have the role hook"},
		{"UnknownProfile", "simulated = true\n[[scales]]\nid = \"a\"\nrole = \"pack\"\nprotocol = \"modbus-tcp\"\nprofile = \"nope\"\n", "profile \"nope\" is not built in"},
		{"BadLabelSize", "simulated = true\n[[printers]]\nid = \"p\"\nrole = \"pack\"\ndpi = 203\nlabel_size = \"60\"\n", "label_size"},
		{"BadSeverity", "simulated = true\n[rules]\nseverities = { \"tag.late\" = \"ignore\" }\n", "expected block or review"},
		{"BadLanguage", "simulated = true\nlanguage = \"fr\"\n", "language \"fr\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kiosk.toml")
			if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := LoadConfig(path)
			if err == nil {
				err = cfg.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestJobSplitter feeds label jobs split at every byte boundary, with
// status requests between them, and checks each job comes out whole.
func TestJobSplitter(t *testing.T) {
	stream := "~HS^XA^FO1,1^FDMA,20261204-0001^FS^XZ~HS^XA^BQN,2,4^FDMA,x^FS^XZ^XZ^XA"
	want := []string{"^XA^FO1,1^FDMA,20261204-0001^FS^XZ", "^XA^BQN,2,4^FDMA,x^FS^XZ"}
	for size := 1; size <= len(stream); size++ {
		var s jobSplitter
		var got []string
		for i := 0; i < len(stream); i += size {
			s.feed([]byte(stream[i:min(i+size, len(stream))]), func(job []byte) { got = append(got, string(job)) })
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("chunks of %d bytes: jobs %q, want %q", size, got, want)
		}
	}
}

// TestLabelSerial reads the serial from the QR code of a carcass label
// and of a pack label.
func TestLabelSerial(t *testing.T) {
	tests := []struct {
		job  string
		want string
		ok   bool
	}{
		{"^XA^BQN,2,5,M,7^FDMA,20261204-0031^FS^XZ", "20261204-0031", true},
		{"^XA^BQN,2,4,M,7^FDMA,https://trace.example.cn/01/96923456000011/10/20261204-L1-1/21/010000000001?3103=002886^FS^XZ", "010000000001", true},
		{"^XA^BQN,2,4,M,7^FDMM,B0012https://x/21/7^FS^XZ", "7", true},
		{"^XA^FO1,1^FDno code^FS^XZ", "", false},
	}
	for _, tt := range tests {
		got, ok := labelSerial([]byte(tt.job))
		if got != tt.want || ok != tt.ok {
			t.Errorf("labelSerial(%q) = %q, %v, want %q, %v", tt.job, got, ok, tt.want, tt.ok)
		}
	}
}
