package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"lambtrace/store"
)

// TestVerifyDetectsEdits changes the database file with the sqlite3
// command-line tool, as someone covering up a weight would, and checks
// that Verify names what changed.
func TestVerifyDetectsEdits(t *testing.T) {
	tests := []struct {
		name   string
		script string
		table  string
		key    string
		seq    int64
	}{
		{"Weight", "UPDATE animals SET live_weight_g = live_weight_g + 5000 WHERE ear_tag = '315250200357041';",
			"animals", "ear_tag=315250200357041", 0},
		{"Treatment", "UPDATE treatments SET given_on = '2026-01-01' WHERE rowid = (SELECT min(rowid) FROM treatments);",
			"treatments", "", 0},
		{"DeletedRow", "DELETE FROM vaccinations WHERE ear_tag = '315250200357043' AND n = 2;",
			"vaccinations", "ear_tag=315250200357043,n=2", 0},
		{"InsertedRow", "INSERT INTO byproducts (key, name_zh, journal_seq) VALUES ('skin', '羊皮', 1);",
			"byproducts", "key=skin", 0},
		{"JournalPayload", "DROP TRIGGER journal_no_update; UPDATE journal SET payload = replace(payload, '40089', '45089') WHERE payload LIKE '%40089%';",
			"", "", -1},
		{"JournalRemoved", "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE seq = 5;",
			"", "", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, dir := mustOpen(t, store.Options{})
			mustImportSample(t, db)
			if _, err := db.Verify(ctx); err != nil {
				t.Fatalf("before the edit: %v", err)
			}
			db.Close()

			sqlite3(t, filepath.Join(dir, store.FileName), tt.script)

			db, err := store.Open(ctx, dir, store.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.Verify(ctx)
			var ve *store.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify after the edit = %v, want a VerifyError", err)
			}
			if ve.Table != tt.table || (tt.key != "" && ve.Key != tt.key) {
				t.Errorf("VerifyError = %v, want table %q key %q", ve, tt.table, tt.key)
			}
			if tt.seq > 0 && ve.Seq != tt.seq {
				t.Errorf("VerifyError = %v, want entry %d", ve, tt.seq)
			}
			if tt.seq < 0 && ve.Seq == 0 {
				t.Errorf("VerifyError = %v, want a journal entry", ve)
			}
		})
	}
}

func TestJournalIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustImportSample(t, db)
	out, err := runSQLite(db.Path(), "UPDATE journal SET actor = 'x' WHERE seq = 1;")
	if err == nil || !strings.Contains(out, "append-only") {
		t.Errorf("journal update through sqlite3: %v, %s", err, out)
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

func TestOpenNewerVersion(t *testing.T) {
	ctx := context.Background()
	db, dir := mustOpen(t, store.Options{})
	db.Close()
	sqlite3(t, filepath.Join(dir, store.FileName), "PRAGMA user_version = 99;")
	_, err := store.Open(ctx, dir, store.Options{Logger: quiet})
	var oe *store.OpenError
	if !errors.Is(err, store.ErrNewerVersion) || !errors.As(err, &oe) || !strings.Contains(oe.Hint(), "newer version") {
		t.Errorf("Open = %v, want ErrNewerVersion with a hint", err)
	}
}

func TestOpenDamagedFiles(t *testing.T) {
	ctx := context.Background()
	t.Run("Garbage", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, store.FileName), []byte(strings.Repeat("not a database\n", 400)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(ctx, dir, store.Options{Logger: quiet})
		var oe *store.OpenError
		if !errors.As(err, &oe) || !strings.Contains(oe.Hint(), "not an intact lambtrace database") {
			t.Errorf("Open = %v, want a damaged-file hint", err)
		}
	})
	t.Run("Truncated", func(t *testing.T) {
		db, dir := mustOpen(t, store.Options{})
		mustImportSample(t, db)
		db.Close()
		path := filepath.Join(dir, store.FileName)
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, info.Size()/3); err != nil {
			t.Fatal(err)
		}
		db, err = store.Open(ctx, dir, store.Options{Logger: quiet})
		if err == nil {
			// SQLite may open a truncated file; reading it must then fail.
			_, err = db.Verify(ctx)
			db.Close()
		}
		if err == nil {
			t.Error("a truncated database opened and verified")
		}
	})
}

func TestOpenUnwritableDirectory(t *testing.T) {
	// /proc does not allow new directories, even for root.
	_, err := store.Open(context.Background(), "/proc/lambtrace-test/data", store.Options{Logger: quiet})
	var oe *store.OpenError
	if !errors.As(err, &oe) || oe.Path != "/proc/lambtrace-test/data" {
		t.Errorf("Open = %v, want an OpenError naming the directory", err)
	}
}

func TestSM3Journal(t *testing.T) {
	ctx := context.Background()
	db, dir := mustOpen(t, store.Options{Hash: store.SM3})
	mustImportSample(t, db)
	if _, err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// The algorithm is fixed when the database is made.
	db, err := store.Open(ctx, dir, store.Options{Hash: store.SHA256, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Hash() != store.SM3 {
		t.Errorf("Hash() = %s after reopening, want sm3", db.Hash())
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

// TestOpenMigratesOlderDatabase makes a database at schema version 1 with
// the sqlite3 tool, as an older station program left it, and checks that
// Open brings it to the current version with its data and journal intact.
func TestOpenMigratesOlderDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, store.FileName)
	schema, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	sqlite3(t, path, "PRAGMA journal_mode = WAL;")
	sqlite3(t, path, "BEGIN;\n"+string(schema)+"\nPRAGMA user_version = 1;\nINSERT INTO meta (key, value) VALUES ('journal_hash', 'sha256');\nCOMMIT;")

	db, err := store.Open(ctx, dir, store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := sqlite3(t, path, "PRAGMA user_version;"); got != strconv.Itoa(store.SchemaVersion()) {
		t.Errorf("user_version after Open = %s, want %d", got, store.SchemaVersion())
	}
	mustImportSample(t, db)
	if _, err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}
