package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
	"lambtrace/upload/sign"
)

// keysDir is the directory of the station's signing keys in the data
// directory: the demonstration keys and every key made on the settings
// screen.
const keysDir = "keys"

// savedRules are the rule thresholds an admin saves on the settings
// screen, stored as JSON under store.SavedRules. The names are those of
// the configuration file's [rules] keys, and a threshold left out keeps
// the configuration's.
type savedRules struct {
	MaxTaggingAgeDays       *int   `json:"max_tagging_age_days,omitempty"`
	MinTagLeadDays          *int   `json:"min_tag_lead_days,omitempty"`
	MinDeclarationLeadHours *int   `json:"min_declaration_lead_hours,omitempty"`
	DressingMinBP           *int64 `json:"dressing_min_bp,omitempty"`
	DressingMaxBP           *int64 `json:"dressing_max_bp,omitempty"`
	MaxLossBP               *int64 `json:"max_loss_bp,omitempty"`
}

// savedRulesOf returns the thresholds of r that the settings screen
// changes.
func savedRulesOf(r line.Rules) savedRules {
	hours := int(r.MinDeclarationLead / time.Hour)
	return savedRules{MaxTaggingAgeDays: &r.MaxTaggingAgeDays, MinTagLeadDays: &r.MinTagLeadDays,
		MinDeclarationLeadHours: &hours, DressingMinBP: &r.DressingMinBP, DressingMaxBP: &r.DressingMaxBP,
		MaxLossBP: &r.MaxLossBP}
}

// apply sets the saved thresholds in rc. It returns each configuration
// key whose configured value a different saved one replaced, with both
// values, for the log.
func (s savedRules) apply(rc *RulesConfig) (changed []string) {
	setInt := func(key string, dst **int, v *int) {
		if v == nil {
			return
		}
		if *dst != nil && **dst != *v {
			changed = append(changed, fmt.Sprintf("rules.%s = %d (saved %d)", key, **dst, *v))
		}
		*dst = v
	}
	setBP := func(key string, dst **int64, v *int64) {
		if v == nil {
			return
		}
		if *dst != nil && **dst != *v {
			changed = append(changed, fmt.Sprintf("rules.%s = %d (saved %d)", key, **dst, *v))
		}
		*dst = v
	}
	setInt("max_tagging_age_days", &rc.MaxTaggingAgeDays, s.MaxTaggingAgeDays)
	setInt("min_tag_lead_days", &rc.MinTagLeadDays, s.MinTagLeadDays)
	setInt("min_declaration_lead_hours", &rc.MinDeclarationLeadHours, s.MinDeclarationLeadHours)
	setBP("dressing_min_bp", &rc.DressingMinBP, s.DressingMinBP)
	setBP("dressing_max_bp", &rc.DressingMaxBP, s.DressingMaxBP)
	setBP("max_loss_bp", &rc.MaxLossBP, s.MaxLossBP)
	return changed
}

// readSavedRules returns the thresholds saved in db, and false when none
// are.
func readSavedRules(ctx context.Context, db *store.DB) (savedRules, store.SavedSetting, bool, error) {
	saved, ok, err := db.SavedSetting(ctx, store.SavedRules)
	if err != nil || !ok {
		return savedRules{}, saved, false, err
	}
	var r savedRules
	if err := json.Unmarshal([]byte(saved.Value), &r); err != nil {
		return savedRules{}, saved, false, fmt.Errorf("saved rule thresholds: %w", err)
	}
	return r, saved, true, nil
}

// applySavedSettings puts the settings an admin saved on the settings
// screen over cfg: the saved rule thresholds and platform URL replace the
// configuration file's. The saved values win because they are the later
// and deliberate change, made by an admin at the station and audited in
// the database, while the file contains what the station was installed
// with. A configured value that a saved one replaces is logged as a
// warning, so a person editing the file learns why the edit has no effect.
func applySavedSettings(ctx context.Context, db *store.DB, cfg *Config, log *slog.Logger) error {
	rules, saved, ok, err := readSavedRules(ctx, db)
	if err != nil {
		return err
	}
	if ok {
		for _, c := range rules.apply(&cfg.Rules) {
			log.Warn("configured rule threshold replaced by the saved one", "threshold", c,
				"saved_by", saved.ChangedBy, "saved_at", saved.ChangedAt)
		}
		if _, err := cfg.rules(); err != nil {
			return fmt.Errorf("saved rule thresholds (saved by %s at %s): %w", saved.ChangedBy,
				saved.ChangedAt.Format(time.RFC3339), err)
		}
		log.Info("saved rule thresholds applied", "saved_by", saved.ChangedBy, "saved_at", saved.ChangedAt)
	}

	url, ok, err := db.SavedSetting(ctx, store.SavedPlatformURL)
	if err != nil || !ok {
		return err
	}
	if cfg.Platform.URL != "" && cfg.Platform.URL != url.Value {
		log.Warn("configured platform URL replaced by the saved one", "configured", cfg.Platform.URL,
			"saved", url.Value, "saved_by", url.ChangedBy, "saved_at", url.ChangedAt)
	}
	cfg.Platform.URL = url.Value
	log.Info("saved platform URL applied", "url", url.Value, "saved_by", url.ChangedBy, "saved_at", url.ChangedAt)
	return nil
}

// settingsError reports a settings change the kiosk rejected, with a
// catalog message for the admin.
type settingsError struct {
	key  string
	data map[string]string
	err  error // the cause, if another error has one
}

func (e *settingsError) Error() string {
	msg := line.Translate(line.LangEN, e.key, e.data)
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

// Message renders the message for the admin in lang.
func (e *settingsError) Message(lang line.Lang) string { return line.Translate(lang, e.key, e.data) }

func (e *settingsError) Unwrap() error { return e.err }

// explainSettingsError wraps the store errors that an admin can act on
// in a settingsError with a catalog message, and returns others as they
// are.
func explainSettingsError(err error) error {
	var denied *store.PermissionError
	switch {
	case errors.As(err, &denied):
		return &settingsError{key: "settings.not_admin", data: map[string]string{"user": string(denied.Actor)}, err: err}
	case errors.Is(err, store.ErrLastAdmin):
		return &settingsError{key: "settings.last_admin", err: err}
	case errors.Is(err, store.ErrInvalidPIN):
		return &settingsError{key: "settings.invalid_pin", err: err}
	}
	return err
}

// uiSettings implements ui.Settings over the store and the data
// directory's key directory. The rule thresholds and the platform URL it
// saves take effect at the kiosk's next start (see applySavedSettings).
type uiSettings struct{ k *kiosk }

var _ ui.Settings = uiSettings{}

func (s uiSettings) Accounts(ctx context.Context) ([]ui.Account, error) {
	accounts, err := s.k.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Account, len(accounts))
	for i, a := range accounts {
		out[i] = ui.Account{User: ui.User{ID: a.ID, Name: a.Name, Role: ui.Role(a.Role)}, Active: a.Active, HasPIN: a.HasPIN}
	}
	return out, nil
}

// accountImage is a user as the settings audit records it.
type accountImage struct {
	Active bool   `json:"active"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

func (a accountImage) String() string {
	data, _ := json.Marshal(a)
	return string(data)
}

// SaveAccount creates or changes a user and audits the change with the
// user's name, role and active flag before and after.
func (s uiSettings) SaveAccount(ctx context.Context, actor string, a ui.Account, create bool) error {
	u := store.User{ID: a.ID, Name: a.Name, Role: store.Role(a.Role), Active: a.Active}
	var before string
	if !create {
		old, err := s.k.db.User(ctx, a.ID)
		if err != nil {
			return err
		}
		before = accountImage{Active: old.Active, Name: old.Name, Role: string(old.Role)}.String()
	}
	err := s.k.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
		var err error
		if create {
			err = tx.CreateUser(u)
		} else {
			err = tx.UpdateUser(u)
		}
		if err != nil {
			return err
		}
		after := accountImage{Active: u.Active, Name: u.Name, Role: string(u.Role)}.String()
		return tx.RecordSettingsChange(store.ChangeUser, u.ID, before, after)
	})
	if err != nil {
		return explainSettingsError(err)
	}
	s.k.log.Info("user saved", "user", u.ID, "role", u.Role, "active", u.Active, "created", create, "actor", actor)
	return nil
}

// SetPIN hashes the PIN first, because Argon2id takes tens of
// milliseconds, and then stores it with its audit row in one
// transaction.
func (s uiSettings) SetPIN(ctx context.Context, actor, id, pin string) error {
	h, err := store.NewPINHash(pin)
	if err != nil {
		return explainSettingsError(err)
	}
	err = s.k.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
		if err := tx.SetPINHash(id, h); err != nil {
			return err
		}
		return tx.RecordSettingsChange(store.ChangePIN, id, "", "")
	})
	if err != nil {
		return explainSettingsError(err)
	}
	s.k.log.Info("PIN set", "user", id, "actor", actor)
	return nil
}

// Rules returns the thresholds the kiosk will start with next: the
// configuration's with the saved ones over them.
func (s uiSettings) Rules(ctx context.Context) (line.Rules, error) {
	cfg := *s.k.cfg
	saved, _, ok, err := readSavedRules(ctx, s.k.db)
	if err != nil {
		return line.Rules{}, err
	}
	if ok {
		saved.apply(&cfg.Rules)
	}
	r, err := cfg.rules()
	if err != nil {
		return line.Rules{}, err
	}
	return *r, nil
}

// SaveRules saves the thresholds the settings screen changes for the next
// start. The other fields of r are not saved: they stay the
// configuration's.
func (s uiSettings) SaveRules(ctx context.Context, actor string, r line.Rules) error {
	if r.MinDeclarationLead%time.Hour != 0 {
		return &settingsError{key: "settings.invalid_rules",
			err: fmt.Errorf("declaration lead %v is not whole hours", r.MinDeclarationLead)}
	}
	saved := savedRulesOf(r)
	cfg := *s.k.cfg
	saved.apply(&cfg.Rules)
	if _, err := cfg.rules(); err != nil {
		return &settingsError{key: "settings.invalid_rules", err: err}
	}
	data, err := json.Marshal(saved)
	if err != nil {
		return err
	}
	err = s.k.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
		return tx.SaveSetting(store.SavedRules, string(data))
	})
	if err != nil {
		return explainSettingsError(err)
	}
	s.k.log.Info("rule thresholds saved for the next start", "rules", string(data), "actor", actor)
	return nil
}

// PlatformURL returns the URL the kiosk will upload to after its next
// start: the saved one, or else the configuration's, which is empty for
// a simulated kiosk that runs the embedded platform.
func (s uiSettings) PlatformURL(ctx context.Context) (string, error) {
	saved, ok, err := s.k.db.SavedSetting(ctx, store.SavedPlatformURL)
	if err != nil {
		return "", err
	}
	if ok {
		return saved.Value, nil
	}
	return s.k.cfg.Platform.URL, nil
}

func (s uiSettings) SetPlatformURL(ctx context.Context, actor, url string) error {
	if !ui.ValidPlatformURL(url) {
		return &settingsError{key: "settings.invalid_url", data: map[string]string{"url": url}}
	}
	err := s.k.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
		return tx.SaveSetting(store.SavedPlatformURL, url)
	})
	if err != nil {
		return explainSettingsError(err)
	}
	s.k.log.Info("platform URL saved for the next start", "url", url, "actor", actor)
	return nil
}

// Keys lists the station and inspector keys in the key directory and
// those the configuration names elsewhere, each once. A key file that
// cannot be read is logged and left out, so one damaged file does not
// hide the others.
func (s uiSettings) Keys(ctx context.Context) ([]ui.KeyInfo, error) {
	paths, err := filepath.Glob(filepath.Join(s.k.cfg.DataDir, keysDir, "*.key"))
	if err != nil {
		return nil, err
	}
	if p := s.k.cfg.Platform.StationKey; p != "" {
		paths = append(paths, p)
	}
	for _, p := range s.k.cfg.Platform.InspectorKeys {
		paths = append(paths, p)
	}
	var out []ui.KeyInfo
	for _, path := range paths {
		key, err := sign.ReadPrivateKeyFile(path)
		if err != nil {
			s.k.log.Warn("signing key not listed", "path", path, "err", err)
			continue
		}
		if key.Role() == sign.RolePlatform || slices.ContainsFunc(out, func(k ui.KeyInfo) bool { return k.KID == key.KID() }) {
			continue
		}
		out = append(out, ui.KeyInfo{KID: key.KID(), Role: string(key.Role()), Algorithm: string(key.Algorithm()),
			Encrypted: key.Encrypted()})
	}
	slices.SortFunc(out, func(a, b ui.KeyInfo) int {
		return cmp.Or(strings.Compare(a.Role, b.Role), strings.Compare(a.KID, b.KID))
	})
	return out, nil
}

// keyImage is a new signing key as the settings audit records it.
type keyImage struct {
	Algorithm string `json:"algorithm"`
	File      string `json:"file"`
	Role      string `json:"role"`
}

// NewKey makes a signing key, as `tracectl keys new` does, and writes
// <kid>.key and <kid>.pem into the key directory. The kiosk signs with it
// once the configuration names it. Only an active admin may make one,
// which is checked before the key is made and again when the audit row
// is written. Files of a key whose audit row cannot be written are
// removed again.
func (s uiSettings) NewKey(ctx context.Context, actor, role, algorithm, pin string) (ui.KeyInfo, error) {
	admin, err := s.k.db.User(ctx, actor)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return ui.KeyInfo{}, err
	}
	if err != nil || !admin.Active || admin.Role != store.RoleAdmin {
		return ui.KeyInfo{}, &settingsError{key: "settings.not_admin", data: map[string]string{"user": actor}}
	}
	r, err := sign.ParseRole(role)
	if err != nil || r == sign.RolePlatform {
		return ui.KeyInfo{}, fmt.Errorf("key role %q: the station makes station and inspector keys only", role)
	}
	alg, err := sign.ParseAlgorithm(algorithm)
	if err != nil {
		return ui.KeyInfo{}, err
	}
	var secret []byte
	switch {
	case r == sign.RoleInspector:
		secret = []byte(pin)
		defer clear(secret)
		if err := sign.ValidatePIN(secret); err != nil {
			return ui.KeyInfo{}, &settingsError{key: "settings.invalid_key_pin", err: err}
		}
	case pin != "":
		return ui.KeyInfo{}, errors.New("a station key is not encrypted: make it without a PIN")
	}

	pair, err := sign.GenerateKey(r, alg, secret)
	if err != nil {
		return ui.KeyInfo{}, err
	}
	dir := filepath.Join(s.k.cfg.DataDir, keysDir)
	if err := pair.WriteFiles(dir); err != nil {
		return ui.KeyInfo{}, err
	}
	image, err := json.Marshal(keyImage{Algorithm: string(alg), File: pair.PrivatePath(dir), Role: string(r)})
	if err == nil {
		err = s.k.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
			return tx.RecordSettingsChange(store.ChangeKey, pair.KID, "", string(image))
		})
	}
	if err != nil {
		if rmErr := errors.Join(os.Remove(pair.PrivatePath(dir)), os.Remove(pair.PublicPath(dir))); rmErr != nil {
			s.k.log.Error("remove the files of an unaudited key", "kid", pair.KID, "err", rmErr)
		}
		return ui.KeyInfo{}, explainSettingsError(err)
	}
	s.k.log.Info("signing key made", "kid", pair.KID, "role", r, "algorithm", alg, "path", pair.PrivatePath(dir), "actor", actor)
	return ui.KeyInfo{KID: pair.KID, Role: string(r), Algorithm: string(alg), Encrypted: r == sign.RoleInspector}, nil
}

// uiLockouts implements ui.LockoutStore over the store.
type uiLockouts struct{ db *store.DB }

var _ ui.LockoutStore = uiLockouts{}

func (l uiLockouts) Lockouts(ctx context.Context) ([]ui.LockoutState, error) {
	saved, err := l.db.Lockouts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.LockoutState, len(saved))
	for i, s := range saved {
		out[i] = ui.LockoutState{User: s.User, Failures: s.Failures, LockedUntil: s.LockedUntil}
	}
	return out, nil
}

func (l uiLockouts) SaveLockout(ctx context.Context, s ui.LockoutState) error {
	return l.db.SaveLockout(ctx, store.Lockout{User: s.User, Failures: s.Failures, LockedUntil: s.LockedUntil})
}
