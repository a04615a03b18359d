package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func openGroupDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir(), Options{Station: "S01"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queueGroup holds the leader token while the updates queue, calls queued,
// then lets them go, so that they commit as one group. It returns each
// update's error in the order of fns.
func queueGroup(t *testing.T, db *DB, ctxs []context.Context, fns []func(tx *Tx) error, queued func()) []error {
	t.Helper()
	db.group.leader <- struct{}{}
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { errs[i] = db.Update(ctxs[i], System, fn) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.group.mu.Lock()
		n := len(db.group.pending)
		db.group.mu.Unlock()
		if n == len(fns) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d updates queued", n, len(fns))
		}
		time.Sleep(time.Millisecond)
	}
	queued()
	<-db.group.leader
	wg.Wait()
	return errs
}

func setting(key, value string) func(tx *Tx) error {
	return func(tx *Tx) error {
		if err := tx.SetSetting(key, value); err != nil {
			return err
		}
		_, err := tx.Append("test.set", map[string]string{"key": key})
		return err
	}
}

func TestGroupFailureKeepsOthers(t *testing.T) {
	db := openGroupDB(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	errBad := errors.New("bad weighing")

	fns := []func(tx *Tx) error{
		setting("a", "1"),
		func(tx *Tx) error {
			if err := setting("b", "2")(tx); err != nil {
				return err
			}
			return errBad
		},
		setting("c", "3"),
		func(tx *Tx) error {
			if err := setting("d", "4")(tx); err != nil {
				return err
			}
			var m map[string]int
			m["boom"]++ // a nil map write panics
			return nil
		},
		setting("e", "5"),
	}
	ctxs := []context.Context{ctx, ctx, ctx, ctx, cancelled}
	errs := queueGroup(t, db, ctxs, fns, cancel)

	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("good updates failed: %v, %v", errs[0], errs[2])
	}
	if !errors.Is(errs[1], errBad) {
		t.Errorf("failing update: got %v, want %v", errs[1], errBad)
	}
	if errs[3] == nil {
		t.Error("panicking update returned nil")
	}
	if !errors.Is(errs[4], context.Canceled) {
		t.Errorf("cancelled update: got %v", errs[4])
	}

	for key, want := range map[string]bool{"a": true, "b": false, "c": true, "d": false, "e": false} {
		_, ok, err := db.Setting(key)
		if err != nil {
			t.Fatal(err)
		}
		if ok != want {
			t.Errorf("setting %s stored = %v, want %v", key, ok, want)
		}
	}
	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if report.HeadSeq != report.Entries {
		t.Errorf("head %d after %d entries", report.HeadSeq, report.Entries)
	}

	// The writer is free again for a plain update.
	if err := db.Update(ctx, System, setting("f", "6")); err != nil {
		t.Fatal(err)
	}
}

func TestGroupCommitUnderLoad(t *testing.T) {
	db := openGroupDB(t)
	ctx := context.Background()
	const writers, each = 8, 60
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				fn := setting(key, "x")
				if i%5 == 4 {
					fn = func(tx *Tx) error {
						if err := setting(key, "x")(tx); err != nil {
							return err
						}
						return errors.New("refused")
					}
				}
				err := db.Update(ctx, System, fn)
				if (err != nil) != (i%5 == 4) {
					errs <- fmt.Errorf("%s: %v", key, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for w := range writers {
		for i := range each {
			key := fmt.Sprintf("w%d-%d", w, i)
			_, ok, err := db.Setting(key)
			if err != nil {
				t.Fatal(err)
			}
			if ok == (i%5 == 4) {
				t.Errorf("setting %s stored = %v", key, ok)
			}
		}
	}
	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Only the successful updates appended entries; open and the schema
	// account for the rest.
	if got, want := report.Entries, int64(writers*each*4/5); got < want {
		t.Errorf("%d journal entries, want at least %d", got, want)
	}
}
