package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/scale"
	"lambtrace/line"
)

// DefaultASCIIScaleInterval is the time between two frames of an
// ASCIIScale, about the 7 frames per second of a Mettler Toledo indicator
// in continuous mode.
const DefaultASCIIScaleInterval = 140 * time.Millisecond

// ScaleSample is one weight that a simulated indicator displays.
type ScaleSample struct {
	Grams     line.Mass
	Decimals  int // decimals displayed in kilograms, 0 to 3
	Stable    bool
	Net       bool
	Overload  bool
	Underload bool
}

// ErrScaleNotEncodable reports a sample that a format cannot express, such as
// an overload in a format without an overload flag.
var ErrScaleNotEncodable = errors.New("sample cannot be encoded in this format")

// EncodeScaleFrame returns the frame, terminator included, that an
// indicator streaming format sends for sample. Toledo frames carry the
// tare field, with zero tare, and end with the checksum byte when
// checksum is true. Yaohua and Keli frames carry no stable flag, and no
// overload or underload flag, so such a sample returns ErrScaleNotEncodable,
// as does a net sample in the Yaohua STX frame or a reversed Keli frame.
// A reversed Keli frame is the 7-character display with a '-' before it
// when negative, written last character first after '=', and ends with
// CR LF.
// An A&D underload is written as OL with a negative filler weight.
func EncodeScaleFrame(format scale.StreamFormat, sample ScaleSample, checksum bool) ([]byte, error) {
	if sample.Decimals < 0 || sample.Decimals > 3 {
		return nil, fmt.Errorf("%w: decimals %d, expected 0 to 3", ErrScaleNotEncodable, sample.Decimals)
	}
	value, negative, err := scaleDisplayValue(sample)
	if err != nil {
		return nil, err
	}

	switch format {
	case scale.FormatToledo:
		return encodeToledo(sample, value, negative, checksum)
	case scale.FormatYaohua:
		return encodeYaohua(sample, value, negative)
	case scale.FormatAND:
		return encodeAND(sample, value, negative)
	case scale.FormatKeli:
		return encodeKeli(sample, value, negative)
	case scale.FormatYaohuaLine:
		return encodeYaohuaLine(sample, value, negative)
	case scale.FormatKeliReversed:
		return encodeKeliReversed(sample, value, negative)
	}
	return nil, fmt.Errorf("%w: unknown format %v", ErrScaleNotEncodable, format)
}

// scaleDisplayValue returns the weight in steps of the last displayed digit.
func scaleDisplayValue(sample ScaleSample) (int64, bool, error) {
	grams := int64(sample.Grams)
	negative := grams < 0
	if negative {
		grams = -grams
	}
	step := int64(1)
	for range 3 - sample.Decimals {
		step *= 10
	}
	if grams%step != 0 {
		return 0, false, fmt.Errorf("%w: %v has more decimals than %d", ErrScaleNotEncodable, sample.Grams, sample.Decimals)
	}
	return grams / step, negative, nil
}

func encodeToledo(sample ScaleSample, value int64, negative, checksum bool) ([]byte, error) {
	outOfRange := sample.Overload || sample.Underload
	if outOfRange {
		value = 999999
		negative = sample.Underload
	}
	if value > 999999 {
		return nil, fmt.Errorf("%w: %v does not fit 6 digits", ErrScaleNotEncodable, sample.Grams)
	}

	swa := byte(0x20 | 0x08 | (2 + sample.Decimals)) // increment ×1
	swb := byte(0x20 | 0x10)                         // kg
	if sample.Net {
		swb |= 0x01
	}
	if negative {
		swb |= 0x02
	}
	if outOfRange {
		swb |= 0x04
	}
	if !sample.Stable {
		swb |= 0x08
	}
	frame := fmt.Appendf(nil, "\x02%c%c%c%06d000000\r", swa, swb, 0x20, value)
	if checksum {
		var sum byte
		for _, c := range frame {
			sum += c
		}
		frame = append(frame, -sum&0x7F)
	}
	return frame, nil
}

func encodeYaohua(sample ScaleSample, value int64, negative bool) ([]byte, error) {
	if sample.Overload || sample.Underload || sample.Net {
		return nil, fmt.Errorf("%w: the Yaohua frame has no overload, underload or net flag", ErrScaleNotEncodable)
	}
	if value > 999999 {
		return nil, fmt.Errorf("%w: %v does not fit 6 digits", ErrScaleNotEncodable, sample.Grams)
	}
	sign := byte('+')
	if negative {
		sign = '-'
	}
	body := fmt.Appendf(nil, "%c%06d%d", sign, value, sample.Decimals)
	var sum byte
	for _, c := range body {
		sum ^= c
	}
	frame := append([]byte{0x02}, body...)
	return fmt.Appendf(frame, "%02X\x03", sum), nil
}

// scaleDecimalText writes value with decimals digits after the separator and
// pads the whole part with zeros to width characters in all.
func scaleDecimalText(value int64, decimals, width int, separator string) string {
	digits := strconv.FormatInt(value, 10)
	if len(digits) <= decimals {
		digits = strings.Repeat("0", decimals-len(digits)+1) + digits
	}
	text := digits
	if decimals > 0 {
		text = digits[:len(digits)-decimals] + separator + digits[len(digits)-decimals:]
	}
	if len(text) < width {
		text = strings.Repeat("0", width-len(text)) + text
	}
	return text
}

func encodeAND(sample ScaleSample, value int64, negative bool) ([]byte, error) {
	header := "US"
	if sample.Stable {
		header = "ST"
	}
	if sample.Overload || sample.Underload {
		header = "OL"
		negative = sample.Underload
	}
	gross := "GS"
	if sample.Net {
		gross = "NT"
	}
	number := scaleDecimalText(value, sample.Decimals, 7, ".")
	if sample.Overload || sample.Underload {
		number = strings.Map(func(c rune) rune {
			if c == '.' {
				return c
			}
			return '9'
		}, number)
	}
	sign := "+"
	if negative {
		sign = "-"
	}
	return fmt.Appendf(nil, "%s,%s,%s%skg\r\n", header, gross, sign, number), nil
}

func encodeKeli(sample ScaleSample, value int64, negative bool) ([]byte, error) {
	if sample.Overload || sample.Underload {
		return nil, fmt.Errorf("%w: the Keli frame has no overload or underload flag", ErrScaleNotEncodable)
	}
	prefix := "GW:"
	if sample.Net {
		prefix = "NW:"
	}
	sign := ""
	if negative {
		sign = "-"
	}
	number := scaleDecimalText(value, sample.Decimals, 4+min(sample.Decimals, 1)+sample.Decimals, ",")
	return fmt.Appendf(nil, "%s%s%s(kg)\r\n", prefix, sign, number), nil
}

func encodeKeliReversed(sample ScaleSample, value int64, negative bool) ([]byte, error) {
	if sample.Overload || sample.Underload || sample.Net {
		return nil, fmt.Errorf("%w: the reversed Keli frame has no overload, underload or net flag", ErrScaleNotEncodable)
	}
	display := scaleDecimalText(value, sample.Decimals, 7, ".")
	if len(display) > 7 {
		return nil, fmt.Errorf("%w: %v does not fit 7 characters", ErrScaleNotEncodable, sample.Grams)
	}
	if negative {
		display = "-" + display
	}
	return []byte("=" + reverseHex(display) + "\r\n"), nil
}

func encodeYaohuaLine(sample ScaleSample, value int64, negative bool) ([]byte, error) {
	if sample.Overload || sample.Underload {
		return nil, fmt.Errorf("%w: the Yaohua line has no overload or underload flag", ErrScaleNotEncodable)
	}
	kind := "ww"
	if sample.Net {
		kind = "wn"
	}
	number := scaleDecimalText(value, sample.Decimals, 7, ".")
	if negative {
		number = "-" + scaleDecimalText(value, sample.Decimals, 6, ".")
	}
	if len(number) > 7 {
		return nil, fmt.Errorf("%w: %v does not fit 7 characters", ErrScaleNotEncodable, sample.Grams)
	}
	return fmt.Appendf(nil, "%s%skg\n", kind, number), nil
}

// ASCIIScale simulates a weighing indicator in continuous output mode: it
// writes one frame per Interval in Format. It can write noise or a cut-off
// frame before a frame and write each frame in two parts, to test how a
// driver resynchronizes.
type ASCIIScale struct {
	Format   scale.StreamFormat
	Checksum bool          // Toledo frames end with the checksum byte
	Interval time.Duration // time between frames; 0 means DefaultASCIIScaleInterval

	// Samples are sent in turn, from the first again after the last.
	Samples []ScaleSample
	// Sample, when set, is used instead of Samples: it returns sample i,
	// or false to end the stream.
	Sample func(i int) (ScaleSample, bool)
	// Inject, when set, returns bytes written before frame i, such as
	// noise or the first bytes of a frame; nil writes nothing.
	Inject func(i int) []byte
	// SplitAt, when between 1 and the frame length, writes each frame as
	// two writes, the first of SplitAt bytes, with Interval/4 between them.
	SplitAt int

	Logger *slog.Logger // nil means slog.Default()
}

// Run writes frames to w until ctx is done, Sample returns false or a
// write fails. It returns nil in the first two cases and the write or
// encoding error otherwise.
func (a *ASCIIScale) Run(ctx context.Context, w io.Writer) error {
	interval := a.Interval
	if interval <= 0 {
		interval = DefaultASCIIScaleInterval
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	for i := 0; ; i++ {
		sample, ok := a.sample(i)
		if !ok {
			return nil
		}
		frame, err := EncodeScaleFrame(a.Format, sample, a.Checksum)
		if err != nil {
			return fmt.Errorf("simulated scale frame %d: %w", i, err)
		}
		if a.Inject != nil {
			if extra := a.Inject(i); len(extra) > 0 {
				if _, err := w.Write(extra); err != nil {
					return fmt.Errorf("write injected bytes: %w", err)
				}
			}
		}
		if err := a.writeFrame(ctx, w, frame, interval/4); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

func (a *ASCIIScale) sample(i int) (ScaleSample, bool) {
	if a.Sample != nil {
		return a.Sample(i)
	}
	if len(a.Samples) == 0 {
		return ScaleSample{}, false
	}
	return a.Samples[i%len(a.Samples)], true
}

func (a *ASCIIScale) writeFrame(ctx context.Context, w io.Writer, frame []byte, pause time.Duration) error {
	first := frame
	var rest []byte
	if a.SplitAt > 0 && a.SplitAt < len(frame) {
		first, rest = frame[:a.SplitAt], frame[a.SplitAt:]
	}
	if _, err := w.Write(first); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	if rest == nil {
		return nil
	}
	timer := time.NewTimer(pause)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-timer.C:
	}
	if _, err := w.Write(rest); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// Serve opens the serial port or pty at path at 9600 baud 8N1, which a
// pty ignores, and runs the simulator on it until ctx is done or a write
// fails. The port is closed before Serve returns.
func (a *ASCIIScale) Serve(ctx context.Context, path string) error {
	logger := a.Logger
	if logger == nil {
		logger = slog.Default()
	}
	port, err := serial.Open(path, &serial.Mode{BaudRate: 9600, DataBits: 8})
	if err != nil {
		return fmt.Errorf("open simulated scale port %s: %w", path, err)
	}
	defer port.Close()
	logger.Info("simulated scale started", "path", path, "format", a.Format.String())

	err = a.Run(ctx, port)
	logger.Info("simulated scale stopped", "path", path, "error", err)
	return err
}
