package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"lambtrace/line"
)

// packArgs returns a label pack command for a sample product and animal.
func packArgs(out string, extra ...string) []string {
	args := []string{"label", "pack", "--products", sample + ".products.json", "--product", "leg_bone_in",
		"--weight-g", "2886", "--serial", "010000004806", "--batch", "20261204-L1-1", "--ear-tag", "315250200357041",
		"--packed-on", "2026-12-04", "--out", out}
	return append(args, extra...)
}

// decodeQRFile decodes the QR code of a PNG file with gozxing.
func decodeQRFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	result, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in %s: %v", path, err)
	}
	return result.GetText()
}

func TestLabelPackWritesZPLAndPNG(t *testing.T) {
	out := filepath.Join(t.TempDir(), "labels")
	var stdout, stderr bytes.Buffer
	if code := run(packArgs(out, "--registry", sample+".registry.json", "--dpi", "300"), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	zpl, err := os.ReadFile(filepath.Join(out, "010000004806.zpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(zpl, []byte("^XA\n^CI28\n^PW720\n^LL480\n")) {
		t.Errorf("ZPL does not start with ^XA, ^CI28 and a 60x40 mm label at 300 dpi:\n%.80s", zpl)
	}
	link := line.DigitalLink{Domain: demoDomain, GTIN: "96923456000011", Batch: "20261204-L1-1", Serial: "010000004806",
		NetWeight: 2886, SourceEntity: "315250200357041", CutCode: "4800", Origin: "156"}
	want, err := link.URI()
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeQRFile(t, filepath.Join(out, "010000004806.png")); got != want {
		t.Errorf("preview QR = %q, want %q", got, want)
	}
	if !bytes.Contains(zpl, []byte("^FDMA,"+want+"^FS")) {
		t.Errorf("ZPL lacks the QR field ^FDMA,%s", want)
	}
	if !strings.Contains(stdout.String(), "已写出") || !strings.Contains(stdout.String(), "wrote") {
		t.Errorf("stdout lacks the written files in both languages:\n%s", stdout.String())
	}
}

func TestLabelMixedPack(t *testing.T) {
	out := t.TempDir()
	args := packArgs(out, "--lot", "ROLL-1", "--registry", sample+".registry.json")
	for i, a := range args {
		if a == "315250200357041" {
			args[i] = "315250200357041, 315252500357382"
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	got := decodeQRFile(t, filepath.Join(out, "010000004806.png"))
	if strings.Contains(got, "251=") || !strings.Contains(got, "/21/010000004806?3103=002886") {
		t.Errorf("mixed-lot QR = %q, want the pack's Digital Link without an ear tag", got)
	}
}

func TestLabelCarcassOwnerFromRegistry(t *testing.T) {
	out := t.TempDir()
	args := []string{"label", "carcass", "--carcass", "20261204-0031", "--ear-tag", "315250200357041", "--hot-weight-g", "18280",
		"--killed-at", "2026-12-04T08:31:00+08:00", "--registry", sample + ".registry.json", "--size", "60x40", "--out", out}
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if got := decodeQRFile(t, filepath.Join(out, "20261204-0031.png")); got != "20261204-0031" {
		t.Errorf("carcass QR = %q, want the carcass number", got)
	}

	// Without the registry the owner must be given.
	args = args[:len(args)-6]
	args = append(args, "--out", out)
	stderr.Reset()
	if code := run(args, &stdout, &stderr); code != exitInvalid || !strings.Contains(stderr.String(), "--owner") {
		t.Errorf("carcass without owner: exit %d, stderr:\n%s", code, stderr.String())
	}
}

func TestLabelCartonTooWide(t *testing.T) {
	args := []string{"label", "carton", "--products", sample + ".products.json", "--product", "leg_bone_in", "--weight-g", "28860",
		"--serial", "010000009001", "--batch", "20261204-L1-1", "--size", "60x40", "--out", t.TempDir()}
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInvalid, stderr.String())
	}
	for _, want := range []string{"在此标签尺寸上放不下", "does not fit this label size"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestLabelCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"NoTemplate", []string{"label"}, "pack, carcass or carton"},
		{"NoSerial", []string{"label", "pack", "--products", sample + ".products.json", "--product", "neck", "--out", "x"}, "--serial is required"},
		{"UnknownProduct", packArgs("x", "--product", "haggis"), "product haggis is not in the product master"},
		{"UnknownEarTag", packArgs("x", "--ear-tag", "315250299999999", "--registry", sample+".registry.json"), "ear tag 315250299999999 is not in the registry"},
		{"BadDate", packArgs("x", "--packed-on", "2026-13-01"), "--packed-on"},
		{"BadFont", packArgs("x", "--font", "outline"), "--font must be bitmap or resident"},
		{"BadDPI", packArgs("x", "--dpi", "600"), "expected 203 or 300"},
		{"ZeroWeight", packArgs("x", "--weight-g", "0"), "net weight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != exitInvalid {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInvalid, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
		})
	}
}
