package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

var _ = journaled("users", "id")

// Role is a user's set of permissions at the station.
type Role string

// User roles.
const (
	RoleOperator Role = "operator" // runs the line
	RoleQuality  Role = "quality"  // quality staff: decisions, reprints, voids
	RoleVet      Role = "vet"      // the resident veterinarian, who signs batches
	RoleAdmin    Role = "admin"    // manages users and settings
)

func (r Role) valid() bool {
	switch r {
	case RoleOperator, RoleQuality, RoleVet, RoleAdmin:
		return true
	}
	return false
}

// User is a person who signs in at the station. The PIN hash is not part
// of it: only SetPIN writes the hash and only CheckPIN reads it.
type User struct {
	ID     string // 1 to 32 of a-z, 0-9, '.', '_' and '-'; never "system"
	Name   string // display name, 1 to 64 characters
	Role   Role
	Active bool // a deactivated user cannot sign in or authorise anything
}

// Errors of the user functions. Callers test them with errors.Is.
var (
	ErrInvalidPIN   = errors.New("a PIN must be 4 to 8 digits")
	ErrWrongPIN     = errors.New("wrong PIN")
	ErrNoPIN        = errors.New("user has no PIN")
	ErrUserInactive = errors.New("user is deactivated")
	ErrLastAdmin    = errors.New("the station needs at least one active admin")
)

// PermissionError reports an action that the acting user may not take.
type PermissionError struct {
	Action  string // such as "reprint label 010000004806"
	Actor   Actor
	Role    Role // empty when Actor is not an active user
	Allowed []Role
}

func (e *PermissionError) Error() string {
	allowed := make([]string, len(e.Allowed))
	for i, r := range e.Allowed {
		allowed[i] = string(r)
	}
	status := fmt.Sprintf("%s is not an active user", e.Actor)
	if e.Role != "" {
		status = fmt.Sprintf("user %s has role %s", e.Actor, e.Role)
	}
	return fmt.Sprintf("%s: %s; only %s may", e.Action, status, strings.Join(allowed, " or "))
}

// requireRole returns a *PermissionError unless the actor is an active
// user with one of the allowed roles. It reads within the transaction, so
// a role change committed before it counts.
func (tx *Tx) requireRole(action string, allowed ...Role) error {
	u, err := loadUser(tx.ctx, tx.tx, string(tx.actor))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	denied := &PermissionError{Action: action, Actor: tx.actor, Allowed: allowed}
	if err != nil || !u.Active {
		return denied
	}
	if !slices.Contains(allowed, u.Role) {
		denied.Role = u.Role
		return denied
	}
	return nil
}

func validateUser(u User) error {
	if len(u.ID) < 1 || len(u.ID) > 32 || !lowerToken(u.ID, "._-") || u.ID == string(System) {
		return fmt.Errorf("invalid user id %q: use 1 to 32 of a-z, 0-9, '.', '_' and '-', and not %q", u.ID, System)
	}
	if n := len([]rune(strings.TrimSpace(u.Name))); n < 1 || n > 64 {
		return fmt.Errorf("user %s: name must have 1 to 64 characters, got %d", u.ID, n)
	}
	if !u.Role.valid() {
		return fmt.Errorf("user %s: invalid role %q: use operator, quality, vet or admin", u.ID, u.Role)
	}
	return nil
}

// CreateUser adds a user without a PIN; set one with SetPIN. It returns an
// error if the id is taken.
func (tx *Tx) CreateUser(u User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	if _, err := loadUser(tx.ctx, tx.tx, u.ID); err == nil {
		return fmt.Errorf("create user %s: the id is taken", u.ID)
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	return tx.putUser(u, nil)
}

// UpdateUser changes the name, role and active flag of an existing user
// and keeps the PIN. It returns ErrLastAdmin if the change would leave no
// active admin, and ErrNotFound for an unknown id.
func (tx *Tx) UpdateUser(u User) error {
	if err := validateUser(u); err != nil {
		return err
	}
	row, err := loadRow(tx.ctx, tx.tx, "users", Row{"id": u.ID})
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.ID, err)
	}
	wasAdmin := Role(row.text("role")) == RoleAdmin && row.integer("active") == 1
	if wasAdmin && (u.Role != RoleAdmin || !u.Active) {
		var admins int
		err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM users WHERE role = 'admin' AND active = 1").Scan(&admins)
		if err != nil {
			return err
		}
		if admins <= 1 {
			return fmt.Errorf("update user %s: %w", u.ID, ErrLastAdmin)
		}
	}
	return tx.putUser(u, row["pin_hash"])
}

// putUser writes the whole row, because Verify compares every column
// with the journaled image. The image holds the PIN hash, so the journal
// exposes it exactly as much as the users table does.
func (tx *Tx) putUser(u User, pinHash any) error {
	return tx.Put("users", Row{"id": u.ID, "name": strings.TrimSpace(u.Name), "role": string(u.Role),
		"pin_hash": pinHash, "active": u.Active})
}

// SetPIN replaces a user's PIN. The hash is computed before the write
// transaction starts, so the tens of milliseconds it takes do not hold up
// other writers.
func (db *DB) SetPIN(ctx context.Context, actor Actor, id, pin string) error {
	if !validPIN(pin) {
		return fmt.Errorf("set PIN of user %s: %w", id, ErrInvalidPIN)
	}
	hash, err := hashPIN(pin, pinParams)
	if err != nil {
		return fmt.Errorf("set PIN of user %s: %w", id, err)
	}
	return db.Update(ctx, actor, func(tx *Tx) error {
		row, err := loadRow(ctx, tx.tx, "users", Row{"id": id})
		if err != nil {
			return fmt.Errorf("set PIN of user %s: %w", id, err)
		}
		row["pin_hash"] = hash
		return tx.Put("users", row)
	})
}

// CheckPIN returns the user if pin matches the stored hash and the user
// is active. It returns ErrWrongPIN for a wrong PIN, ErrUserInactive for
// the right PIN of a deactivated user, ErrNoPIN for a user without one and
// ErrNotFound for an unknown id. Every case costs one Argon2id run, so the
// time taken does not tell them apart.
//
// CheckPIN does not limit attempts, and a 4-digit PIN falls to at most
// 10,000 guesses, so the caller locks a user out after a few failures. It
// keeps the count with SaveLockout, so that a restart does not clear it.
func (db *DB) CheckPIN(ctx context.Context, id, pin string) (User, error) {
	var u User
	var stored sql.NullString
	err := db.reader.QueryRowContext(ctx, "SELECT id, name, role, active, pin_hash FROM users WHERE id = ?", id).
		Scan(&u.ID, &u.Name, &u.Role, &u.Active, &stored)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return User{}, err
	}
	if err != nil || !stored.Valid || !validPIN(pin) {
		// Spend the time of a real check before reporting.
		_, _ = hashPIN("00000000", pinParams)
		switch {
		case err != nil:
			return User{}, fmt.Errorf("user %s: %w", id, ErrNotFound)
		case !stored.Valid:
			return User{}, fmt.Errorf("user %s: %w", id, ErrNoPIN)
		}
		return User{}, fmt.Errorf("user %s: %w", id, ErrWrongPIN)
	}
	ok, err := verifyPIN(pin, stored.String)
	if err != nil {
		return User{}, fmt.Errorf("user %s: stored PIN hash: %w", id, err)
	}
	if !ok {
		return User{}, fmt.Errorf("user %s: %w", id, ErrWrongPIN)
	}
	if !u.Active {
		return User{}, fmt.Errorf("user %s: %w", id, ErrUserInactive)
	}
	return u, nil
}

// User returns one user, or ErrNotFound.
func (db *DB) User(ctx context.Context, id string) (User, error) {
	u, err := loadUser(ctx, db.reader, id)
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

// Users returns every user, active or not, ordered by id.
func (db *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := db.reader.QueryContext(ctx, "SELECT id, name, role, active FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Name, &u.Role, &u.Active); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func loadUser(ctx context.Context, q querier, id string) (User, error) {
	var u User
	err := q.QueryRowContext(ctx, "SELECT id, name, role, active FROM users WHERE id = ?", id).
		Scan(&u.ID, &u.Name, &u.Role, &u.Active)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	return u, err
}

// argon2Params are the Argon2id cost parameters (RFC 9106).
type argon2Params struct {
	memory  uint32 // KiB
	time    uint32 // passes over the memory
	threads uint8
	keyLen  uint32 // bytes
}

// pinParams are the parameters of new PIN hashes: 64 MiB, 2 passes and 2
// lanes, one per core of a 2-core kiosk. One check took 46 to 60 ms on a
// 2-core AMD EPYC virtual machine (BenchmarkCheckPIN, 8 runs); a slower
// kiosk CPU takes longer. CheckPIN reads the parameters from the stored
// hash, so changing them here affects only PINs set afterwards.
var pinParams = argon2Params{memory: 64 * 1024, time: 2, threads: 2, keyLen: 32}

// Limits on the parameters of a stored hash, so that an edited hash
// cannot make CheckPIN allocate gigabytes or run for minutes.
const (
	maxPINMemory  = 256 * 1024 // KiB
	maxPINTime    = 10
	maxPINThreads = 16
)

const pinSaltLen = 16

func validPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 8 {
		return false
	}
	for _, c := range []byte(pin) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// hashPIN hashes a PIN with a new random salt and returns it in the PHC
// string format: $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>, with salt
// and hash in unpadded standard base64.
func hashPIN(pin string, p argon2Params) (string, error) {
	salt := make([]byte, pinSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, p.keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPIN hashes pin with the salt and parameters of a PHC string and
// compares the result with its hash in constant time.
func verifyPIN(pin, phc string) (bool, error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, p.keyLen)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// parsePHC splits an Argon2id PHC string. Its errors never quote the
// string, which is a secret.
func parsePHC(phc string) (argon2Params, []byte, []byte, error) {
	var p argon2Params
	fields := strings.Split(phc, "$")
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" || fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errors.New("not an Argon2id version 19 PHC string")
	}
	for _, kv := range strings.Split(fields[3], ",") {
		name, value, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return p, nil, nil, fmt.Errorf("invalid parameter %q", name)
		}
		switch name {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			p.threads = uint8(min(n, 255))
		default:
			return p, nil, nil, fmt.Errorf("unknown parameter %q", name)
		}
	}
	if p.time < 1 || p.time > maxPINTime || p.threads < 1 || p.threads > maxPINThreads ||
		p.memory < 8*uint32(p.threads) || p.memory > maxPINMemory {
		return p, nil, nil, fmt.Errorf("parameters m=%d,t=%d,p=%d out of range", p.memory, p.time, p.threads)
	}
	salt, err := base64.RawStdEncoding.DecodeString(fields[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("invalid salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(fields[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("invalid hash")
	}
	p.keyLen = uint32(len(key))
	return p, salt, key, nil
}
