package line_test

import (
	"os"
	"path/filepath"
	"testing"

	"lambtrace/line"
)

const sampleDir = "../testdata"

func samplePath(kind string) string {
	return filepath.Join(sampleDir, "xilingol-2026-12-04."+kind+".json")
}

// mustRead returns the bytes of a sample file.
func mustRead(tb testing.TB, kind string) []byte {
	tb.Helper()
	data, err := os.ReadFile(samplePath(kind))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// mustRegistry parses the sample registry afresh, so a test may change
// its animals without affecting other tests.
func mustRegistry(tb testing.TB) *line.Registry {
	tb.Helper()
	reg, err := line.ParseRegistry(mustRead(tb, "registry"), "registry.json")
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

func mustProducts(tb testing.TB) *line.ProductMaster {
	tb.Helper()
	m, err := line.ParseProducts(mustRead(tb, "products"), "products.json")
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func mustLineRun(tb testing.TB) *line.LineRun {
	tb.Helper()
	run, err := line.ParseLineRun(mustRead(tb, "linerun"), "linerun.json")
	if err != nil {
		tb.Fatal(err)
	}
	return run
}

func mustDate(tb testing.TB, s string) line.Date {
	tb.Helper()
	d, err := line.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}
