package labels_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/font/sfnt"

	"lambtrace/labels"
)

// mustParseFonts parses the bundled regular and bold faces.
func mustParseFonts(t *testing.T) map[string]*sfnt.Font {
	t.Helper()
	faces := map[string]*sfnt.Font{}
	for name, data := range map[string][]byte{"regular": labels.FontRegular(), "bold": labels.FontBold()} {
		f, err := sfnt.Parse(data)
		if err != nil {
			t.Fatalf("parse %s face: %v", name, err)
		}
		faces[name] = f
	}
	return faces
}

// checkCoverage reports every character of text without a glyph in a
// face.
func checkCoverage(t *testing.T, faces map[string]*sfnt.Font, source, text string) {
	t.Helper()
	var buf sfnt.Buffer
	missing := 0
	for name, f := range faces {
		for _, r := range text {
			if r < 0x20 {
				continue
			}
			g, err := f.GlyphIndex(&buf, r)
			if err != nil || g == 0 {
				missing++
				if missing <= 10 {
					t.Errorf("%s: %q (U+%04X) has no glyph in the %s face", source, r, r, name)
				}
			}
		}
	}
	if missing > 10 {
		t.Errorf("%s: %d characters without a glyph in all", source, missing)
	}
}

// TestFontCoversCharset checks that both faces have a glyph for every
// character the font README promises: ASCII, GB 2312 and the Table of
// General Standard Chinese Characters.
func TestFontCoversCharset(t *testing.T) {
	charset, err := fs.ReadFile(labels.Fonts(), "charset.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(string(bytes.TrimSpace(charset)))); n < 7445+1000 {
		t.Errorf("charset.txt has %d characters, fewer than GB 2312 plus the extra hanzi of the general standard table", n)
	}
	checkCoverage(t, mustParseFonts(t), "charset.txt", string(charset))
}

// TestFontCoversCatalogsAndSampleData checks that every character of the
// translation catalogs and the sample data can be drawn, so no label or
// screen shows a missing-glyph box.
func TestFontCoversCatalogsAndSampleData(t *testing.T) {
	faces := mustParseFonts(t)
	files, err := filepath.Glob("../line/translations/*/*.json")
	if err != nil || len(files) < 4 {
		t.Fatalf("catalog files: %v %v", files, err)
	}
	samples, _ := filepath.Glob(sample + ".*.json")
	for _, file := range append(files, samples...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		checkCoverage(t, faces, file, string(data))
	}
	checkCoverage(t, faces, "kiosk sample text", "羊胴体 前腿 982000123456789 草原放牧 冷藏 0–4 ℃ 冷冻 −18 ℃")
}

// TestFontFiles checks the exported font bytes: the same files as in
// Fonts, each a single OpenType face and not a collection, which the
// font loader of fyne rejects, and the licence beside them.
func TestFontFiles(t *testing.T) {
	fsys := labels.Fonts()
	for name, data := range map[string][]byte{labels.FontRegularFile: labels.FontRegular(), labels.FontBoldFile: labels.FontBold()} {
		file, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(file, data) {
			t.Errorf("%s in Fonts() differs from the exported bytes", name)
		}
		if !bytes.HasPrefix(data, []byte("OTTO")) {
			t.Errorf("%s starts with %q, want an OpenType CFF face (OTTO), not a collection", name, data[:4])
		}
	}
	if bytes.Equal(labels.FontRegular(), labels.FontBold()) {
		t.Error("the regular and bold faces are the same file")
	}
	licence, err := fs.ReadFile(fsys, "OFL.txt")
	if err != nil || !bytes.Contains(licence, []byte("SIL OPEN FONT LICENSE Version 1.1")) {
		t.Errorf("OFL.txt missing or not the SIL Open Font License: %v", err)
	}
}
