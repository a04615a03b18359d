package sim_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
)

func TestEncodeScaleFrame(t *testing.T) {
	tests := []struct {
		name     string
		format   scale.StreamFormat
		sample   sim.ScaleSample
		checksum bool
		want     string
	}{
		{"toledo gross", scale.FormatToledo,
			sim.ScaleSample{Grams: 12340, Decimals: 2, Stable: true}, true,
			"\x02,0 001234000000\r\x2B"},
		{"toledo net negative motion", scale.FormatToledo,
			sim.ScaleSample{Grams: -2500, Decimals: 2, Net: true}, false,
			"\x02,; 000250000000\r"},
		{"yaohua capture", scale.FormatYaohua,
			sim.ScaleSample{Grams: 1560000, Stable: true}, false,
			"\x02+001560019\x03"},
		{"yaohua zero capture", scale.FormatYaohua,
			sim.ScaleSample{Stable: true}, false,
			"\x02+00000001B\x03"},
		{"yaohua negative", scale.FormatYaohua,
			sim.ScaleSample{Grams: -12500, Decimals: 1}, false,
			"\x02-00012511A\x03"},
		{"and gross", scale.FormatAND,
			sim.ScaleSample{Grams: 23450, Decimals: 2, Stable: true}, false,
			"ST,GS,+0023.45kg\r\n"},
		{"and overload", scale.FormatAND,
			sim.ScaleSample{Decimals: 2, Overload: true}, false,
			"OL,GS,+9999.99kg\r\n"},
		{"keli gross", scale.FormatKeli,
			sim.ScaleSample{Grams: 23450, Decimals: 2}, false,
			"GW:0023,45(kg)\r\n"},
		{"yaohua line net negative", scale.FormatYaohuaLine,
			sim.ScaleSample{Grams: -100, Decimals: 1, Net: true}, false,
			"wn-0000.1kg\n"},
		{"yaohua line gross", scale.FormatYaohuaLine,
			sim.ScaleSample{Grams: 18280, Decimals: 3}, false,
			"ww018.280kg\n"},
		{"keli reversed", scale.FormatKeliReversed,
			sim.ScaleSample{Grams: 23450, Decimals: 2}, false,
			"=54.3200\r\n"},
		{"keli reversed negative", scale.FormatKeliReversed,
			sim.ScaleSample{Grams: -12300, Decimals: 2}, false,
			"=03.2100-\r\n"},
		{"keli no decimals", scale.FormatKeli,
			sim.ScaleSample{Grams: 23000, Net: true}, false,
			"NW:0023(kg)\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sim.EncodeScaleFrame(tt.format, tt.sample, tt.checksum)
			if err != nil {
				t.Fatalf("EncodeScaleFrame(%v, %+v): %v", tt.format, tt.sample, err)
			}
			if string(got) != tt.want {
				t.Errorf("EncodeScaleFrame(%v, %+v) = %q, want %q", tt.format, tt.sample, got, tt.want)
			}
		})
	}
}

// Ensure every frame the simulator writes parses back to its sample.
func TestEncodeScaleFrameRoundTrip(t *testing.T) {
	formats := []scale.StreamFormat{scale.FormatToledo, scale.FormatYaohua, scale.FormatAND, scale.FormatKeli, scale.FormatYaohuaLine, scale.FormatKeliReversed}
	samples := []sim.ScaleSample{
		{Grams: 0, Decimals: 2, Stable: true},
		{Grams: 18420, Decimals: 2, Stable: true},
		{Grams: -3100, Decimals: 2, Stable: true},
		{Grams: 23405, Decimals: 3, Stable: true, Net: true},
		{Grams: 150000, Decimals: 1, Stable: true},
		{Grams: 7000, Decimals: 0, Stable: true},
	}
	for _, format := range formats {
		for _, sample := range samples {
			frame, err := sim.EncodeScaleFrame(format, sample, true)
			noNet := format == scale.FormatYaohua || format == scale.FormatKeliReversed
			if errors.Is(err, sim.ErrScaleNotEncodable) && noNet && sample.Net {
				continue
			}
			if err != nil {
				t.Fatalf("EncodeScaleFrame(%v, %+v): %v", format, sample, err)
			}
			got, err := scale.ParseFrame(format, frame, scale.FrameOptions{Checksum: true})
			if err != nil {
				t.Fatalf("ParseFrame(%v, %q): %v", format, frame, err)
			}
			if got.Grams != sample.Grams || got.Decimals != sample.Decimals || got.Net != sample.Net {
				t.Errorf("ParseFrame(%v, %q) = %+v, want %+v", format, frame, got, sample)
			}
		}
	}
}

func TestEncodeScaleFrameErrors(t *testing.T) {
	tests := []struct {
		name   string
		format scale.StreamFormat
		sample sim.ScaleSample
	}{
		{"yaohua overload", scale.FormatYaohua, sim.ScaleSample{Overload: true}},
		{"keli underload", scale.FormatKeli, sim.ScaleSample{Underload: true}},
		{"yaohua net", scale.FormatYaohua, sim.ScaleSample{Net: true}},
		{"keli reversed net", scale.FormatKeliReversed, sim.ScaleSample{Net: true}},
		{"keli reversed too large", scale.FormatKeliReversed, sim.ScaleSample{Grams: 10_000_000, Decimals: 3}},
		{"too many decimals", scale.FormatAND, sim.ScaleSample{Grams: 1234, Decimals: 2}},
		{"too large", scale.FormatToledo, sim.ScaleSample{Grams: 1_000_000_000, Decimals: 0}},
		{"line too large", scale.FormatYaohuaLine, sim.ScaleSample{Grams: -1_000_000, Decimals: 3}},
		{"unknown format", scale.StreamFormat(0), sim.ScaleSample{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sim.EncodeScaleFrame(tt.format, tt.sample, false)
			if !errors.Is(err, sim.ErrScaleNotEncodable) {
				t.Errorf("EncodeScaleFrame(%v, %+v) error = %v, want ErrScaleNotEncodable", tt.format, tt.sample, err)
			}
		})
	}
}

// Ensure Run writes injected bytes, then each frame in two parts.
func TestASCIIScaleRun(t *testing.T) {
	samples := []sim.ScaleSample{
		{Grams: 23450, Decimals: 2, Stable: true},
		{Grams: 23460, Decimals: 2},
	}
	simulator := &sim.ASCIIScale{
		Format:   scale.FormatAND,
		Interval: time.Millisecond,
		Sample: func(i int) (sim.ScaleSample, bool) {
			if i >= len(samples) {
				return sim.ScaleSample{}, false
			}
			return samples[i], true
		},
		Inject: func(i int) []byte {
			if i == 1 {
				return []byte("\x00\xff")
			}
			return nil
		},
		SplitAt: 3,
	}
	var out asciiScaleWriteRecorder
	if err := simulator.Run(context.Background(), &out); err != nil {
		t.Fatalf("Run: %v", err)
	}

	want := [][]byte{
		[]byte("ST,"), []byte("GS,+0023.45kg\r\n"),
		[]byte("\x00\xff"),
		[]byte("US,"), []byte("GS,+0023.46kg\r\n"),
	}
	if len(out.writes) != len(want) {
		t.Fatalf("Run wrote %q, want %q", out.writes, want)
	}
	for i := range want {
		if !bytes.Equal(out.writes[i], want[i]) {
			t.Errorf("write %d = %q, want %q", i, out.writes[i], want[i])
		}
	}
}

// Ensure Run stops with nil when ctx is cancelled, with Samples cycling.
func TestASCIIScaleRunCancel(t *testing.T) {
	simulator := &sim.ASCIIScale{
		Format:   scale.FormatToledo,
		Interval: time.Millisecond,
		Samples:  []sim.ScaleSample{{Grams: 1000, Decimals: 2, Stable: true}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var out asciiScaleWriteRecorder
	if err := simulator.Run(ctx, &out); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(out.writes) < 2 {
		t.Errorf("Run wrote %d frames in 50 ms at 1 ms interval, want at least 2", len(out.writes))
	}
}

type asciiScaleWriteRecorder struct {
	writes [][]byte
}

func (w *asciiScaleWriteRecorder) Write(p []byte) (int, error) {
	w.writes = append(w.writes, append([]byte(nil), p...))
	return len(p), nil
}
