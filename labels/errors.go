package labels

import (
	"errors"
	"fmt"

	"lambtrace/line"
)

// Causes of an *Error, for errors.Is.
var (
	ErrMissing          = errors.New("missing")
	ErrInvalid          = errors.New("invalid")
	ErrNoFit            = errors.New("does not fit the label")
	ErrNoGlyph          = errors.New("character not in the bundled font")
	ErrControlCharacter = errors.New("control character in field data")
	ErrQRTooLong        = errors.New("QR content too long")
)

// errorKeys maps each cause to its message in the translation catalogs.
var errorKeys = map[error]string{
	ErrMissing:          "label.error.missing",
	ErrInvalid:          "label.error.invalid",
	ErrNoFit:            "label.error.no_fit",
	ErrNoGlyph:          "label.error.no_glyph",
	ErrControlCharacter: "label.error.control",
	ErrQRTooLong:        "label.error.qr_too_long",
}

// Error reports label facts or a configuration that cannot be printed.
type Error struct {
	Field  string // the fact or setting, such as "NetWeight" or "Size"
	Value  string // the offending value, empty when missing
	Detail string // English detail, such as the allowed range
	Err    error  // one of the Err variables above
}

func (e *Error) Error() string {
	msg := "label: " + e.Field + ": " + e.Err.Error()
	if e.Value != "" {
		msg += fmt.Sprintf(" %q", e.Value)
	}
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Message returns the error for a person at the station, in lang: what is
// wrong with which field and value. Fields with a catalog entry
// "label.field.<Field>" are named in lang; the detail stays English.
func (e *Error) Message(lang line.Lang) string {
	key, ok := errorKeys[e.Err]
	if !ok {
		return e.Error()
	}
	field := e.Field
	if name := line.Translate(lang, "label.field."+field, nil); name != "label.field."+field {
		field = name
	}
	return line.Translate(lang, key, map[string]string{"field": field, "value": e.Value, "detail": e.Detail})
}
