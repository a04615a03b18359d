package scale_test

import (
	"errors"
	"testing"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

func TestParseStreamFrame(t *testing.T) {
	tests := []struct {
		name   string
		format scale.StreamFormat
		opts   scale.FrameOptions
		frame  string
		want   line.Reading
	}{
		// Toledo checksums are the two's complement of the 7-bit sum of
		// the bytes from STX to CR.
		{"toledo gross", scale.FormatToledo, scale.FrameOptions{Checksum: true},
			"\x02,0 001234000000\r\x2B",
			line.Reading{Grams: 12340, Division: 10, Decimals: 2, Stable: true}},
		{"toledo net negative motion", scale.FormatToledo, scale.FrameOptions{Checksum: true},
			"\x02,; 000250001000\r\x22",
			line.Reading{Grams: -2500, Division: 10, Decimals: 2, Net: true}},
		{"toledo no checksum", scale.FormatToledo, scale.FrameOptions{},
			"\x02,0 001234000000\r",
			line.Reading{Grams: 12340, Division: 10, Decimals: 2, Stable: true}},
		{"toledo short", scale.FormatToledo, scale.FrameOptions{},
			"\x02,0 001234\r",
			line.Reading{Grams: 12340, Division: 10, Decimals: 2, Stable: true}},
		// SWA '5' = 0x35: bits 3–4 = 10 (×2), code 5 (3 decimals).
		{"toledo increment x2", scale.FormatToledo, scale.FrameOptions{},
			"\x0250 018282000000\r",
			line.Reading{Grams: 18282, Division: 2, Decimals: 3, Stable: true}},
		// SWA '9' = 0x39: ×5 with one dummy zero.
		{"toledo dummy zero x5", scale.FormatToledo, scale.FrameOptions{},
			"\x0290 001234000000\r",
			line.Reading{Grams: 12340000, Division: 50000, Decimals: 0, Stable: true}},
		// SWC '!' = 0x21: grams; SWA '*' = 0x2A: no decimals.
		{"toledo grams", scale.FormatToledo, scale.FrameOptions{},
			"\x02*0!000750000000\r",
			line.Reading{Grams: 750, Division: 1, Decimals: 0, Stable: true}},
		// SWB '4' = 0x34: out of range, not negative.
		{"toledo overload", scale.FormatToledo, scale.FrameOptions{},
			"\x02,4 999999000000\r",
			line.Reading{Division: 10, Decimals: 2, Stable: true, Overload: true}},
		// SWB '6' = 0x36: out of range and negative.
		{"toledo underload", scale.FormatToledo, scale.FrameOptions{},
			"\x02,6 000000000000\r",
			line.Reading{Division: 10, Decimals: 2, Stable: true, Underload: true}},
		// SWB 'p' = 0x70: kg and not zeroed since power-up.
		{"toledo not zeroed", scale.FormatToledo, scale.FrameOptions{},
			"\x02,p 001234000000\r",
			line.Reading{Grams: 12340, Division: 10, Decimals: 2}},

		{"yaohua capture", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+001560019\x03",
			line.Reading{Grams: 1560000, Division: 1000, Stable: true}},
		{"yaohua zero capture", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+00000001B\x03",
			line.Reading{Grams: 0, Division: 1000, Stable: true}},
		{"yaohua negative", scale.FormatYaohua, scale.FrameOptions{},
			"\x02-00012511A\x03",
			line.Reading{Grams: -12500, Division: 100, Decimals: 1, Stable: true}},
		{"yaohua two decimals", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+012345218\x03",
			line.Reading{Grams: 123450, Division: 10, Decimals: 2, Stable: true}},
		{"yaohua offset nibble", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+00000001;\x03",
			line.Reading{Grams: 0, Division: 1000, Stable: true}},
		{"yaohua lower hex", scale.FormatYaohua, scale.FrameOptions{},
			"\x02-00012511a\x03",
			line.Reading{Grams: -12500, Division: 100, Decimals: 1, Stable: true}},
		{"yaohua configured division", scale.FormatYaohua, scale.FrameOptions{Division: 50},
			"\x02+012345218\x03",
			line.Reading{Grams: 123450, Division: 50, Decimals: 2, Stable: true}},
		{"yaohua grams", scale.FormatYaohua, scale.FrameOptions{Unit: line.Gram},
			"\x02+001560019\x03",
			line.Reading{Grams: 1560, Division: 1, Stable: true}},

		{"and gross", scale.FormatAND, scale.FrameOptions{},
			"ST,GS,+0023.45kg\r\n",
			line.Reading{Grams: 23450, Division: 10, Decimals: 2, Stable: true}},
		{"and net", scale.FormatAND, scale.FrameOptions{},
			"ST,NT,+0012.34kg\r\n",
			line.Reading{Grams: 12340, Division: 10, Decimals: 2, Stable: true, Net: true}},
		{"and unstable negative", scale.FormatAND, scale.FrameOptions{},
			"US,-000.05kg\r\n",
			line.Reading{Grams: -50, Division: 10, Decimals: 2}},
		{"and stable negative", scale.FormatAND, scale.FrameOptions{},
			"ST,-001.00kg\r\n",
			line.Reading{Grams: -1000, Division: 10, Decimals: 2, Stable: true}},
		{"and grams", scale.FormatAND, scale.FrameOptions{},
			"ST,+0001234 g\r\n",
			line.Reading{Grams: 1234, Division: 1, Stable: true}},
		{"and overload nines", scale.FormatAND, scale.FrameOptions{},
			"OL,+9999999.9 g\r\n",
			line.Reading{Decimals: 1, Overload: true}},
		{"and overload spaces", scale.FormatAND, scale.FrameOptions{Division: 20},
			"OL,GS,        kg\r\n",
			line.Reading{Division: 20, Overload: true}},
		{"and underload", scale.FormatAND, scale.FrameOptions{Division: 20},
			"LO,GS,-       kg\r\n",
			line.Reading{Division: 20, Underload: true}},
		{"and CR only", scale.FormatAND, scale.FrameOptions{},
			"ST,+023.40kg\r",
			line.Reading{Grams: 23400, Division: 10, Decimals: 2, Stable: true}},

		{"keli gross", scale.FormatKeli, scale.FrameOptions{},
			"GW:0023,45(kg)\r\n",
			line.Reading{Grams: 23450, Division: 10, Decimals: 2, Stable: true}},
		{"keli display", scale.FormatKeli, scale.FrameOptions{},
			"=0023,45(kg)\r\n",
			line.Reading{Grams: 23450, Division: 10, Decimals: 2, Stable: true}},
		{"keli net negative", scale.FormatKeli, scale.FrameOptions{},
			"NW:-001,20(kg)\r\n",
			line.Reading{Grams: -1200, Division: 10, Decimals: 2, Stable: true, Net: true}},
		{"keli no unit", scale.FormatKeli, scale.FrameOptions{Unit: line.Gram},
			"=001234\r\n",
			line.Reading{Grams: 1234, Division: 1, Stable: true}},
		{"yaohua line gross", scale.FormatYaohuaLine, scale.FrameOptions{},
			"ww018.280kg\n",
			line.Reading{Grams: 18280, Division: 1, Decimals: 3, Stable: true}},
		{"yaohua line net negative", scale.FormatYaohuaLine, scale.FrameOptions{},
			"wn-0000.1kg\n",
			line.Reading{Grams: -100, Division: 100, Decimals: 1, Stable: true, Net: true}},
		{"yaohua line CR LF", scale.FormatYaohuaLine, scale.FrameOptions{Division: 5},
			"ww000.000kg\r\n",
			line.Reading{Grams: 0, Division: 5, Decimals: 3, Stable: true}},
		{"keli point", scale.FormatKeli, scale.FrameOptions{Division: 20},
			"GW:0018.28(kg)\r\n",
			line.Reading{Grams: 18280, Division: 20, Decimals: 2, Stable: true}},

		{"keli reversed", scale.FormatKeliReversed, scale.FrameOptions{},
			"=54.3200",
			line.Reading{Grams: 23450, Division: 10, Decimals: 2, Stable: true}},
		{"keli reversed negative CR LF", scale.FormatKeliReversed, scale.FrameOptions{},
			"=03.2100-\r\n",
			line.Reading{Grams: -12300, Division: 10, Decimals: 2, Stable: true}},
		{"keli reversed one decimal", scale.FormatKeliReversed, scale.FrameOptions{Division: 100},
			"=0.0210",
			line.Reading{Grams: 120000, Division: 100, Decimals: 1, Stable: true}},
		{"keli reversed comma", scale.FormatKeliReversed, scale.FrameOptions{},
			"=54,3200\n",
			line.Reading{Grams: 23450, Division: 10, Decimals: 2, Stable: true}},
		{"keli reversed grams", scale.FormatKeliReversed, scale.FrameOptions{Unit: line.Gram},
			"=4321000",
			line.Reading{Grams: 1234, Division: 1, Stable: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scale.ParseFrame(tt.format, []byte(tt.frame), tt.opts)
			if err != nil {
				t.Fatalf("ParseFrame(%v, %q): %v", tt.format, tt.frame, err)
			}
			if got != tt.want {
				t.Errorf("ParseFrame(%v, %q) = %+v, want %+v", tt.format, tt.frame, got, tt.want)
			}
		})
	}
}

func TestParseStreamFrameErrors(t *testing.T) {
	tests := []struct {
		name   string
		format scale.StreamFormat
		opts   scale.FrameOptions
		frame  string
		want   error
	}{
		{"toledo bad checksum", scale.FormatToledo, scale.FrameOptions{Checksum: true},
			"\x02,0 001234000000\r\x2C", scale.ErrFrameChecksum},
		{"toledo changed digit", scale.FormatToledo, scale.FrameOptions{Checksum: true},
			"\x02,0 001235000000\r\x2B", scale.ErrFrameChecksum},
		{"toledo missing checksum", scale.FormatToledo, scale.FrameOptions{Checksum: true},
			"\x02,0 001234000000\r", scale.ErrFrameSyntax},
		{"toledo short frame", scale.FormatToledo, scale.FrameOptions{},
			"\x02,0 0012\r", scale.ErrFrameSyntax},
		{"toledo letter in weight", scale.FormatToledo, scale.FrameOptions{},
			"\x02,0 0012A4000000\r", scale.ErrFrameSyntax},
		{"toledo no STX", scale.FormatToledo, scale.FrameOptions{},
			"x,0 001234000000\r", scale.ErrFrameSyntax},
		{"toledo lb", scale.FormatToledo, scale.FrameOptions{},
			"\x02,  001234000000\r", scale.ErrFrameUnit},
		{"toledo expanded", scale.FormatToledo, scale.FrameOptions{},
			"\x02,00001234000000\r", scale.ErrFrameNotWeight},
		{"toledo no increment", scale.FormatToledo, scale.FrameOptions{},
			"\x02$0 001234000000\r", scale.ErrFrameSyntax},
		{"toledo too fine", scale.FormatToledo, scale.FrameOptions{},
			"\x02/0 001234000000\r", scale.ErrFrameResolution},

		{"yaohua bad checksum", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+001560018\x03", scale.ErrFrameChecksum},
		{"yaohua short", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+0015600\x03", scale.ErrFrameSyntax},
		{"yaohua bad sign", scale.FormatYaohua, scale.FrameOptions{},
			"\x02 001560019\x03", scale.ErrFrameSyntax},
		{"yaohua bad hex", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+00156001G\x03", scale.ErrFrameSyntax},
		{"yaohua no ETX", scale.FormatYaohua, scale.FrameOptions{},
			"\x02+001560019\r", scale.ErrFrameSyntax},

		{"and count", scale.FormatAND, scale.FrameOptions{},
			"QT,+0000123 PC\r\n", scale.ErrFrameNotWeight},
		{"and tare", scale.FormatAND, scale.FrameOptions{},
			"ST,TR,+0001.00kg\r\n", scale.ErrFrameNotWeight},
		{"and lb", scale.FormatAND, scale.FrameOptions{},
			"ST,+0023.45lb\r\n", scale.ErrFrameUnit},
		{"and unknown header", scale.FormatAND, scale.FrameOptions{},
			"XX,+0023.45kg\r\n", scale.ErrFrameSyntax},
		{"and garbled weight", scale.FormatAND, scale.FrameOptions{},
			"ST,+00\x0023.45kg\r\n", scale.ErrFrameSyntax},
		{"and two frames", scale.FormatAND, scale.FrameOptions{},
			"ST,+00ST,GS,+0023.45kg\r\n", scale.ErrFrameSyntax},
		{"and tenth of a gram", scale.FormatAND, scale.FrameOptions{},
			"ST,+00123.4 g\r\n", scale.ErrFrameResolution},
		{"and empty", scale.FormatAND, scale.FrameOptions{}, "\r\n", scale.ErrFrameSyntax},

		{"keli no prefix", scale.FormatKeli, scale.FrameOptions{},
			"0023,45(kg)\r\n", scale.ErrFrameSyntax},
		{"keli open bracket", scale.FormatKeli, scale.FrameOptions{},
			"GW:0023,45(kg\r\n", scale.ErrFrameSyntax},
		{"keli unit", scale.FormatKeli, scale.FrameOptions{},
			"GW:0023,45(lb)\r\n", scale.ErrFrameUnit},
		{"keli letters", scale.FormatKeli, scale.FrameOptions{},
			"GW:00A3,45(kg)\r\n", scale.ErrFrameSyntax},

		{"keli reversed no =", scale.FormatKeliReversed, scale.FrameOptions{},
			"54.3200\r\n", scale.ErrFrameSyntax},
		{"keli reversed empty", scale.FormatKeliReversed, scale.FrameOptions{},
			"=\r\n", scale.ErrFrameSyntax},
		{"keli reversed letters", scale.FormatKeliReversed, scale.FrameOptions{},
			"=54.3A00", scale.ErrFrameSyntax},
		{"keli reversed sign first", scale.FormatKeliReversed, scale.FrameOptions{},
			"=-03.2100", scale.ErrFrameSyntax},
		{"keli reversed forward unit", scale.FormatKeliReversed, scale.FrameOptions{},
			"=0023.45(kg)", scale.ErrFrameSyntax},

		{"yaohua line tare", scale.FormatYaohuaLine, scale.FrameOptions{},
			"wt000.000kg\n", scale.ErrFrameNotWeight},
		{"yaohua line lb", scale.FormatYaohuaLine, scale.FrameOptions{},
			"ww000.000lb\n", scale.ErrFrameUnit},
		{"yaohua line prefix", scale.FormatYaohuaLine, scale.FrameOptions{},
			"wx000.000kg\n", scale.ErrFrameSyntax},
		{"yaohua line digits", scale.FormatYaohuaLine, scale.FrameOptions{},
			"ww0a0.000kg\n", scale.ErrFrameSyntax},
		{"unknown format", scale.StreamFormat(99), scale.FrameOptions{}, "ST,+1kg\r\n", scale.ErrFrameSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scale.ParseFrame(tt.format, []byte(tt.frame), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseFrame(%v, %q) = %+v, %v; want error %v", tt.format, tt.frame, got, err, tt.want)
			}
			var frameErr *scale.FrameError
			if !errors.As(err, &frameErr) {
				t.Fatalf("ParseFrame(%v, %q) error %T is not a *FrameError", tt.format, tt.frame, err)
			}
			if frameErr.Format != tt.format {
				t.Errorf("FrameError.Format = %v, want %v", frameErr.Format, tt.format)
			}
			if string(frameErr.Frame) != tt.frame {
				t.Errorf("FrameError.Frame = %q, want %q", frameErr.Frame, tt.frame)
			}
		})
	}
}

// Ensure the message names the format and escapes control bytes.
func TestStreamFrameErrorMessage(t *testing.T) {
	_, err := scale.ParseToledo([]byte("\x02,0 001234000000\r\x2C"), true)
	want := `scale: toledo frame "\x02,0 001234000000\r,": checksum mismatch (got 0x2C, expected 0x2B)`
	if err == nil || err.Error() != want {
		t.Errorf("ParseToledo error = %v, want %s", err, want)
	}
}

func TestParseStreamFormat(t *testing.T) {
	for _, f := range []scale.StreamFormat{scale.FormatToledo, scale.FormatYaohua, scale.FormatAND, scale.FormatKeli, scale.FormatYaohuaLine, scale.FormatKeliReversed} {
		got, err := scale.ParseStreamFormat(f.String())
		if err != nil || got != f {
			t.Errorf("ParseStreamFormat(%q) = %v, %v; want %v", f.String(), got, err, f)
		}
	}
	if _, err := scale.ParseStreamFormat("sartorius"); err == nil {
		t.Error(`ParseStreamFormat("sartorius") returned no error`)
	}
}

// Ensure no input makes a parser panic, whatever the bytes.
func FuzzParseStreamFrame(f *testing.F) {
	f.Add(byte(1), []byte("\x02,0 001234000000\r\x2B"))
	f.Add(byte(2), []byte("\x02+001560019\x03"))
	f.Add(byte(3), []byte("ST,GS,+0023.45kg\r\n"))
	f.Add(byte(4), []byte("GW:0023,45(kg)\r\n"))
	f.Add(byte(5), []byte("wn-0000.1kg\n"))
	f.Add(byte(6), []byte("=03.2100-\r\n"))
	f.Fuzz(func(t *testing.T, format byte, frame []byte) {
		opts := scale.FrameOptions{Checksum: format&0x10 != 0}
		r, err := scale.ParseFrame(scale.StreamFormat(format%7), frame, opts)
		if err == nil && (r.Overload || r.Underload) && r.Grams != 0 {
			t.Errorf("ParseFrame(%q) = %+v: out of range with a weight", frame, r)
		}
	})
}

func BenchmarkParseStreamFrame(b *testing.B) {
	frames := []struct {
		format scale.StreamFormat
		opts   scale.FrameOptions
		frame  []byte
	}{
		{scale.FormatToledo, scale.FrameOptions{Checksum: true}, []byte("\x02,0 001234000000\r\x2B")},
		{scale.FormatYaohua, scale.FrameOptions{}, []byte("\x02+012345218\x03")},
		{scale.FormatAND, scale.FrameOptions{}, []byte("ST,GS,+0023.45kg\r\n")},
		{scale.FormatKeli, scale.FrameOptions{}, []byte("GW:0023,45(kg)\r\n")},
		{scale.FormatYaohuaLine, scale.FrameOptions{}, []byte("ww018.280kg\n")},
		{scale.FormatKeliReversed, scale.FrameOptions{}, []byte("=54.3200\r\n")},
	}
	for _, fr := range frames {
		b.Run(fr.format.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scale.ParseFrame(fr.format, fr.frame, fr.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
		})
	}
}
