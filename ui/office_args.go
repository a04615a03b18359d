package ui

import "sync"

// shared holds a value that the fyne goroutine sets and the job of an
// ActionButton reads on its own goroutine, such as the carcass picked
// when the button was tapped.
type shared[T any] struct {
	mu sync.Mutex
	v  T
}

func (s *shared[T]) set(v T) {
	s.mu.Lock()
	s.v = v
	s.mu.Unlock()
}

func (s *shared[T]) get() T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.v
}
