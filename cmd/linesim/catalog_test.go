package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lambtrace/line"
)

// Every catalog key that linesim and tracectl name must exist in both
// languages, because a missing key shows on screen as the key itself.
func TestCatalogHasEveryDeviceKey(t *testing.T) {
	keyPattern := regexp.MustCompile(`"(device\.[a-z0-9_.\-]*[a-z0-9_])"`)
	var sources []string
	for _, dir := range []string{".", "../tracectl"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				sources = append(sources, f)
			}
		}
	}
	used := map[string]bool{}
	for _, path := range sources {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyPattern.FindAllStringSubmatch(string(data), -1) {
			used[m[1]] = true
		}
	}
	for _, c := range commands() {
		used["device.linesim."+c.name+".summary"] = true
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in %v; the pattern is broken", len(used), sources)
	}

	for _, lang := range line.Langs {
		keys, err := line.CatalogKeys(lang)
		if err != nil {
			t.Fatal(err)
		}
		for key := range used {
			if !slices.Contains(keys, key) {
				t.Errorf("catalog %s lacks %s", lang, key)
			}
		}
	}
}
