package line

// EarTag is the 15-digit livestock identification code (畜禽标识编码)
// printed on the ear tag: a species digit (3 for sheep and goats), the
// 6-digit GB/T 2260 code of the county that issued the tag, and an 8-digit
// serial. The code has no check digit, so it is validated by structure,
// by the county table and against the registry.
type EarTag string

// SpeciesSheep is the species digit of sheep and goats.
const SpeciesSheep = '3'

// ParseEarTag checks that s is the ear tag of a sheep or goat issued by a
// county that counties knows. A nil table uses DefaultCounties.
func ParseEarTag(s string, counties *CountyTable) (EarTag, error) {
	if len(s) != 15 || !isDigits(s) {
		return "", &IDError{Kind: KindEarTag, Value: s, Problem: ProblemLength}
	}
	if s[0] != SpeciesSheep {
		return "", &IDError{Kind: KindEarTag, Value: s, Problem: ProblemSpecies}
	}
	if counties == nil {
		counties = DefaultCounties()
	}
	if !counties.Valid(s[1:7]) {
		return "", &IDError{Kind: KindEarTag, Value: s, Problem: ProblemCounty}
	}
	return EarTag(s), nil
}

// County returns the GB/T 2260 code of the issuing county.
func (t EarTag) County() string { return string(t)[1:7] }

// Serial returns the 8-digit tag serial.
func (t EarTag) Serial() string { return string(t)[7:] }

// Dashed formats t as printed on the tag: "3-152502-00357041".
func (t EarTag) Dashed() string {
	if len(t) != 15 {
		return string(t)
	}
	return string(t)[:1] + "-" + t.County() + "-" + t.Serial()
}
