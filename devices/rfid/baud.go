package rfid

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"lambtrace/line"
)

// DefaultBaudRates are the rates DetectBaud tries, in this order: 9600,
// the rate of Allflex readers and WL-134 modules, then 19200, the factory
// rate of the HX-L8160 panel reader, then 4800 and 2400 for older readers.
var DefaultBaudRates = []int{9600, 19200, 4800, 2400}

// DefaultDetectWindow is how long DetectBaud listens at one rate. A
// reader sends only when a tag is at its antenna or when it is switched
// on, so detection finishes with the first tag read.
const DefaultDetectWindow = 3 * time.Second

// ErrBaudNotFound is returned, and logged, when no rate gave a read or a
// greeting within the window; Run then tries all rates again after its
// usual wait.
var ErrBaudNotFound = errors.New("no baud rate gave a decodable read or a power-on greeting")

// errTrialFailed ends a session whose rate gave nothing decodable within
// its probation.
var errTrialFailed = errors.New("no decodable read at this baud rate")

// connect runs one session at Mode's rate, or with DetectBaud a session
// at each rate in turn until one is confirmed. found holds the rate found
// last, which is tried first.
func (r *Reader) connect(ctx context.Context, log *slog.Logger, dedup *dedup, deliver func(line.TagEvent), found *int) (bool, error) {
	if !r.DetectBaud {
		return r.session(ctx, log, dedup, deliver, r.Mode.BaudRate, 0, func() {})
	}
	rates := r.detectionOrder(*found)
	for _, rate := range rates {
		healthy, err := r.session(ctx, log, dedup, deliver, rate, r.DetectWindow, func() { *found = rate })
		if !errors.Is(err, errTrialFailed) {
			return healthy, err
		}
	}
	return false, fmt.Errorf("%w: tried %v baud for %v each", ErrBaudNotFound, rates, r.DetectWindow)
}

// detectionOrder returns BaudRates with last, when it is one of them,
// moved to the front.
func (r *Reader) detectionOrder(last int) []int {
	rates := []int{}
	for _, rate := range r.BaudRates {
		if rate == last {
			rates = append([]int{rate}, rates...)
		} else {
			rates = append(rates, rate)
		}
	}
	return rates
}
