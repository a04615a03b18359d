package platform

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the sqlite3 driver
)

// DBFileName is the name of the platform's database in its data
// directory.
const DBFileName = "platform.db"

// schema is the platform's database. A received batch is never changed:
// its id numbers the receipt, and its packs and ear tags are indexed so
// that the next batch can be checked against them and a Digital Link
// resolves to its pack. A pack's view names its carcasses, whose animals'
// views are stored once per carcass because a carcass gives many packs.
const schema = `
CREATE TABLE IF NOT EXISTS batches (
    id          INTEGER PRIMARY KEY,
    plant       TEXT NOT NULL,
    batch_id    TEXT NOT NULL,
    sha256      TEXT NOT NULL UNIQUE,
    body        BLOB NOT NULL,
    received_at TEXT NOT NULL,
    receipt     BLOB NOT NULL,
    UNIQUE (plant, batch_id)
) STRICT;

CREATE TABLE IF NOT EXISTS packs (
    plant    TEXT NOT NULL,
    serial   TEXT NOT NULL,
    gtin     TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    batch    INTEGER NOT NULL REFERENCES batches (id),
    view     BLOB NOT NULL,
    PRIMARY KEY (plant, serial)
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS packs_by_link ON packs (gtin, batch_id, serial);

CREATE TABLE IF NOT EXISTS carcass_views (
    batch   INTEGER NOT NULL REFERENCES batches (id),
    carcass TEXT NOT NULL,
    view    BLOB NOT NULL,
    PRIMARY KEY (batch, carcass)
) STRICT;

CREATE TABLE IF NOT EXISTS ear_tags (
    ear_tag TEXT PRIMARY KEY,
    batch   INTEGER NOT NULL REFERENCES batches (id),
    carcass TEXT NOT NULL
) STRICT;
`

// db is the platform's SQLite database: one writer connection, whose
// transactions are immediate so that two uploads of one batch are
// serialized, and a pool of readers.
type db struct {
	writer *sql.DB
	reader *sql.DB
}

func openDB(ctx context.Context, dir string) (*db, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create the data directory: %w", err)
	}
	path := filepath.Join(dir, DBFileName)
	dsn := func(readOnly bool) string {
		q := url.Values{}
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_foreign_keys", "on")
		q.Set("_busy_timeout", "10000")
		if readOnly {
			q.Set("_query_only", "on")
			q.Set("_txlock", "deferred")
		} else {
			q.Set("_txlock", "immediate")
		}
		return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	}

	writer, err := sql.Open("sqlite3", dsn(false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	if _, err := writer.ExecContext(ctx, schema); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite3", dsn(true))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(4)
	return &db{writer: writer, reader: reader}, nil
}

func (d *db) Close() error {
	return errors.Join(d.reader.Close(), d.writer.Close())
}

// storedBatch is a received batch as stored.
type storedBatch struct {
	ID         int64
	Plant      string
	BatchID    string
	SHA256     string
	ReceivedAt time.Time
	Receipt    []byte
}

// receiptByDigest returns the receipt of the batch received with this
// document digest, or nil.
func (d *db) receiptByDigest(ctx context.Context, sha256 string) ([]byte, error) {
	var receipt []byte
	err := d.reader.QueryRowContext(ctx, "SELECT receipt FROM batches WHERE sha256 = ?", sha256).Scan(&receipt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return receipt, err
}

// packView returns the stored consumer view of the pack a Digital Link
// names, with its animals, or sql.ErrNoRows.
func (d *db) packView(ctx context.Context, gtin, batchID, serial string) (*PackView, error) {
	tx, err := d.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var batch int64
	var data []byte
	err = tx.QueryRowContext(ctx, "SELECT batch, view FROM packs WHERE gtin = ? AND batch_id = ? AND serial = ?",
		gtin, batchID, serial).Scan(&batch, &data)
	if err != nil {
		return nil, err
	}
	stored := &storedPack{}
	if err := json.Unmarshal(data, stored); err != nil {
		return nil, fmt.Errorf("stored view of pack %s: %w", serial, err)
	}

	view := &stored.PackView
	view.Animals = make([]AnimalView, 0, len(stored.Carcasses))
	for _, carcass := range stored.Carcasses {
		var animal []byte
		err := tx.QueryRowContext(ctx, "SELECT view FROM carcass_views WHERE batch = ? AND carcass = ?", batch, carcass).Scan(&animal)
		if err != nil {
			return nil, fmt.Errorf("stored view of carcass %s: %w", carcass, err)
		}
		var a AnimalView
		if err := json.Unmarshal(animal, &a); err != nil {
			return nil, fmt.Errorf("stored view of carcass %s: %w", carcass, err)
		}
		view.Animals = append(view.Animals, a)
	}
	return view, nil
}

// batchCount returns the number of batches received.
func (d *db) batchCount(ctx context.Context) (int64, error) {
	var n int64
	err := d.reader.QueryRowContext(ctx, "SELECT count(*) FROM batches").Scan(&n)
	return n, err
}
