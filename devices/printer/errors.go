package printer

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors that *StatusError and *Error wrap. Test for them with
// errors.Is.
var (
	// ErrNotZPL means the printer replied to ~HS with something that is
	// not STX-framed status, as a printer in line-print, EPL or another
	// emulation mode does.
	ErrNotZPL = errors.New("printer not in ZPL mode: reply to ~HS is not STX-framed status")

	// ErrStatusMalformed means the reply is STX-framed but a frame or a
	// field is not what the ZPL II manual documents for ~HS.
	ErrStatusMalformed = errors.New("malformed ~HS status reply")

	// ErrStatusTruncated means the reply stopped before the third frame
	// ended.
	ErrStatusTruncated = errors.New("truncated ~HS status reply")

	// ErrNeedsAttention means the printer accepted the connection but did
	// not reply to ~HS in time. Zebra printers stay silent while the
	// media or ribbon is out, the head is open or too hot, or the
	// rewinder is full, so this is a fault at the printer, not a network
	// problem.
	ErrNeedsAttention = errors.New("printer needs attention (paper, ribbon or head): no reply to ~HS on a live connection")

	// ErrOffline means the printer could not be reached, or the
	// connection to it failed.
	ErrOffline = errors.New("printer offline")

	// ErrMaybePrinted means a job write failed after some of its bytes
	// were sent. The printer may or may not print the label, so only an
	// operator who looks at the printer can decide whether to reprint.
	ErrMaybePrinted = errors.New("label may or may not have printed")
)

// maxQuotedReply is the number of reply bytes that StatusError shows, so
// a printer that streams text does not flood the log.
const maxQuotedReply = 96

// StatusError reports a ~HS reply that could not be parsed.
type StatusError struct {
	Reply  []byte // reply as received
	Err    error  // ErrNotZPL, ErrStatusMalformed or ErrStatusTruncated
	Detail string // which frame or field failed and why, or empty
}

// Error quotes the reply with Go escapes, so control bytes never reach a
// log raw, and shows at most its first 96 bytes.
func (e *StatusError) Error() string {
	msg := "printer: " + e.Err.Error()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg + ": reply " + quoteReply(e.Reply)
}

// Unwrap returns the sentinel error.
func (e *StatusError) Unwrap() error { return e.Err }

func quoteReply(b []byte) string {
	if len(b) <= maxQuotedReply {
		return strconv.Quote(string(b))
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(string(b[:maxQuotedReply])), len(b))
}

// Error reports a failed Print or Status call. It wraps both a sentinel
// error (Kind) and the underlying cause (Err), so errors.Is works for
// ErrOffline and for, say, a *net.OpError alike.
type Error struct {
	Printer string // printer id from the configuration
	Op      string // "print" or "status"
	Kind    error  // one of the Err* sentinel errors, or nil
	Err     error  // underlying cause, or nil
	Sent    int    // job bytes written before the failure (Op "print")
	Total   int    // job length (Op "print")
}

func (e *Error) Error() string {
	msg := "printer " + e.Printer + ": " + e.Op
	if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	if e.Op == "print" && e.Total > 0 && e.Kind == ErrMaybePrinted {
		msg += fmt.Sprintf(" (%d of %d bytes sent)", e.Sent, e.Total)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the sentinel error and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Hint returns a short instruction for the operator, separate from the
// error text that goes to the log.
func (e *Error) Hint() string {
	switch {
	case errors.Is(e, ErrMaybePrinted):
		return "Check the printer: the label may or may not have printed. Reprint only if it is missing."
	case errors.Is(e, ErrNeedsAttention):
		return "Printer needs attention: check paper, ribbon and print head."
	case errors.Is(e, ErrOffline):
		return "Printer not reachable: check its power and cable."
	case errors.Is(e, ErrNotZPL):
		return "Printer is not in ZPL mode: set its command language to ZPL."
	default:
		return "Printer error: see the log."
	}
}
