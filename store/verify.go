package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// VerifyCode classifies a verification failure.
type VerifyCode string

// Verification failures.
const (
	VerifyEntryMissing   VerifyCode = "entry_missing"   // a sequence number is skipped; Other is the next one present
	VerifyPrevHash       VerifyCode = "prev_hash"       // the entry does not chain to the one before it
	VerifyHash           VerifyCode = "hash"            // the entry's hash does not match its contents
	VerifyPayload        VerifyCode = "payload"         // a row entry does not name its table, operation and row
	VerifyRowUnjournaled VerifyCode = "row_unjournaled" // a row has no journal entry
	VerifyRowDeleted     VerifyCode = "row_deleted"     // a row deleted by entry Other is present
	VerifyRowStale       VerifyCode = "row_stale"       // a row names entry Other, not its latest entry Seq
	VerifyRowDiffers     VerifyCode = "row_differs"     // a row differs from its image in entry Other
	VerifyRowMissing     VerifyCode = "row_missing"     // a row written by entry Other is missing
)

var verifyText = map[VerifyCode]string{
	VerifyEntryMissing:   "entry missing; the next entry is %d",
	VerifyPrevHash:       "previous hash does not match the entry before it",
	VerifyHash:           "hash does not match the entry's contents",
	VerifyPayload:        "row entry payload does not name its table, operation and row",
	VerifyRowUnjournaled: "row has no journal entry",
	VerifyRowDeleted:     "row was deleted by entry %d but is present",
	VerifyRowStale:       "row names entry %d, not its latest entry",
	VerifyRowDiffers:     "row differs from its image in entry %d",
	VerifyRowMissing:     "row written by entry %d is missing",
}

// VerifyError names the first journal entry or table row that does not
// match the chain.
type VerifyError struct {
	Code  VerifyCode
	Seq   int64  // journal entry of an entry problem
	Table string // table of a row problem
	Key   string // key of the row, such as "ear_tag=315250200357041"
	Other int64  // the related entry, as the code describes
}

// Reason describes the failure in English.
func (e *VerifyError) Reason() string {
	text := verifyText[e.Code]
	if strings.Contains(text, "%d") {
		return fmt.Sprintf(text, e.Other)
	}
	return text
}

func (e *VerifyError) Error() string {
	if e.Table != "" {
		return fmt.Sprintf("journal verify: table %s, row %s: %s", e.Table, e.Key, e.Reason())
	}
	return fmt.Sprintf("journal verify: entry %d: %s", e.Seq, e.Reason())
}

// VerifyReport summarises a successful verification.
type VerifyReport struct {
	Entries  int64
	Rows     int64
	HeadSeq  int64
	HeadHash string
	Hash     HashAlgorithm
}

// rowState is the latest journaled image of one row.
type rowState struct {
	seq     int64
	deleted bool
	digest  [32]byte // SHA-256 of the canonical row image
}

// Verify walks the journal from the first entry, recomputing every hash
// and checking the chain, then checks that every row of every journaled
// table is exactly the image its latest journal entry recorded, and that
// no journaled row is missing. It returns a *VerifyError for the first
// mismatch. It reads one snapshot, so writes may go on meanwhile.
func (db *DB) Verify(ctx context.Context) (VerifyReport, error) {
	report := VerifyReport{Hash: db.hash}
	conn, err := db.reader.Conn(ctx)
	if err != nil {
		return report, err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return report, err
	}
	defer tx.Rollback()

	latest := make(map[string]map[string]rowState)
	for t := range tables {
		latest[t] = make(map[string]rowState)
	}
	rows, err := tx.QueryContext(ctx, "SELECT seq, at, actor, station, type, payload, prev_hash, hash FROM journal ORDER BY seq")
	if err != nil {
		return report, err
	}
	prev := genesisHash
	var expected int64 = 1
	for rows.Next() {
		var seq int64
		var at, actor, station, typ, payload, prevHash, stored string
		if err := rows.Scan(&seq, &at, &actor, &station, &typ, &payload, &prevHash, &stored); err != nil {
			rows.Close()
			return report, err
		}
		if seq != expected {
			rows.Close()
			return report, &VerifyError{Code: VerifyEntryMissing, Seq: expected, Other: seq}
		}
		if prevHash != prev {
			rows.Close()
			return report, &VerifyError{Code: VerifyPrevHash, Seq: seq}
		}
		h, err := entryHash(db.hash, seq, at, actor, station, typ, []byte(payload), prevHash)
		if err != nil {
			rows.Close()
			return report, err
		}
		if h != stored {
			rows.Close()
			return report, &VerifyError{Code: VerifyHash, Seq: seq}
		}
		if err := trackRow(latest, seq, typ, payload); err != nil {
			rows.Close()
			return report, err
		}
		prev, expected = h, seq+1
		report.Entries++
	}
	if err := rows.Close(); err != nil {
		return report, err
	}
	report.HeadSeq, report.HeadHash = expected-1, prev

	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, table := range names {
		n, err := verifyTable(ctx, tx, table, latest[table])
		if err != nil {
			return report, err
		}
		report.Rows += n
	}
	return report, nil
}

// trackRow records the row image of a row entry.
func trackRow(latest map[string]map[string]rowState, seq int64, typ, payload string) error {
	table, op, ok := strings.Cut(typ, ".")
	if !ok || latest[table] == nil || (op != opPut && op != opDelete) {
		return nil
	}
	var change struct {
		Table string          `json:"table"`
		Op    string          `json:"op"`
		Row   json.RawMessage `json:"row"`
	}
	if err := json.Unmarshal([]byte(payload), &change); err != nil || change.Table != table || change.Op != op {
		return &VerifyError{Code: VerifyPayload, Seq: seq}
	}
	dec := json.NewDecoder(bytes.NewReader(change.Row))
	dec.UseNumber()
	var row Row
	if err := dec.Decode(&row); err != nil || row == nil {
		return &VerifyError{Code: VerifyPayload, Seq: seq}
	}
	key := keyString(table, jsonKey(row))
	latest[table][key] = rowState{seq: seq, deleted: op == opDelete, digest: sha256.Sum256(change.Row)}
	return nil
}

// jsonKey converts the JSON numbers of a decoded row to int64, so keys
// format the same way as those read from the table.
func jsonKey(r Row) Row {
	for k, v := range r {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				r[k] = i
			}
		}
	}
	return r
}

// verifyTable compares every row of a table with its latest journal image.
func verifyTable(ctx context.Context, tx *sql.Tx, table string, latest map[string]rowState) (int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return 0, fmt.Errorf("journal verify: read table %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool, len(latest))
	var n int64
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		row := make(Row, len(cols))
		var seq int64
		for i, c := range cols {
			v := values[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if c == "journal_seq" {
				seq, _ = v.(int64)
				continue
			}
			row[c] = v
		}
		key := keyString(table, row)
		seen[key] = true
		state, ok := latest[key]
		switch {
		case !ok:
			return n, &VerifyError{Code: VerifyRowUnjournaled, Table: table, Key: key}
		case state.deleted:
			return n, &VerifyError{Code: VerifyRowDeleted, Table: table, Key: key, Other: state.seq}
		case state.seq != seq:
			return n, &VerifyError{Code: VerifyRowStale, Table: table, Key: key, Seq: state.seq, Other: seq}
		}
		image, err := Canonical(row)
		if err != nil {
			return n, err
		}
		if sha256.Sum256(image) != state.digest {
			return n, &VerifyError{Code: VerifyRowDiffers, Table: table, Key: key, Other: state.seq}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	missing := make([]string, 0)
	for key, state := range latest {
		if !state.deleted && !seen[key] {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return n, &VerifyError{Code: VerifyRowMissing, Table: table, Key: missing[0], Other: latest[missing[0]].seq}
	}
	return n, nil
}
