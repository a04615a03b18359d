package scale

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"lambtrace/line"
)

// StreamFormat is a continuous output format of a weighing indicator: the
// indicator sends one frame per display update without being polled.
type StreamFormat int

// Continuous output formats. The frame layouts are described at the
// parser of each format.
const (
	FormatToledo       StreamFormat = iota + 1 // Mettler Toledo continuous, CR terminated
	FormatYaohua                               // Yaohua XK3190 STX…ETX frame
	FormatAND                                  // A&D "ST,GS,+0023.45kg", CR LF terminated
	FormatKeli                                 // Keli XK3118 "GW:0023,45(kg)", CR LF terminated
	FormatYaohuaLine                           // Yaohua XK3190-A12 "ww000.000kg", LF terminated
	FormatKeliReversed                         // Keli-style "=54.3200", digits last to first
)

var streamFormatNames = map[StreamFormat]string{
	FormatToledo: "toledo",
	FormatYaohua: "yaohua",
	FormatAND:    "and",
	FormatKeli:   "keli",

	FormatYaohuaLine:   "yaohua-line",
	FormatKeliReversed: "keli-reversed",
}

// StreamFormatNames lists the configuration names of the stream formats,
// for messages.
const StreamFormatNames = "toledo, yaohua, and, keli, yaohua-line or keli-reversed"

// String returns the configuration name of f: "toledo", "yaohua", "and",
// "keli", "yaohua-line" or "keli-reversed".
func (f StreamFormat) String() string {
	if name, ok := streamFormatNames[f]; ok {
		return name
	}
	return "StreamFormat(" + strconv.Itoa(int(f)) + ")"
}

// ParseStreamFormat returns the format with the configuration name s.
func ParseStreamFormat(s string) (StreamFormat, error) {
	for f, name := range streamFormatNames {
		if strings.EqualFold(s, name) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("unknown scale stream format %q: expected %s", s, StreamFormatNames)
}

// FrameOptions holds the configuration for what a frame does not carry.
// The zero value suits a Toledo stream without checksum and the other
// formats in kilograms.
type FrameOptions struct {
	Checksum bool      // Toledo frames end with a checksum byte after CR
	Unit     line.Mass // unit of Yaohua, reversed Keli and Keli frames without one: line.Kilogram (0) or line.Gram
	Division line.Mass // division for all formats but Toledo; 0 means one step of the last digit
}

// ParseFrame parses one frame in format, terminator included. It returns
// a *FrameError for a frame it cannot parse. Scale and At are left for
// the caller to fill in.
func ParseFrame(format StreamFormat, frame []byte, opts FrameOptions) (line.Reading, error) {
	switch format {
	case FormatToledo:
		return ParseToledo(frame, opts.Checksum)
	case FormatYaohua:
		return ParseYaohua(frame, opts.Unit, opts.Division)
	case FormatAND:
		return ParseAND(frame, opts.Division)
	case FormatKeli:
		return ParseKeli(frame, opts.Unit, opts.Division)
	case FormatYaohuaLine:
		return ParseYaohuaLine(frame, opts.Division)
	case FormatKeliReversed:
		return ParseKeliReversed(frame, opts.Unit, opts.Division)
	}
	return line.Reading{}, frameFailure(format, frame, ErrFrameSyntax, "unknown format")
}

// Sentinel errors that a *FrameError wraps. Test for them with errors.Is.
var (
	ErrFrameSyntax     = errors.New("invalid frame")
	ErrFrameChecksum   = errors.New("checksum mismatch")
	ErrFrameUnit       = errors.New("unsupported unit")
	ErrFrameResolution = errors.New("resolution finer than 1 g")
	ErrFrameNotWeight  = errors.New("frame carries no gross or net weight")
)

// maxQuotedFrame is the number of frame bytes that FrameError.Error shows,
// so a burst of line noise does not flood the log.
const maxQuotedFrame = 48

// FrameError reports a frame that could not be parsed.
type FrameError struct {
	Format StreamFormat
	Frame  []byte // the frame as received, terminator included
	Err    error  // one of the ErrFrame* sentinel errors
	Detail string // which field failed and why, or empty
}

// Error names the format and quotes the frame with Go escapes, so control
// bytes never reach a log raw.
func (e *FrameError) Error() string {
	quoted := strconv.Quote(string(e.Frame))
	if len(e.Frame) > maxQuotedFrame {
		quoted = fmt.Sprintf("%s… (%d bytes)", strconv.Quote(string(e.Frame[:maxQuotedFrame])), len(e.Frame))
	}
	msg := fmt.Sprintf("scale: %s frame %s: %v", e.Format, quoted, e.Err)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *FrameError) Unwrap() error { return e.Err }

func frameFailure(format StreamFormat, frame []byte, err error, detail string, args ...any) *FrameError {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &FrameError{Format: format, Frame: append([]byte(nil), frame...), Err: err, Detail: detail}
}

// Control bytes that delimit frames.
const (
	asciiSTX = 0x02
	asciiETX = 0x03
	asciiLF  = '\n'
	asciiCR  = '\r'
)

// maxFrameDigits bounds the digits of a weight, so the conversion to grams
// cannot overflow int64.
const maxFrameDigits = 12

// decimalWeight is a weight as the indicator writes it: an unsigned digit
// string, the power of ten that scales it, and the unit it is in.
type decimalWeight struct {
	digits   string    // decimal digits only, without sign or point
	exponent int       // the value is digits × 10^exponent units
	unit     line.Mass // mass of one unit: line.Kilogram, line.Gram or 1000 kg
	negative bool
}

// grams converts w exactly, in integers. A value that is not a whole
// number of grams is an error, because rounding would hide a
// misconfigured decimal point.
func (w decimalWeight) grams() (line.Mass, bool) {
	digits := strings.TrimLeft(w.digits, "0")
	if len(digits) > maxFrameDigits {
		return 0, false
	}
	var value int64
	for i := 0; i < len(digits); i++ {
		value = value*10 + int64(digits[i]-'0')
	}
	grams, ok := scaleByPower(value*int64(w.unit), w.exponent)
	if w.negative {
		grams = -grams
	}
	return line.Mass(grams), ok
}

// scaleByPower returns value × 10^exponent and whether the result is
// whole.
func scaleByPower(value int64, exponent int) (int64, bool) {
	for ; exponent > 0; exponent-- {
		value *= 10
	}
	for ; exponent < 0; exponent++ {
		if value%10 != 0 {
			return 0, false
		}
		value /= 10
	}
	return value, true
}

// resolution returns the mass of one step of the last digit times factor.
func (w decimalWeight) resolution(factor int64) (line.Mass, bool) {
	step, ok := scaleByPower(factor*int64(w.unit), w.exponent)
	return line.Mass(step), ok && step > 0
}

// finish fills the weight, the decimals and the division of r from w. A
// division of 0 means one step of the last displayed digit.
func (w decimalWeight) finish(format StreamFormat, frame []byte, r *line.Reading, division line.Mass) error {
	if r.Overload || r.Underload {
		// Indicators fill the weight with 9s or spaces when out of
		// range, so the weight is left at 0 and only the flag counts.
		r.Grams = 0
	} else {
		grams, ok := w.grams()
		if !ok {
			return frameFailure(format, frame, ErrFrameResolution,
				"weight %s×10^%d is not a whole number of grams", w.digits, w.exponent)
		}
		r.Grams = grams
	}
	r.Decimals = max(0, -w.exponent)
	if division > 0 {
		r.Division = division
		return nil
	}
	if r.Overload || r.Underload {
		// The filler shows no real display step.
		r.Division = 0
		return nil
	}
	step, ok := w.resolution(1)
	if !ok {
		return frameFailure(format, frame, ErrFrameResolution, "display step is below 1 g")
	}
	r.Division = step
	return nil
}

func isASCIIDigits(s []byte) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(s) > 0
}

// ParseToledo parses one Mettler Toledo continuous output frame:
//
//	STX SWA SWB SWC wwwwww tttttt CR [CHK]
//
// with six weight digits and six tare digits without sign or point. The
// short variant leaves out the tare digits. When checksum is true, the
// frame must end with CHK, the two's complement of the 7-bit sum of all
// earlier bytes, STX and CR included. The status words are:
//
//	SWA bits 0–2  decimal point or dummy zeros: 0 = XXXX00, 1 = XXXXX0,
//	              2 = XXXXXX, 3 = XXXXX.X … 7 = X.XXXXX
//	SWA bits 3–4  increment: 1 = ×1, 2 = ×2, 3 = ×5 (bit 3 is the low bit)
//	SWB bit 0     net; bit 1 negative; bit 2 out of range; bit 3 motion;
//	              bit 4 kg (0 = lb); bit 6 not zeroed since power-up
//	SWC bit 0     grams; bit 4 display expanded ×10
//
// The layout is from the Mettler Toledo WILDCAT technical manual (pp. 40–41)
// and the Cardinal 225 manual, which also documents the short variant.
// Fixed bits are not checked, because emulations differ: Fairbanks sends
// SWB bit 5 as 0. An out-of-range weight is Overload, or Underload when
// the negative bit is set. A weight not zeroed since power-up is reported
// as not stable, because it must not be taken. A frame in lb or with the
// expanded display is rejected: lb cannot be converted to whole grams
// exactly, and the expanded display is not a weighing.
func ParseToledo(frame []byte, checksum bool) (line.Reading, error) {
	body := frame
	if checksum && len(frame) > 0 {
		body = frame[:len(frame)-1]
	}
	if len(body) != 17 && len(body) != 11 {
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameSyntax,
			"expected 17 bytes (11 without tare) from STX to CR, got %d", len(body))
	}
	if body[0] != asciiSTX || body[len(body)-1] != asciiCR {
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameSyntax, "expected STX first and CR before the checksum")
	}
	if checksum {
		if want := toledoChecksum(body); frame[len(frame)-1] != want {
			return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameChecksum,
				"got 0x%02X, expected 0x%02X", frame[len(frame)-1], want)
		}
	}
	fields := body[4 : len(body)-1]
	if !isASCIIDigits(fields) {
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameSyntax,
			"weight and tare fields %q are not all digits", fields)
	}

	swa, swb, swc := body[1], body[2], body[3]
	var factor int64
	switch (swa >> 3) & 0b11 {
	case 1:
		factor = 1
	case 2:
		factor = 2
	case 3:
		factor = 5
	default:
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameSyntax,
			"status word A 0x%02X has no increment in bits 3–4", swa)
	}
	weight := decimalWeight{
		digits:   string(fields[:6]),
		exponent: 2 - int(swa&0b111),
		negative: swb&0x02 != 0,
	}
	switch {
	case swc&0x10 != 0:
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameNotWeight,
			"status word C 0x%02X: display expanded ×10", swc)
	case swc&0x01 != 0:
		weight.unit = line.Gram
	case swb&0x10 != 0:
		weight.unit = line.Kilogram
	default:
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameUnit,
			"status words B 0x%02X and C 0x%02X: lb", swb, swc)
	}

	outOfRange := swb&0x04 != 0
	r := line.Reading{
		Stable:    swb&0x08 == 0 && swb&0x40 == 0,
		Net:       swb&0x01 != 0,
		Overload:  outOfRange && !weight.negative,
		Underload: outOfRange && weight.negative,
	}
	division, ok := weight.resolution(factor)
	if !ok {
		return line.Reading{}, frameFailure(FormatToledo, frame, ErrFrameResolution, "increment is below 1 g")
	}
	if err := weight.finish(FormatToledo, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}

// toledoChecksum returns the two's complement of the 7-bit sum of b.
func toledoChecksum(b []byte) byte {
	var sum byte
	for _, c := range b {
		sum += c
	}
	return -sum & 0x7F
}

// ParseYaohua parses one 12-byte frame of the Yaohua XK3190 continuous
// output:
//
//	STX sign dddddd p xx ETX
//
// sign is '+' or '-', dddddd the weight without point, p the number of
// decimals, and xx the XOR of the 8 bytes from sign to p in two hex
// digits, high nibble first. Some indicators write a nibble above 9 as
// 0x30 plus the nibble (';' for 0xB) instead of a hex letter, and both
// forms are accepted. The frame carries no unit, so unit (line.Kilogram or
// line.Gram, 0 meaning kilograms) gives it, and no motion flag, so Stable
// is always true and only the line's software window decides. The
// division is one step of the last digit unless division is set.
//
// Example: "\x02+001560019\x03" is +1560 kg with no decimals, captured at
// 1200 baud from an XK3190 by a public truck-scale reader.
func ParseYaohua(frame []byte, unit, division line.Mass) (line.Reading, error) {
	if len(frame) != 12 || frame[0] != asciiSTX || frame[11] != asciiETX {
		return line.Reading{}, frameFailure(FormatYaohua, frame, ErrFrameSyntax,
			"expected 12 bytes from STX to ETX, got %d", len(frame))
	}
	sign, digits, point := frame[1], frame[2:8], frame[8]
	if sign != '+' && sign != '-' {
		return line.Reading{}, frameFailure(FormatYaohua, frame, ErrFrameSyntax, "sign %q is not + or -", sign)
	}
	if !isASCIIDigits(digits) || point < '0' || point > '6' {
		return line.Reading{}, frameFailure(FormatYaohua, frame, ErrFrameSyntax,
			"expected 6 digits and a decimal count 0–6, got %q", frame[2:9])
	}
	high, okHigh := yaohuaNibble(frame[9])
	low, okLow := yaohuaNibble(frame[10])
	if !okHigh || !okLow {
		return line.Reading{}, frameFailure(FormatYaohua, frame, ErrFrameSyntax, "checksum %q is not hex", frame[9:11])
	}
	var sum byte
	for _, c := range frame[1:9] {
		sum ^= c
	}
	if got := high<<4 | low; got != sum {
		return line.Reading{}, frameFailure(FormatYaohua, frame, ErrFrameChecksum,
			"got 0x%02X, expected 0x%02X", got, sum)
	}

	if unit == 0 {
		unit = line.Kilogram
	}
	weight := decimalWeight{
		digits:   string(digits),
		exponent: -int(point - '0'),
		unit:     unit,
		negative: sign == '-',
	}
	r := line.Reading{Stable: true}
	if err := weight.finish(FormatYaohua, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}

func yaohuaNibble(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '?': // '0'–'9', then ':' to '?' for 10–15
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// trimFrameLineEnd removes the CR and LF bytes at the end of a text frame.
func trimFrameLineEnd(frame []byte) []byte {
	for len(frame) > 0 && (frame[len(frame)-1] == asciiCR || frame[len(frame)-1] == asciiLF) {
		frame = frame[:len(frame)-1]
	}
	return frame
}

// frameUnitMass returns the mass of one unit written in a frame.
func frameUnitMass(unit string) (line.Mass, bool) {
	switch unit {
	case "kg":
		return line.Kilogram, true
	case "g":
		return line.Gram, true
	case "t":
		return 1000 * line.Kilogram, true
	}
	return 0, false
}

// parseSignedDecimal splits text such as "+0023.45" or "-0023,45" at the
// separator into a decimalWeight. Leading spaces between the sign and the
// digits are allowed, as some indicators pad with them.
func parseSignedDecimal(text string, separator byte) (decimalWeight, bool) {
	var w decimalWeight
	if text != "" && (text[0] == '+' || text[0] == '-') {
		w.negative = text[0] == '-'
		text = text[1:]
	}
	text = strings.TrimLeft(text, " ")
	whole, frac, hasPoint := strings.Cut(text, string(separator))
	if !isASCIIDigits([]byte(whole)) || (hasPoint && !isASCIIDigits([]byte(frac))) {
		return w, false
	}
	w.digits = whole + frac
	w.exponent = -len(frac)
	return w, true
}

// ParseAND parses one line of the A&D continuous output:
//
//	ST,+00123.4 g CR LF        header, weight, unit
//	ST,NT,+0012.34kg CR LF     header, gross or net, weight, unit
//
// The first header is ST (stable), US (unstable), OL (overload) or LO
// (out of range on the AD-4404); QT lines carry a count and are
// rejected. The second header is GS (gross) or NT (net); TR lines carry
// the tare and are rejected. Units are kg, g and t; lb is rejected. When
// the indicator is out of range the weight field is 9s or spaces, so the
// reading has Overload set, or Underload when the field starts with '-',
// and a weight of 0. The decimals come from the point in the weight, and
// the division is one step of the last digit unless division is set. An
// out-of-range reading without a set division has division 0 (unknown).
//
// Sources: the A&D EK-L and GH-252 instruction manuals for the one-header
// form, the A&D AD-4404 manual for the two-header form.
//
// NOTE: taking a '-' in an OL or LO line as underload is an inference,
// because no capture of an A&D line below the range was available.
func ParseAND(frame []byte, division line.Mass) (line.Reading, error) {
	text := string(trimFrameLineEnd(frame))
	fields := strings.Split(text, ",")
	if len(fields) != 2 && len(fields) != 3 {
		return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameSyntax,
			"expected 2 or 3 comma-separated fields, got %d", len(fields))
	}

	var r line.Reading
	header := fields[0]
	switch header {
	case "ST":
		r.Stable = true
	case "US":
	case "OL", "LO":
	case "QT":
		return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameNotWeight, "QT is a count")
	default:
		return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameSyntax, "unknown header %q", header)
	}
	if len(fields) == 3 {
		switch fields[1] {
		case "GS":
		case "NT":
			r.Net = true
		case "TR":
			return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameNotWeight, "TR is the tare")
		default:
			return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameSyntax, "unknown header %q", fields[1])
		}
	}

	data := fields[len(fields)-1]
	unitStart := strings.LastIndexFunc(data, func(c rune) bool { return c < 'a' || c > 'z' }) + 1
	number, unitText := strings.TrimRight(data[:unitStart], " "), data[unitStart:]
	if header == "OL" || header == "LO" {
		below := strings.HasPrefix(number, "-")
		r.Overload, r.Underload = !below, below
	}
	unit, ok := frameUnitMass(unitText)
	if !ok {
		return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameUnit, "unit %q", unitText)
	}
	weight, ok := parseSignedDecimal(number, '.')
	if !ok && !r.Overload && !r.Underload {
		return line.Reading{}, frameFailure(FormatAND, frame, ErrFrameSyntax, "weight %q is not a decimal number", number)
	}
	weight.unit = unit
	if err := weight.finish(FormatAND, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}

// ParseKeli parses one line of the Keli XK3118 and D2008 output:
//
//	GW:0023,45(kg) CR LF     gross
//	NW:0023,45(kg) CR LF     net
//	=0023,45(kg) CR LF       displayed weight
//
// with a comma as the decimal separator (a point is accepted too) and an
// optional sign before the digits. The unit in brackets may be missing,
// and unit (0 meaning kilograms) then gives it. The format carries no
// motion flag, so Stable is always true and only the line's software
// window decides. The layout is the one a public Perl driver for these
// indicators (keli.pm) reads.
//
// Indicators that stream the digits after '=' last to first need
// FormatKeliReversed and ParseKeliReversed instead.
func ParseKeli(frame []byte, unit, division line.Mass) (line.Reading, error) {
	text := string(trimFrameLineEnd(frame))
	var r line.Reading
	switch {
	case strings.HasPrefix(text, "GW:"):
		text = text[3:]
	case strings.HasPrefix(text, "NW:"):
		r.Net = true
		text = text[3:]
	case strings.HasPrefix(text, "="):
		text = text[1:]
	default:
		return line.Reading{}, frameFailure(FormatKeli, frame, ErrFrameSyntax, "expected GW:, NW: or = first")
	}

	if open := strings.IndexByte(text, '('); open >= 0 {
		if !strings.HasSuffix(text, ")") {
			return line.Reading{}, frameFailure(FormatKeli, frame, ErrFrameSyntax, "unit bracket not closed")
		}
		var ok bool
		unit, ok = frameUnitMass(text[open+1 : len(text)-1])
		if !ok {
			return line.Reading{}, frameFailure(FormatKeli, frame, ErrFrameUnit, "unit %q", text[open+1:len(text)-1])
		}
		text = text[:open]
	}
	if unit == 0 {
		unit = line.Kilogram
	}

	separator := byte(',')
	if strings.IndexByte(text, '.') >= 0 {
		separator = '.'
	}
	weight, ok := parseSignedDecimal(strings.TrimSpace(text), separator)
	if !ok {
		return line.Reading{}, frameFailure(FormatKeli, frame, ErrFrameSyntax, "weight %q is not a decimal number", text)
	}
	weight.unit = unit
	r.Stable = true
	if err := weight.finish(FormatKeli, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}

// ParseYaohuaLine parses one line of the Yaohua XK3190-A12 output:
//
//	ww000.000kg LF      gross
//	wn-0000.1kg LF      net
//	wt000.000kg LF      tare, rejected
//
// with a 7-character weight, its sign included, and a unit of kg, g or t
// (lb is rejected). The format carries no motion flag, so Stable is always
// true and only the line's software window decides. The layout is the one
// the public MCUSH Python driver for the XK3190-A12 reads. The division is
// one step of the last digit unless division is set.
func ParseYaohuaLine(frame []byte, division line.Mass) (line.Reading, error) {
	text := string(trimFrameLineEnd(frame))
	if len(text) < 3 || text[0] != 'w' {
		return line.Reading{}, frameFailure(FormatYaohuaLine, frame, ErrFrameSyntax, "expected ww, wn or wt first")
	}

	r := line.Reading{Stable: true}
	switch text[1] {
	case 'w':
	case 'n':
		r.Net = true
	case 't':
		return line.Reading{}, frameFailure(FormatYaohuaLine, frame, ErrFrameNotWeight, "wt is the tare")
	default:
		return line.Reading{}, frameFailure(FormatYaohuaLine, frame, ErrFrameSyntax, "expected ww, wn or wt first")
	}

	data := text[2:]
	unitStart := strings.LastIndexFunc(data, func(c rune) bool { return c < 'a' || c > 'z' }) + 1
	number, unitText := strings.TrimSpace(data[:unitStart]), data[unitStart:]
	unit, ok := frameUnitMass(unitText)
	if !ok {
		return line.Reading{}, frameFailure(FormatYaohuaLine, frame, ErrFrameUnit, "unit %q", unitText)
	}
	weight, ok := parseSignedDecimal(number, '.')
	if !ok {
		return line.Reading{}, frameFailure(FormatYaohuaLine, frame, ErrFrameSyntax, "weight %q is not a decimal number", number)
	}
	weight.unit = unit
	if err := weight.finish(FormatYaohuaLine, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}

// ParseKeliReversed parses one frame of the Chinese indicators that send
// the displayed weight after '=', as Keli indicators do, but with its
// characters last to first:
//
//	=54.3200       display 0023.45
//	=03.2100-      display -0012.30
//
// The characters after '=' are the display read from its last character
// to its first: the digits with a point or comma, and a '-' last for a
// negative weight. Frames follow each other without a line ending, or
// end with CR, LF or CR LF. The frame carries no unit, so unit
// (line.Kilogram or line.Gram, 0 meaning kilograms) gives it, and no
// motion flag, so Stable is always true and only the line's software
// window decides. The division is one step of the last digit unless
// division is set.
//
// NOTE: no capture of this output was available, only reports that the
// characters after '=' come reversed. The line endings, the width and the
// place of the sign are assumed.
func ParseKeliReversed(frame []byte, unit, division line.Mass) (line.Reading, error) {
	text := trimFrameLineEnd(frame)
	if len(text) < 2 || text[0] != '=' {
		return line.Reading{}, frameFailure(FormatKeliReversed, frame, ErrFrameSyntax, "expected = and the reversed weight")
	}
	display := []byte(string(text[1:]))
	for i, j := 0, len(display)-1; i < j; i, j = i+1, j-1 {
		display[i], display[j] = display[j], display[i]
	}

	separator := byte('.')
	if bytes.IndexByte(display, ',') >= 0 {
		separator = ','
	}
	weight, ok := parseSignedDecimal(string(display), separator)
	if !ok {
		return line.Reading{}, frameFailure(FormatKeliReversed, frame, ErrFrameSyntax,
			"weight %q, read last to first, is not a decimal number", display)
	}
	if unit == 0 {
		unit = line.Kilogram
	}
	weight.unit = unit
	r := line.Reading{Stable: true}
	if err := weight.finish(FormatKeliReversed, frame, &r, division); err != nil {
		return line.Reading{}, err
	}
	return r, nil
}
