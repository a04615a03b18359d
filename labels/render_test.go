package labels_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"lambtrace/labels"
	"lambtrace/line"
)

// rendererScript renders ZPL to PNG with the npm package zpl-renderer-js,
// which `make deps` installs under tools/.
const rendererScript = "../tools/render-zpl.mjs"

// needRenderer skips the test when node or zpl-renderer-js is missing.
func needRenderer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed; run make deps to check labels with the independent ZPL renderer")
	}
	if _, err := os.Stat("../tools/node_modules/zpl-renderer-js/package.json"); err != nil {
		t.Skip("zpl-renderer-js is not installed under tools/; run make deps to check labels with it")
	}
}

// renderJob is one label for renderZPL.
type renderJob struct {
	name string
	zpl  []byte
	size labels.Size
	dpi  int
}

// renderZPL renders jobs with zpl-renderer-js in one run of node, at each
// label's size and density, and returns the PNG paths in job order.
func renderZPL(t *testing.T, jobs ...renderJob) []string {
	t.Helper()
	dir := t.TempDir()
	args := []string{rendererScript}
	var outputs []string
	for _, j := range jobs {
		in, out := filepath.Join(dir, j.name+".zpl"), filepath.Join(dir, j.name+".png")
		if err := os.WriteFile(in, j.zpl, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, in, out, strconv.Itoa(j.size.Width), strconv.Itoa(j.size.Height), strconv.Itoa(dpmm(j.dpi)))
		outputs = append(outputs, out)
	}
	if output, err := exec.Command("node", args...).CombinedOutput(); err != nil {
		t.Fatalf("render with zpl-renderer-js: %v\n%s", err, output)
	}
	return outputs
}

func mustDecodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// zbarSymbols returns the symbols zbarimg finds in an image, as
// "TYPE:data" lines, or skips the test when zbarimg is missing.
func zbarSymbols(t *testing.T, path string) []string {
	t.Helper()
	if _, err := exec.LookPath("zbarimg"); err != nil {
		t.Skip("zbarimg is not installed; run make deps (Debian package zbar-tools)")
	}
	var stdout bytes.Buffer
	cmd := exec.Command("zbarimg", "-q", path)
	cmd.Stdout = &stdout // stderr carries D-Bus noise
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 4 {
			t.Fatalf("zbarimg found no symbol in %s", path)
		}
		t.Fatalf("zbarimg %s: %v", path, err)
	}
	return strings.Split(strings.TrimSpace(stdout.String()), "\n")
}

// gozxingQR decodes the QR code in img with gozxing.
func gozxingQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	result, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing found no QR code: %v", err)
	}
	return result.GetText()
}

// gozxingGS1128 decodes the Code 128 symbol inside r of img with gozxing.
func gozxingGS1128(t *testing.T, img image.Image, r image.Rectangle) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(crop(img, r.Inset(-40)))
	if err != nil {
		t.Fatal(err)
	}
	result, err := oned.NewCode128Reader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_ASSUME_GS1: true})
	if err != nil {
		t.Fatalf("gozxing found no Code 128 symbol in %v: %v", r, err)
	}
	return result.GetText()
}

// expectedQR builds the QR content of facts independently of the
// template, with line.DigitalLink for packs and cartons.
func expectedQR(t *testing.T, facts labels.Facts) string {
	t.Helper()
	var link line.DigitalLink
	switch f := facts.(type) {
	case labels.Carcass:
		return f.Number
	case labels.Pack:
		link = line.DigitalLink{GTIN: f.Product.GTIN, Batch: f.Batch, Serial: f.Serial, NetWeight: f.NetWeight,
			SourceEntity: string(f.Source.EarTag), CutCode: f.Product.UNECECut, Origin: "156"}
	case labels.MixedPack:
		link = line.DigitalLink{GTIN: f.Product.GTIN, Batch: f.Batch, Serial: f.Serial, NetWeight: f.NetWeight,
			CutCode: f.Product.UNECECut, Origin: "156"}
	case labels.Carton:
		link = line.DigitalLink{GTIN: f.Product.GTIN, Batch: f.Batch, Serial: f.Serial, NetWeight: f.NetWeight,
			Extra: map[string]string{"13": "261204"}}
	default:
		t.Fatalf("no expected QR content for %T", facts)
	}
	link.Domain = sampleDomain
	uri, err := link.URI()
	if err != nil {
		t.Fatal(err)
	}
	return uri
}

// checkQRContent checks decoded QR text against the facts: the exact
// Digital Link, a GTIN with a valid check digit and the net weight in AI
// 3103.
func checkQRContent(t *testing.T, who, got string, facts labels.Facts) {
	t.Helper()
	want := expectedQR(t, facts)
	if got != want {
		t.Errorf("%s decoded %q, want %q", who, got, want)
		return
	}
	if _, ok := facts.(labels.Carcass); ok {
		return
	}
	link, err := line.ParseDigitalLink(got)
	if err != nil {
		t.Fatalf("%s: decoded QR is not a valid Digital Link: %v", who, err)
	}
	if _, err := line.ParseGTIN(string(link.GTIN)); err != nil || !link.GTIN.VariableMeasure() {
		t.Errorf("%s: GTIN %s: check digit or indicator wrong (%v)", who, link.GTIN, err)
	}
	var weight line.Mass
	switch f := facts.(type) {
	case labels.Pack:
		weight = f.NetWeight
	case labels.MixedPack:
		weight = f.NetWeight
	case labels.Carton:
		weight = f.NetWeight
	}
	if link.NetWeight != weight {
		t.Errorf("%s: AI 3103 = %s, want %s", who, link.NetWeight, weight)
	}
}

// TestIndependentRenderer renders every template with zpl-renderer-js and
// decodes its codes with zbarimg and gozxing, and the preview's too. It
// compares the rendering with the preview dot for dot outside the QR
// code, whose mask pattern each encoder picks for itself.
func TestIndependentRenderer(t *testing.T) {
	needRenderer(t)
	type renderCase struct {
		templateCase
		dpi   int
		label *labels.Label
	}
	var cases []renderCase
	var jobs []renderJob
	for _, c := range templateCases(t) {
		for _, dpi := range dpis {
			l := mustLayout(t, testConfig(c.size, dpi), c.facts)
			cases = append(cases, renderCase{c, dpi, l})
			jobs = append(jobs, renderJob{caseName(c, dpi), l.ZPL(), c.size, dpi})
		}
	}
	paths := renderZPL(t, jobs...)

	for i, c := range cases {
		t.Run(caseName(c.templateCase, c.dpi), func(t *testing.T) {
			l := c.label
			rendered := mustDecodePNG(t, paths[i])
			previewPNG, err := l.PNG()
			if err != nil {
				t.Fatal(err)
			}
			previewPath := filepath.Join(t.TempDir(), "preview.png")
			if err := os.WriteFile(previewPath, previewPNG, 0o644); err != nil {
				t.Fatal(err)
			}
			preview, err := l.Image()
			if err != nil {
				t.Fatal(err)
			}

			for _, img := range []struct {
				who  string
				path string
				img  image.Image
			}{{"renderer", paths[i], rendered}, {"preview", previewPath, preview}} {
				checkQRContent(t, img.who+" gozxing", gozxingQR(t, img.img), c.facts)
				symbols := zbarSymbols(t, img.path)
				var qr, barcodes []string
				for _, s := range symbols {
					if text, ok := strings.CutPrefix(s, "QR-Code:"); ok {
						qr = append(qr, text)
					}
					if text, ok := strings.CutPrefix(s, "CODE-128:"); ok {
						barcodes = append(barcodes, text)
					}
				}
				if len(qr) != 1 {
					t.Fatalf("%s: zbarimg found %d QR codes: %q", img.who, len(qr), symbols)
				}
				checkQRContent(t, img.who+" zbarimg", qr[0], c.facts)
				if carton, ok := c.facts.(labels.Carton); ok {
					checkCartonBarcodes(t, img.who, img.img, l, barcodes, carton)
				}
			}

			compareWithPreview(t, l, rendered, preview)
		})
	}
}

// checkCartonBarcodes checks the two GS1-128 symbols of a carton label:
// zbarimg reports FNC1 separators as GS and gozxing reads each symbol
// with its ]C1 identifier.
func checkCartonBarcodes(t *testing.T, who string, img image.Image, l *labels.Label, zbar []string, c labels.Carton) {
	t.Helper()
	first := "01" + string(c.Product.GTIN) + "3103028860" + "13261204"
	second := "21" + c.Serial + "\x1d" + "10" + c.Batch
	if len(zbar) != 2 || !containsAll(zbar, first, second) {
		t.Errorf("%s: zbarimg Code 128 = %q, want %q and %q", who, zbar, first, second)
	}
	rects := labels.BarcodeRects(l)
	if len(rects) != 2 {
		t.Fatalf("%d barcodes, want 2", len(rects))
	}
	if got := gozxingGS1128(t, img, rects[0]); got != "]C1"+first {
		t.Errorf("%s: gozxing first symbol = %q, want %q", who, got, "]C1"+first)
	}
	if got := gozxingGS1128(t, img, rects[1]); got != "]C1"+second {
		t.Errorf("%s: gozxing second symbol = %q, want %q", who, got, "]C1"+second)
	}
	gtin := first[2:16]
	if _, err := line.ParseGTIN(gtin); err != nil {
		t.Errorf("%s: GTIN %s in the barcode: %v", who, gtin, err)
	}
}

func containsAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// compareWithPreview checks that the renderer drew every dot outside the
// QR symbol as the preview did, and put the QR symbol in the same place
// at the same size.
func compareWithPreview(t *testing.T, l *labels.Label, rendered image.Image, preview *image.Paletted) {
	t.Helper()
	if rendered.Bounds() != preview.Bounds() {
		t.Fatalf("renderer image %v, preview %v", rendered.Bounds(), preview.Bounds())
	}
	qr, _ := labels.QRSymbolRect(l)
	differ := 0
	inkInQR := image.Rectangle{}
	for y := 0; y < preview.Bounds().Dy(); y++ {
		for x := 0; x < preview.Bounds().Dx(); x++ {
			r := black(rendered, x, y)
			if image.Pt(x, y).In(qr) {
				continue
			}
			if r != inked(preview, x, y) {
				differ++
			}
			if r && image.Pt(x, y).In(qr.Inset(-qr.Dx())) {
				inkInQR = inkInQR.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if differ != 0 {
		t.Errorf("%d dots outside the QR symbol differ between the renderer and the preview", differ)
	}

	// Within the symbol's rectangle, the finder patterns fix the corners.
	for _, corner := range []image.Point{qr.Min, {qr.Max.X - 1, qr.Min.Y}, {qr.Min.X, qr.Max.Y - 1}} {
		if !black(rendered, corner.X, corner.Y) || !inked(preview, corner.X, corner.Y) {
			t.Errorf("QR corner %v is not dark in both images", corner)
		}
	}
	if !black(rendered, qr.Max.X-1, qr.Max.Y-1) && !black(rendered, qr.Max.X-1, qr.Min.Y) {
		t.Errorf("renderer QR does not reach the reserved symbol size %v", qr)
	}
}

// TestIndependentRendererResidentFont checks that a job in printer font
// mode still renders with a readable QR code. The renderer has no CJK
// font and draws boxes for the text, which the test does not compare,
// and gozxing reads the code from the QR box as a scanner aimed at it
// would.
func TestIndependentRendererResidentFont(t *testing.T) {
	needRenderer(t)
	cfg := testConfig(labels.Size60x40, 203)
	cfg.Font, cfg.ResidentFont = labels.FontResident, "E:NOTOSANSSC.TTF"
	p := packFacts(t)
	l := mustLayout(t, cfg, p)
	path := renderZPL(t, renderJob{"pack-resident", l.ZPL(), cfg.Size, cfg.DPI})[0]
	qr, module := labels.QRSymbolRect(l)
	checkQRContent(t, "renderer gozxing", gozxingQR(t, crop(mustDecodePNG(t, path), qr.Inset(-4*module))), p)
	symbols := zbarSymbols(t, path)
	if !containsAll(symbols, "QR-Code:"+l.QRContent()) {
		t.Errorf("zbarimg = %q, want the Digital Link", symbols)
	}
}

// crop copies the part r of img.
func crop(img image.Image, r image.Rectangle) *image.Gray {
	out := image.NewGray(r.Intersect(img.Bounds()))
	for y := out.Rect.Min.Y; y < out.Rect.Max.Y; y++ {
		for x := out.Rect.Min.X; x < out.Rect.Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}
