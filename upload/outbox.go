package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"lambtrace/store"
)

// Defaults of WorkerConfig.
const (
	DefaultRetryBase    = 10 * time.Second
	DefaultRetryMax     = 15 * time.Minute
	DefaultPollInterval = time.Minute
)

// maxRetryAfter bounds how long a platform's Retry-After header can push
// the next attempt back.
const maxRetryAfter = time.Hour

// recordTimeout bounds the store update that ends an attempt cut short by
// cancellation, which runs after the worker's context is done.
const recordTimeout = 5 * time.Second

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	DB     *store.DB
	Client *Client

	// RetryBase is the wait after the first failed attempt of a
	// document. Each further failure doubles it, up to RetryMax. The
	// wait is then shortened by a random part of up to half, so that
	// stations coming back after an outage spread their attempts.
	// DefaultRetryBase and DefaultRetryMax when zero.
	RetryBase, RetryMax time.Duration

	// PollInterval is the longest Run sleeps between passes when nothing
	// is due; DefaultPollInterval when zero. Wake ends the sleep early.
	PollInterval time.Duration

	// LockFile is the path of the lock file that keeps a second worker
	// off the same outbox, such as DATA/upload.lock. Empty means no
	// lock, for a caller that guarantees a single worker itself.
	LockFile string

	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
	Jitter func() float64   // uniform in [0, 1); math/rand/v2 when nil
}

// Worker delivers sealed documents from the store's outbox to the
// platform. The outbox's state lives in the store, so a worker started
// after a restart carries on where the last one stopped: an attempt that
// a crash cut short is recorded as interrupted and made again.
type Worker struct {
	db     *store.DB
	client *Client
	cfg    WorkerConfig
	log    *slog.Logger
	wake   chan struct{}

	// pausedUntil is when the document whose attempt found the platform
	// unavailable is due again. Until then a pass sends nothing, so a
	// platform that is down sees one attempt per wait, not one per
	// document. It lives in memory: a new worker tries once at start.
	mu          sync.Mutex
	pausedUntil time.Time

	// attemptMu keeps a pass and RetryNow from attempting at once.
	attemptMu sync.Mutex

	// lockMu guards the outbox lock, which Run, Pass and RetryNow share
	// within the process: flock(2) would refuse a second lock of the
	// same file even to the process that holds the first.
	lockMu  sync.Mutex
	holders int
	unlock  func()
}

// NewWorker checks cfg and returns a worker.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.DB == nil || cfg.Client == nil {
		return nil, errors.New("upload worker: the store and the client are required")
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryMax < cfg.RetryBase {
		return nil, fmt.Errorf("upload worker: maximum retry wait %s is shorter than the first wait %s", cfg.RetryMax, cfg.RetryBase)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	return &Worker{
		db: cfg.DB, client: cfg.Client, cfg: cfg,
		log:  cfg.Logger.With("platform", cfg.Client.Endpoint()),
		wake: make(chan struct{}, 1),
	}, nil
}

// Wake makes a running worker start a pass at once, such as after a
// batch was sealed. It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// AttemptResult is the outcome of one upload attempt.
type AttemptResult struct {
	BatchID string
	N       int               // the attempt's number, 1 for the first
	State   store.OutboxState // the entry's state after the attempt
	Status  int               // the HTTP status, 0 when no response arrived
	Err     error             // nil for a delivery
	Receipt *Receipt          // the verified receipt of a delivery
	RetryAt time.Time         // when a failed document is due again
}

// PassReport is the outcome of one pass over the outbox.
type PassReport struct {
	Results []AttemptResult

	// Stopped reports that the platform was unavailable and the pass
	// ended early: the other documents would fail the same way, so they
	// wait for the next pass.
	Stopped bool
}

// Pass makes one pass over the outbox: it attempts every document that
// is due, oldest sealed first, or with all every document not yet
// delivered or rejected, due or not. A failed attempt that finds the
// platform unavailable (see Unavailable) ends the pass, and until that
// document is due again later passes without all send nothing. Other
// failures concern one document, so the pass goes on. Pass returns an
// error only when the store fails, the lock is held by another worker
// or ctx ends.
func (w *Worker) Pass(ctx context.Context, all bool) (*PassReport, error) {
	if err := w.lock(); err != nil {
		return nil, err
	}
	defer w.release()
	return w.pass(ctx, all)
}

// ErrNotQueued means a document is delivered or rejected, so RetryNow
// does not attempt it.
var ErrNotQueued = errors.New("the document is not queued for upload")

// RetryNow makes one upload attempt of a queued document at once,
// whether it is due or not and even while the worker pauses for an
// unavailable platform, such as when a person asks for it on the kiosk.
// It waits for a pass in progress to end. It returns ErrNotQueued for a
// delivered or rejected document, and otherwise an error only when the
// store fails, the lock is held by another worker or ctx ends: a failed
// attempt is in the result. A delivery ends a pause and wakes Run.
func (w *Worker) RetryNow(ctx context.Context, batchID string) (AttemptResult, error) {
	if err := w.lock(); err != nil {
		return AttemptResult{}, err
	}
	defer w.release()
	w.attemptMu.Lock()
	defer w.attemptMu.Unlock()

	entry, err := w.db.Outbox(ctx, batchID)
	if err != nil {
		return AttemptResult{}, err
	}
	if entry.State != store.OutboxPending && entry.State != store.OutboxSending {
		return AttemptResult{}, fmt.Errorf("retry batch %s: %w: it is %s", batchID, ErrNotQueued, entry.State)
	}
	w.log.Info("upload retry requested", "batch", batchID)
	res, err := w.attempt(ctx, batchID)
	if err != nil {
		return res, err
	}
	w.notePlatform(res)
	if res.State == store.OutboxDelivered {
		w.Wake()
	}
	return res, nil
}

// notePlatform pauses the worker after an attempt that found the
// platform unavailable and ends the pause after a delivery.
func (w *Worker) notePlatform(res AttemptResult) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case res.State == store.OutboxPending && Unavailable(res.Status):
		w.pausedUntil = res.RetryAt
	case res.State == store.OutboxDelivered:
		w.pausedUntil = time.Time{}
	}
}

// lock takes the outbox lock unless the worker holds it already.
func (w *Worker) lock() error {
	w.lockMu.Lock()
	defer w.lockMu.Unlock()
	if w.holders == 0 {
		unlock, err := lockOutbox(w.cfg.LockFile)
		if err != nil {
			return err
		}
		w.unlock = unlock
	}
	w.holders++
	return nil
}

// release lets go of the outbox lock when its last holder is done.
func (w *Worker) release() {
	w.lockMu.Lock()
	defer w.lockMu.Unlock()
	w.holders--
	if w.holders == 0 {
		w.unlock()
		w.unlock = nil
	}
}

func (w *Worker) pass(ctx context.Context, all bool) (*PassReport, error) {
	w.attemptMu.Lock()
	defer w.attemptMu.Unlock()

	now := w.cfg.Now()
	w.mu.Lock()
	paused := now.Before(w.pausedUntil)
	w.mu.Unlock()
	if paused && !all {
		return &PassReport{}, nil
	}
	if all {
		// Every queued entry is due by then.
		now = now.AddDate(100, 0, 0)
	}
	due, err := w.db.NextDue(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	report := &PassReport{}
	for _, entry := range due {
		res, err := w.attempt(ctx, entry.BatchID)
		if err != nil {
			return report, err
		}
		report.Results = append(report.Results, res)
		w.notePlatform(res)
		if res.State == store.OutboxPending && Unavailable(res.Status) {
			report.Stopped = true
			break
		}
	}
	return report, nil
}

// attempt makes one upload attempt of a document and records its
// outcome.
func (w *Worker) attempt(ctx context.Context, batchID string) (AttemptResult, error) {
	doc, err := w.db.Document(ctx, batchID)
	if err != nil {
		return AttemptResult{}, err
	}
	n, err := w.db.BeginAttempt(ctx, batchID)
	if err != nil {
		return AttemptResult{}, err
	}
	log := w.log.With("batch", batchID, "attempt", n, "sha256", doc.SHA256)
	log.Info("upload attempt started", "bytes", len(doc.Body))
	res := AttemptResult{BatchID: batchID, N: n}

	delivery, err := w.client.Deliver(ctx, batchID, doc.Body)
	var rejected *RejectionError
	var failed *AttemptError
	switch {
	case err == nil:
		res.State, res.Status, res.Receipt = store.OutboxDelivered, delivery.Status, delivery.Receipt
		if err := w.db.MarkDelivered(ctx, batchID, delivery.Status, delivery.ReceiptJWS); err != nil {
			return res, err
		}
		log.Info("batch delivered", "status", delivery.Status, "receipt", delivery.Receipt.ID)

	case errors.As(err, &rejected):
		res.State, res.Status, res.Err = store.OutboxRejected, rejected.Status, err
		reason, jsonErr := json.Marshal(rejected.Rejection)
		if jsonErr != nil {
			return res, jsonErr
		}
		if err := w.db.MarkRejected(ctx, batchID, rejected.Status, string(reason)); err != nil {
			return res, err
		}
		log.Error("platform rejected the batch", "status", rejected.Status, "reasons", rejected.Rejection.Codes())

	default:
		res.State, res.Err = store.OutboxPending, err
		wait := w.backoff(n)
		if errors.As(err, &failed) {
			res.Status = failed.Status
			wait = max(wait, min(failed.RetryAfter, maxRetryAfter))
		}
		recordCtx := ctx
		if ctx.Err() != nil {
			// The attempt was cut short by shutdown: record it so the
			// document is due again at once after the restart.
			wait = 0
			var cancel context.CancelFunc
			recordCtx, cancel = context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
			defer cancel()
		}
		res.RetryAt = w.cfg.Now().Add(wait)
		if err := w.db.RecordAttempt(recordCtx, batchID, res.Status, res.Err, res.RetryAt); err != nil {
			return res, err
		}
		if ctx.Err() != nil {
			log.Info("upload attempt cancelled", "err", res.Err)
			return res, ctx.Err()
		}
		log.Warn("upload attempt failed; will retry", "status", res.Status, "err", res.Err, "retry_at", res.RetryAt)
	}
	return res, nil
}

// Unavailable reports whether a failed attempt with this HTTP status
// means the platform as a whole cannot take documents now: no response
// (0), a proxy that cannot reach it (502, 504), or the platform saying
// so (429, 503).
func Unavailable(status int) bool {
	switch status {
	case 0, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true
	}
	return false
}

// backoff returns the wait after the nth failed attempt: RetryBase
// doubled for each attempt before it, capped at RetryMax, less a random
// part of up to half.
func (w *Worker) backoff(n int) time.Duration {
	wait := w.cfg.RetryMax
	if n < 1 {
		n = 1
	}
	if n <= 32 {
		if d := w.cfg.RetryBase << (n - 1); d > 0 && d < wait {
			wait = d
		}
	}
	return wait - time.Duration(w.cfg.Jitter()*float64(wait/2))
}

// Run passes over the outbox until ctx ends, then returns nil. Between
// passes it sleeps until the next document is due, at most PollInterval,
// or until Wake. A store failure is logged and retried after
// PollInterval; only a lock held by another worker ends Run early with an
// error.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.lock(); err != nil {
		return err
	}
	defer w.release()
	w.log.Info("upload worker started")
	defer w.log.Info("upload worker stopped")

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		}
		_, err := w.pass(ctx, false)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.log.Error("upload pass failed; will retry", "err", err, "retry_in", w.cfg.PollInterval)
			timer.Reset(w.cfg.PollInterval)
			continue
		}
		timer.Reset(w.untilNextPass(ctx))
	}
}

// untilNextPass returns how long Run sleeps: until the pause after an
// unavailable platform ends, or else until the next queued document is
// due, at most PollInterval.
func (w *Worker) untilNextPass(ctx context.Context) time.Duration {
	now := w.cfg.Now()
	w.mu.Lock()
	pausedUntil := w.pausedUntil
	w.mu.Unlock()
	if now.Before(pausedUntil) {
		return pausedUntil.Sub(now)
	}

	sleep := w.cfg.PollInterval
	entries, err := w.db.OutboxEntries(ctx)
	if err != nil {
		w.log.Error("read the outbox", "err", err)
		return sleep
	}
	for _, e := range entries {
		if e.State == store.OutboxPending || e.State == store.OutboxSending {
			sleep = min(sleep, e.NextAttemptAt.Sub(now))
		}
	}
	return max(sleep, 0)
}
