package rfid

import (
	"errors"
	"fmt"
	"strconv"

	"lambtrace/line"
)

// Sentinel errors that a *DecodeError wraps. Test for them with errors.Is.
var (
	ErrUnrecognized    = errors.New("not a known reader output format")
	ErrIndustrialTag   = errors.New("HDX industrial tag (LR), not an ISO 11784 animal number")
	ErrFrameLength     = errors.New("WL-134 frame is not 30 bytes")
	ErrFrameDelimiter  = errors.New("WL-134 frame does not start with STX (0x02) and end with ETX (0x03)")
	ErrChecksum        = errors.New("checksum mismatch")
	ErrInverseChecksum = errors.New("inverse checksum mismatch")
	ErrNotHex          = errors.New("invalid hex digit")
	ErrFlag            = errors.New("flag is not 0 or 1")
	ErrRange           = errors.New("field out of range")
)

// maxQuotedInput is the number of input bytes that Error shows, so a long
// run of noise from a serial port does not flood the log.
const maxQuotedInput = 64

// DecodeError reports input that could not be decoded.
type DecodeError struct {
	Input  string // input as received, including any STX, spaces and CR
	Format Format // format the input was taken for, or FormatUnknown
	Err    error  // one of the Err* sentinel errors
	Detail string // which field failed and why, or empty
}

// Error quotes the input with Go escapes, so control bytes never reach a
// log or terminal raw, and shows at most the first 64 bytes.
func (e *DecodeError) Error() string {
	msg := "rfid: invalid reader output " + quoteInput(e.Input)
	if e.Format != FormatUnknown {
		msg += " in " + e.Format.String() + " format"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *DecodeError) Unwrap() error { return e.Err }

// IDProblem classifies the error for the intake rules, which show its
// translated text in the tag.invalid reason.
func (e *DecodeError) IDProblem() line.IDProblem {
	switch e.Err {
	case ErrChecksum, ErrInverseChecksum:
		return line.ProblemChecksum
	case ErrFrameLength, ErrFrameDelimiter, ErrNotHex, ErrFlag:
		return line.ProblemFrame
	case ErrRange:
		return line.ProblemRange
	case ErrIndustrialTag, ErrFromMemory:
		return line.ProblemUnsupported
	}
	return line.ProblemUnrecognized
}

var _ line.IDProblemer = (*DecodeError)(nil)

func quoteInput(s string) string {
	if len(s) <= maxQuotedInput {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:maxQuotedInput]), len(s))
}

// failure builds a DecodeError without the input, which the exported
// function that received the input fills in.
func failure(format Format, err error, detail string, args ...any) *DecodeError {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &DecodeError{Format: format, Err: err, Detail: detail}
}
