package line

import "fmt"

// GTIN is a GS1 Global Trade Item Number in its 14-digit form (GTIN-14).
// The GS1 General Specifications define GTIN-8, GTIN-12, GTIN-13 and
// GTIN-14, and a shorter GTIN becomes a GTIN-14 by adding zeros on the
// left, so the package stores every GTIN with 14 digits. The first digit
// is the indicator and the last digit is the check digit.
type GTIN string

// IndicatorVariableMeasure is the indicator digit of a GTIN-14 that
// identifies a variable measure trade item, such as a meat pack sold by
// weight. Such a pack carries its measure in a separate AI, for example
// AI 3103 for the net weight in kilograms.
const IndicatorVariableMeasure = '9'

// GTINCheckDigit computes the GS1 check digit for the body of a GTIN-8,
// GTIN-12, GTIN-13 or GTIN-14, that is 7, 11, 12 or 13 digits without
// the check digit. It returns the digit as an ASCII character ('0' to '9'),
// so it can be appended to the body.
//
// The GS1 mod-10 algorithm weights the body digits 3, 1, 3, 1, ... starting
// from the rightmost one. The check digit is the amount that raises the
// weighted sum to the next multiple of 10.
func GTINCheckDigit(digits string) (byte, error) {
	switch len(digits) {
	case 7, 11, 12, 13:
	default:
		return 0, &IDError{Kind: KindGTIN, Value: digits, Problem: ProblemLength,
			Detail: fmt.Sprintf("the body before the check digit has %d characters, expected 7, 11, 12 or 13 digits", len(digits))}
	}
	if !isDigits(digits) {
		return 0, &IDError{Kind: KindGTIN, Value: digits, Problem: ProblemLength,
			Detail: "the body before the check digit contains a character that is not a digit"}
	}
	return gtinCheckDigit(digits), nil
}

// gtinCheckDigit computes the check digit of a body that is known to be
// all digits. Leading zeros add nothing to the sum, so the result is the
// same for a body before and after zero padding.
func gtinCheckDigit(body string) byte {
	sum := 0
	weight := 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * weight
		weight = 4 - weight // alternates 3 and 1
	}
	return byte('0' + (10-sum%10)%10)
}

// ParseGTIN checks that s is a GTIN-8, GTIN-12, GTIN-13 or GTIN-14 with a
// valid check digit, and returns it padded with leading zeros to 14
// digits. Errors are *IDError with Kind KindGTIN: ProblemLength for a
// wrong length or a character that is not a digit, and ProblemCheck for
// a wrong check digit.
func ParseGTIN(s string) (GTIN, error) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", &IDError{Kind: KindGTIN, Value: s, Problem: ProblemLength,
			Detail: fmt.Sprintf("%d characters, expected 8, 12, 13 or 14 digits", len(s))}
	}
	if !isDigits(s) {
		return "", &IDError{Kind: KindGTIN, Value: s, Problem: ProblemLength,
			Detail: "contains a character that is not a digit"}
	}

	padded := "000000"[:14-len(s)] + s
	want := gtinCheckDigit(padded[:13])
	if padded[13] != want {
		return "", &IDError{Kind: KindGTIN, Value: s, Problem: ProblemCheck,
			Detail: fmt.Sprintf("expected check digit %c", want)}
	}
	return GTIN(padded), nil
}

// Indicator returns the indicator digit of g as an ASCII character. It
// returns 0 when g is not 14 characters long, which happens only for a
// GTIN that did not come from ParseGTIN.
func (g GTIN) Indicator() byte {
	if len(g) != 14 {
		return 0
	}
	return g[0]
}

// VariableMeasure reports whether g identifies a variable measure trade
// item, that is whether its indicator digit is 9.
func (g GTIN) VariableMeasure() bool {
	return g.Indicator() == IndicatorVariableMeasure
}
