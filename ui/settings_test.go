package ui

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload/sign"
)

// storeSettings is the Settings of the settings screen over the store
// and a key directory, for the tests. The thresholds and the platform URL
// are store settings; the keys are files made by the signing package.
type storeSettings struct {
	db      *store.DB
	keyDir  string
	pinSets int // calls of SetPIN
}

// Store settings of the test implementation.
const (
	settingRules       = "test.rules"
	settingPlatformURL = "test.platform_url"
)

func (s *storeSettings) Accounts(ctx context.Context) ([]Account, error) {
	users, err := s.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []Account
	for _, u := range users {
		// A PIN that cannot be right tells a user without a PIN apart.
		_, err := s.db.CheckPIN(ctx, u.ID, "00000000")
		out = append(out, Account{User: User{ID: u.ID, Name: u.Name, Role: Role(u.Role)}, Active: u.Active,
			HasPIN: !errors.Is(err, store.ErrNoPIN)})
	}
	return out, nil
}

func (s *storeSettings) SaveAccount(ctx context.Context, actor string, a Account, create bool) error {
	u := store.User{ID: a.ID, Name: a.Name, Role: store.Role(a.Role), Active: a.Active}
	return s.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error {
		if create {
			return tx.CreateUser(u)
		}
		return tx.UpdateUser(u)
	})
}

func (s *storeSettings) SetPIN(ctx context.Context, actor, id, pin string) error {
	s.pinSets++
	return s.db.SetPIN(ctx, store.Actor(actor), id, pin)
}

// savedRules are the thresholds as the test implementation stores them.
type savedRules struct {
	MaxTaggingAgeDays, MinTagLeadDays       int
	DeclarationLeadHours                    int64
	DressingMinBP, DressingMaxBP, MaxLossBP int64
}

func (s *storeSettings) Rules(ctx context.Context) (line.Rules, error) {
	r := *line.DefaultRules()
	text, ok, err := s.db.Setting(settingRules)
	if err != nil || !ok {
		return r, err
	}
	var v savedRules
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return r, err
	}
	r.MaxTaggingAgeDays, r.MinTagLeadDays = v.MaxTaggingAgeDays, v.MinTagLeadDays
	r.MinDeclarationLead = time.Duration(v.DeclarationLeadHours) * time.Hour
	r.DressingMinBP, r.DressingMaxBP, r.MaxLossBP = v.DressingMinBP, v.DressingMaxBP, v.MaxLossBP
	return r, nil
}

func (s *storeSettings) SaveRules(ctx context.Context, actor string, r line.Rules) error {
	data, err := json.Marshal(savedRules{r.MaxTaggingAgeDays, r.MinTagLeadDays, int64(r.MinDeclarationLead / time.Hour),
		r.DressingMinBP, r.DressingMaxBP, r.MaxLossBP})
	if err != nil {
		return err
	}
	return s.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error { return tx.SetSetting(settingRules, string(data)) })
}

func (s *storeSettings) PlatformURL(ctx context.Context) (string, error) {
	u, _, err := s.db.Setting(settingPlatformURL)
	return u, err
}

func (s *storeSettings) SetPlatformURL(ctx context.Context, actor, u string) error {
	return s.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error { return tx.SetSetting(settingPlatformURL, u) })
}

func (s *storeSettings) Keys(ctx context.Context) ([]KeyInfo, error) {
	paths, err := filepath.Glob(filepath.Join(s.keyDir, "*.pem"))
	if err != nil {
		return nil, err
	}
	var out []KeyInfo
	for _, p := range paths {
		pub, err := sign.ReadPublicKeyFile(p)
		if err != nil {
			return nil, err
		}
		priv, err := sign.ReadPrivateKeyFile(strings.TrimSuffix(p, ".pem") + ".key")
		if err != nil {
			return nil, err
		}
		out = append(out, KeyInfo{KID: pub.KID, Role: string(pub.Role), Algorithm: string(pub.Algorithm), Encrypted: priv.Encrypted()})
	}
	return out, nil
}

func (s *storeSettings) NewKey(ctx context.Context, actor, role, algorithm, pin string) (KeyInfo, error) {
	r, err := sign.ParseRole(role)
	if err != nil {
		return KeyInfo{}, err
	}
	alg, err := sign.ParseAlgorithm(algorithm)
	if err != nil {
		return KeyInfo{}, err
	}
	var secret []byte
	if pin != "" {
		secret = []byte(pin)
	}
	pair, err := sign.GenerateKey(r, alg, secret)
	if err != nil {
		return KeyInfo{}, err
	}
	if err := pair.WriteFiles(s.keyDir); err != nil {
		return KeyInfo{}, err
	}
	return KeyInfo{KID: pair.KID, Role: role, Algorithm: algorithm, Encrypted: pin != ""}, nil
}

// newSettingsRig signs admin1 in at a kiosk with the settings screen.
func newSettingsRig(t *testing.T) (*rig, *SettingsScreen, *storeSettings) {
	t.Helper()
	r := newRig(t, rigOptions{})
	set := &storeSettings{db: r.db, keyDir: filepath.Join(t.TempDir(), "keys")}
	s := NewSettingsScreen(r.k, set)
	r.start(s)
	r.signIn("admin1", testPIN)
	if r.k.Current() != s {
		t.Fatal("admin1 does not see the settings screen")
	}
	r.settle()
	return r, s, set
}

// tapPIN enters a PIN on a PIN pad and presses OK.
func tapPIN(p *PINPad, pin string) {
	for _, d := range pin {
		p.Press(byte(d))
	}
	test.Tap(p.ok)
}

func TestSettingsNewUserWithPIN(t *testing.T) {
	r, s, set := newSettingsRig(t)
	u := s.users
	if len(u.accounts) != len(staff) {
		t.Fatalf("users section lists %d accounts, want %d", len(u.accounts), len(staff))
	}

	// The id and the name come from pads; the role from its tile.
	test.Tap(u.add)
	s.pad.pad.Type("op9")
	test.Tap(s.pad.ok)
	if !u.create || u.edit.ID != "op9" {
		t.Fatalf("after the id pad: create %v, edit %+v", u.create, u.edit)
	}
	s.pad.pad.Type("BATU")
	test.Tap(s.pad.ok)
	test.Tap(u.roleTiles[1]) // quality
	if !u.setPIN.Disabled() {
		t.Error("set PIN is enabled before the new user is stored")
	}
	test.Tap(u.save)
	r.settle()
	ctx := context.Background()
	got, err := r.db.User(ctx, "op9")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "BATU" || got.Role != store.RoleQuality || !got.Active {
		t.Fatalf("stored user = %+v", got)
	}

	// The PIN is entered twice; a mismatch starts again.
	u.pick("op9")
	test.Tap(u.setPIN)
	d := s.pin
	tapPIN(d.pad, "1357")
	tapPIN(d.pad, "1358")
	containsAll(t, "prompt after a mismatch", d.prompt.Text, "不一致")
	if !d.save.Disabled() {
		t.Fatal("save PIN is enabled after a mismatch")
	}
	tapPIN(d.pad, "1357")
	tapPIN(d.pad, "1357")
	test.Tap(d.save)
	test.Tap(d.save)
	r.settle()
	if set.pinSets != 1 {
		t.Errorf("the double tap on save PIN set the PIN %d times, want 1", set.pinSets)
	}
	if _, err := r.db.CheckPIN(ctx, "op9", "1357"); err != nil {
		t.Errorf("the new PIN does not sign op9 in: %v", err)
	}
	if !d.pop.Hidden {
		t.Error("the PIN dialog is still open")
	}
}

func TestSettingsLastAdminStays(t *testing.T) {
	r, s, _ := newSettingsRig(t)
	u := s.users
	u.pick("admin1")
	test.Tap(u.active)
	test.Tap(u.save)
	r.settle()
	got, err := r.db.User(context.Background(), "admin1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Active {
		t.Fatal("the only admin was deactivated")
	}
	containsAll(t, "notice", r.k.notice.Text(), "操作失败")
}

func TestSettingsThresholdsAndPlatform(t *testing.T) {
	r, s, set := newSettingsRig(t)
	test.Tap(s.nav.buttons[1])
	r.settle()
	rs := s.rules
	containsAll(t, "max loss", rs.values[5].Text, "3.00%")
	test.Tap(rs.plus[5])
	test.Tap(rs.plus[5])
	test.Tap(rs.minus[0])
	test.Tap(rs.save)
	r.settle()
	got, err := set.Rules(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxLossBP != 320 || got.MaxTaggingAgeDays != 9 {
		t.Errorf("saved rules: loss %d bp, tagging age %d days; want 320 and 9", got.MaxLossBP, got.MaxTaggingAgeDays)
	}

	// The dressing minimum cannot pass the maximum.
	for range 80 {
		test.Tap(rs.plus[3])
	}
	if !rs.save.Disabled() {
		t.Errorf("save is enabled with dressing %d–%d bp", rs.rules.DressingMinBP, rs.rules.DressingMaxBP)
	}

	// The platform URL comes from the pad and is checked.
	test.Tap(s.nav.buttons[2])
	r.settle()
	p := s.platform
	test.Tap(p.change)
	s.pad.pad.Type("ftp://x")
	test.Tap(s.pad.ok)
	containsAll(t, "pad problem", s.pad.problem.Text, "https://")
	s.pad.pad.Clear()
	s.pad.pad.Type("https://trace.example.cn/api/v1/batches")
	test.Tap(s.pad.ok)
	test.Tap(p.save)
	r.settle()
	if u, _ := set.PlatformURL(context.Background()); u != "https://trace.example.cn/api/v1/batches" {
		t.Errorf("saved platform URL = %q", u)
	}
}

func TestSettingsKeys(t *testing.T) {
	r, s, set := newSettingsRig(t)
	test.Tap(s.nav.buttons[3])
	r.settle()
	ks := s.keys
	test.Tap(ks.algTiles[1]) // sm2
	test.Tap(ks.station)
	r.settle()
	test.Tap(ks.algTiles[0]) // ed25519
	test.Tap(ks.inspector)
	tapPIN(s.pin.pad, "246813")
	tapPIN(s.pin.pad, "246813")
	test.Tap(s.pin.save)
	r.settle()

	if len(ks.keys) != 2 {
		t.Fatalf("keys shown = %+v, want 2", ks.keys)
	}
	roles := []string{ks.keys[0].Role + "/" + ks.keys[0].Algorithm, ks.keys[1].Role + "/" + ks.keys[1].Algorithm}
	slices.Sort(roles)
	if roles[0] != "inspector/ed25519" || roles[1] != "station/sm2" {
		t.Errorf("keys = %v, want an ed25519 inspector key and an sm2 station key", roles)
	}
	for _, key := range ks.keys {
		if key.Encrypted != (key.Role == "inspector") {
			t.Errorf("key %s (%s) encrypted = %v", key.KID, key.Role, key.Encrypted)
		}
		if _, err := os.Stat(filepath.Join(set.keyDir, key.KID+".key")); err != nil {
			t.Error(err)
		}
	}
	containsAll(t, "key tile", ks.keyTitle(ks.keys[0])+ks.keyTitle(ks.keys[1]), "密码保护", "无密码")
}
