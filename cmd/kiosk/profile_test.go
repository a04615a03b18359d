package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

func TestProfilesWritten(t *testing.T) {
	dir := t.TempDir()
	cpu, heap := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof")
	o, err := parseFlags([]string{"-cpuprofile", cpu, "-memprofile", heap})
	if err != nil {
		t.Fatal(err)
	}
	stop, err := startProfiles(o, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	for _, name := range []string{cpu, heap} {
		info, err := os.Stat(name)
		if err != nil {
			t.Errorf("profile not written: %v", err)
			continue
		}
		if info.Size() == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

func TestProfileInMissingDirectory(t *testing.T) {
	o, err := parseFlags([]string{"-cpuprofile", filepath.Join(t.TempDir(), "missing", "cpu.pprof")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := startProfiles(o, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Error("a CPU profile in a missing directory started")
	}
}
