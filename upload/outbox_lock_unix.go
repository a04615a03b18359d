//go:build unix

package upload

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrWorkerRunning means another upload worker holds the outbox lock.
var ErrWorkerRunning = errors.New("another upload worker is using the outbox")

// lockOutbox takes an exclusive flock(2) on path, creating the file, and
// returns the function that releases it. The kernel releases the lock
// when the process dies, so a crash leaves no stale lock. An empty path
// takes no lock.
func lockOutbox(path string) (unlock func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the upload lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked", ErrWorkerRunning, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
