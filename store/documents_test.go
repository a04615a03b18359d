package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

const batch = "20261204-L1-1"

// signedDoc is a document whose bytes canonical JSON would change. It has
// keys out of order, CRLF and tabs between tokens, and a number with a
// trailing zero. Its strings contain an escaped character, an ideographic
// space and a no-break space, and it ends with a newline.
var signedDoc = []byte("{\"payload\" : \"eyJiYXRjaCI6IjIwMjYxMjA0LUwxLTEifQ\",\r\n\t\"signatures\":[ {\"protected\":\"e30\", \"signature\":\"c2ln\"} ],\r\n" +
	"  \"备注\":\"锡林郭勒\u3000草原羊\u00a0肉 \\u00e9\", \"净重\" : 12.50 }\n")

// clock is a settable time source for Options.Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var cst = time.FixedZone("CST", 8*3600)

func TestSealByteExact(t *testing.T) {
	ctx := context.Background()
	c := &clock{now: time.Date(2026, 12, 4, 18, 5, 0, 0, cst)}
	db, _ := mustOpen(t, store.Options{Now: c.Now})
	mustCreateStaff(t, db)
	headSeq, headHash, err := db.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(doc.Body, signedDoc) {
		t.Errorf("stored body differs:\n got %q\nwant %q", doc.Body, signedDoc)
	}
	sum := sha256.Sum256(signedDoc)
	if doc.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %s, want %x", doc.SHA256, sum)
	}
	if doc.JournalSeq != headSeq || doc.JournalHash != headHash {
		t.Errorf("journal head at seal = %d %s, want %d %s", doc.JournalSeq, doc.JournalHash, headSeq, headHash)
	}
	if doc.Format != "batch+jws" || doc.SealedBy != "vet1" || !doc.SealedAt.Equal(c.now) {
		t.Errorf("document = %+v", doc)
	}

	entry, err := db.Outbox(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if entry.State != store.OutboxPending || entry.Attempts != 0 || entry.SHA256 != doc.SHA256 ||
		!entry.NextAttemptAt.Equal(c.now) || !entry.SealedAt.Equal(c.now) {
		t.Errorf("outbox entry = %+v", entry)
	}
	mustVerify(t, db)
}

func TestSealTwice(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		t.Fatal(err)
	}
	seq, _, _ := db.Head(ctx)

	if err := db.Seal(ctx, "vet1", batch, "batch+jws", bytes.Clone(signedDoc)); err != nil {
		t.Errorf("sealing the same body again = %v, want nil", err)
	}
	if after, _, _ := db.Head(ctx); after != seq {
		t.Errorf("journal head moved from %d to %d on a repeated seal", seq, after)
	}

	changed := bytes.Replace(signedDoc, []byte("12.50"), []byte("12.5"), 1)
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", changed); !errors.Is(err, store.ErrAlreadySealed) {
		t.Errorf("sealing a different body = %v, want ErrAlreadySealed", err)
	}
	if err := db.Seal(ctx, "vet1", batch, "batch+jws/2", signedDoc); !errors.Is(err, store.ErrAlreadySealed) {
		t.Errorf("sealing with another format = %v, want ErrAlreadySealed", err)
	}
	if doc, _ := db.Document(ctx, batch); !bytes.Equal(doc.Body, signedDoc) {
		t.Error("a rejected seal changed the stored body")
	}
	mustVerify(t, db)
}

func TestSealInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	tests := []struct {
		name   string
		batch  string
		format string
		body   []byte
	}{
		{"BatchSyntax", "2026-12-04-L1-1", "batch+jws", signedDoc},
		{"BatchLineZero", "20261204-L0-1", "batch+jws", signedDoc},
		{"BatchLeadingZero", "20261204-L01-1", "batch+jws", signedDoc},
		{"BatchShiftZero", "20261204-L1-0", "batch+jws", signedDoc},
		{"EmptyFormat", batch, "", signedDoc},
		{"UpperCaseFormat", batch, "JWS", signedDoc},
		{"NotJSON", batch, "batch+jws", []byte("eyJhbGciOiJFZERTQSJ9.e30.c2ln")},
		{"TrailingGarbage", batch, "batch+jws", []byte(`{"a":1} x`)},
		{"NotUTF8", batch, "batch+jws", []byte("{\"a\":\"\xff\"}")},
		{"Empty", batch, "batch+jws", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.Seal(ctx, "vet1", tt.batch, tt.format, tt.body); err == nil {
				t.Errorf("Seal(%q, %q, %q) succeeded", tt.batch, tt.format, tt.body)
			}
		})
	}
	if _, err := db.Document(ctx, batch); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Document after rejected seals = %v, want ErrNotFound", err)
	}
	mustVerify(t, db)
}

func TestOutboxAttempts(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 4, 18, 5, 0, 0, cst)
	c := &clock{now: t0}
	db, _ := mustOpen(t, store.Options{Now: c.Now})
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		t.Fatal(err)
	}
	mustDue := func(now time.Time, want ...string) {
		t.Helper()
		due, err := db.NextDue(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range due {
			got = append(got, e.BatchID)
		}
		if len(got) != len(want) || len(want) > 0 && got[0] != want[0] {
			t.Errorf("NextDue(%s) = %v, want %v", now.Format(time.RFC3339), got, want)
		}
	}
	mustDue(t0.Add(-time.Second))
	mustDue(t0, batch)

	// Attempt 1: no response.
	if n, err := db.BeginAttempt(ctx, batch); n != 1 || err != nil {
		t.Fatalf("BeginAttempt = %d, %v, want 1", n, err)
	}
	c.now = t0.Add(10 * time.Second)
	if err := db.RecordAttempt(ctx, batch, 0, errors.New("dial tcp: i/o timeout"), t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	mustDue(t0.Add(59 * time.Second))
	// The same instant written in UTC is due.
	mustDue(t0.Add(time.Minute).UTC(), batch)

	// Attempt 2: the platform is down.
	c.now = t0.Add(time.Minute)
	if n, err := db.BeginAttempt(ctx, batch); n != 2 || err != nil {
		t.Fatalf("BeginAttempt = %d, %v, want 2", n, err)
	}
	if err := db.RecordAttempt(ctx, batch, 503, nil, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	entry, _ := db.Outbox(ctx, batch)
	if entry.State != store.OutboxPending || entry.Attempts != 2 || entry.LastError != "HTTP status 503" ||
		!entry.NextAttemptAt.Equal(t0.Add(3*time.Minute)) {
		t.Errorf("entry after attempt 2 = %+v", entry)
	}

	// Attempt 3 delivers.
	c.now = t0.Add(3 * time.Minute)
	if n, err := db.BeginAttempt(ctx, batch); n != 3 || err != nil {
		t.Fatalf("BeginAttempt = %d, %v, want 3", n, err)
	}
	receipt := []byte("{\"receipt\":\"已接收\", \"sha256\":\"ab\"}\n")
	if err := db.MarkDelivered(ctx, batch, 201, receipt); err != nil {
		t.Fatal(err)
	}
	entry, _ = db.Outbox(ctx, batch)
	if entry.State != store.OutboxDelivered || entry.Receipt != string(receipt) || !entry.DeliveredAt.Equal(c.now) ||
		entry.LastError != "" || entry.Attempts != 3 {
		t.Errorf("delivered entry = %+v", entry)
	}
	mustDue(t0.Add(time.Hour))

	attempts, err := db.OutboxAttempts(ctx, batch)
	if err != nil || len(attempts) != 3 {
		t.Fatalf("OutboxAttempts = %+v, %v", attempts, err)
	}
	want := []store.OutboxAttempt{
		{BatchID: batch, N: 1, At: t0, HTTPStatus: 0, Error: "dial tcp: i/o timeout"},
		{BatchID: batch, N: 2, At: t0.Add(time.Minute), HTTPStatus: 503},
		{BatchID: batch, N: 3, At: t0.Add(3 * time.Minute), HTTPStatus: 201},
	}
	for i, a := range attempts {
		if a.N != want[i].N || !a.At.Equal(want[i].At) || a.HTTPStatus != want[i].HTTPStatus || a.Error != want[i].Error {
			t.Errorf("attempt %d = %+v, want %+v", i+1, a, want[i])
		}
	}
	mustVerify(t, db)
}

func TestOutboxTransitions(t *testing.T) {
	ctx := context.Background()
	next := time.Date(2026, 12, 5, 0, 0, 0, 0, cst)
	ops := map[string]func(db *store.DB) error{
		"Begin": func(db *store.DB) error { _, err := db.BeginAttempt(ctx, batch); return err },
		"Record": func(db *store.DB) error {
			return db.RecordAttempt(ctx, batch, 502, nil, next)
		},
		"Deliver": func(db *store.DB) error { return db.MarkDelivered(ctx, batch, 200, []byte("ok")) },
		"Reject":  func(db *store.DB) error { return db.MarkRejected(ctx, batch, 422, "mass balance fails") },
	}
	// paths reach each state from pending.
	paths := map[store.OutboxState][]string{
		store.OutboxPending:   nil,
		store.OutboxSending:   {"Begin"},
		store.OutboxDelivered: {"Begin", "Deliver"},
		store.OutboxRejected:  {"Begin", "Reject"},
	}
	legal := map[store.OutboxState]map[string]store.OutboxState{
		store.OutboxPending: {"Begin": store.OutboxSending},
		store.OutboxSending: {"Begin": store.OutboxSending, "Record": store.OutboxPending,
			"Deliver": store.OutboxDelivered, "Reject": store.OutboxRejected},
	}
	for from, path := range paths {
		for name, op := range ops {
			t.Run(string(from)+name, func(t *testing.T) {
				db, _ := mustOpen(t, store.Options{})
				if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
					t.Fatal(err)
				}
				for _, step := range path {
					if err := ops[step](db); err != nil {
						t.Fatalf("%s: %v", step, err)
					}
				}
				err := op(db)
				entry, _ := db.Outbox(ctx, batch)
				if to, ok := legal[from][name]; ok {
					if err != nil || entry.State != to {
						t.Errorf("%s from %s = %v, state %s, want %s", name, from, err, entry.State, to)
					}
					mustVerify(t, db)
					return
				}
				var te *line.TransitionError
				if !errors.As(err, &te) || te.ID != batch || te.From != string(from) {
					t.Errorf("%s from %s = %v, want a TransitionError", name, from, err)
				}
				if entry.State != from {
					t.Errorf("state after a rejected %s = %s, want %s", name, entry.State, from)
				}
			})
		}
	}
}

func TestOutboxInterrupted(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginAttempt(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// The station stops here; after a restart the entry is still due.
	due, err := db.NextDue(ctx, time.Now().Add(-time.Hour))
	if err != nil || len(due) != 1 || due[0].State != store.OutboxSending {
		t.Fatalf("NextDue after an interrupted attempt = %+v, %v", due, err)
	}
	if n, err := db.BeginAttempt(ctx, batch); n != 2 || err != nil {
		t.Fatalf("BeginAttempt after an interrupted attempt = %d, %v, want 2", n, err)
	}
	attempts, _ := db.OutboxAttempts(ctx, batch)
	if len(attempts) != 2 || attempts[0].Error == "" || attempts[1].Error != "" {
		t.Errorf("attempts = %+v, want the first marked interrupted and the second open", attempts)
	}
	mustVerify(t, db)
}

func TestOutboxInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginAttempt(ctx, batch); err != nil {
		t.Fatal(err)
	}
	next := time.Now().Add(time.Minute)
	checks := map[string]error{
		"SuccessAsFailure": db.RecordAttempt(ctx, batch, 200, nil, next),
		"NoStatusNoError":  db.RecordAttempt(ctx, batch, 0, nil, next),
		"NoNextAttempt":    db.RecordAttempt(ctx, batch, 503, nil, time.Time{}),
		"StatusRange":      db.RecordAttempt(ctx, batch, 700, nil, next),
		"DeliveredAs500":   db.MarkDelivered(ctx, batch, 500, []byte("ok")),
		"EmptyReceipt":     db.MarkDelivered(ctx, batch, 200, nil),
		"ReceiptNotUTF8":   db.MarkDelivered(ctx, batch, 200, []byte{0xff}),
		"RejectNoReason":   db.MarkRejected(ctx, batch, 422, " "),
	}
	for name, err := range checks {
		if err == nil {
			t.Errorf("%s: succeeded", name)
		}
	}
	if _, err := db.BeginAttempt(ctx, "20261204-L2-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("BeginAttempt of an unsealed batch = %v, want ErrNotFound", err)
	}
	if entry, _ := db.Outbox(ctx, batch); entry.State != store.OutboxSending || entry.Attempts != 1 {
		t.Errorf("entry after rejected calls = %+v", entry)
	}
	mustVerify(t, db)
}

func TestNextDueOrder(t *testing.T) {
	ctx := context.Background()
	c := &clock{}
	db, _ := mustOpen(t, store.Options{Now: c.Now})
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

	due, err := db.NextDue(ctx, time.Date(2026, 12, 4, 2, 0, 0, 0, cst))
	if err != nil || len(due) != 3 {
		t.Fatalf("NextDue = %+v, %v", due, err)
	}
	for i, s := range seals {
		if due[i].BatchID != s.batch {
			t.Errorf("due[%d] = %s, want %s", i, due[i].BatchID, s.batch)
		}
	}

	// At 00:45 CST only the first two are due.
	if due, _ := db.NextDue(ctx, time.Date(2026, 12, 3, 16, 45, 0, 0, time.UTC)); len(due) != 2 {
		t.Errorf("NextDue at 00:45 CST = %d entries, want 2", len(due))
	}
	mustVerify(t, db)
}
