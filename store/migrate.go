package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
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

	// rejournal lists the journaled tables whose rows the migration
	// changes, from "-- rejournal: TABLE, ..." lines of the file. Their
	// rows no longer match the images the journal holds, so they are
	// journaled again after the migration (see rejournalRows).
	rejournal []string
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
		m := migration{version: version, name: base, sql: string(body)}
		for _, line := range strings.Split(m.sql, "\n") {
			if list, ok := strings.CutPrefix(line, "-- rejournal:"); ok {
				for _, table := range strings.Split(list, ",") {
					table = strings.TrimSpace(table)
					if _, journaled := tables[table]; !journaled {
						return nil, fmt.Errorf("migration %s: rejournal names %q, which is not a journaled table", base, table)
					}
					m.rejournal = append(m.rejournal, table)
				}
			}
		}
		out = append(out, m)
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
		if err := markRejournal(ctx, tx, m.rejournal); err != nil {
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

// markRejournal records, in the migration's own transaction, the tables
// whose rows must be journaled again, so that a crash between the
// migration and rejournalRows cannot lose the task. An empty table, as in
// a new database, needs nothing.
func markRejournal(ctx context.Context, tx *sql.Tx, tables []string) error {
	for _, table := range tables {
		var rows bool
		// The table name was checked against the journaled tables.
		if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+")").Scan(&rows); err != nil {
			return fmt.Errorf("count rows of %s: %w", table, err)
		}
		if !rows {
			continue
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('rejournal', ?)
			ON CONFLICT (key) DO UPDATE SET value = value || ',' || excluded.value`, table)
		if err != nil {
			return fmt.Errorf("mark %s for rejournaling: %w", table, err)
		}
	}
	return nil
}

// rejournalRows journals again, in one transaction, every row of the
// tables a migration changed: a column added with a default is in the row
// but not in the image journaled before, and journal verify would report
// the row as edited. The entry "schema.rejournaled" records the reason.
func (db *DB) rejournalRows(ctx context.Context) error {
	var list string
	err := db.writer.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'rejournal'").Scan(&list)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	var names []string
	for _, table := range strings.Split(list, ",") {
		if _, ok := tables[table]; ok && !slices.Contains(names, table) {
			names = append(names, table)
		}
	}
	counts := make(map[string]int, len(names))
	err = db.Update(ctx, System, func(tx *Tx) error {
		for _, table := range names {
			rows, err := tableRows(tx, table)
			if err != nil {
				return err
			}
			for _, row := range rows {
				if err := tx.Put(table, row); err != nil {
					return err
				}
			}
			counts[table] = len(rows)
		}
		if _, err := tx.tx.ExecContext(tx.ctx, "DELETE FROM meta WHERE key = 'rejournal'"); err != nil {
			return err
		}
		_, err := tx.Append("schema.rejournaled", map[string]any{"version": SchemaVersion(), "rows": counts})
		return err
	})
	if err != nil {
		return fmt.Errorf("journal rows changed by a migration: %w", err)
	}
	db.log.Info("rows journaled again after migration", "rows", counts)
	return nil
}

// tableRows reads every row of a journaled table as Put takes it.
func tableRows(tx *Tx, table string) ([]Row, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT * FROM "+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	var out []Row
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make(Row, len(cols))
		for i, c := range cols {
			if c == "journal_seq" {
				continue
			}
			v := values[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[c] = v
		}
		out = append(out, row)
	}
	return out, rows.Err()
}
