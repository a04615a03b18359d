package line

import "time"

// Clock gives the station the time of the things it records. The kiosk
// uses the system clock; a replay uses the times of the line run, so the
// records carry the day they describe.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to a Clock, as in ClockFunc(time.Now).
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
