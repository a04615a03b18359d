package labels

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is the size of the label stock in whole millimetres, width across
// the print head and height along the feed.
type Size struct {
	Width, Height int
}

// Common label sizes.
var (
	Size60x40   = Size{60, 40}
	Size100x70  = Size{100, 70}
	Size100x150 = Size{100, 150}
)

// Size limits in millimetres. A 4-inch print head is 104 mm wide.
const (
	minSizeMM   = 20
	maxWidthMM  = 104
	maxHeightMM = 300
)

// ParseSize parses a size written as WIDTHxHEIGHT in millimetres, such as
// "60x40".
func ParseSize(s string) (Size, error) {
	w, h, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	width, errW := strconv.Atoi(w)
	height, errH := strconv.Atoi(h)
	if !ok || errW != nil || errH != nil {
		return Size{}, &Error{Field: "Size", Value: s, Err: ErrInvalid, Detail: "expected WIDTHxHEIGHT in millimetres, such as 60x40"}
	}
	size := Size{width, height}
	if err := size.validate(); err != nil {
		return Size{}, err
	}
	return size, nil
}

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Width, s.Height) }

// Set parses a size for flag.Value.
func (s *Size) Set(text string) error {
	v, err := ParseSize(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

func (s Size) validate() error {
	if s.Width < minSizeMM || s.Width > maxWidthMM || s.Height < minSizeMM || s.Height > maxHeightMM {
		return &Error{Field: "Size", Value: s.String(), Err: ErrInvalid,
			Detail: fmt.Sprintf("width must be %d to %d mm and height %d to %d mm", minSizeMM, maxWidthMM, minSizeMM, maxHeightMM)}
	}
	return nil
}

// FontMode selects how text reaches the printer.
type FontMode int

// Font modes.
const (
	// FontBitmap draws text from the bundled font into ^GFA graphics. It
	// needs nothing on the printer, and the preview matches the print.
	FontBitmap FontMode = iota

	// FontResident sends text as ^A fields in the TrueType font that
	// Config.ResidentFont names on the printer, mapped to font letter 1
	// with ^CW in every label.
	FontResident
)

// Plant is the identity printed on every label.
type Plant struct {
	Name     string // the plant's name, Chinese first
	Approval string // the slaughter approval number (定点屠宰证号)
}

// Config is the layout configuration of one printer and label stock.
type Config struct {
	Size Size
	DPI  int // 203 or 300

	Plant Plant

	// Domain is the host of the GS1 Digital Link URIs in the QR codes:
	// the league platform's resolver, such as "trace.example.cn".
	Domain string

	Font FontMode

	// ResidentFont is the printer's path of the font for FontResident,
	// such as "E:NOTOSANSSC.TTF". It is ignored with FontBitmap.
	ResidentFont string
}

// dotsPerMM returns the print density in dots per millimetre as ZPL
// counts it: 8 for a 203 dpi printer and 12 for a 300 dpi printer.
func (c Config) dotsPerMM() int {
	if c.DPI == 300 {
		return 12
	}
	return 8
}

// dots converts millimetres to whole printer dots, rounding to nearest.
func (c Config) dots(mm float64) int {
	return int(mm*float64(c.dotsPerMM()) + 0.5)
}

// Validate checks the configuration. Errors are *Error.
func (c Config) Validate() error {
	if c.DPI != 203 && c.DPI != 300 {
		return &Error{Field: "DPI", Value: strconv.Itoa(c.DPI), Err: ErrInvalid, Detail: "expected 203 or 300"}
	}
	if err := c.Size.validate(); err != nil {
		return err
	}
	if strings.TrimSpace(c.Plant.Name) == "" {
		return &Error{Field: "Plant.Name", Err: ErrMissing}
	}
	if err := checkText("Plant.Name", c.Plant.Name, maxNameLength); err != nil {
		return err
	}
	if strings.TrimSpace(c.Plant.Approval) == "" {
		return &Error{Field: "Plant.Approval", Err: ErrMissing}
	}
	if err := checkText("Plant.Approval", c.Plant.Approval, maxNameLength); err != nil {
		return err
	}
	if c.Domain == "" {
		return &Error{Field: "Domain", Err: ErrMissing}
	}
	switch c.Font {
	case FontBitmap:
	case FontResident:
		if c.ResidentFont == "" {
			return &Error{Field: "ResidentFont", Err: ErrMissing, Detail: "FontResident needs the printer's font path, such as E:NOTOSANSSC.TTF"}
		}
		if err := checkFieldData("ResidentFont", c.ResidentFont); err != nil {
			return err
		}
		if strings.ContainsAny(c.ResidentFont, "^~,") {
			return &Error{Field: "ResidentFont", Value: c.ResidentFont, Err: ErrInvalid, Detail: "a font path cannot contain ^, ~ or a comma"}
		}
	default:
		return &Error{Field: "Font", Value: strconv.Itoa(int(c.Font)), Err: ErrInvalid, Detail: "expected FontBitmap or FontResident"}
	}
	return nil
}
