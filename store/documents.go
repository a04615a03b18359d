package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"lambtrace/line"
)

var _ = journaled("documents", "batch_id")

// Document is the sealed document of a batch.
type Document struct {
	BatchID string
	Format  string // names the body's format, such as "batch+jws"
	Body    []byte // the signed JSON document, byte for byte as sealed
	SHA256  string // hex SHA-256 of Body

	// JournalSeq and JournalHash are the journal head when the batch was
	// sealed: the last entry before the entries of the seal itself.
	JournalSeq  int64
	JournalHash string

	SealedAt time.Time
	SealedBy Actor
}

// ErrAlreadySealed reports a second seal of a batch with another body or
// format.
var ErrAlreadySealed = errors.New("batch is already sealed with a different document")

// Seal stores the signed document of a batch and queues it for upload, in
// one transaction. The body is stored byte for byte, so it must be valid
// UTF-8 JSON; format is 1 to 64 of a-z, 0-9 and ".+/-". The stored
// document never changes: sealing the same batch again with the same body
// and format does nothing, and with anything else returns
// ErrAlreadySealed. The outbox entry is pending and due at once.
func (db *DB) Seal(ctx context.Context, actor Actor, batchID, format string, body []byte) error {
	digest, err := checkSeal(batchID, format, body)
	if err != nil {
		return err
	}
	return db.Update(ctx, actor, func(tx *Tx) error { return tx.seal(batchID, format, body, digest) })
}

// checkSeal checks the batch id, format and body of a document to seal
// and returns the body's hex SHA-256 digest.
func checkSeal(batchID, format string, body []byte) (string, error) {
	if b, err := line.ParseBatchID(batchID); err != nil {
		return "", fmt.Errorf("seal batch: %w", err)
	} else if b.String() != batchID {
		return "", fmt.Errorf("seal batch %s: write the batch id as %s", batchID, b)
	}
	if len(format) < 1 || len(format) > 64 || !lowerToken(format, ".+/-") {
		return "", fmt.Errorf("seal batch %s: invalid format %q: use 1 to 64 of a-z, 0-9 and \".+/-\"", batchID, format)
	}
	if !utf8.Valid(body) {
		return "", fmt.Errorf("seal batch %s: the document is not valid UTF-8", batchID)
	}
	if !json.Valid(body) {
		return "", fmt.Errorf("seal batch %s: the document is not valid JSON", batchID)
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:]), nil
}

// seal stores a checked document and its pending outbox entry, or does
// nothing when the same document is stored already.
func (tx *Tx) seal(batchID, format string, body []byte, digest string) error {
	stored, err := loadRow(tx.ctx, tx.tx, "documents", Row{"batch_id": batchID})
	if err == nil {
		if stored.text("body") == string(body) && stored.text("format") == format {
			return nil
		}
		return fmt.Errorf("seal batch %s: %w (stored sha256 %s, new %s)", batchID, ErrAlreadySealed, stored.text("sha256"), digest)
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}

	// The head before this transaction's own entries.
	seq, head := tx.Head()
	err = tx.Put("documents", Row{
		"batch_id": batchID, "format": format, "body": string(body), "sha256": digest,
		"journal_seq_at_seal": seq, "journal_hash_at_seal": head, "sealed_at": tx.at, "sealed_by": string(tx.actor),
	})
	if err != nil {
		return err
	}
	return tx.Put("outbox", Row{
		"batch_id": batchID, "sha256": digest, "state": string(OutboxPending), "attempts": 0,
		"next_attempt_at": tx.at, "last_error": nil, "delivered_at": nil, "receipt": nil,
	})
}

// Document returns the sealed document of a batch, or ErrNotFound.
func (db *DB) Document(ctx context.Context, batchID string) (Document, error) {
	row, err := loadRow(ctx, db.reader, "documents", Row{"batch_id": batchID})
	if err != nil {
		return Document{}, fmt.Errorf("document of batch %s: %w", batchID, err)
	}
	sealedAt, err := row.timestamp("sealed_at")
	if err != nil {
		return Document{}, fmt.Errorf("document of batch %s: %w", batchID, err)
	}
	return Document{
		BatchID: batchID, Format: row.text("format"), Body: []byte(row.text("body")), SHA256: row.text("sha256"),
		JournalSeq: row.integer("journal_seq_at_seal"), JournalHash: row.text("journal_hash_at_seal"),
		SealedAt: sealedAt, SealedBy: Actor(row.text("sealed_by")),
	}, nil
}
