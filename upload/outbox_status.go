package upload

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

// OutboxState is the upload state of a sealed document as the kiosk and
// `tracectl outbox` show it.
type OutboxState string

// Upload states. Queued covers a document that has not been attempted
// yet and one waiting for a retry, which has Attempts and LastError set.
const (
	OutboxQueued    OutboxState = "queued"
	OutboxSending   OutboxState = "sending"
	OutboxDelivered OutboxState = "delivered"
	OutboxRejected  OutboxState = "rejected"
)

// OutboxItem is the upload status of one sealed document.
type OutboxItem struct {
	BatchID       string
	State         OutboxState
	Attempts      int
	SealedAt      time.Time
	NextAttemptAt time.Time // when a queued document is due
	LastError     string    // why the last attempt of a queued document failed
	DeliveredAt   time.Time // zero until delivered

	// Receipt is the platform's receipt of a delivered document. The
	// worker verified it before it stored it.
	Receipt *Receipt

	// Rejection is the platform's reasons for a rejected document.
	Rejection *Rejection
}

// ReadOutbox returns the upload status of every sealed document, oldest
// sealed first. The kiosk polls it for its upload screen.
func ReadOutbox(ctx context.Context, db *store.DB) ([]OutboxItem, error) {
	entries, err := db.OutboxEntries(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]OutboxItem, 0, len(entries))
	for _, e := range entries {
		item := OutboxItem{
			BatchID: e.BatchID, Attempts: e.Attempts, SealedAt: e.SealedAt,
			NextAttemptAt: e.NextAttemptAt, DeliveredAt: e.DeliveredAt,
		}
		switch e.State {
		case store.OutboxPending:
			item.State, item.LastError = OutboxQueued, e.LastError
		case store.OutboxSending:
			item.State = OutboxSending
		case store.OutboxDelivered:
			item.State = OutboxDelivered
			if item.Receipt, err = ReadReceipt([]byte(e.Receipt)); err != nil {
				return nil, fmt.Errorf("stored receipt of batch %s: %w", e.BatchID, err)
			}
		case store.OutboxRejected:
			item.State, item.Rejection = OutboxRejected, storedRejection(e.LastError)
		default:
			return nil, fmt.Errorf("outbox entry of batch %s has unknown state %q", e.BatchID, e.State)
		}
		items = append(items, item)
	}
	return items, nil
}

// storedRejection decodes the reason the worker stored for a rejected
// document: the platform's Rejection as JSON. Any other text becomes one
// reason with the code "unknown".
func storedRejection(text string) *Rejection {
	r := &Rejection{}
	if err := json.Unmarshal([]byte(text), r); err == nil && len(r.Reasons) > 0 {
		return r
	}
	return &Rejection{Reasons: []Reason{{Code: "unknown", Message: map[line.Lang]string{line.LangEN: text}}}}
}

// Line formats the item as one line of `tracectl outbox`: the batch id,
// the state, then key=value fields. Times are RFC 3339; a value with
// spaces is quoted as Go quotes strings.
func (it OutboxItem) Line() string {
	var b strings.Builder
	field := func(key, value string) {
		b.WriteString(" " + key + "=")
		if value == "" || strings.ContainsAny(value, " \t\"=") || !strconv.CanBackquote(value) {
			value = strconv.Quote(value)
		}
		b.WriteString(value)
	}
	b.WriteString(it.BatchID + " " + string(it.State))
	field("attempts", strconv.Itoa(it.Attempts))
	field("sealed", it.SealedAt.Format(time.RFC3339))
	switch it.State {
	case OutboxQueued:
		field("next", it.NextAttemptAt.Format(time.RFC3339))
		if it.LastError != "" {
			field("error", it.LastError)
		}
	case OutboxDelivered:
		field("delivered", it.DeliveredAt.Format(time.RFC3339))
		if it.Receipt != nil {
			field("receipt", strconv.FormatInt(it.Receipt.ID, 10))
		}
	case OutboxRejected:
		if it.Rejection.Status != 0 {
			field("status", strconv.Itoa(it.Rejection.Status))
		}
		field("reasons", strings.Join(it.Rejection.Codes(), ","))
	}
	return b.String()
}
