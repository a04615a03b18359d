package labels

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// checkFieldData rejects text that cannot go into a ZPL field: invalid
// UTF-8, and control characters, which a printer may act on or which
// would end the field early.
func checkFieldData(field, s string) error {
	if !utf8.ValidString(s) {
		return &Error{Field: field, Value: strings.ToValidUTF8(s, "\uFFFD"), Err: ErrInvalid, Detail: "not valid UTF-8"}
	}
	for i, r := range s {
		if r < 0x20 || r == 0x7F || (r >= 0x80 && r < 0xA0) {
			return &Error{Field: field, Value: s, Err: ErrControlCharacter, Detail: fmt.Sprintf("U+%04X at byte %d", r, i)}
		}
	}
	return nil
}

// fieldHexEscape is the escape character that ^FH declares.
const fieldHexEscape = '_'

// writeFieldData writes ^FD and the data of a field. Data with ^ or ~,
// which would start a ZPL command inside the field, is written after ^FH
// with those characters and the escape character itself as _5E, _7E and
// _5F; other data is written as is. prefix, such as the QR switches, is
// written after ^FD and before the data, never escaped.
func writeFieldData(b *bytes.Buffer, prefix, data string) {
	if !strings.ContainsAny(data, "^~") {
		b.WriteString("^FD" + prefix + data)
		return
	}
	b.WriteString("^FH" + string(fieldHexEscape) + "^FD" + prefix)
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '^', '~', fieldHexEscape:
			fmt.Fprintf(b, "%c%02X", fieldHexEscape, c)
		default:
			b.WriteByte(c)
		}
	}
}

// writeGraphic writes bm as a ^GFA field with Zebra's ASCII compression.
// A row equal to the one before is ":", and trailing white is ",". A run
// of one hex digit is prefixed with its count: G to Y for 1 to 19, g to z
// for 20 to 400 in steps of 20. The "!" that fills the rest of a row with
// black is not used, because zpl-renderer-js 3.4.0 fills it with 1s.
func writeGraphic(b *bytes.Buffer, bm *Bitmap) {
	total := bm.Stride * bm.Height
	fmt.Fprintf(b, "^GFA,%d,%d,%d,", total, total, bm.Stride)
	const hexDigits = "0123456789ABCDEF"
	row := make([]byte, 2*bm.Stride)
	var previous []byte
	for y := 0; y < bm.Height; y++ {
		for i, v := range bm.Pix[y*bm.Stride : (y+1)*bm.Stride] {
			row[2*i], row[2*i+1] = hexDigits[v>>4], hexDigits[v&0x0F]
		}
		if previous != nil && bytes.Equal(row, previous) {
			b.WriteByte(':')
			continue
		}
		previous = append(previous[:0], row...)

		data := bytes.TrimRight(row, "0")
		for i := 0; i < len(data); {
			n := 1
			for i+n < len(data) && data[i+n] == data[i] && n < maxRunLength {
				n++
			}
			writeRunLength(b, n)
			b.WriteByte(data[i])
			i += n
		}
		if len(data) < len(row) {
			b.WriteByte(',')
		}
	}
}

// maxRunLength is the longest run one count prefix can write.
const maxRunLength = 400

// writeRunLength writes the count prefix of a run of n equal hex digits,
// 1 to maxRunLength; a single digit needs none.
func writeRunLength(b *bytes.Buffer, n int) {
	if n <= 1 {
		return
	}
	if tens := n / 20; tens > 0 {
		b.WriteByte(byte('g' + tens - 1))
	}
	if ones := n % 20; ones > 0 {
		b.WriteByte(byte('G' + ones - 1))
	}
}
