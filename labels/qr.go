package labels

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// maxQRBytes bounds QR content so every code is version 10 or lower at
// error correction M, which keeps modules large enough on a small label.
const maxQRBytes = 200

// byteCapacityM lists how many bytes a QR symbol of each version holds in
// byte mode at error correction level M, from the QR Code capacity table.
// A test checks it against the encoder of gozxing.
var byteCapacityM = [...]int{1: 14, 2: 26, 3: 42, 4: 62, 5: 84, 6: 106, 7: 122, 8: 152, 9: 180, 10: 213}

// qrVersion returns the smallest version that holds content in byte mode
// at level M. The printer may choose a smaller version when its automatic
// input mode packs digits tighter, never a larger one, so the layout
// reserves room for this version.
func qrVersion(content string) (int, error) {
	if content == "" {
		return 0, &Error{Field: "QR", Err: ErrMissing}
	}
	if len(content) > maxQRBytes {
		return 0, &Error{Field: "QR", Value: content, Err: ErrQRTooLong,
			Detail: fmt.Sprintf("%d bytes, the maximum is %d (QR version 10 at error correction M)", len(content), maxQRBytes)}
	}
	for v := 1; v < len(byteCapacityM); v++ {
		if len(content) <= byteCapacityM[v] {
			return v, nil
		}
	}
	panic("unreachable: maxQRBytes fits version 10")
}

// qrModules returns the number of modules on a side of a version.
func qrModules(version int) int { return 17 + 4*version }

// qrQuietZone is the light border around a QR symbol, in modules.
const qrQuietZone = 4

// printableASCII reports whether every byte of s is a printable ASCII
// character, which the printer's automatic input mode encodes as is.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// qrSwitches returns the switches that start the ^FD data of a ^BQ field:
// error correction M, then automatic input (A) for printable ASCII. Any
// other content gets manual byte input with its UTF-8 byte count, because
// automatic input cannot encode bytes 0x80 to 0x9F and 0xE0 to 0xFF. A
// field without switches loses its first characters to them.
func qrSwitches(content string) string {
	if printableASCII(content) {
		return "MA,"
	}
	return fmt.Sprintf("MM,B%04d", len(content))
}

// qrSymbol is a QR code placed on the label.
type qrSymbol struct {
	content string
	version int
	module  int // dots per module
	x, y    int // top-left of the symbol, inside its quiet zone
}

// side returns the width of the symbol without its quiet zone, in dots.
func (q *qrSymbol) side() int { return qrModules(q.version) * q.module }

// modules returns the symbol's dark modules, drawn by skip2/go-qrcode at
// the reserved version and error correction M, without its border.
func (q *qrSymbol) modules() ([][]bool, error) {
	code, err := qrcode.NewWithForcedVersion(q.content, q.version, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode QR preview: %w", err)
	}
	code.DisableBorder = true
	return code.Bitmap(), nil
}
