package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// HashAlgorithm names the hash function that chains the journal.
type HashAlgorithm string

// Supported hash algorithms.
const (
	SHA256 HashAlgorithm = "sha256"
	SM3    HashAlgorithm = "sm3" // GB/T 32905, for platforms that require Chinese algorithms
)

func (a HashAlgorithm) newHash() (hash.Hash, error) {
	switch a {
	case SHA256:
		return sha256.New(), nil
	case SM3:
		return sm3.New(), nil
	}
	return nil, fmt.Errorf("unknown journal hash algorithm %q", string(a))
}

// genesisHash is the previous hash of the first entry.
var genesisHash = string(bytes.Repeat([]byte("0"), 64))

// Entry is one journal entry.
type Entry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Station  string
	Type     string
	Payload  json.RawMessage // canonical JSON
	PrevHash string          // hex
	Hash     string          // hex
}

// entryHash computes the hash of an entry: each field, length-prefixed
// with a 64-bit big-endian byte count, so no two different entries have
// the same input. The time is hashed as stored, in RFC 3339 with its zone.
func entryHash(algo HashAlgorithm, seq int64, at, actor, station, typ string, payload []byte, prev string) (string, error) {
	h, err := algo.newHash()
	if err != nil {
		return "", err
	}
	for _, field := range [][]byte{[]byte(strconv.FormatInt(seq, 10)), []byte(at), []byte(actor),
		[]byte(station), []byte(typ), payload, []byte(prev)} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Canonical returns the canonical JSON form of v: object keys sorted, no
// insignificant white space, numbers as written, HTML characters not
// escaped. The same value always gives the same bytes.
func Canonical(v any) ([]byte, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return marshal(generic)
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// loadHash returns the algorithm recorded in a database, recording want
// (or SHA256) in a new one.
func (db *DB) loadHash(ctx context.Context, want HashAlgorithm) (HashAlgorithm, error) {
	var stored string
	err := db.writer.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'journal_hash'").Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		if want == "" {
			want = SHA256
		}
		if _, err := want.newHash(); err != nil {
			return "", err
		}
		if _, err := db.writer.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES ('journal_hash', ?)", string(want)); err != nil {
			return "", &OpenError{Path: db.path, Err: err}
		}
		return want, nil
	}
	if err != nil {
		return "", &OpenError{Path: db.path, Err: err}
	}
	algo := HashAlgorithm(stored)
	if _, err := algo.newHash(); err != nil {
		return "", &OpenError{Path: db.path, Err: err}
	}
	if want != "" && want != algo {
		db.log.Warn("journal hash algorithm is fixed at creation; keeping the stored one", "stored", algo, "requested", want)
	}
	return algo, nil
}

// Head returns the last journal entry's sequence number and hash, or 0 and
// the genesis hash for an empty journal. A sealed batch carries it.
func (db *DB) Head(ctx context.Context) (int64, string, error) {
	stmt, err := db.reader.PrepareContext(ctx, selectHeadSQL)
	if err != nil {
		return 0, "", err
	}
	defer stmt.Close()
	return head(ctx, stmt)
}

const selectHeadSQL = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1"

const insertEntrySQL = "INSERT INTO journal (seq, at, actor, station, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"

func head(ctx context.Context, stmt *sql.Stmt) (int64, string, error) {
	var seq int64
	var h string
	err := stmt.QueryRowContext(ctx).Scan(&seq, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesisHash, nil
	}
	return seq, h, err
}

// Actor is who caused a change: a user id, or "system" for the station.
type Actor string

// System is the actor of changes the station makes by itself.
const System Actor = "system"

// Tx is a write transaction. Every change made through it is journaled in
// the same transaction.
type Tx struct {
	db     *DB
	tx     *sql.Tx
	ctx    context.Context
	actor  Actor
	at     string // one time for every entry of the transaction
	seq    int64
	hash   string
	insert *sql.Stmt // the journal insert, bound to this transaction
}

// Update runs fn in an immediate write transaction and commits it when fn
// returns nil. All entries that fn appends carry the same time. The record
// is on disk when Update returns nil. Updates that arrive while another is
// committing share the next transaction and its fsync (see commitGroup), each
// in a savepoint of its own, so the failure of one leaves the others intact.
func (db *DB) Update(ctx context.Context, actor Actor, fn func(tx *Tx) error) error {
	if actor == "" {
		return errors.New("store: update without an actor")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.group.run(db, &update{ctx: ctx, actor: actor, fn: fn, done: make(chan error, 1)})
}

// Append adds an entry with a canonical JSON payload made from payload and
// returns its sequence number.
func (tx *Tx) Append(typ string, payload any) (int64, error) {
	if typ == "" {
		return 0, errors.New("journal entry without a type")
	}
	body, err := Canonical(payload)
	if err != nil {
		return 0, fmt.Errorf("journal %s: encode payload: %w", typ, err)
	}
	seq := tx.seq + 1
	h, err := entryHash(tx.db.hash, seq, tx.at, string(tx.actor), tx.db.station, typ, body, tx.hash)
	if err != nil {
		return 0, err
	}
	if tx.insert == nil {
		tx.insert = tx.tx.StmtContext(tx.ctx, tx.db.insertEntry)
	}
	_, err = tx.insert.ExecContext(tx.ctx, seq, tx.at, string(tx.actor), tx.db.station, typ, string(body), tx.hash, h)
	if err != nil {
		return 0, fmt.Errorf("journal %s: %w", typ, err)
	}
	tx.seq, tx.hash = seq, h
	return seq, nil
}

// Head returns the journal head within this transaction.
func (tx *Tx) Head() (int64, string) { return tx.seq, tx.hash }

// Entries returns the journal entries with sequence numbers from first to
// last inclusive, in order.
func (db *DB) Entries(ctx context.Context, first, last int64) ([]Entry, error) {
	rows, err := db.reader.QueryContext(ctx,
		"SELECT seq, at, actor, station, type, payload, prev_hash, hash FROM journal WHERE seq BETWEEN ? AND ? ORDER BY seq",
		first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at, payload string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Station, &e.Type, &payload, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At, err = time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return nil, fmt.Errorf("journal entry %d: time %q: %w", e.Seq, at, err)
		}
		e.Payload = json.RawMessage(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}
