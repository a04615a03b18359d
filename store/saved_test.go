package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"lambtrace/store"
)

// beijing is the zone of the station's clock in these tests.
var beijing = time.FixedZone("CST", 8*3600)

// reopen closes db and opens the database in dir again.
func reopen(tb testing.TB, db *store.DB, dir string, opts store.Options) *store.DB {
	tb.Helper()
	db.Close()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	db, err := store.Open(context.Background(), dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestSaveSettingRoundTrip(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 9, 30, 0, 0, beijing)
	opts := store.Options{Now: func() time.Time { return now }}
	db, dir := mustOpen(t, opts)
	mustCreateStaff(t, db)

	rules := `{"max_loss_bp":250}`
	err := db.Update(ctx, "admin1", func(tx *store.Tx) error {
		if err := tx.SaveSetting(store.SavedRules, rules); err != nil {
			return err
		}
		return tx.SaveSetting(store.SavedPlatformURL, "https://platform.example.cn/")
	})
	if err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, dir, opts)

	got, ok, err := db.SavedSetting(ctx, store.SavedRules)
	if err != nil || !ok {
		t.Fatalf("SavedSetting(rules) = %+v, %v, %v; want it saved", got, ok, err)
	}
	if got.Value != rules || got.ChangedBy != "admin1" {
		t.Errorf("SavedSetting(rules) = %+v, want %s by admin1", got, rules)
	}
	if !got.ChangedAt.Equal(now) {
		t.Errorf("ChangedAt = %v, want %v", got.ChangedAt, now)
	}
	if _, offset := got.ChangedAt.Zone(); offset != 8*3600 {
		t.Errorf("ChangedAt zone offset = %d s, want 28800 (the clock's zone)", offset)
	}
	url, ok, err := db.SavedSetting(ctx, store.SavedPlatformURL)
	if err != nil || !ok || url.Value != "https://platform.example.cn/" {
		t.Errorf("SavedSetting(platform_url) = %+v, %v, %v", url, ok, err)
	}
	mustVerify(t, db)
}

func TestSaveSettingNotSaved(t *testing.T) {
	db, _ := mustOpen(t, store.Options{})
	got, ok, err := db.SavedSetting(context.Background(), store.SavedPlatformURL)
	if err != nil || ok || got != (store.SavedSetting{}) {
		t.Errorf("SavedSetting of an empty database = %+v, %v, %v; want none", got, ok, err)
	}
}

func TestSaveSettingAudit(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 9, 30, 0, 0, beijing)
	db, _ := mustOpen(t, store.Options{Now: func() time.Time { return now }})
	mustCreateStaff(t, db)

	save := func(value string) {
		t.Helper()
		err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.SaveSetting(store.SavedPlatformURL, value) })
		if err != nil {
			t.Fatal(err)
		}
	}
	save("https://a.example.cn")
	now = now.Add(time.Hour)
	save("https://b.example.cn")
	save("https://b.example.cn") // the same value again changes nothing

	changes, err := db.SettingsChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 2 {
		t.Fatalf("SettingsChanges() has %d rows, want 2: %+v", len(changes), changes)
	}
	first, second := changes[0], changes[1]
	if first.Kind != store.ChangeSetting || first.Subject != store.SavedPlatformURL || first.Old != "" ||
		first.New != "https://a.example.cn" || first.Actor != "admin1" {
		t.Errorf("first change = %+v, want the URL set from nothing by admin1", first)
	}
	if second.Old != "https://a.example.cn" || second.New != "https://b.example.cn" {
		t.Errorf("second change = %+v, want a → b", second)
	}
	if !second.At.Equal(now) || second.ID <= first.ID {
		t.Errorf("second change at %v with id %d, want %v and an id after %d", second.At, second.ID, now, first.ID)
	}
	mustVerify(t, db)
}

func TestSaveSettingPermission(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	for _, actor := range []store.Actor{"op7", "qa2", "nobody", store.System} {
		err := db.Update(ctx, actor, func(tx *store.Tx) error { return tx.SaveSetting(store.SavedRules, "{}") })
		var pe *store.PermissionError
		if !errors.As(err, &pe) {
			t.Errorf("SaveSetting by %s = %v, want a PermissionError", actor, err)
		}
		err = db.Update(ctx, actor, func(tx *store.Tx) error {
			return tx.RecordSettingsChange(store.ChangeKey, "kid", "", "station ed25519")
		})
		if !errors.As(err, &pe) {
			t.Errorf("RecordSettingsChange by %s = %v, want a PermissionError", actor, err)
		}
	}
	if _, ok, _ := db.SavedSetting(ctx, store.SavedRules); ok {
		t.Error("a refused SaveSetting stored the setting")
	}
}

func TestSaveSettingInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	tests := []struct {
		name string
		fn   func(tx *store.Tx) error
	}{
		{"UnknownKey", func(tx *store.Tx) error { return tx.SaveSetting("language", "en") }},
		{"EmptyValue", func(tx *store.Tx) error { return tx.SaveSetting(store.SavedPlatformURL, "") }},
		{"UnknownKind", func(tx *store.Tx) error { return tx.RecordSettingsChange("plant", "x", "", "y") }},
		{"EmptySubject", func(tx *store.Tx) error { return tx.RecordSettingsChange(store.ChangeUser, "", "", "y") }},
		{"PINWithValue", func(tx *store.Tx) error { return tx.RecordSettingsChange(store.ChangePIN, "op7", "", "1234") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.Update(ctx, "admin1", tt.fn); err == nil {
				t.Error("Update succeeded, want an error")
			}
		})
	}
	changes, err := db.SettingsChanges(ctx)
	if err != nil || len(changes) != 0 {
		t.Errorf("SettingsChanges() = %+v, %v; want none", changes, err)
	}
}

// TestSettingsAuditAppendOnly edits and deletes an audit row with SQL
// outside the store, which the table's triggers reject.
func TestSettingsAuditAppendOnly(t *testing.T) {
	ctx := context.Background()
	db, dir := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	err := db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.SaveSetting(store.SavedPlatformURL, "https://a.example.cn") })
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	raw, err := sql.Open("sqlite3", filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, "UPDATE settings_audit SET actor = 'op7'"); err == nil {
		t.Error("UPDATE of an audit row succeeded")
	}
	if _, err := raw.ExecContext(ctx, "DELETE FROM settings_audit"); err == nil {
		t.Error("DELETE of an audit row succeeded")
	}
}

func TestSetPINHashAudited(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	if _, err := store.NewPINHash("12a4"); !errors.Is(err, store.ErrInvalidPIN) {
		t.Errorf("NewPINHash(12a4) = %v, want ErrInvalidPIN", err)
	}
	h, err := store.NewPINHash("4711")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, "admin1", func(tx *store.Tx) error {
		if err := tx.SetPINHash("op7", h); err != nil {
			return err
		}
		return tx.RecordSettingsChange(store.ChangePIN, "op7", "", "")
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CheckPIN(ctx, "op7", "4711"); err != nil {
		t.Errorf("CheckPIN with the new PIN = %v", err)
	}
	changes, err := db.SettingsChanges(ctx)
	if err != nil || len(changes) != 1 || changes[0].Kind != store.ChangePIN || changes[0].Subject != "op7" {
		t.Errorf("SettingsChanges() = %+v, %v; want one PIN change of op7", changes, err)
	}
	err = db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.SetPINHash("op7", store.PINHash{}) })
	if err == nil {
		t.Error("SetPINHash with the zero hash succeeded")
	}
	err = db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.SetPINHash("nobody", h) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPINHash of an unknown user = %v, want ErrNotFound", err)
	}
	mustVerify(t, db)
}

func TestAccountsHasPIN(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	if err := db.SetPIN(ctx, store.System, "qa1", "2222"); err != nil {
		t.Fatal(err)
	}
	accounts, err := db.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != len(staff) {
		t.Fatalf("Accounts() has %d users, want %d", len(accounts), len(staff))
	}
	for _, a := range accounts {
		if want := a.ID == "qa1"; a.HasPIN != want {
			t.Errorf("account %s: HasPIN = %v, want %v", a.ID, a.HasPIN, want)
		}
		if a.ID == "qa2" && a.Active {
			t.Error("account qa2 is active, want deactivated")
		}
	}
}

func TestLockoutRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, dir := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	until := time.Date(2026, 12, 4, 10, 5, 0, 0, beijing)
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7", Failures: 5, LockedUntil: until}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveLockout(ctx, store.Lockout{User: "qa1", Failures: 2}); err != nil {
		t.Fatal(err)
	}
	db = reopen(t, db, dir, store.Options{})

	got, err := db.Lockouts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Lockouts() = %+v, want op7 and qa1", got)
	}
	if got[0].User != "op7" || got[0].Failures != 5 || !got[0].LockedUntil.Equal(until) {
		t.Errorf("lockout of op7 = %+v, want 5 failures locked until %v", got[0], until)
	}
	if _, offset := got[0].LockedUntil.Zone(); offset != 8*3600 {
		t.Errorf("LockedUntil zone offset = %d s, want 28800", offset)
	}
	if got[1].User != "qa1" || got[1].Failures != 2 || !got[1].LockedUntil.IsZero() {
		t.Errorf("lockout of qa1 = %+v, want 2 failures and no lock", got[1])
	}
	mustVerify(t, db)

	// A right PIN clears the state; clearing it again writes nothing.
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7"}); err != nil {
		t.Fatal(err)
	}
	seq, _, err := db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7"}); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := db.Head(ctx); again != seq {
		t.Errorf("clearing a cleared lockout journaled entries %d to %d", seq+1, again)
	}
	if got, _ := db.Lockouts(ctx); len(got) != 1 || got[0].User != "qa1" {
		t.Errorf("Lockouts() after clearing op7 = %+v, want qa1 only", got)
	}
	mustVerify(t, db)
}

func TestSaveLockoutInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)

	if err := db.SaveLockout(ctx, store.Lockout{User: "nobody", Failures: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveLockout of an unknown user = %v, want ErrNotFound", err)
	}
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7", Failures: -1}); err == nil {
		t.Error("SaveLockout with -1 failures succeeded")
	}
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7", LockedUntil: time.Now()}); err == nil {
		t.Error("SaveLockout of a lock without failures succeeded")
	}
}

// TestMigrateFromVersion4 opens a database that version 4 of the schema
// wrote. Migration 5 only adds tables, so a database at version 5 with
// those tables dropped and user_version set back to 4 is what the
// program wrote before it.
func TestMigrateFromVersion4(t *testing.T) {
	ctx := context.Background()
	db, dir := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	if err := db.SetPIN(ctx, store.System, "admin1", "9999"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	raw, err := sql.Open("sqlite3", filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"DROP TABLE pin_lockouts", "DROP TABLE settings_audit", "DROP TABLE saved_settings",
		"PRAGMA user_version = 4"} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	raw.Close()

	db = reopen(t, db, dir, store.Options{})
	mustVerify(t, db)
	if _, err := db.CheckPIN(ctx, "admin1", "9999"); err != nil {
		t.Errorf("CheckPIN after the migration = %v", err)
	}
	err = db.Update(ctx, "admin1", func(tx *store.Tx) error { return tx.SaveSetting(store.SavedPlatformURL, "https://a.example.cn") })
	if err != nil {
		t.Fatalf("SaveSetting after the migration: %v", err)
	}
	if err := db.SaveLockout(ctx, store.Lockout{User: "op7", Failures: 1}); err != nil {
		t.Fatalf("SaveLockout after the migration: %v", err)
	}
	mustVerify(t, db)
	if store.SchemaVersion() != 5 {
		t.Errorf("SchemaVersion() = %d, want 5", store.SchemaVersion())
	}
}
