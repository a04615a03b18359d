package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPeekFormat(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        error
	}{
		{"first", `{"format": "lambtrace-registry/1", "consignments": []}`, "lambtrace-registry/1", nil},
		{"after values", `{"a": {"format": "x", "b": [1, {"c": null}]}, "list": [[]], "format": "lambtrace-products/1"}`, "lambtrace-products/1", nil},
		{"byte-order mark", "\xEF\xBB\xBF{\"format\": \"lambtrace-products/1\"}", "lambtrace-products/1", nil},
		{"no format", `{"name": "x"}`, "", errNoFormat},
		{"format not a string", `{"format": 1}`, "", errNoFormat},
		{"array", `[{"format": "lambtrace-products/1"}]`, "", errNotJSON},
		{"truncated", `{"consignments": [{"id": "A"`, "", errNotJSON},
		{"not json", `ear tags`, "", errNotJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := peekFormat(strings.NewReader(tt.in))
			if got != tt.want || err != tt.wantErr {
				t.Errorf("peekFormat(%q) = %q, %v, want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// Ensure the picker lists the files of the kind and damaged JSON files,
// newest first, and leaves out other formats, hidden folders and files
// too deep.
func TestFindImportFiles(t *testing.T) {
	base := t.TempDir()
	at := time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)
	files := []struct {
		path, data string
		age        time.Duration
	}{
		{"media/admin/A/products.json", `{"format": "lambtrace-products/1"}`, 2 * time.Hour},
		{"media/admin/A/x/y/products-deep.json", `{"format": "lambtrace-products/1"}`, 0},
		{"media/admin/A/x/y/z/too-deep.json", `{"format": "lambtrace-products/1"}`, 0},
		{"media/admin/A/.Trash/old.json", `{"format": "lambtrace-products/1"}`, 0},
		{"media/admin/A/registry.json", `{"format": "lambtrace-registry/1"}`, 0},
		{"media/admin/B/DAMAGED.JSON", `{"format": "lambtrace-prod`, time.Hour},
		{"media/admin/B/notes.txt", `{"format": "lambtrace-products/1"}`, 0},
		{"media/other.json", `{"format": "lambtrace-products/1"}`, 0},
	}
	for _, f := range files {
		path := filepath.Join(base, f.path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, []byte(f.data), at.Add(-f.age))
	}
	got, err := FindImportFiles([]string{filepath.Join(base, "media", "*", "*")}, ImportProducts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"products-deep.json", "DAMAGED.JSON", "products.json"}
	if names := fileNames(got); !slices.Equal(names, want) {
		t.Fatalf("FindImportFiles = %v, want %v", names, want)
	}
	if got[0].Format != "lambtrace-products/1" || got[1].Format != "" {
		t.Errorf("formats = %q, %q, want the tag and none for the damaged file", got[0].Format, got[1].Format)
	}
	if place := got[0].Place(); place != filepath.Join("A", "x", "y") {
		t.Errorf("Place() = %q, want A/x/y", place)
	}
	if got[2].Size != int64(len(files[0].data)) || !got[2].ModTime.Equal(at.Add(-2*time.Hour)) {
		t.Errorf("products.json: size %d, modified %v, want %d, %v", got[2].Size, got[2].ModTime, len(files[0].data), at.Add(-2*time.Hour))
	}

	if _, err := FindImportFiles([]string{"["}, ImportProducts); err == nil {
		t.Error("FindImportFiles with a malformed pattern succeeded, want an error")
	}
	none, err := FindImportFiles([]string{filepath.Join(base, "absent", "*")}, ImportRegistry)
	if err != nil || len(none) != 0 {
		t.Errorf("FindImportFiles of an absent root = %v, %v, want none", none, err)
	}
}

func TestDescribeImportFile(t *testing.T) {
	sum, err := DescribeImportFile(samplePrefix+".registry.json", ImportRegistry)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Consignments != 16 || sum.Animals != 372 || sum.ExportedAt.IsZero() || sum.Format != "lambtrace-registry/1" {
		t.Errorf("DescribeImportFile(registry) = %+v, want 16 consignments, 372 animals and the export time", sum)
	}
	// A product master is not a registry.
	if _, err := DescribeImportFile(samplePrefix+".products.json", ImportRegistry); err == nil {
		t.Error("DescribeImportFile(products as registry) succeeded, want a validation error")
	}
	if _, err := DescribeImportFile(filepath.Join(t.TempDir(), "absent.json"), ImportProducts); !os.IsNotExist(err) {
		t.Errorf("DescribeImportFile(absent) = %v, want a not-exist error", err)
	}
}

func TestShortName(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"products.json", 28, "products.json"},
		{"xilingol-2026-12-04.products.json", 28, "xilingol-2026-…products.json"},
		{"锡林郭勒盟登记册导出文件二〇二六年十二月.json", 12, "锡林郭勒盟登….json"},
	}
	for _, tt := range tests {
		if got := shortName(tt.in, tt.max); got != tt.want {
			t.Errorf("shortName(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
