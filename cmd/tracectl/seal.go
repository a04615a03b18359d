package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// replayVetName is the display name of the user replayInspector, whom
// replay --seal creates with the role vet when the database lacks it.
const replayVetName = "Replay veterinarian"

// maxApprovalLen bounds --approval.
const maxApprovalLen = 64

// sealOptions are the options of replay that sign off and seal the
// replayed batch.
type sealOptions struct {
	seal         bool
	stationKey   string
	inspectorKey string
	pinFile      string
	certificate  string
	domain       string
	approval     string
}

// sealOnly lists the options that mean something only with --seal.
var sealOnly = []string{"station-key", "inspector-key", "pin-file", "certificate", "domain", "approval"}

func (o *sealOptions) register(fset *flag.FlagSet) {
	fset.BoolVar(&o.seal, "seal", false, "sign off the replayed batch and seal it into the outbox")
	fset.StringVar(&o.stationKey, "station-key", "", "the station's private key `file` (<kid>.key)")
	fset.StringVar(&o.inspectorKey, "inspector-key", "", "the veterinarian's encrypted private key `file` (<kid>.key)")
	fset.StringVar(&o.pinFile, "pin-file", "", "`file` holding the veterinarian's PIN on one line")
	fset.StringVar(&o.certificate, "certificate", "", "product quarantine certificate `number`")
	fset.StringVar(&o.domain, "domain", demoDomain, "the platform's `domain`, under which the document names its identifiers")
	fset.StringVar(&o.approval, "approval", "", "the plant's approval `number`, stored as the setting "+store.SettingPlantApproval)
}

// sealRequest is a checked --seal: the sealer with both keys, the PIN
// and what the sign-off records.
type sealRequest struct {
	sealer      *upload.Sealer
	pin         []byte
	certificate string
	approval    string // empty to keep the stored setting
}

// sealedBatch is the document replay sealed.
type sealedBatch struct {
	line.SealedDocument
	batch string
}

// request checks the options after parsing. It returns nil without
// --seal. With --seal it reads both keys and the PIN, and checks that the
// PIN unlocks the inspector key.
func (o *sealOptions) request(fset *flag.FlagSet) (*sealRequest, error) {
	if !o.seal {
		var given []string
		fset.Visit(func(f *flag.Flag) {
			for _, name := range sealOnly {
				if f.Name == name {
					given = append(given, "--"+name)
				}
			}
		})
		if len(given) > 0 {
			return nil, &usageError{key: "seal.flags_without_seal", data: map[string]string{"flags": strings.Join(given, " ")}}
		}
		return nil, nil
	}
	if o.stationKey == "" || o.inspectorKey == "" || o.pinFile == "" || o.certificate == "" {
		return nil, &usageError{key: "seal.replay_flags"}
	}
	if !line.ValidProductCertificate(o.certificate) {
		return nil, &usageError{key: "seal.bad_certificate", data: map[string]string{"certificate": o.certificate,
			"min": strconv.Itoa(line.MinProductCertificateLen), "max": strconv.Itoa(line.MaxProductCertificateLen)}}
	}
	o.approval = strings.TrimSpace(o.approval)
	if len(o.approval) > maxApprovalLen || strings.ContainsFunc(o.approval, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsGraphic(r) || r == ' ' }) {
		return nil, &usageError{key: "seal.bad_approval", data: map[string]string{"approval": o.approval}}
	}

	station, err := readKey(o.stationKey, "station-key", sign.RoleStation)
	if err != nil {
		return nil, err
	}
	inspector, err := readKey(o.inspectorKey, "inspector-key", sign.RoleInspector)
	if err != nil {
		return nil, err
	}
	pin, err := readPINFile(o.pinFile)
	if err != nil {
		return nil, err
	}

	// One signature of an empty object proves the PIN unlocks the key.
	if _, err := sign.Sign([]byte("{}"), time.Now(), sign.Signer{Key: inspector, PIN: pin}); err != nil {
		clear(pin)
		if errors.Is(err, sign.ErrWrongPIN) {
			return nil, &usageError{key: "seal.wrong_pin", data: map[string]string{"file": o.pinFile, "key": o.inspectorKey}}
		}
		return nil, err
	}
	sealer, err := upload.NewSealer(upload.Options{Domain: o.domain}, station, map[string]*sign.PrivateKey{replayInspector: inspector})
	if err != nil {
		clear(pin)
		return nil, &usageError{key: "seal.bad_domain", data: map[string]string{"domain": o.domain, "error": err.Error()}}
	}
	return &sealRequest{sealer: sealer, pin: pin, certificate: o.certificate, approval: o.approval}, nil
}

// readKey reads a private key file given with --flag and checks its role.
func readKey(path, flagName string, role sign.Role) (*sign.PrivateKey, error) {
	k, err := sign.ReadPrivateKeyFile(path)
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr):
		return nil, &inputError{err: err}
	case err != nil:
		return nil, &usageError{key: "seal.key_invalid", data: map[string]string{"file": path, "error": err.Error()}}
	case k.Role() != role:
		return nil, &usageError{key: "seal.key_role", data: map[string]string{"file": path, "flag": flagName,
			"role": string(k.Role()), "want": string(role)}}
	}
	return k, nil
}

// checkApproval refuses to go on when the sign-off would have no plant
// approval number: neither --approval nor the stored setting gives one.
func (r *sealRequest) checkApproval(db *store.DB) error {
	if r.approval != "" {
		return nil
	}
	value, ok, err := db.Setting(store.SettingPlantApproval)
	if err != nil {
		return err
	}
	if !ok || strings.TrimSpace(value) == "" {
		return &usageError{key: "seal.approval_required", data: map[string]string{"setting": store.SettingPlantApproval}}
	}
	return nil
}

// prepare stores what the sign-off needs in the database: the approval
// number given with --approval and the veterinarian replayInspector,
// unless the database has them already.
func (r *sealRequest) prepare(ctx context.Context, db *store.DB) error {
	setApproval := false
	if r.approval != "" {
		stored, ok, err := db.Setting(store.SettingPlantApproval)
		if err != nil {
			return err
		}
		setApproval = !ok || stored != r.approval
	}
	_, err := db.User(ctx, replayInspector)
	createVet := errors.Is(err, store.ErrNotFound)
	if err != nil && !createVet {
		return err
	}
	if !setApproval && !createVet {
		return nil
	}
	return db.Update(ctx, actor(), func(tx *store.Tx) error {
		if setApproval {
			if err := tx.SetSetting(store.SettingPlantApproval, r.approval); err != nil {
				return err
			}
		}
		if createVet {
			return tx.CreateUser(store.User{ID: replayInspector, Name: replayVetName, Role: store.RoleVet, Active: true})
		}
		return nil
	})
}

// signOff has replayInspector sign off the replayed batch. The signing
// time is just after the day's last reading. A refusal lists every
// blocker the station published.
func (r *replayer) signOff(seal *sealRequest) (line.SealedDocument, error) {
	r.clock.set(r.scaleAt)
	r.signOffRefusals = nil
	doc, err := r.st.SignOff(r.ctx, replayInspector, seal.certificate, seal.pin)
	r.drain()
	var refusal *line.RefusalError
	if errors.As(err, &refusal) {
		refusals := r.signOffRefusals
		if len(refusals) == 0 {
			refusals = []line.Refusal{refusal.Refusal}
		}
		return doc, &refusalsError{key: "seal.refused", data: map[string]string{"batch": r.st.Snapshot().Batch.String()},
			refusals: refusals}
	}
	return doc, err
}

// refusalsError reports refusals of the station under a heading, each in
// Chinese and English. It exits 1.
type refusalsError struct {
	key      string
	data     map[string]string
	refusals []line.Refusal
}

func (e *refusalsError) Error() string {
	parts := []string{line.Translate(line.LangEN, e.key, e.data)}
	for _, r := range e.refusals {
		parts = append(parts, r.Text(line.LangEN))
	}
	return strings.Join(parts, " ")
}
