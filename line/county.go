package line

import (
	"maps"
	"slices"
)

// County is a county-level division (县级行政区划) of GB/T 2260: a county,
// banner (旗), district or county-level city.
type County struct {
	Code     string // 6 digits
	Name     string // Chinese name, for example 东乌珠穆沁旗
	League   string // 6-digit code of the league or prefecture-level city
	Pastoral bool   // in the default list of pastoral counties
}

// League is a league (盟) or prefecture-level city of Inner Mongolia.
type League struct {
	Code string // 6 digits, ending in 00
	Name string
}

// CountyTable holds the counties an ear tag may name, the leagues they
// belong to, and the counties the plant treats as pastoral. The zero value
// is not usable; start from DefaultCounties or NewCountyTable.
type CountyTable struct {
	counties map[string]County
	leagues  map[string]League
	pastoral map[string]bool
}

// NewCountyTable builds a table from the given leagues and counties. Each
// county's Pastoral flag seeds the pastoral list.
func NewCountyTable(leagues []League, counties []County) *CountyTable {
	t := &CountyTable{
		counties: make(map[string]County, len(counties)),
		leagues:  make(map[string]League, len(leagues)),
		pastoral: make(map[string]bool),
	}
	for _, l := range leagues {
		t.leagues[l.Code] = l
	}
	for _, c := range counties {
		t.counties[c.Code] = c
		if c.Pastoral {
			t.pastoral[c.Code] = true
		}
	}
	return t
}

// DefaultCounties returns a fresh copy of the built-in table: every
// county-level division of Inner Mongolia, with the pastoral banners of
// Xilingol and Hulunbuir marked.
func DefaultCounties() *CountyTable {
	return NewCountyTable(innerMongoliaLeagues, innerMongoliaCounties)
}

// Lookup returns the county with the given code.
func (t *CountyTable) Lookup(code string) (County, bool) {
	c, ok := t.counties[code]
	return c, ok
}

// LeagueOf returns the league or prefecture-level city of a county code.
func (t *CountyTable) LeagueOf(code string) (League, bool) {
	c, ok := t.counties[code]
	if !ok {
		return League{}, false
	}
	l, ok := t.leagues[c.League]
	return l, ok
}

// Valid reports whether code may appear in an ear tag. Counties of Inner
// Mongolia (province code 15) must be in the table. Tags of animals from
// other provinces are accepted when the province code is a GB/T 2260
// province and the county part is not zero, because the table does not
// list the counties of other provinces.
func (t *CountyTable) Valid(code string) bool {
	if len(code) != 6 || !isDigits(code) {
		return false
	}
	if _, ok := t.counties[code]; ok {
		return true
	}
	if code[:2] == "15" {
		return false
	}
	return provinceCodes[code[:2]] && code[2:] != "0000" && code[4:] != "00"
}

// Pastoral reports whether code is on the plant's pastoral list.
func (t *CountyTable) Pastoral(code string) bool { return t.pastoral[code] }

// SetPastoral replaces the pastoral list. Codes that are not in the table
// are kept too, so a plant can name a county from another province.
func (t *CountyTable) SetPastoral(codes []string) {
	t.pastoral = make(map[string]bool, len(codes))
	for _, c := range codes {
		t.pastoral[c] = true
	}
}

// AddPastoral extends the pastoral list.
func (t *CountyTable) AddPastoral(codes ...string) {
	for _, c := range codes {
		t.pastoral[c] = true
	}
}

// PastoralCodes returns the pastoral list in ascending order.
func (t *CountyTable) PastoralCodes() []string {
	return slices.Sorted(maps.Keys(t.pastoral))
}

// provinceCodes are the two-digit GB/T 2260 codes of China's provinces,
// autonomous regions and municipalities, Taiwan, Hong Kong and Macao.
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true,
}
