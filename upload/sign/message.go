package sign

import "errors"

// MessageKey returns the translation catalog key of the person-facing
// message for an error of this package, or "" for other errors. The
// messages are in line/translations/*/sign.json and take no data, so
// line.Translate(lang, MessageKey(err), nil) renders them.
func MessageKey(err error) string {
	switch {
	case errors.Is(err, ErrWrongPIN):
		return "sign.wrong_pin"
	case errors.Is(err, ErrPINRequired):
		return "sign.pin_required"
	case errors.Is(err, ErrInvalidPIN):
		return "sign.pin_invalid"
	case errors.Is(err, ErrKeyExists):
		return "sign.key_exists"
	case errors.Is(err, ErrInvalidKeyFile):
		return "sign.key_invalid"
	}
	return ""
}
