package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var _ = journaled("pin_lockouts", "user_id")

// Account is a user as the admin's settings screen lists them: the user
// and whether a PIN is set, never the PIN's hash.
type Account struct {
	User
	HasPIN bool
}

// Accounts returns every user, active or not, ordered by id, with whether
// each has a PIN.
func (db *DB) Accounts(ctx context.Context) ([]Account, error) {
	rows, err := db.reader.QueryContext(ctx, "SELECT id, name, role, active, pin_hash IS NOT NULL FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Name, &a.Role, &a.Active, &a.HasPIN); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PINHash is a PIN hashed for storage by NewPINHash. Its zero value is
// not a hash.
type PINHash struct{ phc string }

// NewPINHash hashes a PIN with Argon2id, as SetPIN does. It takes tens of
// milliseconds, so a caller hashes before it starts a write transaction.
// It returns ErrInvalidPIN for a PIN that is not 4 to 8 digits.
func NewPINHash(pin string) (PINHash, error) {
	if !validPIN(pin) {
		return PINHash{}, ErrInvalidPIN
	}
	phc, err := hashPIN(pin, pinParams)
	if err != nil {
		return PINHash{}, err
	}
	return PINHash{phc: phc}, nil
}

// SetPINHash replaces a user's PIN with one hashed by NewPINHash, in the
// transaction, so that the caller can audit the change in the same one.
func (tx *Tx) SetPINHash(id string, h PINHash) error {
	if h.phc == "" {
		return fmt.Errorf("set PIN of user %s: no PIN hash", id)
	}
	row, err := loadRow(tx.ctx, tx.tx, "users", Row{"id": id})
	if err != nil {
		return fmt.Errorf("set PIN of user %s: %w", id, err)
	}
	row["pin_hash"] = h.phc
	return tx.Put("users", row)
}

// Lockout is a user's count of wrong PINs in a row and the end of the
// lock they caused, kept so that a restart of the kiosk does not clear
// them. The kiosk's lockout policy decides when to lock, and the store
// only keeps the state.
type Lockout struct {
	User        string
	Failures    int
	LockedUntil time.Time // zero when the failures have not locked the user
}

// Lockouts returns the state of every user with wrong PINs counted,
// ordered by user id.
func (db *DB) Lockouts(ctx context.Context) ([]Lockout, error) {
	rows, err := db.reader.QueryContext(ctx, "SELECT user_id, failures, coalesce(locked_until, '') FROM pin_lockouts ORDER BY user_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Lockout
	for rows.Next() {
		var l Lockout
		var until string
		if err := rows.Scan(&l.User, &l.Failures, &until); err != nil {
			return nil, err
		}
		if l.LockedUntil, err = parseTime(until); err != nil {
			return nil, fmt.Errorf("lockout of user %s: locked_until: %w", l.User, err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SaveLockout stores a user's lockout state under the system actor,
// because no user is signed in while PINs fail. A state without failures
// removes the user's row, and removing a row that does not exist writes
// nothing. It returns ErrNotFound for an unknown user.
func (db *DB) SaveLockout(ctx context.Context, l Lockout) error {
	if l.Failures < 0 {
		return fmt.Errorf("lockout of user %s: %d failures: the count cannot be negative", l.User, l.Failures)
	}
	if l.Failures == 0 && !l.LockedUntil.IsZero() {
		return fmt.Errorf("lockout of user %s: a lock needs failures", l.User)
	}
	return db.Update(ctx, System, func(tx *Tx) error {
		if _, err := loadUser(tx.ctx, tx.tx, l.User); err != nil {
			return fmt.Errorf("lockout of user %s: %w", l.User, err)
		}
		if l.Failures == 0 {
			_, err := loadRow(tx.ctx, tx.tx, "pin_lockouts", Row{"user_id": l.User})
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			return tx.Delete("pin_lockouts", Row{"user_id": l.User})
		}
		return tx.Put("pin_lockouts", Row{"user_id": l.User, "failures": l.Failures,
			"locked_until": nullable(formatTime(l.LockedUntil))})
	})
}
