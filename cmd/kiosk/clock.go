package main

import (
	"context"
	"time"
)

// lineClock is the time on a simulated line: it starts at a line run's
// shift start and runs rate times as fast as the wall clock. The
// station, the drivers and the simulators all read it, so a reading's
// time, a stability window's span and a carcass's entry time are line
// times however fast the day is played. It is safe for concurrent use.
type lineClock struct {
	start time.Time // line time at wall
	wall  time.Time // wall time when the clock started, with its monotonic reading
	rate  float64
}

// newLineClock returns a clock that reads start now and then runs rate
// times as fast as the wall clock; rate must be positive.
func newLineClock(start time.Time, rate float64) *lineClock {
	return &lineClock{start: start, wall: time.Now(), rate: rate}
}

// Now returns the line time.
func (c *lineClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.wall)) * c.rate))
}

// at returns the line time at wall time t, in the zone of the clock's
// start.
func (c *lineClock) at(t time.Time) time.Time {
	return c.start.Add(time.Duration(float64(t.Sub(c.wall)) * c.rate))
}

// lineDuration returns how much line time passes in wall time d.
func (c *lineClock) lineDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.rate)
}

// wallDuration returns how much wall time line time d takes.
func (c *lineClock) wallDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.rate)
}

// sleepUntil waits until the line time is t or ctx is done, and returns
// ctx.Err() in the second case.
func (c *lineClock) sleepUntil(ctx context.Context, t time.Time) error {
	wait := c.wallDuration(t.Sub(c.Now()))
	if wait <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
