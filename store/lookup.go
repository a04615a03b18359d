package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// querier is the part of *sql.Tx and *sql.DB that the loaders use.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadRow reads one row of a journaled table by its key, in the form Put
// takes, so that an update can change some columns and put the whole row
// back with the others exactly as stored. It returns ErrNotFound when no
// row has the key.
func loadRow(ctx context.Context, q querier, table string, key Row) (Row, error) {
	keys, ok := tables[table]
	if !ok {
		return nil, fmt.Errorf("table %s is not journaled", table)
	}

	where := make([]string, len(keys))
	args := make([]any, len(keys))
	for i, k := range keys {
		where[i] = k + " = ?"
		args[i] = key[k]
	}
	rows, err := q.QueryContext(ctx, "SELECT * FROM "+table+" WHERE "+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}

	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}

	row := make(Row, len(cols))
	for i, c := range cols {
		if c == "journal_seq" {
			continue
		}
		if b, ok := values[i].([]byte); ok {
			values[i] = string(b)
		}
		row[c] = values[i]
	}
	return row, rows.Err()
}

// text returns a TEXT column of a loaded row, "" for NULL.
func (r Row) text(col string) string {
	s, _ := r[col].(string)
	return s
}

// integer returns an INTEGER column of a loaded row, 0 for NULL.
func (r Row) integer(col string) int64 {
	n, _ := r[col].(int64)
	return n
}

// timestamp parses a time column of a loaded row; NULL gives the zero time.
func (r Row) timestamp(col string) (time.Time, error) {
	t, err := parseTime(r.text(col))
	if err != nil {
		return time.Time{}, fmt.Errorf("column %s: %w", col, err)
	}
	return t, nil
}

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// lowerToken reports whether s consists of a-z, 0-9 and the characters
// of extra only.
func lowerToken(s, extra string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}
