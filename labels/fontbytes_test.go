package labels_test

import (
	"bytes"
	"io/fs"
	"testing"

	"lambtrace/labels"
)

func TestFontBytesMatchFilesWithoutCopy(t *testing.T) {
	for name, get := range map[string]func() []byte{labels.FontRegularFile: labels.FontRegular, labels.FontBoldFile: labels.FontBold} {
		want, err := fs.ReadFile(labels.Fonts(), name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(get(), want) {
			t.Errorf("%s: the bytes differ from the file in Fonts()", name)
		}
		if allocs := testing.AllocsPerRun(10, func() { get() }); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0: the kiosk theme and the labels share one copy", name, allocs)
		}
	}
}
