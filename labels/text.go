package labels

import (
	"fmt"
	"image"
	"image/draw"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Vertical metrics of the line box as fractions of the font size. Noto
// Sans CJK draws hanzi in an ideographic em box from 0.88 em above the
// baseline to 0.12 em below it. The hhea ascent and descent of the font
// (1.16 and 0.29 em) leave too much space between label lines.
const (
	lineAscent  = 0.88
	lineDescent = 0.12
)

// segment is a run of text in one face and size on a text line.
type segment struct {
	text  string
	bold  bool
	size  int  // font size in dots
	badge bool // drawn inside a frame, for the grassland mark
}

// placedSegment is a segment with its horizontal offset on its line.
type placedSegment struct {
	segment
	dx, width int
}

// glyphKey identifies a glyph in one style and size.
type glyphKey struct {
	bold bool
	size int
	r    rune
}

// glyph is one glyph at one size: its advance, the integer rectangle of
// its ink when drawn with its origin at (0, 0), and its alpha mask, which
// is rasterised only when a line is drawn.
type glyph struct {
	advance fixed.Int26_6
	ink     image.Rectangle // empty for a glyph without ink, such as a space
	mask    *image.Alpha    // nil until rasterised, and for a glyph without ink
}

// glyphCache keeps each glyph's metrics and mask per face and size.
// Faces are not safe for concurrent use, so one mutex guards the faces
// and the map.
type glyphCache struct {
	mu     sync.Mutex
	faces  map[[2]int]*opentype.Face // key: bold (0 or 1), size
	glyphs map[glyphKey]*glyph
	buf    sfnt.Buffer
}

// maxCachedGlyphs bounds the cache. The labels use a few hundred glyphs in
// a few sizes, so reaching the bound means sizes keep changing, and the
// cache starts over.
const maxCachedGlyphs = 20000

var glyphs = &glyphCache{}

// metrics returns the glyph of r with its advance and ink rectangle. A
// character without a glyph in the bundled font returns ErrNoGlyph, never
// the .notdef box.
func (c *glyphCache) metrics(r rune, bold bool, size int) (*glyph, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.metricsLocked(r, bold, size)
}

func (c *glyphCache) metricsLocked(r rune, bold bool, size int) (*glyph, error) {
	key := glyphKey{bold, size, r}
	if g, ok := c.glyphs[key]; ok {
		return g, nil
	}
	face, err := c.face(r, bold, size)
	if err != nil {
		return nil, err
	}
	bounds, advance, ok := face.GlyphBounds(r)
	if !ok {
		return nil, &Error{Field: "text", Value: string(r), Err: ErrNoGlyph, Detail: fmt.Sprintf("U+%04X", r)}
	}
	// The same quantisation as opentype.Face.Glyph, so the mask drawn
	// later has exactly this rectangle.
	g := &glyph{advance: advance, ink: image.Rect(bounds.Min.X.Floor(), bounds.Min.Y.Floor(), bounds.Max.X.Ceil(), bounds.Max.Y.Ceil())}

	if len(c.glyphs) >= maxCachedGlyphs {
		c.glyphs = nil
	}
	if c.glyphs == nil {
		c.glyphs = make(map[glyphKey]*glyph)
	}
	c.glyphs[key] = g
	return g, nil
}

// mask returns the glyph of r with its alpha mask rasterised.
func (c *glyphCache) mask(r rune, bold bool, size int) (*glyph, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g, err := c.metricsLocked(r, bold, size)
	if err != nil || g.mask != nil || g.ink.Empty() {
		return g, err
	}
	face, err := c.face(r, bold, size)
	if err != nil {
		return nil, err
	}
	dr, mask, maskp, _, ok := face.Glyph(fixed.Point26_6{}, r)
	if !ok || dr != g.ink {
		return nil, fmt.Errorf("rasterise %q at %d dots: glyph rectangle %v, metrics gave %v", r, size, dr, g.ink)
	}
	// Copy the mask: the face reuses its buffer for the next glyph.
	m := image.NewAlpha(dr)
	draw.Draw(m, dr, mask, maskp, draw.Src)
	g.mask = m
	return g, nil
}

// face returns the face of the given style and size, and checks that the
// bundled font has a glyph for r.
func (c *glyphCache) face(r rune, bold bool, size int) (*opentype.Face, error) {
	fonts, err := parsedFonts()
	if err != nil {
		return nil, err
	}
	style := 0
	if bold {
		style = 1
	}
	index, err := fonts[style].GlyphIndex(&c.buf, r)
	if err != nil {
		return nil, err
	}
	if index == 0 {
		return nil, &Error{Field: "text", Value: string(r), Err: ErrNoGlyph, Detail: fmt.Sprintf("U+%04X", r)}
	}

	key := [2]int{style, size}
	if face, ok := c.faces[key]; ok {
		return face, nil
	}
	// With DPI 72 the size is in dots. Hinting is off, so a glyph's
	// outline depends only on the font and the size.
	f, err := opentype.NewFace(fonts[style], &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return nil, err
	}
	face := f.(*opentype.Face)
	if c.faces == nil {
		c.faces = make(map[[2]int]*opentype.Face)
	}
	c.faces[key] = face
	return face, nil
}

// measure returns the advance width of s in dots.
func measure(s segment) (int, error) {
	var x fixed.Int26_6
	for _, r := range s.text {
		g, err := glyphs.metrics(r, s.bold, s.size)
		if err != nil {
			return 0, err
		}
		x += g.advance
	}
	return x.Ceil(), nil
}

// badgePadding returns the space between a badge's text and its frame,
// and the frame's thickness, in dots.
func badgePadding(size int) (pad, stroke int) {
	return max(2, size/6), max(1, size/12)
}

// segmentWidth returns the width a segment takes on its line, its frame
// included.
func segmentWidth(s segment) (int, error) {
	w, err := measure(s)
	if err != nil {
		return 0, err
	}
	if s.badge {
		pad, stroke := badgePadding(s.size)
		w += 2 * (pad + stroke)
	}
	return w, nil
}

// textLine is one line of text as laid out: its segments, their common
// baseline and the line's bitmap.
type textLine struct {
	x, y     int // top-left of the bitmap on the label, in dots
	baseline int // from the top of the bitmap
	originX  int // from the left of the bitmap to the first segment's origin
	segments []placedSegment
	box      image.Rectangle // the bitmap's rectangle relative to the first origin
	frames   []badgeFrame
	bitmap   *Bitmap // nil until draw
}

// badgeFrame is the frame drawn around a badge segment.
type badgeFrame struct {
	rect   image.Rectangle // relative to the first origin
	stroke int
}

// width returns the width the line's segments take.
func (l *textLine) width() int {
	last := l.segments[len(l.segments)-1]
	return last.dx + last.width
}

// height returns the height of the line's bitmap.
func (l *textLine) height() int { return l.box.Dy() }

// measureLine places segments side by side on a common baseline and
// computes the line's bitmap rectangle without drawing it. The rectangle
// is the line box of the largest size, extended to hold the badge frames
// and any ink that reaches past the box, so no glyph is ever clipped.
func measureLine(segments []segment) (*textLine, error) {
	line := &textLine{}
	size, x := 0, 0
	ink := image.Rectangle{}
	for _, s := range segments {
		w, err := segmentWidth(s)
		if err != nil {
			return nil, err
		}
		p := placedSegment{segment: s, dx: x, width: w}
		line.segments = append(line.segments, p)

		err = forEachGlyph(p, glyphs.metrics, func(g *glyph, origin image.Point) {
			ink = ink.Union(g.ink.Add(origin))
		})
		if err != nil {
			return nil, err
		}
		if s.badge {
			padding, stroke := badgePadding(s.size)
			a := int(float64(s.size)*lineAscent + 0.5)
			frame := image.Rect(x, -a-padding-stroke, x+w, s.size-a+padding+stroke)
			line.frames = append(line.frames, badgeFrame{frame, stroke})
			ink = ink.Union(frame)
		}
		x += w
		size = max(size, s.size)
	}

	ascent := int(float64(size)*lineAscent + 0.5)
	line.box = image.Rect(0, -ascent, max(x, 1), size-ascent).Union(ink)
	line.baseline = -line.box.Min.Y
	line.originX = -line.box.Min.X
	return line, nil
}

// forEachGlyph calls fn with each glyph of a placed segment and the
// whole-dot origin it is drawn at, relative to the line's first origin.
func forEachGlyph(p placedSegment, get func(rune, bool, int) (*glyph, error), fn func(*glyph, image.Point)) error {
	left := p.dx
	if p.badge {
		padding, stroke := badgePadding(p.size)
		left += padding + stroke
	}
	dot := fixed.I(left)
	for _, r := range p.text {
		g, err := get(r, p.bold, p.size)
		if err != nil {
			return err
		}
		fn(g, image.Pt(dot.Round(), 0))
		dot += g.advance
	}
	return nil
}

// draw rasterises the line into its bitmap: the glyphs' coverage is
// composited and thresholded at one half, then the badge frames are
// drawn.
func (l *textLine) draw() error {
	alpha := image.NewAlpha(l.box)
	for _, p := range l.segments {
		err := forEachGlyph(p, glyphs.mask, func(g *glyph, origin image.Point) {
			if g.mask != nil {
				composite(alpha, g.mask, origin)
			}
		})
		if err != nil {
			return err
		}
	}

	bm := newBitmap(l.box.Dx(), l.box.Dy())
	for y := 0; y < bm.Height; y++ {
		row := alpha.Pix[y*alpha.Stride : y*alpha.Stride+bm.Width]
		for x, a := range row {
			if a >= 0x80 {
				bm.Pix[y*bm.Stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	for _, f := range l.frames {
		for _, r := range frameRects(f.rect.Sub(l.box.Min), f.stroke) {
			bm.fillRect(r)
		}
	}
	l.bitmap = bm
	return nil
}

// composite draws an opaque glyph through mask, moved by origin, over
// dst. It computes what draw.DrawMask computes for an opaque source with
// draw.Over, in the same 16-bit steps, without its per-pixel interface
// calls.
func composite(dst, mask *image.Alpha, origin image.Point) {
	r := mask.Rect.Add(origin).Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		d := dst.Pix[dst.PixOffset(r.Min.X, y):dst.PixOffset(r.Max.X, y)]
		m := mask.Pix[mask.PixOffset(r.Min.X-origin.X, y-origin.Y):]
		for i := range d {
			ma := uint32(m[i]) * 0x101
			if ma == 0 {
				continue
			}
			da := uint32(d[i]) * 0x101
			d[i] = uint8((da*(0xffff-ma) + 0xffff*ma) / 0xffff >> 8)
		}
	}
}

// frameRects returns the four sides of a frame of the given thickness
// inside r.
func frameRects(r image.Rectangle, stroke int) []image.Rectangle {
	return []image.Rectangle{
		image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+stroke),
		image.Rect(r.Min.X, r.Max.Y-stroke, r.Max.X, r.Max.Y),
		image.Rect(r.Min.X, r.Min.Y, r.Min.X+stroke, r.Max.Y),
		image.Rect(r.Max.X-stroke, r.Min.Y, r.Max.X, r.Max.Y),
	}
}
