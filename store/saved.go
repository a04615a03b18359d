package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

var (
	_ = journaled("saved_settings", "key")
	_ = journaled("settings_audit", "id")
)

// Keys of the settings an admin saves at the station for its next start.
// A saved setting overrides the configuration file's value.
const (
	SavedRules       = "rules"        // the rule thresholds, as JSON of the caller's choosing
	SavedPlatformURL = "platform_url" // the platform's base URL
)

// SavedSetting is a setting an admin saved, with who saved it and when.
type SavedSetting struct {
	Key       string
	Value     string
	ChangedBy Actor
	ChangedAt time.Time // with the zone offset of the station's clock
}

// ChangeKind is the kind of thing a settings change altered, such as a
// saved setting or a user. The audit's subject names the thing.
type ChangeKind string

// Kinds of settings changes.
const (
	ChangeSetting ChangeKind = "setting" // a saved setting; the subject is its key
	ChangeUser    ChangeKind = "user"    // a user's name, role or active flag; the subject is the user id
	ChangePIN     ChangeKind = "pin"     // a user's PIN; the subject is the user id, and no value is kept
	ChangeKey     ChangeKind = "key"     // a signing key made; the subject is its kid
)

func (k ChangeKind) valid() bool {
	switch k {
	case ChangeSetting, ChangeUser, ChangePIN, ChangeKey:
		return true
	}
	return false
}

// SettingsChange is one row of the settings audit: who changed what and
// when, with the values before and after. Old is empty for something
// new, and both are empty for a PIN.
type SettingsChange struct {
	ID      int64
	At      time.Time
	Actor   Actor
	Kind    ChangeKind
	Subject string
	Old     string
	New     string
}

// settingsCounter numbers the rows of the settings audit.
const settingsCounter = "settings_audit"

// actionChangeSettings names the action in a PermissionError.
const actionChangeSettings = "change the station's settings"

// SaveSetting stores a setting for the next start and audits the change
// with its old and new value. Only an active admin may save one, and
// anyone else gets a *PermissionError. A value equal to the saved one
// changes nothing.
func (tx *Tx) SaveSetting(key, value string) error {
	if key != SavedRules && key != SavedPlatformURL {
		return fmt.Errorf("save setting %q: unknown key: use %q or %q", key, SavedRules, SavedPlatformURL)
	}
	if value == "" {
		return fmt.Errorf("save setting %s: the value is empty", key)
	}
	if err := tx.requireRole(actionChangeSettings, RoleAdmin); err != nil {
		return err
	}
	old, err := loadRow(tx.ctx, tx.tx, "saved_settings", Row{"key": key})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if old.text("value") == value {
		return nil
	}
	err = tx.Put("saved_settings", Row{"key": key, "value": value, "changed_by": string(tx.actor), "changed_at": tx.at})
	if err != nil {
		return err
	}
	return tx.RecordSettingsChange(ChangeSetting, key, old.text("value"), value)
}

// RecordSettingsChange adds a row to the settings audit under the
// transaction's actor and time, for a change made in the same
// transaction. Empty values are stored as NULL. Only an active admin may
// record one, and anyone else gets a *PermissionError.
func (tx *Tx) RecordSettingsChange(kind ChangeKind, subject, old, new string) error {
	if !kind.valid() {
		return fmt.Errorf("settings audit: invalid kind %q: use setting, user, pin or key", kind)
	}
	if n := len(subject); n < 1 || n > 128 {
		return fmt.Errorf("settings audit: the subject must have 1 to 128 bytes, got %d", n)
	}
	if kind == ChangePIN && (old != "" || new != "") {
		return errors.New("settings audit: a PIN change keeps no values")
	}
	if err := tx.requireRole(actionChangeSettings, RoleAdmin); err != nil {
		return err
	}
	id, err := tx.NextCounter(settingsCounter)
	if err != nil {
		return err
	}
	return tx.Put("settings_audit", Row{"id": id, "at": tx.at, "actor": string(tx.actor), "kind": string(kind),
		"subject": subject, "old_value": nullable(old), "new_value": nullable(new)})
}

// SavedSetting returns a saved setting and whether one is saved.
func (db *DB) SavedSetting(ctx context.Context, key string) (SavedSetting, bool, error) {
	s := SavedSetting{Key: key}
	var by, at string
	err := db.reader.QueryRowContext(ctx, "SELECT value, changed_by, changed_at FROM saved_settings WHERE key = ?", key).
		Scan(&s.Value, &by, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return SavedSetting{}, false, nil
	}
	if err != nil {
		return SavedSetting{}, false, fmt.Errorf("saved setting %s: %w", key, err)
	}
	s.ChangedBy = Actor(by)
	if s.ChangedAt, err = parseTime(at); err != nil {
		return SavedSetting{}, false, fmt.Errorf("saved setting %s: changed_at: %w", key, err)
	}
	return s, true, nil
}

// SettingsChanges returns the settings audit, oldest first.
func (db *DB) SettingsChanges(ctx context.Context) ([]SettingsChange, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, at, actor, kind, subject, coalesce(old_value, ''), coalesce(new_value, '')
		FROM settings_audit ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SettingsChange
	for rows.Next() {
		var c SettingsChange
		var at string
		if err := rows.Scan(&c.ID, &at, &c.Actor, &c.Kind, &c.Subject, &c.Old, &c.New); err != nil {
			return nil, err
		}
		if c.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("settings audit %d: at: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
