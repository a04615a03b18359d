package line

import (
	"context"
	"time"
)

// The line's view of its devices. Drivers in devices/ implement these
// interfaces; the line service and the kiosk use only them.

// TagEvent is one tag read delivered by a reader, after duplicate reads
// of the same tag within the reader's window were dropped.
type TagEvent struct {
	Reader string    // reader id from the configuration
	At     time.Time // when the read was completed
	TagRead
}

// TagReader delivers tag reads until ctx is cancelled. Run reopens the
// device after an error and returns only when ctx is done.
type TagReader interface {
	Run(ctx context.Context, deliver func(TagEvent)) error
}

// Reading is one weight reported by a scale. It is never a sentinel:
// an overload or an unstable weight is a flag, not a magic number.
type Reading struct {
	Scale     string // scale id from the configuration
	At        time.Time
	Grams     Mass
	Division  Mass // the scale interval in force
	Decimals  int  // decimals the indicator displays, for showing the weight as the scale does
	Stable    bool // the indicator's own stable flag
	Overload  bool
	Underload bool
	Net       bool // a tare is in effect
}

// Scale delivers readings until ctx is cancelled, polling or listening as
// its protocol requires. Run reconnects after an error and returns only
// when ctx is done or the configuration is wrong.
type Scale interface {
	Run(ctx context.Context, deliver func(Reading)) error
}

// PrinterStatus is what a label printer reports about itself.
type PrinterStatus struct {
	PaperOut      bool
	Paused        bool
	HeadOpen      bool
	RibbonOut     bool
	HeadTooHot    bool
	BufferFull    bool
	LabelsPending int
	Raw           []byte // the reply as received, for the commissioning screen
}

// Ready reports whether the printer can print.
func (s PrinterStatus) Ready() bool {
	return !s.PaperOut && !s.Paused && !s.HeadOpen && !s.RibbonOut && !s.HeadTooHot && !s.BufferFull
}

// Printer sends label jobs to a printer. Print must only be called with
// a job whose record the store has committed; it never resends a job by
// itself.
type Printer interface {
	Print(ctx context.Context, job []byte) error
	Status(ctx context.Context) (PrinterStatus, error)
}
