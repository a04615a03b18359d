package store

import (
	"context"
	"database/sql"
	"slices"
)

// OutboxEntries returns every outbox entry in every state, oldest sealed
// first, read in one snapshot. The upload status screen and
// `tracectl outbox` list them.
func (db *DB) OutboxEntries(ctx context.Context) ([]OutboxEntry, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT batch_id FROM outbox ORDER BY batch_id")
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

	entries := make([]OutboxEntry, 0, len(ids))
	for _, id := range ids {
		e, err := loadOutboxEntry(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	slices.SortStableFunc(entries, func(a, b OutboxEntry) int { return a.SealedAt.Compare(b.SealedAt) })
	return entries, nil
}
