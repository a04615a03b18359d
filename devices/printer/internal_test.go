package printer

import (
	"testing"
	"time"
)

func TestNewTCPDefaultPort(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7:9100"},
		{"printer-1.local", "printer-1.local:9100"},
		{"192.0.2.7:6101", "192.0.2.7:6101"},
		{"fe80::1", "[fe80::1]:9100"},
		{"[fe80::1]:6101", "[fe80::1]:6101"},
	}
	for _, tt := range tests {
		// NewTCP does no I/O, so these addresses are never contacted.
		if got := NewTCP("p", tt.addr).target; got != tt.want {
			t.Errorf("NewTCP(%q) address = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestLogLimiter(t *testing.T) {
	var l logLimiter
	start := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

	if ok, _ := l.allow("print", start); !ok {
		t.Fatal("first message held back")
	}
	for i := 1; i <= 3; i++ {
		if ok, _ := l.allow("print", start.Add(time.Duration(i)*time.Second)); ok {
			t.Errorf("repeat %d within a minute let through", i)
		}
	}
	if ok, _ := l.allow("status", start.Add(time.Second)); !ok {
		t.Error("message with another key held back")
	}

	ok, suppressed := l.allow("print", start.Add(logRepeatInterval))
	if !ok {
		t.Fatal("message after the interval held back")
	}
	if suppressed != 3 {
		t.Errorf("suppressed = %d, want 3", suppressed)
	}
}
