package line

import (
	"fmt"
	"strconv"
)

// RFID is the number an ISO 11784 animal transponder holds, written as 15
// decimal digits: a 3-digit country or manufacturer code (156 is China,
// 900–998 are manufacturer codes, 999 is a test tag) followed by the
// 12-digit national identification code. It is a string because leading
// zeros are significant ("036…" is an Australian tag).
type RFID string

// ISO 11784 field limits: the country code has 10 bits and the national
// identification code 38 bits.
const (
	MaxRFIDCountry  = 1023
	MaxRFIDNational = 274877906943
)

// ParseRFID checks that s is a 15-digit RFID number whose national
// identification code fits the 38-bit ISO 11784 field.
func ParseRFID(s string) (RFID, error) {
	if len(s) != 15 || !isDigits(s) {
		return "", &IDError{Kind: KindRFID, Value: s, Problem: ProblemLength}
	}
	national, _ := strconv.ParseUint(s[3:], 10, 64)
	if national > MaxRFIDNational {
		return "", &IDError{Kind: KindRFID, Value: s, Problem: ProblemRange}
	}
	return RFID(s), nil
}

// NewRFID builds the 15-digit number from the two ISO 11784 fields as a
// reader decodes them. A country code above 999 is a valid 10-bit value
// but cannot be written in three digits, so it is rejected.
func NewRFID(country uint16, national uint64) (RFID, error) {
	value := fmt.Sprintf("%d-%d", country, national)
	if country > 999 || national > MaxRFIDNational {
		return "", &IDError{Kind: KindRFID, Value: value, Problem: ProblemRange}
	}
	return RFID(fmt.Sprintf("%03d%012d", country, national)), nil
}

// Country returns the 3-digit country or manufacturer code.
func (r RFID) Country() string { return string(r)[:3] }

// National returns the 12-digit national identification code.
func (r RFID) National() string { return string(r)[3:] }

// Spaced formats r as readers and tag prints show it: "156 000011051554".
func (r RFID) Spaced() string {
	if len(r) != 15 {
		return string(r)
	}
	return r.Country() + " " + r.National()
}
