package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/line"
	"lambtrace/store"
)

// storeUploads is the Uploads of the batches screen over the store's
// outbox, for the tests. RetryNow makes one real attempt: it posts the
// sealed document to the platform's URL and records the outcome as an
// upload worker does.
type storeUploads struct {
	db      *store.DB
	batches []line.BatchID // newest first
	url     string
	now     func() time.Time
}

// rejection is the body of a platform's rejection, as the test platform
// sends it.
type rejection struct {
	Status  int `json:"status"`
	Reasons []struct {
		Code    string               `json:"code"`
		Subject string               `json:"subject,omitempty"`
		Message map[line.Lang]string `json:"message"`
	} `json:"reasons"`
}

func (u *storeUploads) Batches(ctx context.Context) ([]BatchUpload, error) {
	var out []BatchUpload
	for _, id := range u.batches {
		f, err := u.db.BatchFacts(ctx, id.String())
		if err != nil {
			return nil, err
		}
		b := BatchUpload{Batch: id, State: f.State}
		e, err := u.db.Outbox(ctx, id.String())
		if errors.Is(err, store.ErrNotFound) {
			out = append(out, b)
			continue
		}
		if err != nil {
			return nil, err
		}
		b.Attempts, b.SealedAt, b.NextAttemptAt, b.DeliveredAt = e.Attempts, e.SealedAt, e.NextAttemptAt, e.DeliveredAt
		switch e.State {
		case store.OutboxPending:
			b.Upload, b.LastError = UploadQueued, e.LastError
		case store.OutboxSending:
			b.Upload = UploadSending
		case store.OutboxDelivered:
			var receipt struct{ ID int64 }
			if err := json.Unmarshal([]byte(e.Receipt), &receipt); err != nil {
				return nil, fmt.Errorf("receipt of batch %s: %w", id, err)
			}
			b.Upload, b.Receipt = UploadDelivered, fmt.Sprint(receipt.ID)
		case store.OutboxRejected:
			var r rejection
			if err := json.Unmarshal([]byte(e.LastError), &r); err != nil {
				return nil, fmt.Errorf("rejection of batch %s: %w", id, err)
			}
			b.Upload, b.Status = UploadRejected, r.Status
			for _, x := range r.Reasons {
				b.Rejection = append(b.Rejection, RejectReason{Code: x.Code, Subject: x.Subject, Text: x.Message})
			}
		}
		out = append(out, b)
	}
	return out, nil
}

func (u *storeUploads) RetryNow(ctx context.Context, batch line.BatchID) error {
	id := batch.String()
	doc, err := u.db.Document(ctx, id)
	if err != nil {
		return err
	}
	if _, err := u.db.BeginAttempt(ctx, id); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.url, bytes.NewReader(doc.Body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return u.db.RecordAttempt(ctx, id, 0, err, u.now().Add(time.Minute))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return u.db.RecordAttempt(ctx, id, resp.StatusCode, err, u.now().Add(time.Minute))
	case resp.StatusCode/100 == 2:
		return u.db.MarkDelivered(ctx, id, resp.StatusCode, body)
	case resp.StatusCode == http.StatusUnprocessableEntity:
		return u.db.MarkRejected(ctx, id, resp.StatusCode, string(body))
	}
	return u.db.RecordAttempt(ctx, id, resp.StatusCode, nil, u.now().Add(time.Minute))
}

// testPlatform answers uploads on 127.0.0.1 with the status and body the
// test sets.
type testPlatform struct {
	mu     sync.Mutex
	status int
	body   string
	posts  int
}

func (p *testPlatform) set(status int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.body = status, body
}

func (p *testPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.posts++
	w.WriteHeader(p.status)
	io.WriteString(w, p.body)
}

// newOutboxRig seals the batch of one clean carcass and signs admin1 in
// at a kiosk with the batches screen, whose uploads go to a test
// platform.
func newOutboxRig(t *testing.T) (*rig, *OutboxScreen, *testPlatform) {
	t.Helper()
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	err := r.db.Update(ctx, store.System, func(tx *store.Tx) error {
		return tx.SetSetting(store.SettingPlantApproval, "A15250201")
	})
	if err != nil {
		t.Fatal(err)
	}
	r.enter(officeRFIDClean)
	svc := newStoreSignOff(t, r)
	if _, err := svc.SignOff(ctx, SignOffRequest{Batch: officeBatch, Vet: "vet1", Certificate: "1521870093", PIN: testPIN}, nil); err != nil {
		t.Fatal(err)
	}

	platform := &testPlatform{status: http.StatusServiceUnavailable}
	srv := httptest.NewServer(platform)
	t.Cleanup(srv.Close)
	up := &storeUploads{db: r.db, batches: []line.BatchID{officeBatch}, url: srv.URL, now: r.clock.Now}
	s := NewOutboxScreen(r.k, up)
	r.start(s)
	r.signIn("admin1", testPIN)
	if r.k.Current() != s {
		t.Fatal("admin1 does not see the batches screen")
	}
	r.settle()
	return r, s, platform
}

func TestOutboxRetryThenRejected(t *testing.T) {
	r, s, platform := newOutboxRig(t)
	if len(s.batches) != 1 || s.batches[0].Upload != UploadQueued {
		t.Fatalf("batches = %+v, want the sealed batch queued", s.batches)
	}
	containsAll(t, "tile", s.stateText(s.batches[0]), "排队待上传")
	if s.retry.Disabled() {
		t.Fatal("retry is disabled for a queued batch")
	}

	// The platform is down: the attempt is recorded and the batch stays
	// queued with the error.
	test.Tap(s.retry)
	test.Tap(s.retry)
	r.settle()
	if platform.posts != 1 {
		t.Errorf("the double tap posted %d times, want 1", platform.posts)
	}
	b := s.batches[0]
	if b.Upload != UploadQueued || b.Attempts != 1 || b.LastError != "HTTP status 503" {
		t.Fatalf("after a 503 the batch is %+v", b)
	}
	containsAll(t, "details", fmt.Sprint(s.lines), "已尝试 1 次", "上次失败原因：HTTP status 503")

	// The platform rejects the document with its reasons.
	platform.set(http.StatusUnprocessableEntity, `{"status":422,"reasons":[{"code":"signature.unknown_kid","subject":"k-123",`+
		`"message":{"zh-CN":"签名密钥未在平台登记","en":"the signing key is not registered"}}]}`)
	r.clock.Advance(time.Second)
	test.Tap(s.retry)
	r.settle()
	b = s.batches[0]
	if b.Upload != UploadRejected || b.Status != 422 || len(b.Rejection) != 1 {
		t.Fatalf("after the rejection the batch is %+v", b)
	}
	containsAll(t, "details", fmt.Sprint(s.lines), "平台拒收（HTTP 422）", "签名密钥未在平台登记（k-123）")
	if !s.retry.Disabled() {
		t.Error("retry is enabled for a rejected batch")
	}
	r.assertScreen("outbox_rejected_zh.png")

	// In English the reason is the platform's English text.
	r.k.SetLang(line.LangEN)
	r.settle()
	containsAll(t, "details", fmt.Sprint(s.lines), "the signing key is not registered (k-123)")
}

func TestOutboxDeliveredShowsReceipt(t *testing.T) {
	r, s, platform := newOutboxRig(t)
	platform.set(http.StatusCreated, `{"id":7,"batch_id":"20261204-L1-1"}`)
	test.Tap(s.retry)
	r.settle()
	b := s.batches[0]
	if b.Upload != UploadDelivered || b.Receipt != "7" {
		t.Fatalf("after the delivery the batch is %+v", b)
	}
	containsAll(t, "details", fmt.Sprint(s.lines), "平台已接收，回执号 7")
	if !s.retry.Disabled() {
		t.Error("retry is enabled for a delivered batch")
	}
}
