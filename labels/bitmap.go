package labels

import "image"

// Bitmap is a 1-bit image in the layout of a ZPL graphic field: rows of
// Stride bytes, the most significant bit first, a set bit a black dot.
type Bitmap struct {
	Width, Height int
	Stride        int // bytes per row, (Width+7)/8
	Pix           []byte
}

func newBitmap(width, height int) *Bitmap {
	stride := (width + 7) / 8
	return &Bitmap{Width: width, Height: height, Stride: stride, Pix: make([]byte, stride*height)}
}

// Black reports whether the dot at x, y is black. Dots outside the
// bitmap are white.
func (b *Bitmap) Black(x, y int) bool {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return false
	}
	return b.Pix[y*b.Stride+x/8]&(0x80>>(x%8)) != 0
}

func (b *Bitmap) set(x, y int) {
	if x < 0 || y < 0 || x >= b.Width || y >= b.Height {
		return
	}
	b.Pix[y*b.Stride+x/8] |= 0x80 >> (x % 8)
}

// fillRect blackens the dots of r that lie inside the bitmap.
func (b *Bitmap) fillRect(r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, b.Width, b.Height))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			b.set(x, y)
		}
	}
}
