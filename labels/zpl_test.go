package labels_test

import (
	"bytes"
	"regexp"
	"strings"
	"sync"
	"testing"

	"lambtrace/labels"
	"lambtrace/line"
)

// qrField matches the ^BQ field of a label and captures its ^FD data.
var qrField = regexp.MustCompile(`\^BQN,2,\d+,M,7(\^FH_)?\^FD([^\^]*)\^FS`)

// TestEveryLabelStartsWithCI28 checks that every job selects UTF-8
// first, because a printer keeps the encoding of the previous job.
func TestEveryLabelStartsWithCI28(t *testing.T) {
	for _, c := range templateCases(t) {
		for _, dpi := range dpis {
			z := mustLayout(t, testConfig(c.size, dpi), c.facts).ZPL()
			if !bytes.HasPrefix(z, []byte("^XA\n^CI28\n")) {
				t.Errorf("%s: ZPL starts with %q, want ^XA then ^CI28", caseName(c, dpi), z[:min(len(z), 20)])
			}
		}
	}
}

// TestQRFieldStartsWithSwitches checks that the QR field data starts
// with the error-correction and input-mode switches and then holds the
// whole content, so the printer cannot take its first characters as
// switches.
func TestQRFieldStartsWithSwitches(t *testing.T) {
	for _, c := range templateCases(t) {
		l := mustLayout(t, testConfig(c.size, 203), c.facts)
		m := qrField.FindSubmatch(l.ZPL())
		if m == nil {
			t.Fatalf("%s: no ^BQ field in\n%s", c.name, l.ZPL())
		}
		if got, want := string(m[2]), "MA,"+l.QRContent(); got != want {
			t.Errorf("%s: QR field data = %q, want %q", c.name, got, want)
		}
	}
}

// TestQRContentIsASCII checks that no QR code holds anything but
// printable ASCII: a scanner without ECI support may read UTF-8 Chinese
// as Shift-JIS and show garbage, so Chinese stays in the printed text.
func TestQRContentIsASCII(t *testing.T) {
	for _, c := range templateCases(t) {
		content := mustLayout(t, testConfig(c.size, 203), c.facts).QRContent()
		if content == "" {
			t.Errorf("%s: no QR content", c.name)
		}
		for i := 0; i < len(content); i++ {
			if content[i] < 0x21 || content[i] > 0x7E {
				t.Errorf("%s: QR content %q has byte %#x at %d", c.name, content, content[i], i)
				break
			}
		}
	}
	c := carcassFacts(t)
	c.Number = "20261204-0031羊"
	_, err := labels.Layout(testConfig(labels.Size100x70, 203), c)
	wantLabelError(t, err, labels.ErrInvalid, "Number")
}

// TestCarcassQRHoldsWholeNumber checks the carcass label's QR field: a
// carcass number of digits must not lose its first three digits to the
// switches.
func TestCarcassQRHoldsWholeNumber(t *testing.T) {
	l := mustLayout(t, testConfig(labels.Size100x70, 203), carcassFacts(t))
	if !bytes.Contains(l.ZPL(), []byte("^FDMA,"+sampleCarcass+"^FS")) {
		t.Errorf("carcass ZPL lacks ^FDMA,%s^FS:\n%s", sampleCarcass, l.ZPL())
	}
	if got := l.QRContent(); got != sampleCarcass {
		t.Errorf("QRContent() = %q, want %q", got, sampleCarcass)
	}
}

// TestJobIsOneLabelWithoutDeviceCommands checks that a job is exactly one
// format for one copy and contains no ~ command. A ~HS inside a label
// would make the printer send a status reply that the station would read
// as the reply to its own next ~HS, and a reprint is a new job that only
// an operator starts.
func TestJobIsOneLabelWithoutDeviceCommands(t *testing.T) {
	p := packFacts(t)
	p.Product = &line.Product{NameZH: "羊排~HS^XZ", NameEN: "Rack~JA", GTIN: p.Product.GTIN}
	p.Certificate = "CERT~HS"
	for _, font := range []labels.FontMode{labels.FontBitmap, labels.FontResident} {
		cfg := testConfig(labels.Size100x70, 203)
		cfg.Font, cfg.ResidentFont = font, "E:NOTOSANSSC.TTF"
		z := string(mustLayout(t, cfg, p).ZPL())
		if strings.Contains(z, "~") {
			t.Errorf("font mode %d: ZPL contains ~:\n%s", font, z)
		}
		if n := strings.Count(z, "^XA"); n != 1 {
			t.Errorf("font mode %d: %d ^XA, want 1", font, n)
		}
		if n := strings.Count(z, "^XZ"); n != 1 || !strings.HasSuffix(z, "^PQ1\n^XZ\n") {
			t.Errorf("font mode %d: job does not end with one ^PQ1^XZ:\n%s", font, z[max(0, len(z)-40):])
		}
	}
}

// TestResidentFontEscapesCaretAndTilde checks that field data with ^ or ~
// goes out after ^FH with those characters as hex.
func TestResidentFontEscapesCaretAndTilde(t *testing.T) {
	p := packFacts(t)
	p.Certificate = "LOT^42~1_2"
	cfg := testConfig(labels.Size100x70, 203)
	cfg.Font, cfg.ResidentFont = labels.FontResident, "E:NOTOSANSSC.TTF"
	z := string(mustLayout(t, cfg, p).ZPL())
	if !strings.Contains(z, "^FH_^FD LOT_5E42_7E1_5F2^FS") {
		t.Errorf("certificate field not escaped with ^FH:\n%s", z)
	}
}

// TestChineseTextIsGraphicByDefault checks that in the default font mode
// no text reaches the printer as characters, so a printer without a CJK
// font, or a driver that re-encodes text, cannot turn it into boxes. With
// FontResident the text is UTF-8 in ^A fields of the mapped font.
func TestChineseTextIsGraphicByDefault(t *testing.T) {
	cfg := testConfig(labels.Size60x40, 203)
	l := mustLayout(t, cfg, packFacts(t))
	z := l.ZPL()
	if bytes.Contains(z, []byte("^A")) {
		t.Errorf("bitmap mode ZPL has ^A text fields")
	}
	for i, r := range string(z) {
		if r > 0x7E {
			t.Fatalf("bitmap mode ZPL has non-ASCII %q at byte %d", r, i)
		}
	}
	if got, want := strings.Count(string(z), "^GFA,"), len(l.Text()); got != want {
		t.Errorf("%d ^GFA fields, want one per text line (%d)", got, want)
	}

	cfg.Font, cfg.ResidentFont = labels.FontResident, "E:NOTOSANSSC.TTF"
	z = mustLayout(t, cfg, packFacts(t)).ZPL()
	if !bytes.Contains(z, []byte("^CI28\n^PW480\n^LL320\n^LH0,0\n^PON\n^CW1,E:NOTOSANSSC.TTF\n")) {
		t.Errorf("resident mode lacks ^CW1 after ^CI28:\n%s", z)
	}
	if !bytes.Contains(z, []byte("^A1N,25,25^FD羊后腿(带骨)^FS")) {
		t.Errorf("resident mode lacks the product name as UTF-8 in font 1:\n%s", z)
	}
	if bytes.Contains(z, []byte("^GFA")) {
		t.Errorf("resident mode still sends graphics")
	}
}

// TestControlCharacterRejected checks that a control character in any
// printed fact is an error, not a field that ends early.
func TestControlCharacterRejected(t *testing.T) {
	p := packFacts(t)
	p.Certificate = "1525\r\n^XZ"
	_, err := labels.Layout(testConfig(labels.Size60x40, 203), p)
	wantLabelError(t, err, labels.ErrControlCharacter, "Certificate")

	cfg := testConfig(labels.Size60x40, 203)
	cfg.Plant.Name = "草原肉业\x1e"
	_, err = labels.Layout(cfg, packFacts(t))
	wantLabelError(t, err, labels.ErrControlCharacter, "Plant.Name")

	c := carcassFacts(t)
	c.Owner = "巴特尔\x00"
	_, err = labels.Layout(testConfig(labels.Size100x70, 203), c)
	wantLabelError(t, err, labels.ErrControlCharacter, "Owner")
}

// TestCaretInBatchRejected checks that a batch outside GS1 character set
// 82 is rejected before it reaches the QR code or a barcode.
func TestCaretInBatchRejected(t *testing.T) {
	p := packFacts(t)
	p.Batch = "B^FS42"
	_, err := labels.Layout(testConfig(labels.Size60x40, 203), p)
	wantLabelError(t, err, labels.ErrInvalid, "Batch")

	c := cartonFacts(t)
	c.Serial = "S~HS"
	_, err = labels.Layout(testConfig(labels.Size100x150, 203), c)
	wantLabelError(t, err, labels.ErrInvalid, "Serial")
}

// TestLayoutDeterministic checks that the same facts give the same bytes
// and pixels, also when labels are laid out concurrently.
func TestLayoutDeterministic(t *testing.T) {
	cases := templateCases(t)
	want := make([][]byte, len(cases))
	wantPNG := make([][]byte, len(cases))
	for i, c := range cases {
		l := mustLayout(t, testConfig(c.size, 300), c.facts)
		want[i] = l.ZPL()
		png, err := l.PNG()
		if err != nil {
			t.Fatal(err)
		}
		wantPNG[i] = png
	}

	var wg sync.WaitGroup
	for range 4 {
		for i, c := range cases {
			wg.Go(func() {
				l, err := labels.Layout(testConfig(c.size, 300), c.facts)
				if err != nil {
					t.Error(err)
					return
				}
				if !bytes.Equal(l.ZPL(), want[i]) {
					t.Errorf("%s: ZPL differs between runs", c.name)
				}
				png, err := l.PNG()
				if err != nil || !bytes.Equal(png, wantPNG[i]) {
					t.Errorf("%s: PNG differs between runs (%v)", c.name, err)
				}
			})
		}
	}
	wg.Wait()
}
