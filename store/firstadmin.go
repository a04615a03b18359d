package store

import (
	"context"
	"errors"
	"fmt"
)

// ErrAdminExists reports that the station has an active admin with a PIN
// already, so there is no first admin to create.
var ErrAdminExists = errors.New("the station has an admin already")

// HasAdmin reports whether an active admin with a PIN exists: someone
// who can sign in and manage the station.
func (db *DB) HasAdmin(ctx context.Context) (bool, error) {
	var n int
	err := db.reader.QueryRowContext(ctx,
		"SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND pin_hash IS NOT NULL").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("count admins: %w", err)
	}
	return n > 0, nil
}

// CreateFirstAdmin creates the station's first admin with a PIN in one
// transaction, so a crash leaves either no admin or an admin who can
// sign in. An admin with u's id that has no PIN yet, such as one created
// by hand, gets the name and the PIN. It returns ErrAdminExists when an
// active admin with a PIN exists, ErrInvalidPIN for a PIN that is not 4
// to 8 digits, and an error when the id belongs to a user of another
// role.
func (db *DB) CreateFirstAdmin(ctx context.Context, actor Actor, u User, pin string) error {
	u.Role, u.Active = RoleAdmin, true
	if err := validateUser(u); err != nil {
		return err
	}
	if !validPIN(pin) {
		return fmt.Errorf("create the first admin %s: %w", u.ID, ErrInvalidPIN)
	}
	// The hash takes tens of milliseconds, so it is made before the write
	// transaction starts, as SetPIN does.
	hash, err := hashPIN(pin, pinParams)
	if err != nil {
		return fmt.Errorf("create the first admin %s: %w", u.ID, err)
	}
	return db.Update(ctx, actor, func(tx *Tx) error {
		var admins int
		err := tx.tx.QueryRowContext(tx.ctx,
			"SELECT count(*) FROM users WHERE role = 'admin' AND active = 1 AND pin_hash IS NOT NULL").Scan(&admins)
		if err != nil {
			return err
		}
		if admins > 0 {
			return fmt.Errorf("create the first admin %s: %w", u.ID, ErrAdminExists)
		}
		existing, err := loadUser(tx.ctx, tx.tx, u.ID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		case existing.Role != RoleAdmin:
			return fmt.Errorf("create the first admin %s: the id is taken by a user with role %s: pick another id", u.ID, existing.Role)
		}
		return tx.putUser(u, hash)
	})
}
