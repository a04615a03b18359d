package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"lambtrace/store"
)

// TestOpenSimStationBadInput opens a simulated station with a malformed
// registry file: it must return the import's error, not crash in its
// clean-up, and leave the data directory closed for the next open.
func TestOpenSimStationBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "registry.json")
	if err := os.WriteFile(bad, []byte(`{"format": "lambtrace-registry/1", "consignments": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := openSimStation(context.Background(), cfg, simInput{products: sample + ".products.json", registry: bad}, log)
	if err == nil {
		s.Close()
		t.Fatal("a malformed registry file opened a station")
	}
	if s != nil {
		t.Errorf("a failed open returned a station")
	}
	db, err := store.Open(context.Background(), cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		t.Fatalf("data directory after a failed open: %v", err)
	}
	db.Close()
}

// TestManualCaptureConfig opens a simulated station whose configuration
// sets manual capture and finds the station taking weights on request.
func TestManualCaptureConfig(t *testing.T) {
	cfg := settingsConfig(t)
	cfg.Station.ManualCapture = true
	s, _ := openSettingsStation(t, cfg)
	defer s.Close()
	if !s.k.station.Snapshot().ManualCapture {
		t.Error("station.manual_capture = true left the station capturing steady weights by itself")
	}
}
