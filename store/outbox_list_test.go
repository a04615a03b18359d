package store_test

import (
	"context"
	"testing"
	"time"

	"lambtrace/store"
)

func TestOutboxEntriesAllStates(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	db, _ := mustOpen(t, store.Options{Now: c.Now})
	if entries, err := db.OutboxEntries(ctx); err != nil || len(entries) != 0 {
		t.Fatalf("OutboxEntries of an empty outbox = %+v, %v", entries, err)
	}

	// Sealed in this order, at times written with different offsets.
	seals := []struct {
		batch string
		at    time.Time
	}{
		{"20261203-L2-2", time.Date(2026, 12, 3, 23, 0, 0, 0, cst)},
		{"20261204-L1-1", time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC)}, // 00:30 CST
		{"20261202-L1-1", time.Date(2026, 12, 4, 1, 0, 0, 0, cst)},
	}
	for _, s := range seals {
		c.now = s.at
		if err := db.Seal(ctx, "vet1", s.batch, "batch+jws", signedDoc); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"20261203-L2-2", "20261204-L1-1"} {
		if _, err := db.BeginAttempt(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MarkDelivered(ctx, "20261203-L2-2", 201, []byte("receipt")); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkRejected(ctx, "20261204-L1-1", 422, "bad signature"); err != nil {
		t.Fatal(err)
	}

	entries, err := db.OutboxEntries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(seals) {
		t.Fatalf("OutboxEntries = %d entries, want %d", len(entries), len(seals))
	}
	want := []store.OutboxState{store.OutboxDelivered, store.OutboxRejected, store.OutboxPending}
	for i, s := range seals {
		if entries[i].BatchID != s.batch {
			t.Errorf("entries[%d] = %s, want %s", i, entries[i].BatchID, s.batch)
		}
		if entries[i].State != want[i] {
			t.Errorf("entries[%d].State = %s, want %s", i, entries[i].State, want[i])
		}
	}
	if entries[0].Receipt != "receipt" {
		t.Errorf("delivered entry's receipt = %q", entries[0].Receipt)
	}
	if entries[1].LastError != "bad signature" {
		t.Errorf("rejected entry's reason = %q", entries[1].LastError)
	}
}
