package labels

import (
	"fmt"
	"strings"
)

// The carton label's GS1-128 symbols are encoded here, not with the
// Code 128 writer of gozxing, because that writer chooses its own code
// subsets and does not report them. The ZPL field selects every subset
// explicitly (^BC mode N with invocation codes), so the printed bars are
// known exactly, and the preview draws the same symbol values.

// code128Patterns lists the bar and space widths of each Code 128 symbol
// value, in modules, starting with a bar. Value 106 is the stop pattern
// with its final bar. A test checks them against gozxing's writer.
var code128Patterns = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// Code 128 symbol values with a special meaning.
const (
	code128CodeC  = 99
	code128CodeB  = 100
	code128FNC1   = 102
	code128StartB = 104
	code128StartC = 105
	code128Stop   = 106
)

// code128QuietZone is the light margin on each side of a Code 128
// symbol, in modules.
const code128QuietZone = 10

// gs1Element is one AI and its value in a GS1 element string.
type gs1Element struct {
	ai, value string
	variable  bool // a variable-length AI, which FNC1 ends unless it is last
}

// gs1HRI returns the human readable interpretation: each AI in
// parentheses followed by its value.
func gs1HRI(elements []gs1Element) string {
	var b strings.Builder
	for _, e := range elements {
		b.WriteString("(" + e.ai + ")" + e.value)
	}
	return b.String()
}

// code128Symbol is a GS1-128 symbol: its values from the start character
// to the last data character, without the check character and stop.
type code128Symbol struct {
	values []int
	hri    string
}

// fnc1Token stands for FNC1 among the characters of an element string.
const fnc1Token = -1

// encodeGS1128 encodes a GS1 element string as Code 128 symbol values:
// FNC1 after the start character, and FNC1 after each variable-length
// element that is not last. Runs of digits go in subset C, two digits a
// value, and everything else in subset B. The symbol switches from B to C
// only for an even run of at least 6 digits, or 4 at the end of the data,
// where the switch character costs less than it saves.
func encodeGS1128(elements []gs1Element) (code128Symbol, error) {
	tokens := []int{fnc1Token}
	for i, e := range elements {
		for j := 0; j < len(e.ai+e.value); j++ {
			c := (e.ai + e.value)[j]
			if c < 0x20 || c > 0x7E {
				return code128Symbol{}, &Error{Field: "AI " + e.ai, Value: e.value, Err: ErrInvalid, Detail: "GS1-128 data must be printable ASCII"}
			}
			tokens = append(tokens, int(c))
		}
		if e.variable && i < len(elements)-1 {
			tokens = append(tokens, fnc1Token)
		}
	}

	isDigit := func(i int) bool { return i < len(tokens) && tokens[i] >= '0' && tokens[i] <= '9' }
	digitRun := func(i int) int {
		n := 0
		for isDigit(i + n) {
			n++
		}
		return n
	}

	var values []int
	inC := digitRun(1) >= 2
	if inC {
		values = append(values, code128StartC)
	} else {
		values = append(values, code128StartB)
	}
	for i := 0; i < len(tokens); {
		t := tokens[i]
		switch {
		case t == fnc1Token:
			values = append(values, code128FNC1)
			i++
		case inC && isDigit(i) && isDigit(i+1):
			values = append(values, int(tokens[i]-'0')*10+int(tokens[i+1]-'0'))
			i += 2
		case inC:
			values = append(values, code128CodeB)
			inC = false
		default:
			run := digitRun(i)
			threshold := 6
			if i+run == len(tokens) {
				threshold = 4
			}
			if run >= threshold && run%2 == 0 {
				values = append(values, code128CodeC)
				inC = true
				continue
			}
			values = append(values, t-0x20)
			i++
		}
	}
	return code128Symbol{values: values, hri: gs1HRI(elements)}, nil
}

// checkValue returns the mod-103 check character of the symbol.
func (s code128Symbol) checkValue() int {
	sum := s.values[0]
	for i, v := range s.values[1:] {
		sum += v * (i + 1)
	}
	return sum % 103
}

// modules returns the symbol's modules from the start character to the
// stop pattern, true for a bar, without quiet zones.
func (s code128Symbol) modules() []bool {
	var bars []bool
	all := append(append([]int{}, s.values...), s.checkValue(), code128Stop)
	for _, v := range all {
		bar := true
		for _, w := range code128Patterns[v] {
			for range int(w - '0') {
				bars = append(bars, bar)
			}
			bar = !bar
		}
	}
	return bars
}

// zplData returns the ^FD data of a ^BC field in mode N that encodes the
// symbol's values: >; or >: for the start character, >8 for FNC1, >6 and
// >5 to switch to subsets B and C, digit pairs in subset C, characters in
// subset B with > written as >0. The printer adds the check character and
// the stop pattern.
func (s code128Symbol) zplData() (string, error) {
	var b strings.Builder
	inC := false
	for i, v := range s.values {
		switch {
		case i == 0 && v == code128StartC:
			b.WriteString(">;")
			inC = true
		case i == 0 && v == code128StartB:
			b.WriteString(">:")
		case i == 0:
			return "", fmt.Errorf("code 128 start value %d is not supported", v)
		case v == code128FNC1:
			b.WriteString(">8")
		case v == code128CodeB && inC:
			b.WriteString(">6")
			inC = false
		case v == code128CodeC && !inC:
			b.WriteString(">5")
			inC = true
		case inC:
			fmt.Fprintf(&b, "%02d", v)
		case v+0x20 == '>':
			b.WriteString(">0")
		case v < 95:
			b.WriteByte(byte(v + 0x20))
		default:
			return "", fmt.Errorf("code 128 value %d in subset B is not supported", v)
		}
	}
	return b.String(), nil
}
