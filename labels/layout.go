package labels

import (
	"errors"
	"fmt"
	"image"
	"math"

	"lambtrace/line"
)

// Layout proportions. Lengths are in millimetres and converted to dots at
// the printer's density; scales are relative to a row's base size.
const (
	marginMM        = 1.5  // around the label's edge
	columnGapMM     = 0.5  // between the text column and the QR quiet zone
	codeGapMM       = 1.5  // between the text and the bottom barcodes
	hriGapMM        = 0.5  // between bars and their text
	hriSizeMM       = 2.2  // text under the barcodes
	maxBaseSizeMM   = 4.0  // the largest body text
	minBaseSizeMM   = 1.6  // below this, text is too small to read
	minShrink       = 0.75 // a line may shrink to this share of its size to fit
	lineGapFraction = 0.18 // space between lines, in font sizes
	qrShareOfWidth  = 0.42 // the QR box's widest share of the label
	minModuleMM     = 0.25 // smallest QR module and barcode bar
	maxModuleMM     = 0.5  // largest QR module
	minBarHeightMM  = 8.0
	maxBarHeightMM  = 14.0
	barHeightShare  = 0.09 // bar height as a share of the label height
)

// Scales of the rows and of the English text beside Chinese.
const (
	scaleTitle   = 1.4
	scaleWeight  = 1.2
	scaleBody    = 1.0
	scaleSmall   = 0.85
	scaleEnglish = 0.8
)

// rowSegment is a piece of a row in one style. Segments of a row are
// separated by a space.
type rowSegment struct {
	text  string
	bold  bool
	scale float64 // relative to the row's size; 0 means 1
	badge bool
}

// row is a line of the text column, which wraps between segments when
// wrap is set and shrinks to fit otherwise.
type row struct {
	field    string // the fact the row prints, for errors
	scale    float64
	segments []rowSegment
	wrap     bool
}

// builder collects a template's content and lays it out.
type builder struct {
	cfg       Config
	width     int // label width in dots
	height    int // label height in dots
	rows      []row
	qrContent string
	codes     []code128Symbol
}

// Label is a laid-out label. ZPL writes it for the printer and Image
// draws it for the screen, from the same positions and bitmaps.
type Label struct {
	cfg    Config
	width  int
	height int
	lines  []*textLine
	qr     *qrSymbol
	codes  []*barcode
}

// barcode is a Code 128 symbol placed on the label.
type barcode struct {
	symbol code128Symbol
	module int // dots per module
	height int // bar height in dots
	x, y   int // top-left of the first bar
}

// Layout lays out the label of facts with cfg. Errors are *Error, such
// as ErrNoFit when the content cannot be made to fit cfg.Size.
func Layout(cfg Config, facts Facts) (*Label, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if facts == nil {
		return nil, &Error{Field: "facts", Err: ErrMissing}
	}
	b := &builder{cfg: cfg, width: cfg.Size.Width * cfg.dotsPerMM(), height: cfg.Size.Height * cfg.dotsPerMM()}
	if err := facts.build(b); err != nil {
		return nil, err
	}
	return b.layout()
}

// ZPL lays out facts with cfg and returns the printer job.
func ZPL(cfg Config, facts Facts) ([]byte, error) {
	l, err := Layout(cfg, facts)
	if err != nil {
		return nil, err
	}
	return l.ZPL(), nil
}

// QRContent returns the text the label's QR code holds, empty for a
// label without one.
func (l *Label) QRContent() string {
	if l.qr == nil {
		return ""
	}
	return l.qr.content
}

// Bounds returns the label's size in dots.
func (l *Label) Bounds() image.Rectangle { return image.Rect(0, 0, l.width, l.height) }

// errOverflow reports rows that run past the bottom of the text area at
// the tried size.
var errOverflow = errors.New("rows overflow the text area")

func (b *builder) layout() (*Label, error) {
	cfg := b.cfg
	label := &Label{cfg: cfg, width: b.width, height: b.height}
	margin := cfg.dots(marginMM)

	// Barcodes stack up from the bottom, each with its text below.
	bottom := b.height - margin
	for i := len(b.codes) - 1; i >= 0; i-- {
		code, hri, err := b.placeBarcode(b.codes[i], bottom, margin)
		if err != nil {
			return nil, err
		}
		label.codes = append([]*barcode{code}, label.codes...)
		label.lines = append(label.lines, hri)
		bottom = code.y - cfg.dots(codeGapMM)
	}

	// The QR code takes the top-right corner, quiet zone included.
	var qrBox image.Rectangle
	if b.qrContent != "" {
		q, box, err := b.placeQR(bottom, margin)
		if err != nil {
			return nil, err
		}
		label.qr, qrBox = q, box
	}

	// Rows fill the text column from the top, at the largest base size
	// that fits.
	textLines, err := b.placeRowsAtBestSize(margin, bottom, qrBox)
	if err != nil {
		return nil, err
	}
	label.lines = append(textLines, label.lines...)
	for _, l := range label.lines {
		if err := l.draw(); err != nil {
			return nil, err
		}
	}
	return label, nil
}

func (b *builder) placeQR(bottom, margin int) (*qrSymbol, image.Rectangle, error) {
	cfg := b.cfg
	version, err := qrVersion(b.qrContent)
	if err != nil {
		return nil, image.Rectangle{}, err
	}
	if err := checkFieldData("QR", b.qrContent); err != nil {
		return nil, image.Rectangle{}, err
	}
	span := qrModules(version) + 2*qrQuietZone
	maxSide := min(bottom-margin, int(float64(b.width)*qrShareOfWidth))
	module := min(maxSide/span, cfg.dots(maxModuleMM))
	if module < max(1, cfg.dots(minModuleMM)) {
		return nil, image.Rectangle{}, &Error{Field: "QR", Value: b.qrContent, Err: ErrNoFit,
			Detail: fmt.Sprintf("a version %d QR code with modules of %.2f mm needs %.1f mm, the label has room for %.1f mm",
				version, minModuleMM, float64(span)*minModuleMM, float64(maxSide)/float64(cfg.dotsPerMM()))}
	}
	side := span * module
	box := image.Rect(b.width-margin-side, margin, b.width-margin, margin+side)
	q := &qrSymbol{content: b.qrContent, version: version, module: module,
		x: box.Min.X + qrQuietZone*module, y: box.Min.Y + qrQuietZone*module}
	return q, box, nil
}

func (b *builder) placeBarcode(symbol code128Symbol, bottom, margin int) (*barcode, *textLine, error) {
	cfg := b.cfg
	module := max(1, cfg.dots(minModuleMM))
	bars := len(symbol.modules())
	need := (bars + 2*code128QuietZone) * module
	if need > b.width-2*margin {
		return nil, nil, &Error{Field: "Barcode", Value: symbol.hri, Err: ErrNoFit,
			Detail: fmt.Sprintf("the GS1-128 symbol needs %.1f mm with its quiet zones, the label has %d mm",
				float64(need)/float64(cfg.dotsPerMM()), b.cfg.Size.Width)}
	}
	hri, err := measureLine([]segment{{text: symbol.hri, size: cfg.dots(hriSizeMM)}})
	if err != nil {
		return nil, nil, err
	}
	x := margin + code128QuietZone*module
	hri.x, hri.y = x-hri.originX, bottom-hri.height()
	height := cfg.dots(min(max(barHeightShare*float64(b.cfg.Size.Height), minBarHeightMM), maxBarHeightMM))
	code := &barcode{symbol: symbol, module: module, height: height, x: x, y: hri.y - cfg.dots(hriGapMM) - height}
	if code.y < margin {
		return nil, nil, &Error{Field: "Barcode", Value: symbol.hri, Err: ErrNoFit, Detail: "the label is too short for its barcodes"}
	}
	return code, hri, nil
}

// placeRowsAtBestSize finds the largest base size at which the rows fit
// between top and bottom. Smaller text never needs more room, except
// where a wrap falls differently, so a binary search over the sizes
// finds it with a few trial layouts.
func (b *builder) placeRowsAtBestSize(top, bottom int, qrBox image.Rectangle) ([]*textLine, error) {
	cfg := b.cfg
	units := 0.0
	for _, r := range b.rows {
		units += r.scale * (1 + lineGapFraction)
	}
	largest := cfg.dots(maxBaseSizeMM)
	if units > 0 {
		largest = min(largest, int(float64(bottom-top)/units))
	}
	smallest := cfg.dots(minBaseSizeMM)

	var best []*textLine
	low, high := smallest, largest
	for low <= high {
		size := (low + high) / 2
		lines, err := b.placeRows(size, top, bottom, qrBox)
		switch {
		case errors.Is(err, errOverflow):
			high = size - 1
		case err != nil:
			return nil, err
		default:
			best = lines
			low = size + 1
		}
	}
	if best == nil {
		return nil, &Error{Field: "Size", Value: cfg.Size.String(), Err: ErrNoFit,
			Detail: fmt.Sprintf("%d text rows do not fit at %.1f mm text; use a larger label", len(b.rows), minBaseSizeMM)}
	}
	return best, nil
}

// placeRows lays the rows out at base size and returns errOverflow when
// they run past bottom.
func (b *builder) placeRows(base, top, bottom int, qrBox image.Rectangle) ([]*textLine, error) {
	margin := b.cfg.dots(marginMM)
	columnGap := b.cfg.dots(columnGapMM)
	widthAt := func(y int) int {
		if !qrBox.Empty() && y < qrBox.Max.Y {
			return qrBox.Min.X - columnGap - margin
		}
		return b.width - 2*margin
	}

	var lines []*textLine
	y := top
	for _, r := range b.rows {
		size := int(math.Round(float64(base) * r.scale))
		pending := r.segments
		for len(pending) > 0 {
			l, used, err := fitLine(r, pending, size, widthAt(y))
			var le *Error
			if errors.As(err, &le) && le.Field == "text" {
				// Name the fact whose text has the character.
				le.Field = r.field
			}
			if err != nil {
				return nil, err
			}
			l.x, l.y = margin-l.originX, y
			lines = append(lines, l)
			y += l.height()
			if y > bottom {
				return nil, errOverflow
			}
			y += int(math.Round(float64(size) * lineGapFraction))
			pending = pending[used:]
		}
	}
	return lines, nil
}

// fitLine renders as many of the pending segments as fit in width:
// all of them, or for a wrapping row the longest prefix that fits. A line
// that still does not fit shrinks down to minShrink of its size. It
// returns the line and the number of segments it holds.
func fitLine(r row, pending []rowSegment, size, width int) (*textLine, int, error) {
	count := len(pending)
	for shrink := size; shrink >= int(math.Ceil(float64(size)*minShrink)); shrink-- {
		for n := count; n >= 1; n-- {
			l, err := measureLine(sized(pending[:n], shrink))
			if err != nil {
				return nil, 0, err
			}
			if l.width() <= width {
				return l, n, nil
			}
			if !r.wrap {
				break
			}
		}
	}
	var text string
	for i, s := range pending {
		if i > 0 {
			text += " "
		}
		text += s.text
	}
	return nil, 0, &Error{Field: r.field, Value: text, Err: ErrNoFit,
		Detail: "the text is too long for the label even at a smaller size; use a larger label or a shorter text"}
}

// sized converts row segments to text segments at size, with a space
// before every segment but the first.
func sized(segments []rowSegment, size int) []segment {
	out := make([]segment, len(segments))
	for i, s := range segments {
		scale := s.scale
		if scale == 0 {
			scale = 1
		}
		text := s.text
		if i > 0 && !s.badge {
			text = " " + text
		}
		out[i] = segment{text: text, bold: s.bold, size: int(math.Round(float64(size) * scale)), badge: s.badge}
	}
	for i := range out {
		if out[i].badge && i > 0 {
			// A badge is a frame, so the space goes on the previous segment.
			out[i-1].text += " "
		}
	}
	return out
}

// bilingual returns the Chinese and English texts of a catalog key.
func bilingual(key string, data map[string]string) (zh, en string) {
	return line.Translate(line.LangZH, key, data), line.Translate(line.LangEN, key, data)
}

// captionRow returns a row of a caption in Chinese, its English in a
// smaller size, then the value segments.
func captionRow(field, key string, scale float64, values ...rowSegment) row {
	zh, en := bilingual(key, nil)
	segments := []rowSegment{{text: zh}, {text: en, scale: scaleEnglish}}
	return row{field: field, scale: scale, segments: append(segments, values...), wrap: true}
}
