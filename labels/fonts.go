package labels

import (
	"embed"
	"fmt"
	"io/fs"
	"sync"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

// File names of the bundled fonts in Fonts.
const (
	FontRegularFile = "NotoSansSC-Regular.otf"
	FontBoldFile    = "NotoSansSC-Bold.otf"
)

// The bundled fonts: single-face OpenType subsets of Noto Sans CJK SC
// Regular and Bold under the SIL Open Font License, with OFL.txt beside
// them. fonts/README.md says how they were made.
//
//go:embed fonts/NotoSansSC-Regular.otf fonts/NotoSansSC-Bold.otf fonts/OFL.txt fonts/README.md fonts/charset.txt
var fontFiles embed.FS

// Fonts returns the bundled font files, their licence OFL.txt, README.md
// and charset.txt, the characters they cover. The kiosk theme can embed
// the same files, so the screen and the labels use one font.
func Fonts() fs.FS {
	sub, err := fs.Sub(fontFiles, "fonts")
	if err != nil {
		panic(err) // "fonts" is a valid literal path, so Sub cannot fail
	}
	return sub
}

// The bundled faces again as byte slices. embed.FS.ReadFile returns a
// new copy of its 4.3 MB on the heap at every call, while these stay in
// the binary's data and cost no heap.
var (
	//go:embed fonts/NotoSansSC-Regular.otf
	fontRegular []byte
	//go:embed fonts/NotoSansSC-Bold.otf
	fontBold []byte
)

// FontRegular returns the bytes of the bundled regular face. The slice is
// shared: do not modify it.
func FontRegular() []byte { return fontRegular }

// FontBold returns the bytes of the bundled bold face. The slice is
// shared: do not modify it.
func FontBold() []byte { return fontBold }

var (
	parseOnce  sync.Once
	parsedFont [2]*sfnt.Font // regular, bold
	parseErr   error
)

// parsedFonts parses the bundled faces once.
func parsedFonts() ([2]*sfnt.Font, error) {
	parseOnce.Do(func() {
		for i, data := range [][]byte{FontRegular(), FontBold()} {
			f, err := opentype.Parse(data)
			if err != nil {
				parseErr = fmt.Errorf("parse bundled font %d: %w", i, err)
				return
			}
			parsedFont[i] = f
		}
	})
	return parsedFont, parseErr
}
