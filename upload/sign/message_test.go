package sign_test

import (
	"errors"
	"fmt"
	"testing"

	"lambtrace/line"
	"lambtrace/upload/sign"
)

func TestMessageKeyTranslated(t *testing.T) {
	for _, err := range []error{sign.ErrWrongPIN, sign.ErrPINRequired, sign.ErrInvalidPIN, sign.ErrKeyExists, sign.ErrInvalidKeyFile} {
		wrapped := fmt.Errorf("sign with inspector key: %w", err)
		key := sign.MessageKey(wrapped)
		if key == "" {
			t.Errorf("MessageKey(%v) = \"\", want a catalog key", err)
			continue
		}
		for _, lang := range line.Langs {
			if msg := line.Translate(lang, key, nil); msg == key || msg == "" {
				t.Errorf("%s has no text for %s", lang, key)
			}
		}
	}
	if key := sign.MessageKey(errors.New("disk full")); key != "" {
		t.Errorf("MessageKey of an unrelated error = %q, want \"\"", key)
	}
}
