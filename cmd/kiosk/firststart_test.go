package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// Ensure each step of the first start is stored on its own and read back
// after the database is opened again, and a broken file imports nothing.
func TestUISetup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, dir, store.Options{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	s := uiSetup{db: db}
	if st, err := s.SetupState(ctx); err != nil || st != (ui.SetupState{}) {
		t.Fatalf("SetupState of an empty directory = %+v, %v, want nothing done", st, err)
	}

	data, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "registry.json")
	// An ear tag cut short breaks the file.
	if err := os.WriteFile(broken, bytes.Replace(data, []byte(`"ear_tag": "315250200357041"`), []byte(`"ear_tag": "3152502"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Import(ctx, ui.ImportRegistry, broken)
	var v *line.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("Import(broken registry) = %v, want a *line.ValidationError", err)
	}
	if st, _ := s.SetupState(ctx); st.Registry {
		t.Error("SetupState.Registry after a broken file = true, want false")
	}

	if err := s.Import(ctx, ui.ImportProducts, sample+".products.json"); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, ui.ImportRegistry, sample+".products.json"); !errors.As(err, &v) {
		t.Errorf("Import(product master as registry) = %v, want a *line.ValidationError", err)
	}
	if err := s.Import(ctx, "linerun", sample+".linerun.json"); err == nil {
		t.Error("Import of kind linerun succeeded, want an error")
	}
	db.Close()

	// The product master stays imported after a restart.
	db, err = store.Open(ctx, dir, store.Options{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = uiSetup{db: db}
	if st, err := s.SetupState(ctx); err != nil || st != (ui.SetupState{Products: true}) {
		t.Fatalf("SetupState after a restart = %+v, %v, want the product master done", st, err)
	}
	if err := s.Import(ctx, ui.ImportRegistry, sample+".registry.json"); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAdmin(ctx, "admin", "管理员", "13579"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.SetupState(ctx); err != nil || !st.Done() {
		t.Errorf("SetupState after every step = %+v, %v, want all done", st, err)
	}
	if _, err := (uiUsers{db: db}).CheckPIN(ctx, "admin", "13579"); err != nil {
		t.Errorf("CheckPIN(admin) = %v, want the new admin", err)
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Errorf("Verify: %v", err)
	}
}

func TestFirstStartNeeded(t *testing.T) {
	all := ui.SetupState{Products: true, Registry: true, Admin: true}
	tests := []struct {
		name      string
		state     ui.SetupState
		demoAdmin bool
		want      bool
	}{
		{"empty", ui.SetupState{}, false, true},
		{"empty with demo users", ui.SetupState{}, true, true},
		{"no admin", ui.SetupState{Products: true, Registry: true}, false, true},
		{"no admin with demo users", ui.SetupState{Products: true, Registry: true}, true, false},
		{"no registry with demo users", ui.SetupState{Products: true, Admin: true}, true, true},
		{"done", all, false, false},
	}
	for _, tt := range tests {
		if got := firstStartNeeded(tt.state, tt.demoAdmin); got != tt.want {
			t.Errorf("%s: firstStartNeeded(%+v, %v) = %v, want %v", tt.name, tt.state, tt.demoAdmin, got, tt.want)
		}
	}
}

func TestDemoAdmin(t *testing.T) {
	sim, real := DefaultConfig(), DefaultConfig()
	real.Simulated = false
	users := []store.User{{ID: "demo-admin"}}
	tests := []struct {
		name  string
		cfg   *Config
		o     options
		users []store.User
		want  bool
	}{
		{"simulated with files", sim, options{products: "p.json", registry: "r.json"}, nil, true},
		{"simulated with users", sim, options{}, users, true},
		{"simulated first start", sim, options{}, nil, false},
		{"real devices", real, options{products: "p.json"}, users, false},
	}
	for _, tt := range tests {
		if got := demoAdmin(tt.cfg, tt.o, tt.users); got != tt.want {
			t.Errorf("%s: demoAdmin = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Ensure a simulated kiosk given both files starts as before, and one on
// an empty data directory without them, or a real one without an admin,
// gets the first start.
func TestOpenFirstStart(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()

	cfg.DataDir = t.TempDir()
	f, err := openFirstStart(ctx, cfg, options{products: sample + ".products.json", registry: sample + ".registry.json"}, quietLog)
	if err != nil || f != nil {
		t.Fatalf("openFirstStart(simulated, both files) = %v, %v, want none", f, err)
	}
	// The files were imported and the database closed.
	db, err := store.Open(ctx, cfg.DataDir, store.Options{Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	st, err := uiSetup{db: db}.SetupState(ctx)
	db.Close()
	if err != nil || st != (ui.SetupState{Products: true, Registry: true}) {
		t.Errorf("SetupState after openFirstStart = %+v, %v, want both files imported", st, err)
	}

	// Started again without the files and still without users, as a
	// first start stopped at the admin step, it needs the first start.
	f, err = openFirstStart(ctx, cfg, options{sim: true}, quietLog)
	if err != nil || f == nil {
		t.Fatalf("openFirstStart(simulated, no users) = %v, %v, want a first start", f, err)
	}
	f.close()

	cfg.DataDir = t.TempDir()
	f, err = openFirstStart(ctx, cfg, options{sim: true}, quietLog)
	if err != nil || f == nil {
		t.Fatalf("openFirstStart(simulated, empty) = %v, %v, want a first start", f, err)
	}
	f.close()

	real := DefaultConfig()
	real.Simulated = false
	real.DataDir = t.TempDir()
	f, err = openFirstStart(ctx, real, options{products: sample + ".products.json", registry: sample + ".registry.json"}, quietLog)
	if err != nil || f == nil {
		t.Fatalf("openFirstStart(real devices, no admin) = %v, %v, want a first start", f, err)
	}
	f.close()

	real.DataDir = t.TempDir()
	if _, err := openFirstStart(ctx, real, options{products: filepath.Join(real.DataDir, "absent.json")}, quietLog); err == nil {
		t.Error("openFirstStart with a missing -products file succeeded, want an error")
	}
}

// TestFirstStartUnderXvfb starts the real GL window of a simulated kiosk
// on an empty data directory under Xvfb and checks that the first start
// is drawn instead of the login.
func TestFirstStartUnderXvfb(t *testing.T) {
	dir := t.TempDir()
	img, log := runWindow(t, []string{"-sim", "-data", filepath.Join(dir, "data"), "-log", "info"}, "first start shown")
	if n := countColours(img); n < 8 {
		t.Errorf("the screenshot has %d colours: the window was not drawn\n%s", n, log)
	}
	if !strings.Contains(log, "first start shown") {
		t.Errorf("the kiosk did not log the first start:\n%s", log)
	}
	if strings.Contains(log, "kiosk started") {
		t.Errorf("the kiosk frame started on an empty data directory:\n%s", log)
	}
}
