package main

import (
	"testing"
	"time"

	"lambtrace/line"
)

func TestParseScript(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		duration time.Duration
		end      line.Mass // weight after the last step
		overload bool
	}{
		{"SettleDefault", "settle:18280", 2 * time.Second, 18280, false},
		{"SettleKilograms", "settle:18.28kg:500ms,hold:5s", 5500 * time.Millisecond, 18280, false},
		{"AllSteps", "settle:20000:1s,hold:1s,swing:300:800ms:2s,spike:25000:200ms,drift:-5:2s,overload:200000:1s",
			7200 * time.Millisecond, 200000, true},
		{"Spaces", " settle:1000:1s , hold:1s ", 2 * time.Second, 1000, false},
		{"Negative", "settle:-250:1s", time.Second, -250, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parsed, err := parseScript(tt.in, 0)
			if err != nil {
				t.Fatalf("parseScript(%q) error: %v", tt.in, err)
			}
			if got := parsed.script.Duration(); got != tt.duration {
				t.Errorf("parseScript(%q) lasts %v, want %v", tt.in, got, tt.duration)
			}
			if got := parsed.script.At(time.Hour).Grams; got != tt.end {
				t.Errorf("parseScript(%q) ends at %d g, want %d g", tt.in, got, tt.end)
			}
			if parsed.overload != tt.overload {
				t.Errorf("parseScript(%q) overload = %v, want %v", tt.in, parsed.overload, tt.overload)
			}
		})
	}
}

func TestParseScriptErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"hover:5s",
		"settle",
		"settle:18280:1s:2s",
		"settle:18.2804kg",
		"settle:18280:fast",
		"hold:-1s",
		"hold:0s",
		"swing:300:800ms",
		"spike:25000",
		"drift:5",
		"overload:1000",
		"settle:abc",
		"settle:18280,,hold:1s",
		"settle:9000000000000",
	} {
		if _, err := parseScript(in, 0); err == nil {
			t.Errorf("parseScript(%q) = nil error, want an error", in)
		}
	}
	if _, err := parseScript("hold:1s", -1); err == nil {
		t.Error("parseScript with noise -1 g = nil error, want an error")
	}
}

func TestRoundTo(t *testing.T) {
	tests := []struct{ in, step, want line.Mass }{
		{18284, 10, 18280},
		{18285, 10, 18290},
		{-18285, 10, -18290},
		{18280, 1, 18280},
		{499, 1000, 0},
		{500, 1000, 1000},
	}
	for _, tt := range tests {
		if got := roundTo(tt.in, tt.step); got != tt.want {
			t.Errorf("roundTo(%d, %d) = %d, want %d", tt.in, tt.step, got, tt.want)
		}
	}
}

func TestLoopClockWraps(t *testing.T) {
	clock := loopClock(time.Hour)
	start := clock()
	if d := clock().Sub(start); d < 0 || d > time.Hour {
		t.Errorf("loopClock time moved by %v, want within one period", d)
	}
	short := loopClock(time.Millisecond)
	first := short()
	time.Sleep(5 * time.Millisecond)
	if d := short().Sub(first); d < -time.Millisecond || d >= time.Millisecond {
		t.Errorf("loopClock(1ms) moved by %v after 5 ms, want less than 1 ms", d)
	}
}
