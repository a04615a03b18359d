package line

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mass is a mass in whole grams. Every weight on the line, from the scale
// driver to the batch document, is a Mass, so sums and comparisons are
// exact; kilograms exist only in formatting and parsing.
type Mass int64

// Mass units.
const (
	Gram     Mass = 1
	Kilogram Mass = 1000
)

// MaxMass bounds parsed masses at 1,000,000 kg, far above any scale on the
// line, so sums of many weighings cannot overflow int64.
const MaxMass = 1_000_000 * Kilogram

// Grams returns m as an integer number of grams.
func (m Mass) Grams() int64 { return int64(m) }

// String formats m in kilograms with three decimals, as on labels and
// screens: "18.280 kg", "-0.020 kg".
func (m Mass) String() string { return m.kilograms() + " kg" }

// StringZH formats m for Chinese text: "18.280 千克".
func (m Mass) StringZH() string { return m.kilograms() + " 千克" }

func (m Mass) kilograms() string {
	sign := ""
	g := int64(m)
	if g < 0 {
		sign = "-"
		g = -g
	}
	return fmt.Sprintf("%s%d.%03d", sign, g/1000, g%1000)
}

// ErrMassSyntax reports text that is not a mass with a unit.
var ErrMassSyntax = errors.New("invalid mass")

// ParseMass parses a mass written with a unit: "18.28 kg", "18280 g",
// "18.280 千克", "18.28公斤", "18280克". A kilogram value may have at most three
// decimals, because a finer value is not a whole number of grams and
// rounding it here would hide a scale or typing error. The unit is
// required: a bare number is ambiguous between grams and kilograms.
func ParseMass(s string) (Mass, error) {
	text := strings.TrimSpace(s)
	number, scale, ok := splitMassUnit(text)
	if !ok {
		return 0, fmt.Errorf("%w %q: the unit is missing (kg, g, 千克, 公斤 or 克)", ErrMassSyntax, s)
	}
	number = strings.TrimSpace(number)
	negative := strings.HasPrefix(number, "-")
	if negative || strings.HasPrefix(number, "+") {
		number = number[1:]
	}
	whole, frac, hasPoint := strings.Cut(number, ".")
	if whole == "" || !isDigits(whole) || (hasPoint && (frac == "" || !isDigits(frac))) {
		return 0, fmt.Errorf("%w %q: expected digits with an optional decimal point", ErrMassSyntax, s)
	}
	maxDecimals := 0
	if scale == Kilogram {
		maxDecimals = 3
	}
	if len(frac) > maxDecimals {
		return 0, fmt.Errorf("%w %q: more decimals than whole grams allow", ErrMassSyntax, s)
	}
	frac += strings.Repeat("0", maxDecimals-len(frac))
	digits := strings.TrimLeft(whole+frac, "0")
	if len(digits) > 12 {
		return 0, fmt.Errorf("%w %q: larger than %s", ErrMassSyntax, s, MaxMass)
	}
	var grams int64
	if digits != "" {
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w %q: %v", ErrMassSyntax, s, err)
		}
		grams = n
	}
	if grams > int64(MaxMass) {
		return 0, fmt.Errorf("%w %q: larger than %s", ErrMassSyntax, s, MaxMass)
	}
	if negative {
		grams = -grams
	}
	return Mass(grams), nil
}

// splitMassUnit splits a trailing unit off text and returns the number, the
// unit's size and whether a unit was found.
func splitMassUnit(text string) (string, Mass, bool) {
	units := []struct {
		suffix string
		size   Mass
	}{
		{"千克", Kilogram}, {"公斤", Kilogram}, {"kg", Kilogram}, {"KG", Kilogram}, {"Kg", Kilogram},
		{"克", Gram}, {"g", Gram}, {"G", Gram},
	}
	for _, u := range units {
		if number, ok := strings.CutSuffix(text, u.suffix); ok {
			return number, u.size, true
		}
	}
	return "", 0, false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Set parses a mass for flag.Value, so a configuration option can be
// written as "20 g" or "0.02 kg".
func (m *Mass) Set(s string) error {
	v, err := ParseMass(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}
