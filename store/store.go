package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// FileName is the name of the database file in the data directory.
const FileName = "lambtrace.db"

// busyTimeout is how long SQLite retries a lock before it reports the
// database busy. With one writer connection only a WAL checkpoint can
// make a connection wait, and that takes milliseconds.
const busyTimeout = 10 * time.Second

// Options configures Open. The zero value is usable.
type Options struct {
	// Station names this station in every journal entry. Empty means
	// "station".
	Station string
	// Hash is the journal's hash algorithm for a new database, SHA256 when
	// empty. An existing database keeps the algorithm it was created with.
	Hash HashAlgorithm
	// Now returns the current time for journal entries; time.Now when nil.
	Now func() time.Time
	// Logger receives the store's log lines; slog.Default() when nil.
	Logger *slog.Logger
	// Readers is the size of the read connection pool, 4 when zero.
	Readers int
}

// DB is an open station database.
type DB struct {
	path    string
	writer  *sql.DB // exactly one connection; every write goes through it
	reader  *sql.DB // read-only connections
	station string
	hash    HashAlgorithm
	now     func() time.Time
	log     *slog.Logger

	group committer // queues updates and commits them in groups

	// Statements every write transaction runs, prepared once.
	selectHead  *sql.Stmt
	insertEntry *sql.Stmt
}

// Open opens or creates the database in dir, migrating an older schema to
// the current one. It refuses a database written by a newer version of
// the program and reports a damaged or unreadable file with its path.
func Open(ctx context.Context, dir string, opts Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, &OpenError{Path: dir, Err: err}
	}
	path := filepath.Join(dir, FileName)
	db := &DB{
		group:   newCommitter(),
		path:    path,
		station: opts.Station,
		now:     opts.Now,
		log:     opts.Logger,
	}
	if db.station == "" {
		db.station = "station"
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.Default()
	}
	db.log = db.log.With("db", path)

	writer, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	db.writer = writer

	if err := db.prepare(ctx, opts.Hash); err != nil {
		writer.Close()
		return nil, err
	}

	if db.selectHead, err = writer.PrepareContext(ctx, selectHeadSQL); err == nil {
		db.insertEntry, err = writer.PrepareContext(ctx, insertEntrySQL)
	}
	if err != nil {
		writer.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	if err := db.rejournalRows(ctx); err != nil {
		writer.Close()
		return nil, &OpenError{Path: path, Err: err}
	}

	reader, err := sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, &OpenError{Path: path, Err: err}
	}
	readers := opts.Readers
	if readers <= 0 {
		readers = 4
	}
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	db.reader = reader

	db.log.Info("database open", "hash", db.hash, "station", db.station)
	return db, nil
}

// dsn builds the connection string. Every connection uses WAL with full
// synchronisation, enforces foreign keys and waits on a lock rather than
// failing at once. The writer begins transactions with BEGIN IMMEDIATE so
// that it takes the write lock before it reads; readers are query-only.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	if readOnly {
		q.Set("_query_only", "on")
		q.Set("_txlock", "deferred")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// prepare checks the file, migrates the schema and loads the journal's
// hash algorithm.
func (db *DB) prepare(ctx context.Context, hash HashAlgorithm) error {
	var check string
	if err := db.writer.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return &OpenError{Path: db.path, Err: err}
	}
	if check != "ok" {
		return &OpenError{Path: db.path, Err: fmt.Errorf("%w: %s", ErrCorrupt, check)}
	}
	var mode string
	if err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return &OpenError{Path: db.path, Err: err}
	}
	if !strings.EqualFold(mode, "wal") {
		return &OpenError{Path: db.path, Err: fmt.Errorf("journal mode is %s, not WAL", mode)}
	}
	if err := db.migrate(ctx); err != nil {
		return err
	}
	algo, err := db.loadHash(ctx, hash)
	if err != nil {
		return err
	}
	db.hash = algo
	return nil
}

// Close closes both connection pools.
func (db *DB) Close() error {
	err := errors.Join(db.reader.Close(), db.writer.Close())
	db.log.Info("database closed")
	return err
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Hash returns the journal's hash algorithm.
func (db *DB) Hash() HashAlgorithm { return db.hash }

// ErrCorrupt reports a database file that SQLite cannot read as a database.
var ErrCorrupt = errors.New("database file is damaged")

// ErrNewerVersion reports a database written by a newer program.
var ErrNewerVersion = errors.New("database was written by a newer version of lambtrace")

// OpenError reports a database that cannot be opened, with its path and a
// hint at the cause.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	msg := fmt.Sprintf("open database %s: %v", e.Path, e.Err)
	if hint := e.Hint(); hint != "" {
		msg += " (" + hint + ")"
	}
	return msg
}

func (e *OpenError) Unwrap() error { return e.Err }

// Causes of an OpenError that a person can act on.
const (
	CauseNewer      = "newer"      // written by a newer program
	CausePermission = "permission" // the directory or file is not writable
	CauseDamaged    = "damaged"    // not an intact database
	CauseFull       = "full"       // the disk is full
)

var causeHints = map[string]string{
	CauseNewer:      "install the newer version of lambtrace, or open a copy of an older database",
	CausePermission: "check that the data directory exists and is writable by this user",
	CauseDamaged:    "the file is not an intact lambtrace database; restore it from a backup",
	CauseFull:       "the disk is full",
}

// Cause classifies the error as one of the Cause constants, or returns ""
// when it is none of them.
func (e *OpenError) Cause() string {
	var se sqlite3.Error
	switch {
	case errors.Is(e.Err, ErrNewerVersion):
		return CauseNewer
	case errors.Is(e.Err, os.ErrPermission), errors.Is(e.Err, syscall.EROFS),
		errors.As(e.Err, &se) && (se.Code == sqlite3.ErrCantOpen || se.Code == sqlite3.ErrReadonly || se.Code == sqlite3.ErrPerm):
		return CausePermission
	case errors.Is(e.Err, ErrCorrupt), errors.As(e.Err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt):
		return CauseDamaged
	case errors.Is(e.Err, syscall.ENOSPC), errors.As(e.Err, &se) && se.Code == sqlite3.ErrFull:
		return CauseFull
	}
	return ""
}

// Hint returns what to do about the cause, in English.
func (e *OpenError) Hint() string { return causeHints[e.Cause()] }
