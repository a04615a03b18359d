package line

// These tests are in package line, not line_test, because the checks for
// duplicate codes and sort order read the unexported slices. The table's
// map would hide a duplicate code.

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"
)

// defaultPastoral is the plant's default pastoral list: every county of
// Xilingol and the Hulunbuir banners 150724 to 150727.
var defaultPastoral = []string{
	"150724", "150725", "150726", "150727",
	"152501", "152502",
	"152522", "152523", "152524", "152525", "152526", "152527",
	"152528", "152529", "152530", "152531",
}

func TestLeagueCodes(t *testing.T) {
	if got := len(innerMongoliaLeagues); got != 12 {
		t.Errorf("len(innerMongoliaLeagues) = %d, want 12", got)
	}

	seen := make(map[string]bool)
	for i, l := range innerMongoliaLeagues {
		if len(l.Code) != 6 || !isDigits(l.Code) {
			t.Errorf("league %q: code is not 6 digits", l.Code)
		}
		if l.Code[:2] != "15" || l.Code[4:] != "00" {
			t.Errorf("league %q: code does not have the form 15xx00", l.Code)
		}
		if l.Name == "" {
			t.Errorf("league %q: name is empty", l.Code)
		}
		if seen[l.Code] {
			t.Errorf("league %q: duplicate code", l.Code)
		}
		seen[l.Code] = true
		if i > 0 && innerMongoliaLeagues[i-1].Code >= l.Code {
			t.Errorf("league %q: not sorted after %q", l.Code, innerMongoliaLeagues[i-1].Code)
		}
	}
}

func TestCountyCodes(t *testing.T) {
	if got := len(innerMongoliaCounties); got != 103 {
		t.Errorf("len(innerMongoliaCounties) = %d, want 103", got)
	}

	leagues := make(map[string]bool)
	for _, l := range innerMongoliaLeagues {
		leagues[l.Code] = true
	}
	seen := make(map[string]bool)
	for i, c := range innerMongoliaCounties {
		if len(c.Code) != 6 || !isDigits(c.Code) {
			t.Errorf("county %q: code is not 6 digits", c.Code)
			continue
		}
		if c.Name == "" {
			t.Errorf("county %q: name is empty", c.Code)
		}
		if seen[c.Code] {
			t.Errorf("county %q: duplicate code", c.Code)
		}
		seen[c.Code] = true
		if !leagues[c.League] {
			t.Errorf("county %q: league %q is not in innerMongoliaLeagues", c.Code, c.League)
		} else if c.Code[:4] != c.League[:4] {
			t.Errorf("county %q: code does not start with %q of league %q", c.Code, c.League[:4], c.League)
		}
		if i > 0 && innerMongoliaCounties[i-1].Code >= c.Code {
			t.Errorf("county %q: not sorted after %q", c.Code, innerMongoliaCounties[i-1].Code)
		}
	}
}

func TestEveryLeagueHasCounties(t *testing.T) {
	counts := make(map[string]int)
	for _, c := range innerMongoliaCounties {
		counts[c.League]++
	}
	for _, l := range innerMongoliaLeagues {
		if counts[l.Code] == 0 {
			t.Errorf("league %s %s: no counties", l.Code, l.Name)
		}
	}
}

func TestCountyLookup(t *testing.T) {
	table := DefaultCounties()
	cases := []struct{ code, name, league string }{
		{"150102", "新城区", "150100"},
		{"150221", "土默特右旗", "150200"},
		{"150304", "乌达区", "150300"},
		{"150430", "敖汉旗", "150400"},
		{"150581", "霍林郭勒市", "150500"},
		{"150603", "康巴什区", "150600"},
		{"150703", "扎赉诺尔区", "150700"},
		{"150826", "杭锦后旗", "150800"},
		{"150929", "四子王旗", "150900"},
		{"152202", "阿尔山市", "152200"},
		{"152525", "东乌珠穆沁旗", "152500"},
		{"152921", "阿拉善左旗", "152900"},
	}
	for _, tc := range cases {
		c, ok := table.Lookup(tc.code)
		if !ok {
			t.Errorf("Lookup(%q): not found", tc.code)
			continue
		}
		if c.Name != tc.name {
			t.Errorf("Lookup(%q).Name = %q, want %q", tc.code, c.Name, tc.name)
		}
		if c.League != tc.league {
			t.Errorf("Lookup(%q).League = %q, want %q", tc.code, c.League, tc.league)
		}
	}
}

func TestLeagueOf(t *testing.T) {
	table := DefaultCounties()

	l, ok := table.LeagueOf("152525")
	if !ok {
		t.Fatal(`LeagueOf("152525"): not found`)
	}
	if l.Code != "152500" {
		t.Errorf(`LeagueOf("152525").Code = %q, want "152500"`, l.Code)
	}
	if l.Name != "锡林郭勒盟" {
		t.Errorf(`LeagueOf("152525").Name = %q, want "锡林郭勒盟"`, l.Name)
	}

	if _, ok := table.LeagueOf("152599"); ok {
		t.Error(`LeagueOf("152599"): found a league for a code not in the table`)
	}
}

func TestDefaultPastoralList(t *testing.T) {
	table := DefaultCounties()

	if got := table.PastoralCodes(); !slices.Equal(got, defaultPastoral) {
		t.Errorf("PastoralCodes() = %v, want %v", got, defaultPastoral)
	}
	for _, c := range innerMongoliaCounties {
		want := slices.Contains(defaultPastoral, c.Code)
		if c.Pastoral != want {
			t.Errorf("county %s %s: Pastoral = %v, want %v", c.Code, c.Name, c.Pastoral, want)
		}
		if got := table.Pastoral(c.Code); got != want {
			t.Errorf("Pastoral(%q) = %v, want %v", c.Code, got, want)
		}
	}
}

func TestSetPastoral(t *testing.T) {
	table := DefaultCounties()

	// 130102 is a Hebei county, outside the table.
	table.SetPastoral([]string{"152921", "130102", "150221"})
	want := []string{"130102", "150221", "152921"}
	if got := table.PastoralCodes(); !slices.Equal(got, want) {
		t.Errorf("PastoralCodes() after SetPastoral = %v, want %v", got, want)
	}
	if table.Pastoral("152525") {
		t.Error(`Pastoral("152525") = true after SetPastoral dropped it`)
	}
	if !table.Pastoral("130102") {
		t.Error(`Pastoral("130102") = false, want a code outside the table kept`)
	}

	table.SetPastoral(nil)
	if got := table.PastoralCodes(); len(got) != 0 {
		t.Errorf("PastoralCodes() after SetPastoral(nil) = %v, want empty", got)
	}
}

func TestAddPastoral(t *testing.T) {
	table := DefaultCounties()

	table.AddPastoral("152922", "152923", "152501")
	want := slices.Sorted(slices.Values(append(slices.Clone(defaultPastoral), "152922", "152923")))
	if got := table.PastoralCodes(); !slices.Equal(got, want) {
		t.Errorf("PastoralCodes() after AddPastoral = %v, want %v", got, want)
	}
	if !table.Pastoral("152922") {
		t.Error(`Pastoral("152922") = false after AddPastoral`)
	}
}

func TestDefaultCountiesIsCopy(t *testing.T) {
	first := DefaultCounties()
	first.SetPastoral([]string{"150102"})

	second := DefaultCounties()
	if got := second.PastoralCodes(); !slices.Equal(got, defaultPastoral) {
		t.Errorf("second DefaultCounties().PastoralCodes() = %v, want %v", got, defaultPastoral)
	}
}

func TestParseEarTagCounty(t *testing.T) {
	valid := []string{
		"315250200357041", // 152502 锡林浩特市
		"315022100357457", // 150221 土默特右旗
		"315292300000001", // 152923 额济纳旗
		"313010200000001", // 130102 in Hebei, checked by province code only
	}
	for _, s := range valid {
		tag, err := ParseEarTag(s, nil)
		if err != nil {
			t.Errorf("ParseEarTag(%q): %v", s, err)
			continue
		}
		if string(tag) != s {
			t.Errorf("ParseEarTag(%q) = %q, want the input unchanged", s, tag)
		}
	}

	invalid := []string{
		"315259900000001", // 152599 is not a county of Xilingol
		"315260100000001", // 152601 集宁市, retired in 2003
		"315000000000001", // 150000 is the region, not a county
		"315250000000001", // 152500 is the league, not a county
	}
	for _, s := range invalid {
		_, err := ParseEarTag(s, nil)
		var idErr *IDError
		if !errors.As(err, &idErr) {
			t.Errorf("ParseEarTag(%q): error = %v, want *IDError", s, err)
			continue
		}
		if idErr.Problem != ProblemCounty {
			t.Errorf("ParseEarTag(%q): problem = %q, want %q", s, idErr.Problem, ProblemCounty)
		}
	}
}

// registryExport is the part of a lambtrace-registry/1 file that names
// counties.
type registryExport struct {
	Consignments []struct {
		ID    string `json:"id"`
		Owner struct {
			County     string `json:"county"`
			CountyName string `json:"county_name"`
		} `json:"owner"`
		Animals []struct {
			EarTag string `json:"ear_tag"`
		} `json:"animals"`
	} `json:"consignments"`
}

func TestSampleRegistryCounties(t *testing.T) {
	data, err := os.ReadFile("../testdata/xilingol-2026-12-04.registry.json")
	if err != nil {
		t.Fatal(err)
	}
	var export registryExport
	if err := json.Unmarshal(data, &export); err != nil {
		t.Fatalf("decode registry: %v", err)
	}
	if len(export.Consignments) == 0 {
		t.Fatal("registry has no consignments")
	}

	table := DefaultCounties()
	animals := 0
	for _, cons := range export.Consignments {
		owner, ok := table.Lookup(cons.Owner.County)
		if !ok {
			t.Errorf("consignment %s: owner county %q not in the table", cons.ID, cons.Owner.County)
		} else if owner.Name != cons.Owner.CountyName {
			t.Errorf("consignment %s: owner county %s is %q in the table, %q in the registry",
				cons.ID, cons.Owner.County, owner.Name, cons.Owner.CountyName)
		}

		for _, a := range cons.Animals {
			animals++
			tag, err := ParseEarTag(a.EarTag, table)
			if err != nil {
				t.Errorf("consignment %s: %v", cons.ID, err)
				continue
			}
			if _, ok := table.Lookup(tag.County()); !ok {
				t.Errorf("consignment %s: ear tag %s: county %q not in the table", cons.ID, tag, tag.County())
			}
		}
	}
	if animals == 0 {
		t.Error("registry has no animals")
	}
}
