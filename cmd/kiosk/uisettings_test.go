package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
	"lambtrace/upload/sign"
)

// openSettingsStation opens a simulated station without a line run on
// cfg's data directory, importing the sample registry and product master
// on the first open, and returns it with its log.
func openSettingsStation(t *testing.T, cfg *Config) (*simStation, *syncBuffer) {
	t.Helper()
	needSocat(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := openSimStation(context.Background(), cfg, simInput{products: sample + ".products.json",
		registry: sample + ".registry.json"}, log)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

// settingsConfig returns the default configuration on a data directory
// of the test.
func settingsConfig(t *testing.T) *Config {
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	return cfg
}

// TestSettingsAtNextStart saves thresholds and a platform URL through the
// settings service, reopens the kiosk on the same data directory and
// finds them in use, over the configuration file's values.
func TestSettingsAtNextStart(t *testing.T) {
	ctx := context.Background()
	cfg := settingsConfig(t)
	s, _ := openSettingsStation(t, cfg)
	set := uiSettings{k: s.k}

	r, err := set.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defaults := line.DefaultRules()
	if r.MaxLossBP != defaults.MaxLossBP || r.DressingMinBP != defaults.DressingMinBP {
		t.Fatalf("Rules() before a save = loss %d, dressing min %d; want the defaults %d, %d",
			r.MaxLossBP, r.DressingMinBP, defaults.MaxLossBP, defaults.DressingMinBP)
	}
	r.MaxLossBP, r.DressingMinBP, r.MinDeclarationLead = 250, 4200, 8*time.Hour
	if err := set.SaveRules(ctx, "demo-admin", r); err != nil {
		t.Fatal(err)
	}
	const url = "http://127.0.0.1:9/platform"
	if err := set.SetPlatformURL(ctx, "demo-admin", url); err != nil {
		t.Fatal(err)
	}
	if got := s.k.station.Rules().MaxLossBP; got != defaults.MaxLossBP {
		t.Errorf("running station's max loss = %d bp after the save, want %d until the next start", got, defaults.MaxLossBP)
	}
	s.Close()

	// The configuration file sets other values; the saved ones win.
	loss, lead := int64(280), 12
	cfg.Rules.MaxLossBP, cfg.Rules.MinDeclarationLeadHours = &loss, &lead
	cfg.Platform.URL = "http://127.0.0.1:8/configured"
	s, logs := openSettingsStation(t, cfg)
	defer s.Close()

	got := s.k.station.Rules()
	if got.MaxLossBP != 250 || got.DressingMinBP != 4200 || got.MinDeclarationLead != 8*time.Hour {
		t.Errorf("station rules after the restart = loss %d, dressing min %d, lead %v; want 250, 4200, 8h",
			got.MaxLossBP, got.DressingMinBP, got.MinDeclarationLead)
	}
	if got.DressingMaxBP != defaults.DressingMaxBP {
		t.Errorf("dressing max = %d, want the default %d", got.DressingMaxBP, defaults.DressingMaxBP)
	}
	if s.k.platformURL != url || s.platform != nil {
		t.Errorf("platform after the restart = %q (embedded %v), want the saved %s", s.k.platformURL, s.platform != nil, url)
	}
	if !strings.Contains(logs.String(), "configured platform URL replaced by the saved one") ||
		!strings.Contains(logs.String(), "rules.max_loss_bp = 280 (saved 250)") {
		t.Errorf("the log does not name the replaced configuration values:\n%s", logs.String())
	}

	set = uiSettings{k: s.k}
	if u, err := set.PlatformURL(ctx); err != nil || u != url {
		t.Errorf("PlatformURL() = %q, %v; want %s", u, err, url)
	}
	if r, err := set.Rules(ctx); err != nil || r.MaxLossBP != 250 {
		t.Errorf("Rules() = loss %d, %v; want 250", r.MaxLossBP, err)
	}
	changes, err := s.k.db.SettingsChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 || changes[0].Subject != store.SavedRules || changes[1].Subject != store.SavedPlatformURL ||
		changes[1].Actor != "demo-admin" || changes[1].New != url {
		t.Errorf("settings audit = %+v, want the rules and the URL saved by demo-admin", changes)
	}
	if _, err := s.k.db.Verify(ctx); err != nil {
		t.Errorf("journal verify: %v", err)
	}
}

func TestSettingsRejectChanges(t *testing.T) {
	ctx := context.Background()
	s, _ := openSettingsStation(t, settingsConfig(t))
	defer s.Close()
	set := uiSettings{k: s.k}
	rules, err := set.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inverted := rules
	inverted.DressingMinBP, inverted.DressingMaxBP = 6000, 5000
	demoAdmin := ui.Account{User: ui.User{ID: "demo-admin", Name: "管理员 Admin", Role: ui.RoleOperator}, Active: true}

	tests := []struct {
		name string
		key  string
		err  error
	}{
		{"NotAdmin", "settings.not_admin", set.SaveRules(ctx, "demo-operator", rules)},
		{"UnknownActor", "settings.not_admin", set.SetPlatformURL(ctx, "nobody", "https://a.example.cn")},
		{"InvalidURL", "settings.invalid_url", set.SetPlatformURL(ctx, "demo-admin", "ftp://a.example.cn")},
		{"InvertedDressing", "settings.invalid_rules", set.SaveRules(ctx, "demo-admin", inverted)},
		{"LastAdmin", "settings.last_admin", set.SaveAccount(ctx, "demo-admin", demoAdmin, false)},
		{"InvalidPIN", "settings.invalid_pin", set.SetPIN(ctx, "demo-admin", "demo-operator", "12")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var se *settingsError
			if !errors.As(tt.err, &se) || se.key != tt.key {
				t.Fatalf("error = %v, want %s", tt.err, tt.key)
			}
			if zh := se.Message(line.LangZH); zh == tt.key || zh == "" {
				t.Errorf("Chinese message = %q, want a catalog text", zh)
			}
		})
	}
	if changes, _ := s.k.db.SettingsChanges(ctx); len(changes) != 0 {
		t.Errorf("settings audit after rejected changes = %+v, want none", changes)
	}
}

func TestSettingsAccountAndPIN(t *testing.T) {
	ctx := context.Background()
	s, _ := openSettingsStation(t, settingsConfig(t))
	defer s.Close()
	set := uiSettings{k: s.k}

	op9 := ui.Account{User: ui.User{ID: "op9", Name: "巴特尔", Role: ui.RoleOperator}, Active: true}
	if err := set.SaveAccount(ctx, "demo-admin", op9, true); err != nil {
		t.Fatal(err)
	}
	op9.Role = ui.RoleQuality
	if err := set.SaveAccount(ctx, "demo-admin", op9, false); err != nil {
		t.Fatal(err)
	}
	if err := set.SetPIN(ctx, "demo-admin", "op9", "4711"); err != nil {
		t.Fatal(err)
	}
	accounts, err := set.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, a := range accounts {
		if a.ID == "op9" {
			found = true
			if a.Role != ui.RoleQuality || !a.HasPIN || !a.Active {
				t.Errorf("account op9 = %+v, want an active quality user with a PIN", a)
			}
		}
	}
	if !found {
		t.Fatalf("Accounts() = %+v, want op9 among them", accounts)
	}
	if u, err := (uiUsers{db: s.k.db}).CheckPIN(ctx, "op9", "4711"); err != nil || u.Role != ui.RoleQuality {
		t.Errorf("CheckPIN(op9) = %+v, %v", u, err)
	}

	changes, err := s.k.db.SettingsChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 3 {
		t.Fatalf("settings audit = %+v, want the creation, the role change and the PIN", changes)
	}
	if c := changes[0]; c.Kind != store.ChangeUser || c.Old != "" || !strings.Contains(c.New, `"role":"operator"`) {
		t.Errorf("first change = %+v, want op9 created as an operator", c)
	}
	if c := changes[1]; !strings.Contains(c.Old, `"role":"operator"`) || !strings.Contains(c.New, `"role":"quality"`) {
		t.Errorf("second change = %+v, want operator → quality", c)
	}
	if c := changes[2]; c.Kind != store.ChangePIN || c.Subject != "op9" || c.Old != "" || c.New != "" {
		t.Errorf("third change = %+v, want op9's PIN without values", c)
	}
	if _, err := s.k.db.Verify(ctx); err != nil {
		t.Errorf("journal verify: %v", err)
	}
}

func TestSettingsNewKey(t *testing.T) {
	ctx := context.Background()
	cfg := settingsConfig(t)
	s, _ := openSettingsStation(t, cfg)
	set := uiSettings{k: s.k}
	demoStation := s.k.cfg.Platform.StationKey

	before, err := set.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 2 || before[0].Role != "inspector" || !before[0].Encrypted || before[1].Role != "station" {
		t.Fatalf("Keys() of a demo station = %+v, want the inspector and the station key", before)
	}

	station, err := set.NewKey(ctx, "demo-admin", "station", "sm2", "")
	if err != nil {
		t.Fatal(err)
	}
	vet, err := set.NewKey(ctx, "demo-admin", "inspector", "ed25519", "13579")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(cfg.DataDir, keysDir)
	for _, k := range []ui.KeyInfo{station, vet} {
		key, err := sign.ReadPrivateKeyFile(filepath.Join(dir, k.KID+".key"))
		if err != nil {
			t.Fatalf("key %s: %v", k.KID, err)
		}
		if string(key.Role()) != k.Role || string(key.Algorithm()) != k.Algorithm || key.Encrypted() != k.Encrypted {
			t.Errorf("key file %s = %s %s encrypted %v, want %+v", k.KID, key.Role(), key.Algorithm(), key.Encrypted(), k)
		}
		if _, err := os.Stat(filepath.Join(dir, k.KID+".pem")); err != nil {
			t.Errorf("public key of %s: %v", k.KID, err)
		}
	}
	after, err := set.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 4 {
		t.Errorf("Keys() after two new keys = %+v, want 4", after)
	}

	// Rejected: a PIN on a station key, an inspector key without one, a
	// platform key, and anyone but an admin.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if _, err := set.NewKey(ctx, "demo-admin", "station", "ed25519", "1234"); err == nil {
		t.Error("NewKey made a station key with a PIN")
	}
	if _, err := set.NewKey(ctx, "demo-admin", "inspector", "ed25519", ""); err == nil {
		t.Error("NewKey made an inspector key without a PIN")
	}
	if _, err := set.NewKey(ctx, "demo-admin", "platform", "ed25519", ""); err == nil {
		t.Error("NewKey made a platform key")
	}
	var se *settingsError
	if _, err := set.NewKey(ctx, "demo-vet", "station", "ed25519", ""); !errors.As(err, &se) || se.key != "settings.not_admin" {
		t.Errorf("NewKey by demo-vet = %v, want settings.not_admin", err)
	}
	if again, _ := filepath.Glob(filepath.Join(dir, "*")); len(again) != len(files) {
		t.Errorf("rejected keys left files: %d files, want %d", len(again), len(files))
	}

	changes, err := s.k.db.SettingsChanges(ctx)
	if err != nil || len(changes) != 2 || changes[0].Kind != store.ChangeKey || changes[0].Subject != station.KID ||
		!strings.Contains(changes[0].New, `"algorithm":"sm2"`) {
		t.Errorf("settings audit = %+v, %v; want the two keys, the first an sm2 station key", changes, err)
	}

	// The demonstration keeps signing with the keys it made first.
	s.Close()
	s, _ = openSettingsStation(t, cfg)
	defer s.Close()
	if s.k.cfg.Platform.StationKey != demoStation {
		t.Errorf("station key after the restart = %s, want the demo's %s", s.k.cfg.Platform.StationKey, demoStation)
	}
}

// TestLockoutAfterRestart fails five PINs as the login counts them,
// restarts the kiosk on the same data directory and finds the user still
// locked.
func TestLockoutAfterRestart(t *testing.T) {
	ctx := context.Background()
	cfg := settingsConfig(t)
	s, _ := openSettingsStation(t, cfg)
	users, lockouts := uiUsers{db: s.k.db}, uiLockouts{db: s.k.db}
	now := time.Now()
	var state ui.LockoutState
	for i := range ui.DefaultLockout.Attempts {
		if _, err := users.CheckPIN(ctx, "demo-operator", "0000"); !errors.Is(err, ui.ErrWrongPIN) {
			t.Fatalf("CheckPIN with a wrong PIN = %v, want ErrWrongPIN", err)
		}
		state = ui.LockoutState{User: "demo-operator", Failures: i + 1}
		if i+1 == ui.DefaultLockout.Attempts {
			state.LockedUntil = now.Add(ui.DefaultLockout.Lock)
		}
		if err := lockouts.SaveLockout(ctx, state); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	s, _ = openSettingsStation(t, cfg)
	defer s.Close()
	got, err := uiLockouts{db: s.k.db}.Lockouts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].User != "demo-operator" || got[0].Failures != ui.DefaultLockout.Attempts ||
		!got[0].LockedUntil.Equal(state.LockedUntil) || !got[0].LockedUntil.After(time.Now()) {
		t.Errorf("lockouts after the restart = %+v, want demo-operator locked until %v", got, state.LockedUntil)
	}
}
