package store

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Row is the image of one row of a journaled table: column name to value.
// Values are strings, integers or nil; a bool is stored as 0 or 1. The
// journal_seq column is maintained by the store and is not part of a row.
type Row map[string]any

// tables lists the journaled tables and their primary key columns. Every
// journaled table has a journal_seq column naming the entry that last
// wrote the row. Each file that owns tables registers them with
// journaled, next to the code that writes them.
var tables = map[string][]string{}

// journaled registers a table and its primary key columns; it returns
// nothing of use and exists to be called in a package-level var.
func journaled(table string, keys ...string) struct{} {
	tables[table] = keys
	return struct{}{}
}

var _ = journaled("settings", "key")

var _ = journaled("counters", "name")

// Journaled row operations.
const (
	opPut    = "put"
	opDelete = "delete"
)

// rowChange is the payload of a row entry.
type rowChange struct {
	Table string `json:"table"`
	Op    string `json:"op"`
	Row   Row    `json:"row"` // the full row for put, the key columns for delete
}

// normalise converts the values of a row to the types SQLite returns and
// checks that every key column is present.
func normalise(table string, row Row) (Row, error) {
	keys, ok := tables[table]
	if !ok {
		return nil, fmt.Errorf("table %s is not journaled", table)
	}
	out := make(Row, len(row))
	for col, v := range row {
		if col == "journal_seq" || !validColumn(col) {
			return nil, fmt.Errorf("table %s: invalid column %q", table, col)
		}
		switch x := v.(type) {
		case nil, string, int64:
			out[col] = x
		case int:
			out[col] = int64(x)
		case bool:
			out[col] = int64(0)
			if x {
				out[col] = int64(1)
			}
		default:
			if n, ok := asInt64(v); ok {
				out[col] = n
				continue
			}
			return nil, fmt.Errorf("table %s, column %s: unsupported value type %T", table, col, v)
		}
	}
	for _, k := range keys {
		if out[k] == nil {
			return nil, fmt.Errorf("table %s: key column %s is missing", table, k)
		}
	}
	return out, nil
}

// asInt64 accepts named integer types such as line.Mass.
func asInt64(v any) (int64, bool) {
	type int64er interface{ Grams() int64 }
	if g, ok := v.(int64er); ok {
		return g.Grams(), true
	}
	return 0, false
}

func validColumn(col string) bool {
	if col == "" {
		return false
	}
	for _, c := range col {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Put inserts or replaces a row of a journaled table and journals its
// image in the same transaction.
func (tx *Tx) Put(table string, row Row) error {
	image, err := normalise(table, row)
	if err != nil {
		return err
	}
	seq, err := tx.Append(table+"."+opPut, rowChange{Table: table, Op: opPut, Row: image})
	if err != nil {
		return err
	}
	cols := sortedColumns(image)
	args := make([]any, 0, len(cols)+1)
	var updates []string
	for _, c := range cols {
		args = append(args, image[c])
		if !slices.Contains(tables[table], c) {
			updates = append(updates, c+" = excluded."+c)
		}
	}
	args = append(args, seq)
	updates = append(updates, "journal_seq = excluded.journal_seq")
	query := fmt.Sprintf("INSERT INTO %s (%s, journal_seq) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s",
		table, strings.Join(cols, ", "), placeholders(len(cols)+1), strings.Join(tables[table], ", "), strings.Join(updates, ", "))
	if _, err := tx.tx.ExecContext(tx.ctx, query, args...); err != nil {
		return fmt.Errorf("put %s %s: %w", table, keyString(table, image), err)
	}
	return nil
}

// Delete removes a row by its key columns and journals the removal.
func (tx *Tx) Delete(table string, key Row) error {
	image, err := normalise(table, key)
	if err != nil {
		return err
	}
	keyOnly := make(Row, len(tables[table]))
	var where []string
	var args []any
	for _, k := range tables[table] {
		keyOnly[k] = image[k]
		where = append(where, k+" = ?")
		args = append(args, image[k])
	}
	if _, err := tx.Append(table+"."+opDelete, rowChange{Table: table, Op: opDelete, Row: keyOnly}); err != nil {
		return err
	}
	query := fmt.Sprintf("DELETE FROM %s WHERE %s", table, strings.Join(where, " AND "))
	if _, err := tx.tx.ExecContext(tx.ctx, query, args...); err != nil {
		return fmt.Errorf("delete %s %s: %w", table, keyString(table, keyOnly), err)
	}
	return nil
}

// NextCounter increments the named counter and returns its new value,
// starting at 1. The increment commits with the transaction that uses the
// value, so a value is never handed out twice, even after a crash.
func (tx *Tx) NextCounter(name string) (int64, error) {
	var value int64
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT value FROM counters WHERE name = ?", name).Scan(&value)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read counter %s: %w", name, err)
	}
	value++
	if err := tx.Put("counters", Row{"name": name, "value": value}); err != nil {
		return 0, err
	}
	return value, nil
}

// Counter returns the last value handed out by a counter, 0 if none.
func (db *DB) Counter(name string) (int64, error) {
	var value int64
	err := db.reader.QueryRow("SELECT value FROM counters WHERE name = ?", name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return value, err
}

// SetSetting stores a setting.
func (tx *Tx) SetSetting(key, value string) error {
	return tx.Put("settings", Row{"key": key, "value": value})
}

// Setting returns a setting and whether it is set.
func (db *DB) Setting(key string) (string, bool, error) {
	var value string
	err := db.reader.QueryRow("SELECT value FROM settings WHERE key = ?", key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

func sortedColumns(r Row) []string {
	cols := make([]string, 0, len(r))
	for c := range r {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	return cols
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// keyString formats a row's key for messages: "ear_tag=315250200357041".
func keyString(table string, r Row) string {
	var parts []string
	for _, k := range tables[table] {
		parts = append(parts, fmt.Sprintf("%s=%v", k, r[k]))
	}
	return strings.Join(parts, ",")
}
