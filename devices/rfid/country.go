package rfid

// countryByLetters maps the ISO 3166-1 alpha-2 and alpha-3 codes that an
// Allflex reader may send in place of the country digits to the ISO 3166
// numeric code that ISO 11784 uses. It covers the countries the station's
// animals and tags come from or are traded with. A reader that sends
// another code must be set to send digits. "UK" is the alpha-2 code that ISO 3166
// reserves for the United Kingdom besides GB.
var countryByLetters = map[string]uint16{
	"AT": 40, "AUT": 40, // Austria
	"AU": 36, "AUS": 36, // Australia
	"CN": 156, "CHN": 156, // China
	"DE": 276, "DEU": 276, // Germany
	"FR": 250, "FRA": 250, // France
	"GB": 826, "GBR": 826, "UK": 826, // United Kingdom
	"IE": 372, "IRL": 372, // Ireland
	"MN": 496, "MNG": 496, // Mongolia
	"NL": 528, "NLD": 528, // Netherlands
	"NZ": 554, "NZL": 554, // New Zealand
	"US": 840, "USA": 840, // United States
}

// CountryLetters returns the ISO 3166-1 alpha-2 code of a 3-digit ISO
// 11784 country code, such as "CN" for "156", or false for a code the
// decoder does not map, such as a manufacturer code (900–998).
func CountryLetters(code string) (string, bool) {
	for letters, numeric := range countryByLetters {
		if len(letters) == 2 && letters != "UK" && formatCountry(numeric) == code {
			return letters, true
		}
	}
	return "", false
}

func formatCountry(numeric uint16) string {
	digits := []byte{'0', '0', '0'}
	for i := 2; i >= 0; i-- {
		digits[i] = byte('0' + numeric%10)
		numeric /= 10
	}
	return string(digits)
}
