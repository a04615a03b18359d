package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"lambtrace/store"
)

var benchPayload = map[string]any{"carcass": "20261204-0031", "ear_tag": "315250200357041", "grams": 18280, "stage": "chilled"}

// BenchmarkAppendDurable makes one update with one journal entry at a time,
// as a lone writer does for each weighing; every update waits for fsync.
func BenchmarkAppendDurable(b *testing.B) {
	ctx := context.Background()
	db, _ := mustOpen(b, store.Options{})
	for b.Loop() {
		err := db.Update(ctx, store.System, func(tx *store.Tx) error {
			_, err := tx.Append("bench.weighing", benchPayload)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkAppendDurableConcurrent makes the same single-entry updates
// from eight goroutines at once, as the readers, scales, printer and
// screens of a station do. Each update still returns only once it is on
// disk, and updates that meet at the writer share one commit.
func BenchmarkAppendDurableConcurrent(b *testing.B) {
	ctx := context.Background()
	db, _ := mustOpen(b, store.Options{})
	b.SetParallelism(8 / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := db.Update(ctx, store.System, func(tx *store.Tx) error {
				_, err := tx.Append("bench.weighing", benchPayload)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkRawSQLite commits one plain INSERT per transaction through the
// same driver and pragmas, without the store or its journal: the floor a
// lone writer of the store is compared with.
func BenchmarkRawSQLite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE events (seq INTEGER PRIMARY KEY, payload TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	payload, err := store.Canonical(benchPayload)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.Exec("INSERT INTO events (payload) VALUES (?)", string(payload)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}

// BenchmarkFsync measures the raw rate of durable 4 KiB writes on the disk
// that holds the test's temporary directory, in two ways: Append grows a
// file by one block per fsync, as a log does; InPlace rewrites blocks of a
// file that already has its size and its blocks, as SQLite does once its
// write-ahead log has wrapped. Durable commits are compared with both.
func BenchmarkFsync(b *testing.B) {
	block := make([]byte, 4096)
	b.Run("Append", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "fsync.bin"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		for b.Loop() {
			if _, err := f.Write(block); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fsyncs/s")
	})
	b.Run("InPlace", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "fsync.bin"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		const blocks = 256
		for i := range blocks {
			if _, err := f.WriteAt(block, int64(i*len(block))); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			if _, err := f.WriteAt(block, int64(i%blocks*len(block))); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fsyncs/s")
	})
}

// BenchmarkAppendGrouped commits 100 entries per transaction, as an import
// does.
func BenchmarkAppendGrouped(b *testing.B) {
	ctx := context.Background()
	db, _ := mustOpen(b, store.Options{})
	const group = 100
	for b.Loop() {
		err := db.Update(ctx, store.System, func(tx *store.Tx) error {
			for range group {
				if _, err := tx.Append("bench.weighing", benchPayload); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*group)/b.Elapsed().Seconds(), "entries/s")
}

var (
	millionOnce sync.Once
	millionDB   *store.DB
	millionErr  error
)

// BenchmarkVerifyMillion verifies a journal of one million entries. The
// journal is built once, in transactions of 10,000 entries.
func BenchmarkVerifyMillion(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a database of one million entries")
	}
	ctx := context.Background()
	millionOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lambtrace-verify-bench")
		if err != nil {
			millionErr = err
			return
		}
		millionDB, millionErr = store.Open(ctx, dir, store.Options{Logger: quiet})
		for i := 0; i < 100 && millionErr == nil; i++ {
			millionErr = millionDB.Update(ctx, store.System, func(tx *store.Tx) error {
				for range 10_000 {
					if _, err := tx.Append("bench.weighing", benchPayload); err != nil {
						return err
					}
				}
				return nil
			})
		}
	})
	if millionErr != nil {
		b.Fatal(millionErr)
	}
	for b.Loop() {
		report, err := millionDB.Verify(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if report.Entries != 1_000_000 {
			b.Fatalf("verified %d entries", report.Entries)
		}
	}
}
