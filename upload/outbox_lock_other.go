//go:build !unix

package upload

import "errors"

// ErrWorkerRunning means another upload worker holds the outbox lock.
var ErrWorkerRunning = errors.New("another upload worker is using the outbox")

// lockOutbox takes no lock: flock(2) exists only on Unix systems.
//
// NOTE: here two workers on one outbox can upload a document twice; the
// platform's idempotency makes the second upload a repeat.
func lockOutbox(path string) (unlock func(), err error) {
	return func() {}, nil
}
