package scale_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

// closedAddress returns a loopback address where nothing listens.
func closedAddress(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	listener.Close()
	return address
}

// recordingHandler keeps every log record.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}

func (h *recordingHandler) count(level slog.Level) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.records {
		if r.Level == level {
			n++
		}
	}
	return n
}

func TestModbusLogsRepeatedFailureOnce(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	handler := &recordingHandler{}
	s := tcpScale(profile, closedAddress(t))
	s.MaxBackoff = 10 * time.Millisecond
	s.Logger = slog.New(handler)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := s.Run(ctx, func(line.Reading) {})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run err = %v, want the context's deadline error", err)
	}
	if n := handler.count(slog.LevelWarn); n != 1 {
		t.Errorf("logged %d warnings for one run of failed connections, want 1", n)
	}
	if n := handler.count(slog.LevelInfo); n != 1 {
		t.Errorf("logged %d info lines, want 1 (scale closed)", n)
	}
}

func TestModbusZeroWhileDisconnected(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	s := tcpScale(profile, closedAddress(t))
	runScale(t, s)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Zero(ctx); !errors.Is(err, scale.ErrNotConnected) {
		t.Errorf("Zero while disconnected: err = %v, want ErrNotConnected", err)
	}
}

func TestModbusZeroWithoutRun(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	s := tcpScale(profile, closedAddress(t))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Zero(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Zero without Run: err = %v, want the context's deadline error", err)
	}
}

func TestModbusRejectedTareKeepsPolling(t *testing.T) {
	profile, _ := scale.LookupProfile("dgt4x")
	_, server := startTCPSim(t, profile, hold(4000))
	wrong := profile
	wrong.Tare = &scale.Command{Kind: scale.CommandWrite, Address: 900, Value: 2} // outside the simulated map
	s := tcpScale(wrong, server.Addr)
	readings, done := runScale(t, s)
	waitReading(t, readings, "4 kg", func(r line.Reading) bool { return r.Grams == 4000 })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var configErr *scale.ConfigError
	if err := s.Tare(ctx); !errors.As(err, &configErr) {
		t.Errorf("Tare at an illegal address: err = %v, want *ConfigError", err)
	}
	for len(readings) > 0 {
		<-readings
	}
	waitReading(t, readings, "4 kg after the rejected tare", func(r line.Reading) bool { return r.Grams == 4000 })
	if returned, err := done.returned(); returned {
		t.Errorf("Run returned %v after a rejected tare", err)
	}
}
