package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// outboxArgs hold the batch the retry button's job uploads.
type outboxArgs struct {
	batch line.BatchID
	ok    bool
}

// OutboxScreen lists the station's batches with their state and their
// upload to the platform: queued with the last error and the next
// attempt, delivered with the platform's receipt, or rejected with the
// platform's reasons. A queued batch can be sent at once.
type OutboxScreen struct {
	k       *Kiosk
	up      Uploads
	batches []BatchUpload
	picked  line.BatchID
	args    shared[outboxArgs]

	list    *PagedList
	title   *widget.Label
	details *PagedList
	lines   []string
	refresh *TouchButton
	retry   *ActionButton
	content fyne.CanvasObject
}

var _ Screen = (*OutboxScreen)(nil)

// NewOutboxScreen returns the batches and outbox screen of the kiosk.
func NewOutboxScreen(k *Kiosk, up Uploads) *OutboxScreen {
	s := &OutboxScreen{k: k, up: up}
	s.list = NewPagedList(k, 4, func() int { return len(s.batches) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			b := s.batches[i]
			t := row.(*Tile)
			t.OnTapped = func() { s.pick(b.Batch) }
			t.Set(b.Batch.String(), s.stateText(b), b.Batch == s.picked)
		})
	s.title = newTitleLabel()
	s.details = NewPagedList(k, 4, func() int { return len(s.lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i int, row fyne.CanvasObject) { row.(*widget.Label).SetText(s.lines[i]) })
	s.refresh = NewTouchButton(k, "", nil, s.load)
	s.retry = NewActionButton(k, "", func(ctx context.Context) error {
		a := s.args.get()
		if !a.ok {
			return nil
		}
		return s.up.RetryNow(ctx, a.batch)
	})
	s.retry.Done = func(err error) {
		if err != nil {
			k.ShowError(err)
		}
		s.load()
	}
	detail := container.NewBorder(s.title, container.NewGridWithColumns(2, s.refresh, s.retry), nil, nil, s.details)
	s.content = container.NewGridWithColumns(2, s.list, detail)
	return s
}

// Name returns "outbox".
func (s *OutboxScreen) Name() string { return "outbox" }

// TitleKey returns the navigation button's key.
func (s *OutboxScreen) TitleKey() string { return "ui.office.outbox.title" }

// Roles returns quality staff, the veterinarian and the admin.
func (s *OutboxScreen) Roles() []Role { return []Role{RoleQuality, RoleVet, RoleAdmin} }

// Content returns the screen.
func (s *OutboxScreen) Content() fyne.CanvasObject { return s.content }

// Show reads the batches afresh.
func (s *OutboxScreen) Show() {
	s.refresh.SetText(s.k.T("ui.office.outbox.refresh", nil))
	s.retry.SetText(s.k.T("ui.office.outbox.retry", nil))
	s.load()
}

// Hide does nothing: the screen reads the batches when shown.
func (s *OutboxScreen) Hide() {}

func (s *OutboxScreen) load() {
	k := s.k
	var got []BatchUpload
	s.refresh.Disable()
	k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(k.ctx, readTimeout)
		defer cancel()
		var err error
		got, err = s.up.Batches(ctx)
		return err
	}, func(err error) {
		s.refresh.Enable()
		if err != nil {
			k.ShowError(err)
			return
		}
		s.batches = got
		if _, ok := s.find(s.picked); !ok && len(got) > 0 {
			s.picked = got[0].Batch
		}
		s.list.Reload()
		s.pick(s.picked)
	})
}

func (s *OutboxScreen) find(id line.BatchID) (BatchUpload, bool) {
	for _, b := range s.batches {
		if b.Batch == id {
			return b, true
		}
	}
	return BatchUpload{}, false
}

func (s *OutboxScreen) pick(id line.BatchID) {
	k := s.k
	s.picked = id
	s.list.Reload()
	b, ok := s.find(id)
	if !ok {
		s.title.SetText(k.T("ui.office.outbox.none", nil))
		s.lines = nil
	} else {
		s.title.SetText(k.T("ui.office.outbox.batch", map[string]string{"batch": b.Batch.String(),
			"state": k.T("ui.office.batch_state."+string(b.State), nil)}))
		s.lines = s.detailLines(b)
	}
	s.details.SetPage(0)
	retry := ok && b.Upload == UploadQueued
	s.args.set(outboxArgs{batch: id, ok: retry})
	s.retry.SetAllowed(retry)
}

// stateText is the second line of a batch's tile.
func (s *OutboxScreen) stateText(b BatchUpload) string {
	if b.Upload == UploadNone {
		return s.k.T("ui.office.batch_state."+string(b.State), nil)
	}
	return s.k.T("ui.office.upload."+string(b.Upload), nil)
}

// detailLines describes everything known of a batch's upload.
func (s *OutboxScreen) detailLines(b BatchUpload) []string {
	k := s.k
	at := func(t time.Time) string { return t.Format("01-02 15:04:05") }
	data := map[string]string{"attempts": strconv.Itoa(b.Attempts), "error": b.LastError, "receipt": b.Receipt,
		"status": strconv.Itoa(b.Status)}
	if !b.SealedAt.IsZero() {
		data["sealed"] = at(b.SealedAt)
	}
	var lines []string
	add := func(key string) { lines = append(lines, k.T(key, data)) }
	switch b.Upload {
	case UploadNone:
		add("ui.office.outbox.not_sealed")
		return lines
	case UploadQueued:
		data["next"] = at(b.NextAttemptAt)
		add("ui.office.outbox.queued")
		if b.LastError != "" {
			add("ui.office.outbox.last_error")
		}
	case UploadSending:
		add("ui.office.outbox.sending")
	case UploadDelivered:
		data["delivered"] = at(b.DeliveredAt)
		add("ui.office.outbox.delivered")
	case UploadRejected:
		add("ui.office.outbox.rejected")
		for _, r := range b.Rejection {
			data["reason"], data["subject"] = s.reasonText(r), r.Subject
			add("ui.office.outbox.reason")
		}
	}
	return lines
}

// reasonText is a rejection reason in the language on screen, else in
// English, else its code.
func (s *OutboxScreen) reasonText(r RejectReason) string {
	for _, lang := range []line.Lang{s.k.Lang(), line.LangEN} {
		if t := strings.TrimSpace(r.Text[lang]); t != "" {
			return t
		}
	}
	return r.Code
}
