package labels_test

import (
	"testing"

	"lambtrace/labels"
)

// BenchmarkPackZPL measures laying out a pack label and writing its ZPL,
// with the glyph cache warm as on a running station, and reports the
// job's size.
func BenchmarkPackZPL(b *testing.B) {
	for _, dpi := range dpis {
		b.Run(labels.Size60x40.String()+"-"+itoa(dpi), func(b *testing.B) {
			cfg, p := testConfig(labels.Size60x40, dpi), packFacts(b)
			size := len(mustLayout(b, cfg, p).ZPL())
			b.ReportAllocs()
			for b.Loop() {
				l, err := labels.Layout(cfg, p)
				if err != nil {
					b.Fatal(err)
				}
				_ = l.ZPL()
			}
			b.ReportMetric(float64(size), "bytes/label")
		})
	}
}

// BenchmarkPackPreview measures laying out a pack label and drawing and
// encoding its PNG preview.
func BenchmarkPackPreview(b *testing.B) {
	for _, dpi := range dpis {
		b.Run(labels.Size60x40.String()+"-"+itoa(dpi), func(b *testing.B) {
			cfg, p := testConfig(labels.Size60x40, dpi), packFacts(b)
			mustLayout(b, cfg, p)
			b.ReportAllocs()
			for b.Loop() {
				l, err := labels.Layout(cfg, p)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.PNG(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n == 203 {
		return "203"
	}
	return "300"
}
