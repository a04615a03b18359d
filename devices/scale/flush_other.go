//go:build !linux

package scale

// inputFlusher does nothing on systems other than Linux, where flushing
// is not implemented. Stale bytes are then discarded only when the line
// reopens the port after an error, and only if the driver discards input
// on close.
type inputFlusher struct{}

func openFlusher(string) (*inputFlusher, error) { return &inputFlusher{}, nil }

func (*inputFlusher) flush() error { return nil }

func (*inputFlusher) close() error { return nil }
