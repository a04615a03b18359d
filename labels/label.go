package labels

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
)

// qrShiftHeight is the ^BY bar height set before every QR field. A
// printer draws a ^BQ symbol that many dots below its ^FO origin, and
// keeps ^BY from the previous job, so the height is set in every label
// and the ^FO is raised by it.
const qrShiftHeight = 10

// residentFontLetter is the font letter that ^CW maps to the printer's
// font in FontResident mode.
const residentFontLetter = '1'

// ZPL returns the label as one ZPL II format, ^XA to ^XZ, for one copy.
func (l *Label) ZPL() []byte {
	var b bytes.Buffer
	b.Grow(16 << 10)
	b.WriteString("^XA\n^CI28\n")
	fmt.Fprintf(&b, "^PW%d\n^LL%d\n^LH0,0\n^PON\n", l.width, l.height)
	if l.cfg.Font == FontResident {
		fmt.Fprintf(&b, "^CW%c,%s\n", residentFontLetter, l.cfg.ResidentFont)
	}

	for _, line := range l.lines {
		if l.cfg.Font == FontResident {
			writeResidentLine(&b, line)
			continue
		}
		fmt.Fprintf(&b, "^FO%d,%d", line.x, line.y)
		writeGraphic(&b, line.bitmap)
		b.WriteString("^FS\n")
	}

	if q := l.qr; q != nil {
		if l.cfg.Font == FontResident {
			// The printer's font may be wider than the bundled font the
			// layout measured. Text that runs long must not cover the
			// code, so a white box clears the code's quiet zone first.
			quiet := qrQuietZone * q.module
			side := q.side() + 2*quiet
			fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d,W^FS\n", q.x-quiet, q.y-quiet, side, side, side)
		}
		fmt.Fprintf(&b, "^BY2,3,%d^FO%d,%d^BQN,2,%d,M,7", qrShiftHeight, q.x, q.y-qrShiftHeight, q.module)
		writeFieldData(&b, qrSwitches(q.content), q.content)
		b.WriteString("^FS\n")
	}

	for _, c := range l.codes {
		data, err := c.symbol.zplData()
		if err != nil {
			// encodeGS1128 only produces values zplData writes.
			panic(err)
		}
		fmt.Fprintf(&b, "^BY%d,3,%d^FO%d,%d^BCN,%d,N,N,N,N^FD%s^FS\n", c.module, c.height, c.x, c.y, c.height, data)
	}

	b.WriteString("^PQ1\n^XZ\n")
	return b.Bytes()
}

// writeResidentLine writes a text line as ^A fields in the printer's
// font, one per segment, and frames badges with ^GB.
func writeResidentLine(b *bytes.Buffer, line *textLine) {
	for _, s := range line.segments {
		x := line.x + line.originX + s.dx
		ascent := int(float64(s.size)*lineAscent + 0.5)
		y := line.y + line.baseline - ascent
		if s.badge {
			pad, stroke := badgePadding(s.size)
			fmt.Fprintf(b, "^FO%d,%d^GB%d,%d,%d^FS\n", x, y-pad-stroke, s.width, s.size+2*(pad+stroke), stroke)
			x += pad + stroke
		}
		fmt.Fprintf(b, "^FO%d,%d^A%cN,%d,%d", x, y, residentFontLetter, s.size, s.size)
		writeFieldData(b, "", s.text)
		b.WriteString("^FS\n")
	}
}

// previewPalette has white at index 0 and black at index 1.
var previewPalette = color.Palette{color.White, color.Black}

// Image draws the label at the printer's density, one pixel per dot: the
// text bitmaps the ZPL sends, the QR code from skip2/go-qrcode with whole
// pixels per module, and the barcodes' bars.
func (l *Label) Image() (*image.Paletted, error) {
	img := image.NewPaletted(image.Rect(0, 0, l.width, l.height), previewPalette)
	for _, line := range l.lines {
		drawBitmap(img, line.bitmap, line.x, line.y)
	}

	if q := l.qr; q != nil {
		modules, err := q.modules()
		if err != nil {
			return nil, err
		}
		for my, cells := range modules {
			for mx, dark := range cells {
				if dark {
					fill(img, image.Rect(q.x+mx*q.module, q.y+my*q.module, q.x+(mx+1)*q.module, q.y+(my+1)*q.module))
				}
			}
		}
	}

	for _, c := range l.codes {
		for i, bar := range c.symbol.modules() {
			if bar {
				fill(img, image.Rect(c.x+i*c.module, c.y, c.x+(i+1)*c.module, c.y+c.height))
			}
		}
	}
	return img, nil
}

// PNG returns Image encoded as PNG.
func (l *Label) PNG() ([]byte, error) {
	img, err := l.Image()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Preview lays out facts with cfg and returns the preview image.
func Preview(cfg Config, facts Facts) (*image.Paletted, error) {
	l, err := Layout(cfg, facts)
	if err != nil {
		return nil, err
	}
	return l.Image()
}

// drawBitmap blackens the dots of bm at x, y and leaves the image as it
// is under white dots.
func drawBitmap(img *image.Paletted, bm *Bitmap, x, y int) {
	for by := 0; by < bm.Height; by++ {
		for bx := 0; bx < bm.Width; bx++ {
			if bm.Black(bx, by) {
				img.SetColorIndex(x+bx, y+by, 1)
			}
		}
	}
}

func fill(img *image.Paletted, r image.Rectangle) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetColorIndex(x, y, 1)
		}
	}
}

// Text returns the label's text lines from top to bottom, as printed:
// each line's segments joined as they are spaced. A badge's text is
// written in square brackets. The station can log it with the print job.
func (l *Label) Text() []string {
	lines := make([]*textLine, len(l.lines))
	copy(lines, l.lines)
	slices.SortStableFunc(lines, func(a, b *textLine) int { return cmp.Compare(a.y, b.y) })
	out := make([]string, len(lines))
	for i, line := range lines {
		var b strings.Builder
		for _, s := range line.segments {
			if s.badge {
				b.WriteString("[" + s.text + "]")
			} else {
				b.WriteString(s.text)
			}
		}
		out[i] = b.String()
	}
	return out
}
