package labels

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/encoder"
	"golang.org/x/image/math/fixed"

	"lambtrace/line"
)

// TestQRSwitchesByteCount checks the switches of non-ASCII content: manual
// byte input with the count of UTF-8 bytes, not of characters.
func TestQRSwitchesByteCount(t *testing.T) {
	tests := []struct{ content, want string }{
		{"982000123456789", "MA,"},
		{"https://trace.example.cn/01/96923456000011", "MA,"},
		{"羊肉", "MM,B0006"},
		{"羊肉 lamb", "MM,B0011"},
		{"\u00e9", "MM,B0002"},
	}
	for _, tt := range tests {
		if got := qrSwitches(tt.content); got != tt.want {
			t.Errorf("qrSwitches(%q) = %q, want %q", tt.content, got, tt.want)
		}
	}
}

// TestFieldDataEscape checks the ^FH escaping of field data.
func TestFieldDataEscape(t *testing.T) {
	tests := []struct{ prefix, data, want string }{
		{"MA,", "https://x.cn/01/96923456000011", "^FDMA,https://x.cn/01/96923456000011"},
		{"", "LOT^42", "^FH_^FDLOT_5E42"},
		{"", "a~HS_b", "^FH_^FDa_7EHS_5Fb"},
		{"", "under_score", "^FDunder_score"},
		{"MM,B0006", "羊^", "^FH_^FDMM,B0006羊_5E"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		writeFieldData(&b, tt.prefix, tt.data)
		if got := b.String(); got != tt.want {
			t.Errorf("writeFieldData(%q, %q) = %q, want %q", tt.prefix, tt.data, got, tt.want)
		}
	}
}

// TestQRVersionMatchesGozxing checks the byte-mode capacity table against
// the encoder of gozxing, which picks byte mode for lowercase text.
func TestQRVersionMatchesGozxing(t *testing.T) {
	for n := 1; n <= byteCapacityM[10]; n++ {
		content := strings.Repeat("a", n)
		code, encodeErr := encoder.Encoder_encodeWithoutHint(content, decoder.ErrorCorrectionLevel_M)
		if encodeErr != nil {
			t.Fatalf("gozxing encode of %d bytes: %v", n, encodeErr)
		}
		want := code.GetVersion().GetVersionNumber()
		got, err := qrVersion(content)
		if n > maxQRBytes {
			if !errors.Is(err, ErrQRTooLong) {
				t.Errorf("qrVersion(%d bytes) error = %v, want ErrQRTooLong", n, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("qrVersion(%d bytes) = %d, %v; gozxing chooses version %d", n, got, err, want)
		}
	}
}

// gozxingRow encodes content with gozxing's Code 128 writer in one forced
// subset and returns the modules between the quiet zones.
func gozxingRow(t *testing.T, content, subset string) []bool {
	t.Helper()
	m, err := oned.NewCode128Writer().Encode(content, gozxing.BarcodeFormat_CODE_128, 0, 1,
		map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_FORCE_CODE_SET: subset, gozxing.EncodeHintType_MARGIN: 0})
	if err != nil {
		t.Fatalf("gozxing encode %q: %v", content, err)
	}
	row := make([]bool, m.GetWidth())
	for x := range row {
		row[x] = m.Get(x, 0)
	}
	return row
}

// TestCode128PatternsMatchGozxing checks every pattern of subsets B and C,
// their start characters and the stop pattern against gozxing's writer.
func TestCode128PatternsMatchGozxing(t *testing.T) {
	// The writer takes at most 80 characters, so each subset is checked
	// in parts. In subset B it rejects a space, value 0, which subset C
	// checks as "00".
	for _, half := range [][2]byte{{0x21, 0x4F}, {0x50, 0x7E}} {
		var printable []byte
		values := []int{code128StartB}
		for c := half[0]; c <= half[1]; c++ {
			printable = append(printable, c)
			values = append(values, int(c-0x20))
		}
		symbol := code128Symbol{values: values}
		if got, want := symbol.modules(), gozxingRow(t, string(printable), "B"); !equalBools(got, want) {
			t.Errorf("subset B modules of %q differ from gozxing", printable)
		}
	}

	for _, half := range [][2]int{{0, 39}, {40, 79}, {80, 99}} {
		var digits strings.Builder
		values := []int{code128StartC}
		for v := half[0]; v <= half[1]; v++ {
			fmt.Fprintf(&digits, "%02d", v)
			values = append(values, v)
		}
		symbol := code128Symbol{values: values}
		if got, want := symbol.modules(), gozxingRow(t, digits.String(), "C"); !equalBools(got, want) {
			t.Errorf("subset C modules of %s differ from gozxing", digits.String())
		}
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestGS1128DecodesWithGozxing encodes element strings, draws the bars
// and reads them back with gozxing. Assuming GS1, gozxing reports the
// leading FNC1 as the symbology identifier ]C1 and the others as GS.
func TestGS1128DecodesWithGozxing(t *testing.T) {
	tests := []struct {
		elements []gs1Element
		want     string
	}{
		{[]gs1Element{{ai: "01", value: "96923456000011"}, {ai: "3103", value: "028860"}, {ai: "13", value: "261204"}},
			"]C10196923456000011310302886013261204"},
		{[]gs1Element{{ai: "21", value: "010000009001", variable: true}, {ai: "10", value: "20261204-L1-1", variable: true}},
			"]C121010000009001\x1d1020261204-L1-1"},
		{[]gs1Element{{ai: "10", value: "B7", variable: true}, {ai: "21", value: "12345678", variable: true}},
			"]C110B7\x1d2112345678"},
		{[]gs1Element{{ai: "10", value: "A>1234567", variable: true}},
			"]C110A>1234567"},
	}
	for _, tt := range tests {
		symbol, err := encodeGS1128(tt.elements)
		if err != nil {
			t.Fatal(err)
		}
		bars := symbol.modules()
		img := image.NewGray(image.Rect(0, 0, (len(bars)+20)*2, 40))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		for i, bar := range bars {
			if bar {
				draw.Draw(img, image.Rect((i+10)*2, 0, (i+11)*2, 40), image.Black, image.Point{}, draw.Src)
			}
		}
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		result, err := oned.NewCode128Reader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_ASSUME_GS1: true})
		if err != nil {
			t.Errorf("decode %s: %v", symbol.hri, err)
			continue
		}
		if got := result.GetText(); got != tt.want {
			t.Errorf("decoded %s = %q, want %q", symbol.hri, got, tt.want)
		}
		if symbol.values[1] != code128FNC1 {
			t.Errorf("%s: second value = %d, want FNC1 after the start character", symbol.hri, symbol.values[1])
		}
	}
}

// TestGS1128ZPLData checks the mode N invocation codes of the carton
// symbols.
func TestGS1128ZPLData(t *testing.T) {
	tests := []struct {
		elements []gs1Element
		want     string
	}{
		{[]gs1Element{{ai: "01", value: "96923456000011"}, {ai: "3103", value: "028860"}, {ai: "13", value: "261204"}},
			">;>80196923456000011310302886013261204"},
		{[]gs1Element{{ai: "21", value: "010000009001", variable: true}, {ai: "10", value: "20261204-L1-1", variable: true}},
			">;>821010000009001>81020261204>6-L1-1"},
		{[]gs1Element{{ai: "10", value: "A>1234567", variable: true}},
			">;>810>6A>01>5234567"},
	}
	for _, tt := range tests {
		symbol, err := encodeGS1128(tt.elements)
		if err != nil {
			t.Fatal(err)
		}
		got, err := symbol.zplData()
		if err != nil || got != tt.want {
			t.Errorf("zplData(%s) = %q, %v; want %q", symbol.hri, got, err, tt.want)
		}
	}
}

// decodeGraphic decodes ^GFA data written with Zebra's ASCII compression,
// independently of writeGraphic. G to Y count 1 to 19 and g to z count 20
// to 400. A comma fills the row with 0, an exclamation mark fills it with
// F, and a colon repeats the previous row.
func decodeGraphic(data string, stride int) ([]byte, error) {
	var out []byte
	var row, previous []byte
	count := 0
	endRow := func() {
		previous = append(previous[:0], row...)
		out = append(out, row...)
		row = row[:0]
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c >= 'G' && c <= 'Y':
			count += int(c-'G') + 1
		case c >= 'g' && c <= 'z':
			count += (int(c-'g') + 1) * 20
		case c == ',' || c == '!':
			fillDigit := byte('0')
			if c == '!' {
				fillDigit = 'F'
			}
			for len(row) < 2*stride {
				row = append(row, fillDigit)
			}
		case c == ':':
			row = append(row[:0], previous...)
		default:
			n := max(count, 1)
			count = 0
			for range n {
				row = append(row, c)
			}
		}
		if len(row) > 2*stride {
			return nil, fmt.Errorf("row overflow at byte %d", i)
		}
		if len(row) == 2*stride {
			endRow()
		}
	}
	if len(row) != 0 {
		return nil, fmt.Errorf("%d hex digits left over", len(row))
	}
	return hex.DecodeString(string(out))
}

// TestGraphicCompressionRoundTrip checks writeGraphic against the
// independent decoder for random, blank, full and repeating rows.
func TestGraphicCompressionRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, width := range []int{1, 7, 8, 9, 300, 1181} {
		bm := newBitmap(width, 12)
		for y := 0; y < bm.Height; y++ {
			for x := 0; x < width; x++ {
				switch {
				case y == 0, y == 1: // white rows, the second repeating the first
				case y == 2:
					bm.set(x, y) // all black
				case y == 3, y == 4:
					if x%3 == 0 {
						bm.set(x, y)
					}
				case y >= 5 && x < width/2:
					if rng.IntN(4) == 0 {
						bm.set(x, y)
					}
				}
			}
		}
		var b bytes.Buffer
		writeGraphic(&b, bm)
		fields := strings.SplitN(b.String(), ",", 5)
		got, err := decodeGraphic(fields[4], bm.Stride)
		if err != nil {
			t.Fatalf("width %d: decode: %v", width, err)
		}
		if !bytes.Equal(got, bm.Pix) {
			t.Errorf("width %d: decoded graphic differs from the bitmap", width)
		}
		if want := fmt.Sprintf("^GFA,%d,%d,%d,", len(bm.Pix), len(bm.Pix), bm.Stride); !strings.HasPrefix(b.String(), want) {
			t.Errorf("width %d: header %q, want %q", width, b.String()[:len(want)], want)
		}
	}
}

// renderLine measures and draws a line.
func renderLine(segments []segment) (*textLine, error) {
	l, err := measureLine(segments)
	if err != nil {
		return nil, err
	}
	return l, l.draw()
}

// TestTextLineHoldsAllInk checks that a line's bitmap holds every dot of
// ink its glyphs draw, for hanzi, descenders, brackets and symbols, so
// nothing is clipped.
func TestTextLineHoldsAllInk(t *testing.T) {
	for _, text := range []string{"羊胴体 前腿 982000123456789", "(gjpqy)[]{}|", "冷冻 −18 ℃ 0–4 °C", "ǘé"} {
		for _, size := range []int{14, 22, 37} {
			s := segment{text: text, size: size}
			if _, err := measure(s); err != nil {
				t.Fatalf("measure %q: %v", text, err)
			}
			l, err := renderLine([]segment{s})
			if err != nil {
				t.Fatalf("renderLine(%q): %v", text, err)
			}
			inLine := countInk(l.bitmap)

			// Draw the same glyphs on a canvas far larger than any glyph.
			canvas := image.NewAlpha(image.Rect(-4*size, -4*size, 40*size, 4*size))
			var dot fixed.Int26_6
			for _, r := range text {
				g, err := glyphs.mask(r, false, size)
				if err != nil {
					t.Fatal(err)
				}
				if g.mask != nil {
					dst := g.ink.Add(image.Pt(dot.Round(), 0))
					draw.DrawMask(canvas, dst, image.Opaque, image.Point{}, g.mask, g.ink.Min, draw.Over)
				}
				dot += g.advance
			}
			onCanvas := 0
			for _, a := range canvas.Pix {
				if a >= 0x80 {
					onCanvas++
				}
			}
			if inLine != onCanvas || inLine == 0 {
				t.Errorf("%q at %d dots: %d ink dots in the line bitmap, %d drawn", text, size, inLine, onCanvas)
			}
		}
	}
}

func countInk(bm *Bitmap) int {
	n := 0
	for y := 0; y < bm.Height; y++ {
		for x := 0; x < bm.Width; x++ {
			if bm.Black(x, y) {
				n++
			}
		}
	}
	return n
}

// TestMissingGlyphRejected checks that a character outside the bundled
// font is an error, never a .notdef box on the label.
func TestMissingGlyphRejected(t *testing.T) {
	_, err := renderLine([]segment{{text: "羊 🐑", size: 20}})
	var le *Error
	if !errors.As(err, &le) || !errors.Is(err, ErrNoGlyph) || le.Value != "🐑" {
		t.Errorf("renderLine with U+1F411: error = %v, want ErrNoGlyph for 🐑", err)
	}
}

// TestMissingGlyphNamesField checks that a fact with a character outside
// the font is named in the error.
func TestMissingGlyphNamesField(t *testing.T) {
	b := &builder{cfg: Config{DPI: 203, Size: Size60x40}, width: 480, height: 320,
		rows: []row{{field: "Owner", scale: 1, segments: []rowSegment{{text: "巴特尔 🐑"}}}}}
	_, err := b.placeRows(20, 0, 320, image.Rectangle{})
	var le *Error
	if !errors.As(err, &le) || !errors.Is(err, ErrNoGlyph) || le.Field != "Owner" {
		t.Errorf("placeRows error = %v, want ErrNoGlyph for field Owner", err)
	}
}

// TestErrorMessageTranslated checks the operator's message of an error
// in both languages.
func TestErrorMessageTranslated(t *testing.T) {
	err := &Error{Field: "NetWeight", Value: "0 g", Err: ErrInvalid, Detail: "AI 3103 takes 1 g to 999.999 kg"}
	if got, want := err.Message(line.LangZH), "标签的净重 0 g 无效：AI 3103 takes 1 g to 999.999 kg"; got != want {
		t.Errorf("Message(zh) = %q, want %q", got, want)
	}
	if got, want := err.Message(line.LangEN), "The label's net weight 0 g is invalid: AI 3103 takes 1 g to 999.999 kg"; got != want {
		t.Errorf("Message(en) = %q, want %q", got, want)
	}
}
