package upload_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/store"
	"lambtrace/upload"
)

// workerClock is a settable time source for the worker and the store.
type workerClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *workerClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *workerClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mustWorker returns a worker with no jitter, so waits are exact.
func mustWorker(tb testing.TB, db *store.DB, c *upload.Client, clock func() time.Time, lockFile string) *upload.Worker {
	tb.Helper()
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: c, RetryBase: 10 * time.Second, RetryMax: 60 * time.Second,
		LockFile: lockFile, Logger: quietLogger, Now: clock, Jitter: func() float64 { return 0 },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func TestWorkerDelivers(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	clock.advance(time.Minute)
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")

	report, err := w.Pass(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 || report.Stopped {
		t.Fatalf("pass = %+v, want two deliveries", report)
	}
	for i, batch := range []string{"20261204-L1-1", "20261204-L1-2"} {
		res := report.Results[i]
		if res.BatchID != batch || res.State != store.OutboxDelivered || res.Err != nil || res.Status != http.StatusCreated {
			t.Errorf("result %d = %+v, want %s delivered", i, res, batch)
		}
	}

	items, err := upload.ReadOutbox(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("ReadOutbox = %d items, want 2", len(items))
	}
	if items[0].State != upload.OutboxDelivered || items[0].Receipt == nil || items[0].Receipt.ID != 1 {
		t.Errorf("first item = %+v", items[0])
	}
	wantLine := "20261204-L1-1 delivered attempts=1 sealed=2026-12-04T18:00:00+08:00 delivered=2026-12-04T18:01:00+08:00 receipt=1"
	if got := items[0].Line(); got != wantLine {
		t.Errorf("Line() =\n%s\nwant\n%s", got, wantLine)
	}

	// Ensure a second pass sends nothing.
	if report, err := w.Pass(ctx, true); err != nil || len(report.Results) != 0 {
		t.Errorf("second pass = %+v, %v; want nothing to do", report, err)
	}
	if p.count() != 2 {
		t.Errorf("platform saw %d requests, want 2", p.count())
	}
}

func TestWorkerBacksOff(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
		return http.StatusServiceUnavailable, nil, []byte("maintenance")
	})
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")

	// The waits double from 10 s and stop at the 60 s cap.
	for i, wait := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 60 * time.Second, 60 * time.Second} {
		report, err := w.Pass(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Results) != 1 || !report.Stopped {
			t.Fatalf("pass %d = %+v, want one failed attempt that stops the pass", i+1, report)
		}
		res := report.Results[0]
		if res.BatchID != "20261204-L1-1" || res.State != store.OutboxPending || res.Status != http.StatusServiceUnavailable {
			t.Errorf("pass %d: result = %+v", i+1, res)
		}
		if got := res.RetryAt.Sub(clock.Now()); got != wait {
			t.Errorf("pass %d: retry in %s, want %s", i+1, got, wait)
		}

		// Nothing is due until the wait is over.
		clock.advance(wait - time.Second)
		if report, err := w.Pass(ctx, false); err != nil || len(report.Results) != 0 {
			t.Errorf("pass %d: a pass before the wait is over = %+v, %v", i+1, report, err)
		}
		clock.advance(time.Second)
	}

	items, err := upload.ReadOutbox(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if items[0].State != upload.OutboxQueued || items[0].Attempts != 5 || !strings.Contains(items[0].LastError, "HTTP 503") {
		t.Errorf("first item = %+v", items[0])
	}
	if line := items[0].Line(); !strings.HasPrefix(line, "20261204-L1-1 queued attempts=5 ") || !strings.Contains(line, `error="HTTP 503: unexpected response: maintenance"`) {
		t.Errorf("Line() = %s", line)
	}
	if items[1].Attempts != 0 {
		t.Errorf("second document was attempted %d times, want 0 while the platform fails", items[1].Attempts)
	}

	// Once the platform is back, both go.
	p.setRespond(nil)
	report, err := w.Pass(ctx, false)
	if err != nil || len(report.Results) != 2 || report.Results[1].State != store.OutboxDelivered {
		t.Fatalf("pass after recovery = %+v, %v", report, err)
	}
	attempts, err := db.OutboxAttempts(ctx, "20261204-L1-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 6 || attempts[0].HTTPStatus != 503 || attempts[5].HTTPStatus != 201 {
		t.Errorf("attempts = %+v", attempts)
	}
}

func TestWorkerDocumentFailureGoesOn(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")
	p.setRespond(func(n int, r *http.Request, body []byte) (int, http.Header, []byte) {
		if r.Header.Get(upload.HeaderBatchID) == "20261204-L1-1" {
			return http.StatusInternalServerError, nil, []byte("panic in the receiver")
		}
		return http.StatusCreated, http.Header{"Content-Type": {upload.ContentTypeJWS}}, signReceipt(t, p.key, int64(n), r.Header.Get(upload.HeaderBatchID), body)
	})

	// A 500 concerns the document that caused it; the next one goes.
	report, err := w.Pass(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 || report.Stopped {
		t.Fatalf("pass = %+v, want both documents attempted", report)
	}
	if res := report.Results[0]; res.State != store.OutboxPending || res.Status != http.StatusInternalServerError {
		t.Errorf("first result = %+v, want a failure to retry", res)
	}
	if res := report.Results[1]; res.State != store.OutboxDelivered {
		t.Errorf("second result = %+v, want delivered", res)
	}

	// The failing document does not pause the worker either.
	sealJSON(t, db, "20261204-L1-3")
	report, err = w.Pass(ctx, false)
	if err != nil || len(report.Results) != 1 || report.Results[0].BatchID != "20261204-L1-3" || report.Results[0].State != store.OutboxDelivered {
		t.Errorf("pass after a new seal = %+v, %v", report, err)
	}
}

func TestWorkerRetryAfter(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")

	for _, tt := range []struct {
		retryAfter string
		want       time.Duration
	}{
		{"300", 300 * time.Second}, // longer than the backoff
		{"1", 20 * time.Second},    // shorter: the backoff wins
		{"86400", time.Hour},       // capped at an hour
	} {
		p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {tt.retryAfter}}, nil
		})
		report, err := w.Pass(ctx, true)
		if err != nil || len(report.Results) != 1 {
			t.Fatalf("Retry-After %s: pass = %+v, %v", tt.retryAfter, report, err)
		}
		if got := report.Results[0].RetryAt.Sub(clock.Now()); got != tt.want {
			t.Errorf("Retry-After %s: retry in %s, want %s", tt.retryAfter, got, tt.want)
		}
	}
}

func TestWorkerJitter(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	p := newScriptedPlatform(t)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) { return http.StatusBadGateway, nil, nil })
	_, keys := mustPlatformKeys(t)
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: mustClient(t, p.URL, keys), RetryBase: 10 * time.Second, RetryMax: time.Minute,
		Logger: quietLogger, Now: clock.Now, Jitter: func() float64 { return 0.5 },
	})
	if err != nil {
		t.Fatal(err)
	}
	report, err := w.Pass(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	// Half of the 10 s wait, shortened by half: 7.5 s.
	if got := report.Results[0].RetryAt.Sub(clock.Now()); got != 7500*time.Millisecond {
		t.Errorf("retry in %s, want 7.5s", got)
	}
}

func TestWorkerRejection(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")
	p.setRespond(func(n int, r *http.Request, body []byte) (int, http.Header, []byte) {
		if n == 1 {
			return problem(http.StatusUnprocessableEntity, "mass.exceeds_input", "20261204-0012")
		}
		return http.StatusCreated, http.Header{"Content-Type": {upload.ContentTypeJWS}}, signReceipt(t, p.key, int64(n), r.Header.Get(upload.HeaderBatchID), body)
	})

	// A rejection does not stop the pass: the platform works.
	report, err := w.Pass(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 || report.Stopped {
		t.Fatalf("pass = %+v", report)
	}
	if res := report.Results[0]; res.State != store.OutboxRejected || res.Status != http.StatusUnprocessableEntity {
		t.Errorf("first result = %+v, want rejected", res)
	}
	if res := report.Results[1]; res.State != store.OutboxDelivered {
		t.Errorf("second result = %+v, want delivered", res)
	}

	items, err := upload.ReadOutbox(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	rejected := items[0]
	if rejected.State != upload.OutboxRejected || rejected.Rejection == nil {
		t.Fatalf("first item = %+v", rejected)
	}
	if got := rejected.Rejection.Reasons[0]; got.Code != "mass.exceeds_input" || got.Text("zh-CN") != "原因 mass.exceeds_input" {
		t.Errorf("stored reason = %+v", got)
	}
	wantLine := "20261204-L1-1 rejected attempts=1 sealed=2026-12-04T18:00:00+08:00 status=422 reasons=mass.exceeds_input(20261204-0012)"
	if got := rejected.Line(); got != wantLine {
		t.Errorf("Line() =\n%s\nwant\n%s", got, wantLine)
	}

	// A rejected document is never sent again.
	if report, err := w.Pass(ctx, true); err != nil || len(report.Results) != 0 {
		t.Errorf("pass after the rejection = %+v, %v", report, err)
	}
}

func TestWorkerResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db, err := store.Open(ctx, dir, store.Options{Logger: quietLogger, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sealJSON(t, db, "20261204-L1-1")
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
		return http.StatusServiceUnavailable, nil, nil
	})
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")
	if report, err := w.Pass(ctx, false); err != nil || !report.Stopped {
		t.Fatalf("pass while the platform is unavailable = %+v, %v", report, err)
	}
	// The second document's attempt begins, and the station loses power
	// before the response is recorded.
	if _, err := db.BeginAttempt(ctx, "20261204-L1-2"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// After the restart a new worker on the reopened store carries on.
	p.setRespond(nil)
	clock.advance(10 * time.Second)
	reopened := openOutboxStore(t, dir, clock.Now)
	w = mustWorker(t, reopened, mustClient(t, p.URL, keys), clock.Now, "")
	report, err := w.Pass(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 {
		t.Fatalf("pass after restart = %+v, want both documents", report)
	}
	for _, res := range report.Results {
		if res.State != store.OutboxDelivered || res.N != 2 {
			t.Errorf("result = %+v, want delivered on attempt 2", res)
		}
	}
	attempts, err := reopened.OutboxAttempts(ctx, "20261204-L1-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 2 || !strings.Contains(attempts[0].Error, "interrupted") || attempts[1].HTTPStatus != http.StatusCreated {
		t.Errorf("attempts of the interrupted document = %+v", attempts)
	}
}

func TestWorkerDeliversWhenPlatformReturns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openOutboxStore(t, t.TempDir(), nil)
	sealJSON(t, db, "20261204-L1-1")

	// Reserve a loopback port with nobody listening on it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, keys := mustPlatformKeys(t)
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: mustClient(t, "http://"+addr, keys),
		RetryBase: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond, PollInterval: time.Second,
		Logger: quietLogger,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	// Wait until the worker has failed a few times.
	waitFor(t, time.Minute, func() bool {
		items, err := upload.ReadOutbox(ctx, db)
		return err == nil && items[0].Attempts >= 3
	})

	// Start the platform on the reserved port.
	p := newScriptedPlatform(t)
	p.Close()
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	server := httptest.NewUnstartedServer(p.Config.Handler)
	server.Listener.Close()
	server.Listener = l
	server.Start()
	defer server.Close()

	waitFor(t, time.Minute, func() bool {
		items, err := upload.ReadOutbox(ctx, db)
		return err == nil && items[0].State == upload.OutboxDelivered
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	attempts, err := db.OutboxAttempts(context.Background(), "20261204-L1-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) < 4 || attempts[0].HTTPStatus != 0 || !strings.Contains(attempts[0].Error, "connection refused") {
		t.Errorf("attempts = %+v, want failures without a response before the delivery", attempts)
	}
}

func TestWorkerWake(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openOutboxStore(t, t.TempDir(), nil)
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: mustClient(t, p.URL, keys), PollInterval: time.Hour, Logger: quietLogger,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	// The first pass finds nothing and sleeps for an hour; a seal and a
	// wake make it deliver at once.
	time.Sleep(50 * time.Millisecond)
	sealJSON(t, db, "20261204-L1-1")
	w.Wake()
	waitFor(t, time.Minute, func() bool {
		items, err := upload.ReadOutbox(ctx, db)
		return err == nil && len(items) == 1 && items[0].State == upload.OutboxDelivered
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestWorkerLock(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	db := openOutboxStore(t, dir, nil)
	sealJSON(t, db, "20261204-L1-1")
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	lock := filepath.Join(dir, "upload.lock")
	running := mustWorker(t, db, mustClient(t, p.URL, keys), time.Now, lock)
	second := mustWorker(t, db, mustClient(t, p.URL, keys), time.Now, lock)

	// Once the running worker delivered the document, it holds the lock.
	done := make(chan error, 1)
	go func() { done <- running.Run(ctx) }()
	waitFor(t, time.Minute, func() bool { return p.count() == 1 })
	if _, err := second.Pass(ctx, false); !errors.Is(err, upload.ErrWorkerRunning) {
		t.Errorf("Pass while another worker runs = %v, want ErrWorkerRunning", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}

	// Once the running worker stopped, the lock is free.
	if _, err := second.Pass(context.Background(), false); err != nil {
		t.Errorf("Pass after the other worker stopped: %v", err)
	}
}

func TestWorkerCancelledAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	p := newScriptedPlatform(t)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
		cancel() // the station shuts down while the platform answers
		time.Sleep(100 * time.Millisecond)
		return http.StatusCreated, nil, nil
	})
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, "")

	if _, err := w.Pass(ctx, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("Pass = %v, want context.Canceled", err)
	}
	items, err := upload.ReadOutbox(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	// The attempt is recorded and the document is due again at once.
	if items[0].State != upload.OutboxQueued || items[0].Attempts != 1 || !items[0].NextAttemptAt.Equal(clock.Now()) {
		t.Errorf("item after the cancelled attempt = %+v", items[0])
	}
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(tb testing.TB, timeout time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWorkerRetryNow(t *testing.T) {
	ctx := context.Background()
	clock := &workerClock{now: time.Date(2026, 12, 4, 18, 0, 0, 0, clientZone)}
	db := openOutboxStore(t, t.TempDir(), clock.Now)
	sealJSON(t, db, "20261204-L1-1")
	sealJSON(t, db, "20261204-L1-2")
	p := newScriptedPlatform(t)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
		return http.StatusServiceUnavailable, nil, nil
	})
	_, keys := mustPlatformKeys(t)
	w := mustWorker(t, db, mustClient(t, p.URL, keys), clock.Now, filepath.Join(t.TempDir(), "upload.lock"))
	if report, err := w.Pass(ctx, false); err != nil || !report.Stopped {
		t.Fatalf("pass while the platform is unavailable = %+v, %v", report, err)
	}

	// The worker pauses and the first document waits for its retry, but
	// a person asks for the second at once.
	p.setRespond(nil)
	res, err := w.RetryNow(ctx, "20261204-L1-2")
	if err != nil {
		t.Fatal(err)
	}
	if res.State != store.OutboxDelivered || res.N != 1 || res.Receipt == nil {
		t.Errorf("RetryNow = %+v, want a delivery", res)
	}

	// The delivery ended the pause: the first document goes when due.
	clock.advance(10 * time.Second)
	if report, err := w.Pass(ctx, false); err != nil || len(report.Results) != 1 || report.Results[0].State != store.OutboxDelivered {
		t.Errorf("pass after the retry = %+v, %v", report, err)
	}

	if _, err := w.RetryNow(ctx, "20261204-L1-2"); !errors.Is(err, upload.ErrNotQueued) {
		t.Errorf("RetryNow of a delivered document = %v, want ErrNotQueued", err)
	}
	if _, err := w.RetryNow(ctx, "20261204-L1-9"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RetryNow of an unknown batch = %v, want store.ErrNotFound", err)
	}
}

func TestWorkerRetryNowWhileRunning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	db := openOutboxStore(t, dir, nil)
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: mustClient(t, p.URL, keys), PollInterval: time.Hour, Logger: quietLogger,
		LockFile: filepath.Join(dir, "upload.lock"),
	})
	if err != nil {
		t.Fatal(err)
	}
	sealJSON(t, db, "20261204-L1-1")
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	// Once Run delivered the first document it holds the lock file, and
	// RetryNow of the same worker shares it.
	waitFor(t, time.Minute, func() bool { return p.count() == 1 })
	sealJSON(t, db, "20261204-L1-2")
	res, err := w.RetryNow(ctx, "20261204-L1-2")
	if err != nil {
		t.Fatalf("RetryNow while Run runs: %v", err)
	}
	if res.State != store.OutboxDelivered {
		t.Errorf("RetryNow = %+v, want a delivery", res)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
