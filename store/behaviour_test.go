package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
)

func openTemp(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), tb.TempDir(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func appendEvent(ctx context.Context, db *DB, payload any) error {
	return db.Update(ctx, System, func(tx *Tx) error {
		if _, err := tx.NextCounter("pack"); err != nil {
			return err
		}
		_, err := tx.Append("test.event", payload)
		return err
	})
}

// TestDiskFull fills the database to a page limit, as a full disk would,
// and checks that the failed write is reported and nothing earlier is
// lost or left inconsistent.
func TestDiskFull(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	for i := range 10 {
		if err := appendEvent(ctx, db, map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	var pages int64
	if err := db.writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("羊", 20000)
	var full error
	for i := 0; i < 50 && full == nil; i++ {
		full = appendEvent(ctx, db, map[string]string{"filler": big})
	}
	var se sqlite3.Error
	if !errors.As(full, &se) || se.Code != sqlite3.ErrFull {
		t.Fatalf("writes past the page limit: err = %v, want SQLITE_FULL", full)
	}
	if _, err := db.writer.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify after a full disk: %v", err)
	}
	n, _ := db.Counter("pack")
	if n != report.HeadSeq/2 || report.HeadSeq < 20 {
		t.Errorf("counter %d, head %d: committed writes lost or half-written", n, report.HeadSeq)
	}
	if err := appendEvent(ctx, db, map[string]int{"after": 1}); err != nil {
		t.Errorf("write after space came back: %v", err)
	}
}

// TestConcurrentWritersAndLongReader writes at line rate from several
// goroutines while a reader scans whole tables in long transactions.
// Neither side may see a busy or locked error.
func TestConcurrentWritersAndLongReader(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	const writers, perWriter = 4, 60
	var wg sync.WaitGroup
	var failures atomic.Int64
	var firstErr atomic.Value
	fail := func(err error) {
		failures.Add(1)
		firstErr.CompareAndSwap(nil, err)
	}

	stop := make(chan struct{})
	var scans atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			tx, err := db.reader.BeginTx(ctx, nil)
			if err != nil {
				fail(err)
				return
			}
			// A long read: scan the journal and hold the snapshot a while.
			rows, err := tx.QueryContext(ctx, "SELECT seq, payload FROM journal")
			if err != nil {
				fail(err)
				tx.Rollback()
				return
			}
			for rows.Next() {
			}
			rows.Close()
			time.Sleep(20 * time.Millisecond)
			if err := tx.Rollback(); err != nil {
				fail(err)
			}
			scans.Add(1)
		}
	}()

	var writersDone sync.WaitGroup
	for w := range writers {
		writersDone.Add(1)
		go func() {
			defer writersDone.Done()
			for i := range perWriter {
				if err := appendEvent(ctx, db, map[string]int{"writer": w, "i": i}); err != nil {
					fail(err)
				}
				time.Sleep(2 * time.Millisecond) // a scale or reader event every few ms
			}
		}()
	}
	writersDone.Wait()
	close(stop)
	wg.Wait()

	if n := failures.Load(); n > 0 {
		t.Fatalf("%d operations failed; first: %v", n, firstErr.Load())
	}
	if scans.Load() == 0 {
		t.Error("the reader never completed a scan")
	}
	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if report.HeadSeq != 2*writers*perWriter {
		t.Errorf("head %d, want %d entries", report.HeadSeq, 2*writers*perWriter)
	}
}

// TestJournaledTablesRegistered checks that the tables with a journal_seq
// column and the tables registered with journaled are the same, so that
// Verify checks every journaled table.
func TestJournaledTablesRegistered(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	rows, err := db.reader.QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'journal_seq' ORDER BY m.name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	inSchema := make(map[string]bool)
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		inSchema[name] = true
		if _, ok := tables[name]; !ok {
			t.Errorf("table %s has journal_seq but is not registered with journaled", name)
		}
	}
	for name := range tables {
		if !inSchema[name] {
			t.Errorf("registered table %s has no journal_seq column in the schema", name)
		}
	}
}
