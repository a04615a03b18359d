package line

import (
	"fmt"
	"time"
)

// Date is a calendar day in the plant's local time (China Standard Time),
// as the registry writes birth, tagging, treatment and slaughter days.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a day written as YYYY-MM-DD and rejects days that do
// not exist, such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: expected YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the calendar day of t in t's own zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// DaysSince returns the number of days from earlier to d; it is negative
// when earlier is after d.
func (d Date) DaysSince(earlier Date) int {
	return int(d.utc().Sub(earlier.utc()).Hours() / 24)
}

// AddDays returns the day n days after d.
func (d Date) AddDays(n int) Date { return DateOf(d.utc().AddDate(0, 0, n)) }

// Before reports whether d is before other.
func (d Date) Before(other Date) bool { return d.utc().Before(other.utc()) }

func (d Date) utc() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// MarshalText writes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a day written as YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
