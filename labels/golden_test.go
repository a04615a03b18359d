package labels_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"lambtrace/labels"
)

var update = flag.Bool("update", false, "rewrite the golden ZPL files in testdata/")

// checkGolden compares got with testdata/name, or writes it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test ./labels -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		failed := filepath.Join("testdata", "failed", name)
		_ = os.MkdirAll(filepath.Dir(failed), 0o755)
		_ = os.WriteFile(failed, got, 0o644)
		t.Errorf("ZPL differs from %s; the new output is in %s (run with -update if the change is intended)", path, failed)
	}
}

// TestGoldenZPL checks every template at both densities against its
// golden file.
func TestGoldenZPL(t *testing.T) {
	for _, c := range templateCases(t) {
		for _, dpi := range dpis {
			t.Run(caseName(c, dpi), func(t *testing.T) {
				l := mustLayout(t, testConfig(c.size, dpi), c.facts)
				checkGolden(t, caseName(c, dpi)+".zpl", l.ZPL())
			})
		}
	}
}

// TestGoldenZPLResidentFont checks the pack label with the printer's own
// font.
func TestGoldenZPLResidentFont(t *testing.T) {
	cfg := testConfig(labels.Size60x40, 203)
	cfg.Font, cfg.ResidentFont = labels.FontResident, "E:NOTOSANSSC.TTF"
	l := mustLayout(t, cfg, packFacts(t))
	checkGolden(t, "pack-60x40-203-resident.zpl", l.ZPL())
}
