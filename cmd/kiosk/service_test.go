package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/store"
)

// TestOpenKioskCancelled opens the kiosk with a context already
// cancelled, as a SIGTERM during start-up leaves it. openKiosk must
// return the error and close the database, not panic.
func TestOpenKioskCancelled(t *testing.T) {
	log := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(log, nil))
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "data"), store.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	k, err := openKiosk(ctx, DefaultConfig(), db, kioskOptions{}, logger)
	if err == nil {
		t.Fatal("openKiosk with a cancelled context succeeded")
	}
	if k != nil {
		t.Errorf("openKiosk returned a kiosk with the error %v", err)
	}
	if !strings.Contains(log.String(), "database closed") {
		t.Errorf("openKiosk did not close the database:\n%s", log.String())
	}
}
