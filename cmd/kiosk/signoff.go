package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// demoAccount is a user a demonstration data directory starts with.
type demoAccount struct {
	user store.User
	pin  string
}

// demoVetPIN is the demonstration veterinarian's PIN, which also unlocks
// the veterinarian's signing key.
const demoVetPIN = "2468"

// demoAccounts are the users of a demonstration data directory, one per
// role, with their PINs. README.md lists them.
var demoAccounts = []demoAccount{
	{store.User{ID: demoActors.Operator, Name: "操作员 Operator", Role: store.RoleOperator, Active: true}, "1111"},
	{store.User{ID: demoActors.Quality, Name: "质检员 Quality", Role: store.RoleQuality, Active: true}, "2222"},
	{store.User{ID: demoActors.Inspector, Name: "驻场兽医 Veterinarian", Role: store.RoleVet, Active: true}, demoVetPIN},
	{store.User{ID: "demo-admin", Name: "管理员 Admin", Role: store.RoleAdmin, Active: true}, "9999"},
}

// prepareDemo gives a simulated station's data directory what the
// demonstration needs and the configuration does not provide: the demo
// users, a station key and the demo veterinarian's inspector key in
// DATA/keys, made once and kept for later starts. It sets the keys in
// cfg.
func prepareDemo(ctx context.Context, db *store.DB, cfg *Config, log *slog.Logger) error {
	var missing []demoAccount
	for _, a := range demoAccounts {
		if _, err := db.User(ctx, a.user.ID); errors.Is(err, store.ErrNotFound) {
			missing = append(missing, a)
		} else if err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		err := db.Update(ctx, importActor, func(tx *store.Tx) error {
			for _, a := range missing {
				if err := tx.CreateUser(a.user); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("create the demo users: %w", err)
		}
		for _, a := range missing {
			if err := db.SetPIN(ctx, importActor, a.user.ID, a.pin); err != nil {
				return err
			}
		}
		log.Info("demo users created", "users", len(missing))
	}

	if cfg.Platform.StationKey != "" && len(cfg.Platform.InspectorKeys) > 0 {
		return nil
	}
	dir := filepath.Join(cfg.DataDir, keysDir)
	station, err := demoKey(dir, sign.RoleStation, nil, log)
	if err != nil {
		return err
	}
	inspector, err := demoKey(dir, sign.RoleInspector, []byte(demoVetPIN), log)
	if err != nil {
		return err
	}
	cfg.Platform.StationKey = station
	cfg.Platform.InspectorKeys = map[string]string{demoActors.Inspector: inspector}
	return nil
}

// demoKey returns the path of the oldest key of role in dir, making an
// Ed25519 key when dir has none. The oldest is the one made for the
// demonstration, so a key made later on the settings screen, which the
// demonstration PIN may not unlock, never replaces it.
func demoKey(dir string, role sign.Role, pin []byte, log *slog.Logger) (string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.key"))
	if err != nil {
		return "", err
	}
	var oldest string
	var oldestTime time.Time
	for _, path := range paths {
		k, err := sign.ReadPrivateKeyFile(path)
		if err != nil {
			return "", err
		}
		info, err := os.Stat(path)
		if err != nil {
			return "", err
		}
		if k.Role() == role && (oldest == "" || info.ModTime().Before(oldestTime)) {
			oldest, oldestTime = path, info.ModTime()
		}
	}
	if oldest != "" {
		return oldest, nil
	}
	pair, err := sign.GenerateKey(role, sign.Ed25519, pin)
	if err != nil {
		return "", err
	}
	if err := pair.WriteFiles(dir); err != nil {
		return "", err
	}
	log.Info("demo signing key made", "role", role, "kid", pair.KID, "path", pair.PrivatePath(dir))
	return pair.PrivatePath(dir), nil
}

// newSealer returns the sealer of the configured keys, or nil when the
// station has no station key or no inspector key, so it cannot sign.
func newSealer(cfg *Config, rules *line.Rules) (*upload.Sealer, error) {
	if cfg.Platform.StationKey == "" || len(cfg.Platform.InspectorKeys) == 0 {
		return nil, nil
	}
	station, err := readKey(cfg.Platform.StationKey, sign.RoleStation)
	if err != nil {
		return nil, err
	}
	inspectors := make(map[string]*sign.PrivateKey, len(cfg.Platform.InspectorKeys))
	for vet, path := range cfg.Platform.InspectorKeys {
		if inspectors[vet], err = readKey(path, sign.RoleInspector); err != nil {
			return nil, err
		}
	}
	return upload.NewSealer(upload.Options{Domain: cfg.Platform.Domain, Rules: rules}, station, inspectors)
}

func readKey(path string, role sign.Role) (*sign.PrivateKey, error) {
	k, err := sign.ReadPrivateKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if k.Role() != role {
		return nil, fmt.Errorf("signing key %s is a %s key, not a %s key", path, k.Role(), role)
	}
	return k, nil
}

// syncPlantSettings stores the configured plant approval number, which
// the batch document states, when the database holds another.
func syncPlantSettings(ctx context.Context, db *store.DB, cfg *Config) error {
	approval := strings.TrimSpace(cfg.Plant.Approval)
	stored, ok, err := db.Setting(store.SettingPlantApproval)
	if err != nil || (ok && stored == approval) {
		return err
	}
	return db.Update(ctx, importActor, func(tx *store.Tx) error {
		return tx.SetSetting(store.SettingPlantApproval, approval)
	})
}

// demoCertificate is the product quarantine certificate number the demo
// veterinarian enters for a batch.
func demoCertificate(batch line.BatchID) string { return "DEMO-" + batch.String() }

// signOffDemo has the demo veterinarian sign off the shift's batch and
// seal it into the outbox. A batch sealed already, by an earlier run on
// the same data directory, is left as it is.
func signOffDemo(ctx context.Context, k *kiosk) error {
	_, err := k.station.SignOff(ctx, demoActors.Inspector, demoCertificate(k.shift.Batch), []byte(demoVetPIN))
	var refusal *line.RefusalError
	if errors.As(err, &refusal) && refusal.Reason == line.RefusedSignOffDone {
		return nil
	}
	if errors.As(err, &refusal) {
		return fmt.Errorf("sign-off of batch %s refused: %s", k.shift.Batch, refusal.Text(line.LangEN))
	}
	return err
}

// sealedBatches counts the shift's batches with a sealed document: 1 or 0.
func sealedBatches(ctx context.Context, k *kiosk) (int, error) {
	_, err := k.db.Document(ctx, k.shift.Batch.String())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	}
	return 1, nil
}
