package labels_test

import (
	"image"
	"image/color"
	"regexp"
	"strconv"
	"testing"

	"lambtrace/labels"
)

// graphicField matches a ^GFA field and its origin.
var graphicField = regexp.MustCompile(`\^FO(\d+),(\d+)\^GFA,(\d+),(\d+),(\d+),([^\^]*)\^FS`)

// graphicsImage draws the ^GFA fields of a ZPL job, decoded by the test's
// own decoder, into an image of the label's size.
func graphicsImage(t *testing.T, zpl []byte, bounds image.Rectangle) *image.Paletted {
	t.Helper()
	img := image.NewPaletted(bounds, color.Palette{color.White, color.Black})
	fields := graphicField.FindAllSubmatch(zpl, -1)
	if len(fields) == 0 {
		t.Fatal("no ^GFA field in the ZPL")
	}
	for _, f := range fields {
		x, _ := strconv.Atoi(string(f[1]))
		y, _ := strconv.Atoi(string(f[2]))
		total, _ := strconv.Atoi(string(f[3]))
		stride, _ := strconv.Atoi(string(f[5]))
		data, err := labels.DecodeGraphic(string(f[6]), stride)
		if err != nil {
			t.Fatalf("decode ^GFA at %d,%d: %v", x, y, err)
		}
		if len(data) != total {
			t.Fatalf("^GFA at %d,%d: %d bytes, header says %d", x, y, len(data), total)
		}
		for j := 0; j < total/stride; j++ {
			for i := 0; i < stride*8; i++ {
				if data[j*stride+i/8]&(0x80>>(i%8)) != 0 {
					img.SetColorIndex(x+i, y+j, 1)
				}
			}
		}
	}
	return img
}

// black reports whether the pixel at x, y is dark.
func black(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

// inked reports whether the pixel at x, y of a two-colour preview is
// black.
func inked(img *image.Paletted, x, y int) bool { return img.Pix[img.PixOffset(x, y)] == 1 }

// symbolRects returns the rectangles of every symbol on l.
func symbolRects(l *labels.Label) []image.Rectangle {
	qr, _ := labels.QRSymbolRect(l)
	return append(labels.BarcodeRects(l), qr)
}

// outside reports whether p lies outside every rectangle.
func outside(p image.Point, rects []image.Rectangle) bool {
	for _, r := range rects {
		if p.In(r) {
			return false
		}
	}
	return true
}

// TestGraphicFieldsMatchPreview checks that the text graphics of the ZPL
// and the preview are the same bitmap: every dot outside the QR code and
// the barcodes is black in one exactly when it is black in the other.
func TestGraphicFieldsMatchPreview(t *testing.T) {
	for _, c := range templateCases(t) {
		for _, dpi := range dpis {
			t.Run(caseName(c, dpi), func(t *testing.T) {
				l := mustLayout(t, testConfig(c.size, dpi), c.facts)
				preview, err := l.Image()
				if err != nil {
					t.Fatal(err)
				}
				if preview.Bounds() != l.Bounds() || l.Bounds().Dx() != c.size.Width*dpmm(dpi) {
					t.Fatalf("preview bounds %v, label bounds %v", preview.Bounds(), l.Bounds())
				}
				fromZPL := graphicsImage(t, l.ZPL(), l.Bounds())
				symbols := symbolRects(l)
				differ, dark := 0, 0
				for y := 0; y < l.Bounds().Dy(); y++ {
					for x := 0; x < l.Bounds().Dx(); x++ {
						if !outside(image.Pt(x, y), symbols) {
							continue
						}
						z, p := inked(fromZPL, x, y), inked(preview, x, y)
						if z != p {
							differ++
						}
						if p {
							dark++
						}
					}
				}
				if differ != 0 || dark == 0 {
					t.Errorf("%d dots differ between the ZPL graphics and the preview (%d black dots in the preview)", differ, dark)
				}
			})
		}
	}
}

func dpmm(dpi int) int {
	if dpi == 300 {
		return 12
	}
	return 8
}

// TestPreviewQRWholeModules checks the preview's QR code: square modules
// of a whole number of pixels, every module one colour, and a quiet zone
// of four light modules, so the code on the screen scans like the print.
func TestPreviewQRWholeModules(t *testing.T) {
	for _, c := range templateCases(t) {
		for _, dpi := range dpis {
			t.Run(caseName(c, dpi), func(t *testing.T) {
				l := mustLayout(t, testConfig(c.size, dpi), c.facts)
				img, err := l.Image()
				if err != nil {
					t.Fatal(err)
				}
				symbol, module := labels.QRSymbolRect(l)
				if module < 2 || symbol.Dx()%module != 0 || symbol.Dx() != symbol.Dy() {
					t.Fatalf("symbol %v with modules of %d dots", symbol, module)
				}
				modules := symbol.Dx() / module
				if modules < 21 || modules > 57 || (modules-17)%4 != 0 {
					t.Errorf("%d modules on a side, want a QR version 1 to 10", modules)
				}
				for my := 0; my < modules; my++ {
					for mx := 0; mx < modules; mx++ {
						x0, y0 := symbol.Min.X+mx*module, symbol.Min.Y+my*module
						want := inked(img, x0, y0)
						for y := y0; y < y0+module; y++ {
							for x := x0; x < x0+module; x++ {
								if inked(img, x, y) != want {
									t.Fatalf("module %d,%d is not one colour at pixel %d,%d", mx, my, x, y)
								}
							}
						}
					}
				}
				quiet := symbol.Inset(-4 * module)
				if !quiet.In(img.Bounds()) {
					t.Fatalf("quiet zone %v leaves the label %v", quiet, img.Bounds())
				}
				for y := quiet.Min.Y; y < quiet.Max.Y; y++ {
					for x := quiet.Min.X; x < quiet.Max.X; x++ {
						if !image.Pt(x, y).In(symbol) && inked(img, x, y) {
							t.Fatalf("dark pixel %d,%d in the quiet zone %v of symbol %v", x, y, quiet, symbol)
						}
					}
				}
			})
		}
	}
}
