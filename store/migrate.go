package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered SQL files, applied in order and never edited
// once released: a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for i, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		number, _, _ := strings.Cut(base, "_")
		version, err := strconv.Atoi(number)
		if err != nil || version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %04d", base, i+1)
		}
		body, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: version, name: base, sql: string(body)})
	}
	return out, nil
}

// SchemaVersion returns the schema version this program writes.
func SchemaVersion() int {
	m, err := loadMigrations()
	if err != nil {
		return 0
	}
	return len(m)
}

// migrate brings the schema to the current version, one migration per
// transaction, recording the version in PRAGMA user_version.
func (db *DB) migrate(ctx context.Context) error {
	migrations, err := loadMigrations()
	if err != nil {
		return &OpenError{Path: db.path, Err: err}
	}
	var version int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return &OpenError{Path: db.path, Err: err}
	}
	if version > len(migrations) {
		return &OpenError{Path: db.path, Err: fmt.Errorf("%w: schema version %d, this program knows up to %d",
			ErrNewerVersion, version, len(migrations))}
	}
	for _, m := range migrations[version:] {
		tx, err := db.writer.BeginTx(ctx, nil)
		if err != nil {
			return &OpenError{Path: db.path, Err: err}
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return &OpenError{Path: db.path, Err: fmt.Errorf("migration %s: %w", m.name, err)}
		}
		// PRAGMA takes no parameters; the version is an integer we made.
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return &OpenError{Path: db.path, Err: err}
		}
		if err := tx.Commit(); err != nil {
			return &OpenError{Path: db.path, Err: fmt.Errorf("migration %s: %w", m.name, err)}
		}
		db.log.Info("schema migrated", "version", m.version, "migration", m.name)
	}
	return nil
}
