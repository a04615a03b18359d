package rfid_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

var sentinels = []error{
	rfid.ErrUnrecognized,
	rfid.ErrIndustrialTag,
	rfid.ErrFrameLength,
	rfid.ErrFrameDelimiter,
	rfid.ErrChecksum,
	rfid.ErrInverseChecksum,
	rfid.ErrNotHex,
	rfid.ErrFlag,
	rfid.ErrRange,
	rfid.ErrCountryCode,
	rfid.ErrLeadingZeros,
}

func FuzzDecodeLine(f *testing.F) {
	seeds := []string{
		"LA 982 000000255895",
		"LA 00000 0 156 000011051555",
		"156000011051556",
		"156 000011051554",
		"\x02LA 982 000000255895\r",
		"036000982000123",
		"LR 0006 0000000018514243",
		"156274877906944",
		"LA 00000 2 156 000011051555",
		"",
		"\x02",
		" \r\n",
		string(vector),
	}
	for _, seed := range seeds {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, s string) {
		id, format, err := rfid.DecodeLine(s)
		if err != nil {
			checkDecodeError(t, err, s)
			if id != "" || format != rfid.FormatUnknown {
				t.Errorf("DecodeLine(%q) = %q, %v with an error", s, id, format)
			}
			return
		}
		if format == rfid.FormatUnknown {
			t.Errorf("DecodeLine(%q) format is unknown without an error", s)
		}
		checkRFID(t, id, s)
	})
}

func FuzzDecodeAllflexCustom(f *testing.F) {
	seeds := []string{
		"#A;00000;0;0156;000123456789",
		"#A0000000036000982000123",
		"#A;0000;0;3D6;00075BCD15",
		"#A;00000;0;CN;000123456789",
		"#A000000NZ000000000042",
		"#A;0;0;36;982000123",
		"#A0;0;36;982000123",
		"#A;0;0;XX;1",
		"#;;;;",
		"\x02\r\n",
	}
	for _, seed := range seeds {
		for _, base := range []int{0, 10, 16} {
			f.Add(seed, base)
		}
	}

	f.Fuzz(func(t *testing.T, s string, base int) {
		id, err := rfid.DecodeAllflexCustomBase(s, base)
		if err != nil {
			checkDecodeError(t, err, s)
			if id != "" {
				t.Errorf("DecodeAllflexCustomBase(%q, %d) = %q with an error", s, base, id)
			}
			return
		}
		checkRFID(t, id, s)
	})
}

func FuzzDecodeFrame(f *testing.F) {
	seeds := [][]byte{
		vector,
		mustHexSeed("0239333241384130303030433930303031303030303030303030307b8403"),
		encodeFrame(36, 982000123),
		encodeFrame(1000, 1),
		encodeFrame(156, 274877906944),
		wrapFrame(replaceAt(frameBody(156, 1), 0, 'G')),
		wrapFrame(replaceAt(frameBody(156, 1), 14, '2')),
		vector[:29],
		nil,
	}
	for _, seed := range seeds {
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := rfid.DecodeFrame(b)
		fromHex, hexErr := rfid.DecodeFrameHex(hex.EncodeToString(b))
		if id != fromHex || (err == nil) != (hexErr == nil) {
			t.Errorf("DecodeFrame(% X) = %q, %v but DecodeFrameHex = %q, %v", b, id, err, fromHex, hexErr)
		}
		if err != nil {
			checkDecodeError(t, err, string(b))
			if id != "" {
				t.Errorf("DecodeFrame(% X) = %q with an error", b, id)
			}
			return
		}
		checkRFID(t, id, string(b))
	})
}

// checkRFID checks that an accepted number passes line.ParseRFID unchanged.
func checkRFID(t *testing.T, id line.RFID, input string) {
	t.Helper()
	parsed, err := line.ParseRFID(string(id))
	if err != nil {
		t.Errorf("input %q decoded to %q, which line.ParseRFID rejects: %v", input, id, err)
	}
	if parsed != id {
		t.Errorf("input %q decoded to %q, line.ParseRFID returned %q", input, id, parsed)
	}
}

// checkDecodeError checks that err is a *DecodeError that carries the
// input, wraps a sentinel error and prints no control bytes.
func checkDecodeError(t *testing.T, err error, input string) {
	t.Helper()
	var decodeErr *rfid.DecodeError
	if !errors.As(err, &decodeErr) {
		t.Fatalf("input %q: error %T is not a *DecodeError", input, err)
	}
	if decodeErr.Input != input {
		t.Errorf("DecodeError.Input = %q, want %q", decodeErr.Input, input)
	}
	wrapsSentinel := false
	for _, sentinel := range sentinels {
		if errors.Is(err, sentinel) {
			wrapsSentinel = true
		}
	}
	if !wrapsSentinel {
		t.Errorf("input %q: error %v wraps no sentinel error", input, err)
	}
	if i := controlByteIndex(err.Error()); i >= 0 {
		t.Errorf("input %q: error has control byte at %d: %q", input, i, err.Error())
	}
}

func mustHexSeed(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
