package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"lambtrace/line"
)

var (
	_ = journaled("outbox", "batch_id")
	_ = journaled("outbox_attempts", "batch_id", "n")
)

// OutboxState is the upload progress of a sealed document.
type OutboxState string

// Outbox states. Seal queues a document as pending. BeginAttempt moves it
// to sending, and the attempt ends with RecordAttempt (pending again, for
// a retry), MarkDelivered or MarkRejected. Delivered and rejected are
// final.
const (
	OutboxPending   OutboxState = "pending"
	OutboxSending   OutboxState = "sending"
	OutboxDelivered OutboxState = "delivered"
	OutboxRejected  OutboxState = "rejected"
)

// outboxTransitions lists the states each state may move to. Sending may
// go to sending when an attempt cut short by a crash is followed by a
// new one.
var outboxTransitions = map[OutboxState][]OutboxState{
	OutboxPending: {OutboxSending},
	OutboxSending: {OutboxSending, OutboxPending, OutboxDelivered, OutboxRejected},
}

// errInterrupted is the error recorded for an attempt that never ended.
const errInterrupted = "interrupted before its result was recorded"

// OutboxEntry is the upload state of one sealed document.
type OutboxEntry struct {
	BatchID       string
	SHA256        string // of the document
	State         OutboxState
	Attempts      int // attempts begun
	NextAttemptAt time.Time
	LastError     string    // of the last failed attempt; empty once delivered
	DeliveredAt   time.Time // zero until delivered
	Receipt       string    // the platform's receipt, once delivered
	SealedAt      time.Time
}

// OutboxAttempt is one upload attempt.
type OutboxAttempt struct {
	BatchID    string
	N          int       // 1 for the first attempt
	At         time.Time // when it began
	HTTPStatus int       // 0 when no response arrived or the attempt has not ended
	Error      string
}

// NextDue returns the entries to upload now, oldest sealed first. These
// are the pending entries whose next attempt is due at or before now, and
// the entries left in sending by an attempt that never ended, such as one
// cut short by a power cut.
//
// A station runs one upload worker, which calls NextDue only between
// attempts. A second worker would also see the entry the first is
// sending, and upload it twice.
func (db *DB) NextDue(ctx context.Context, now time.Time) ([]OutboxEntry, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT batch_id FROM outbox WHERE state IN ('pending', 'sending') ORDER BY batch_id")
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}

	// The stored times may carry different zone offsets, so they are
	// compared as times, not as text.
	var due []OutboxEntry
	for _, id := range ids {
		e, err := loadOutboxEntry(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		if e.State == OutboxSending || !e.NextAttemptAt.After(now) {
			due = append(due, e)
		}
	}
	slices.SortStableFunc(due, func(a, b OutboxEntry) int { return a.SealedAt.Compare(b.SealedAt) })
	return due, nil
}

// BeginAttempt records the start of an upload attempt and returns its
// number, 1 for the first. The entry goes from pending to sending. An
// entry already in sending had an attempt that never ended: that attempt
// is recorded as interrupted and a new one begins. Other states return a
// *line.TransitionError. BeginAttempt does not check that the entry is
// due.
func (db *DB) BeginAttempt(ctx context.Context, batchID string) (int, error) {
	var n int64
	err := db.Update(ctx, System, func(tx *Tx) error {
		entry, err := tx.moveOutbox(batchID, OutboxSending)
		if err != nil {
			return err
		}
		if OutboxState(entry.text("state")) == OutboxSending {
			if err := tx.endAttempt(batchID, entry.integer("attempts"), 0, errInterrupted); err != nil {
				return err
			}
		}
		n = entry.integer("attempts") + 1
		err = tx.Put("outbox_attempts", Row{"batch_id": batchID, "n": n, "at": tx.at, "http_status": nil, "error": nil})
		if err != nil {
			return err
		}
		entry["attempts"] = n
		entry["state"] = string(OutboxSending)
		return tx.Put("outbox", entry)
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

// RecordAttempt ends the current attempt as failed and makes the entry
// pending again, due at nextAttemptAt. status is the HTTP status, or 0 if
// no response arrived, and attemptErr describes the failure. A 2xx status
// without an error is a delivery, so it is rejected here: use
// MarkDelivered. The backoff that sets nextAttemptAt is the caller's.
func (db *DB) RecordAttempt(ctx context.Context, batchID string, status int, attemptErr error, nextAttemptAt time.Time) error {
	if err := checkStatus(status); err != nil {
		return fmt.Errorf("record upload attempt of batch %s: %w", batchID, err)
	}
	failure := ""
	if attemptErr != nil {
		failure = strings.TrimSpace(attemptErr.Error())
	}
	if failure == "" && (status == 0 || status/100 == 2) {
		return fmt.Errorf("record upload attempt of batch %s: status %d and no error is not a failure; use MarkDelivered for a delivery", batchID, status)
	}
	if nextAttemptAt.IsZero() {
		return fmt.Errorf("record upload attempt of batch %s: the next attempt time is missing", batchID)
	}
	lastError := failure
	if lastError == "" {
		lastError = fmt.Sprintf("HTTP status %d", status)
	}
	return db.Update(ctx, System, func(tx *Tx) error {
		entry, err := tx.moveOutbox(batchID, OutboxPending)
		if err != nil {
			return err
		}
		if err := tx.endAttempt(batchID, entry.integer("attempts"), status, failure); err != nil {
			return err
		}
		entry["state"] = string(OutboxPending)
		entry["next_attempt_at"] = formatTime(nextAttemptAt)
		entry["last_error"] = lastError
		return tx.Put("outbox", entry)
	})
}

// MarkDelivered ends the current attempt as the delivery of the document,
// with the HTTP status (2xx) and the platform's receipt, which must be
// non-empty UTF-8 text and is stored byte for byte.
func (db *DB) MarkDelivered(ctx context.Context, batchID string, status int, receipt []byte) error {
	if status/100 != 2 {
		return fmt.Errorf("mark batch %s delivered: HTTP status %d is not a success (2xx)", batchID, status)
	}
	if len(receipt) == 0 || !utf8.Valid(receipt) {
		return fmt.Errorf("mark batch %s delivered: the receipt is empty or not valid UTF-8", batchID)
	}
	return db.Update(ctx, System, func(tx *Tx) error {
		entry, err := tx.moveOutbox(batchID, OutboxDelivered)
		if err != nil {
			return err
		}
		if err := tx.endAttempt(batchID, entry.integer("attempts"), status, ""); err != nil {
			return err
		}
		entry["state"] = string(OutboxDelivered)
		entry["delivered_at"] = tx.at
		entry["receipt"] = string(receipt)
		entry["last_error"] = nil
		return tx.Put("outbox", entry)
	})
}

// MarkRejected ends the current attempt with the platform's refusal of
// the document. The entry is never attempted again. status is the HTTP
// status, or 0 if there is none; reason must not be blank.
func (db *DB) MarkRejected(ctx context.Context, batchID string, status int, reason string) error {
	if err := checkStatus(status); err != nil {
		return fmt.Errorf("mark batch %s rejected: %w", batchID, err)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return fmt.Errorf("mark batch %s rejected: %w", batchID, ErrReasonRequired)
	}
	return db.Update(ctx, System, func(tx *Tx) error {
		entry, err := tx.moveOutbox(batchID, OutboxRejected)
		if err != nil {
			return err
		}
		if err := tx.endAttempt(batchID, entry.integer("attempts"), status, reason); err != nil {
			return err
		}
		entry["state"] = string(OutboxRejected)
		entry["last_error"] = reason
		return tx.Put("outbox", entry)
	})
}

// Outbox returns the upload state of one sealed document, or ErrNotFound.
func (db *DB) Outbox(ctx context.Context, batchID string) (OutboxEntry, error) {
	return loadOutboxEntry(ctx, db.reader, batchID)
}

// OutboxAttempts returns the upload attempts of a document, first first.
func (db *DB) OutboxAttempts(ctx context.Context, batchID string) ([]OutboxAttempt, error) {
	rows, err := db.reader.QueryContext(ctx,
		"SELECT n, at, http_status, error FROM outbox_attempts WHERE batch_id = ? ORDER BY n", batchID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OutboxAttempt
	for rows.Next() {
		a := OutboxAttempt{BatchID: batchID}
		var at string
		var status *int
		var failure *string
		if err := rows.Scan(&a.N, &at, &status, &failure); err != nil {
			return nil, err
		}
		if a.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("upload attempt %d of batch %s: %w", a.N, batchID, err)
		}
		if status != nil {
			a.HTTPStatus = *status
		}
		if failure != nil {
			a.Error = *failure
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// moveOutbox loads an outbox entry and checks that it may go to state to.
func (tx *Tx) moveOutbox(batchID string, to OutboxState) (Row, error) {
	entry, err := loadRow(tx.ctx, tx.tx, "outbox", Row{"batch_id": batchID})
	if err != nil {
		return nil, fmt.Errorf("outbox entry of batch %s: %w", batchID, err)
	}
	from := OutboxState(entry.text("state"))
	if !slices.Contains(outboxTransitions[from], to) {
		return nil, &line.TransitionError{Entity: "outbox entry", ID: batchID, From: string(from), To: string(to)}
	}
	return entry, nil
}

// endAttempt stores the outcome of attempt n.
func (tx *Tx) endAttempt(batchID string, n int64, status int, failure string) error {
	attempt, err := loadRow(tx.ctx, tx.tx, "outbox_attempts", Row{"batch_id": batchID, "n": n})
	if err != nil {
		return fmt.Errorf("upload attempt %d of batch %s: %w", n, batchID, err)
	}
	if status != 0 {
		attempt["http_status"] = status
	}
	attempt["error"] = nullable(failure)
	return tx.Put("outbox_attempts", attempt)
}

func checkStatus(status int) error {
	if status != 0 && (status < 100 || status > 599) {
		return fmt.Errorf("invalid HTTP status %d", status)
	}
	return nil
}

func loadOutboxEntry(ctx context.Context, q querier, batchID string) (OutboxEntry, error) {
	row, err := loadRow(ctx, q, "outbox", Row{"batch_id": batchID})
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("outbox entry of batch %s: %w", batchID, err)
	}
	var sealed string
	if err := q.QueryRowContext(ctx, "SELECT sealed_at FROM documents WHERE batch_id = ?", batchID).Scan(&sealed); err != nil {
		return OutboxEntry{}, fmt.Errorf("document of batch %s: %w", batchID, notFound(err))
	}
	e := OutboxEntry{
		BatchID: batchID, SHA256: row.text("sha256"), State: OutboxState(row.text("state")),
		Attempts: int(row.integer("attempts")), LastError: row.text("last_error"), Receipt: row.text("receipt"),
	}
	var errs [3]error
	e.NextAttemptAt, errs[0] = row.timestamp("next_attempt_at")
	e.DeliveredAt, errs[1] = row.timestamp("delivered_at")
	e.SealedAt, errs[2] = parseTime(sealed)
	if err := errors.Join(errs[:]...); err != nil {
		return OutboxEntry{}, fmt.Errorf("outbox entry of batch %s: %w", batchID, err)
	}
	return e, nil
}
