package line_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
)

// emptyHistory is a line on which nothing has entered yet.
type emptyHistory struct {
	uses    map[line.EarTag]line.TagUse
	entered map[string]int
}

func (h emptyHistory) CarcassOf(tag line.EarTag) (line.TagUse, bool) {
	u, ok := h.uses[tag]
	return u, ok
}

func (h emptyHistory) EnteredCount(c string) int { return h.entered[c] }

var (
	slaughterDay = line.Date{Year: 2026, Month: time.December, Day: 4}
	shiftStart   = time.Date(2026, time.December, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
)

// cleanAnimal returns a registry and an animal of it that passes every
// intake rule, for tests that change one fact at a time.
func cleanAnimal(t *testing.T) (*line.Registry, *line.Animal) {
	t.Helper()
	reg := mustRegistry(t)
	a, ok := reg.AnimalByRFID("156000011051554")
	if !ok {
		t.Fatal("sample animal 156000011051554 missing")
	}
	if got := codes(line.DefaultRules().Intake(reg, emptyHistory{}, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart)); len(got) != 0 {
		t.Fatalf("sample animal is not clean: %v", got)
	}
	return reg, a
}

func codes(in line.Intake) []line.Code {
	var out []line.Code
	for _, d := range in.Decisions {
		out = append(out, d.Code)
	}
	return out
}

func intakeCodes(reg *line.Registry, a *line.Animal, h line.History) []line.Code {
	return codes(line.DefaultRules().Intake(reg, h, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart))
}

func TestIntakeTaggingBoundaries(t *testing.T) {
	tests := []struct {
		name     string
		born     string
		tagged   string
		wantCode []line.Code
	}{
		{"TaggedAfter10Days", "2026-05-01", "2026-05-11", nil},
		{"TaggedAfter11Days", "2026-05-01", "2026-05-12", []line.Code{line.CodeTagLate}},
		{"Tagged30DaysBefore", "2026-10-25", "2026-11-04", nil},
		{"Tagged29DaysBefore", "2026-10-26", "2026-11-05", []line.Code{line.CodeTagRecent}},
		{"LateAndRecent", "2026-06-01", "2026-11-20", []line.Code{line.CodeTagLate, line.CodeTagRecent}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, a := cleanAnimal(t)
			a.BornOn, a.TaggedOn = mustDate(t, tt.born), mustDate(t, tt.tagged)
			if got := intakeCodes(reg, a, emptyHistory{}); !slices.Equal(got, tt.wantCode) {
				t.Errorf("codes = %v, want %v", got, tt.wantCode)
			}
		})
	}
}

func TestIntakeWithdrawal(t *testing.T) {
	tests := []struct {
		name    string
		on      string
		days    int
		blocked bool
	}{
		{"EndsOnSlaughterDay", "2026-11-06", 28, false},
		{"EndsTomorrow", "2026-11-07", 28, true},
		{"ZeroDaysSameDay", "2026-12-04", 0, false},
		{"LongAgo", "2026-01-01", 35, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, a := cleanAnimal(t)
			a.Treatments = []line.Treatment{{Drug: "土霉素注射液", On: mustDate(t, tt.on), WithdrawalDays: tt.days}}
			got := intakeCodes(reg, a, emptyHistory{})
			if slices.Contains(got, line.CodeDrugWithdrawal) != tt.blocked {
				t.Errorf("codes = %v, want drug.withdrawal %v", got, tt.blocked)
			}
		})
	}
}

func TestIntakeWithdrawalReportsLatestClearing(t *testing.T) {
	reg, a := cleanAnimal(t)
	a.Treatments = []line.Treatment{
		{Drug: "A", On: mustDate(t, "2026-11-20"), WithdrawalDays: 21},
		{Drug: "B", On: mustDate(t, "2026-11-01"), WithdrawalDays: 35},
		{Drug: "C", On: mustDate(t, "2026-12-01"), WithdrawalDays: 7},
	}
	in := line.DefaultRules().Intake(reg, emptyHistory{}, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart)
	if len(in.Decisions) != 1 {
		t.Fatalf("decisions = %v, want one drug.withdrawal", codes(in))
	}
	if got := in.Decisions[0].Facts["clear_on"]; got != "2026-12-11" {
		t.Errorf("clear_on = %s, want 2026-12-11 (drug A)", got)
	}
	if !in.Blocked() {
		t.Error("drug.withdrawal does not block")
	}
}

func TestIntakeDeclarationLead(t *testing.T) {
	for _, tt := range []struct {
		lead time.Duration
		late bool
	}{{6 * time.Hour, false}, {6*time.Hour - time.Second, true}, {20 * time.Hour, false}, {-time.Hour, true}} {
		reg, a := cleanAnimal(t)
		a.Consignment.DeclaredAt = shiftStart.Add(-tt.lead)
		got := intakeCodes(reg, a, emptyHistory{})
		if slices.Contains(got, line.CodeConsignmentLateDeclaration) != tt.late {
			t.Errorf("lead %v: codes = %v, want late declaration %v", tt.lead, got, tt.late)
		}
	}
}

func TestIntakeHeadCount(t *testing.T) {
	reg, a := cleanAnimal(t)
	c := a.Consignment
	c.Certificate.HeadCount = 5
	h := emptyHistory{entered: map[string]int{c.ID: 4}}
	if got := intakeCodes(reg, a, h); len(got) != 0 {
		t.Errorf("fifth of five: codes = %v, want none", got)
	}
	h.entered[c.ID] = 5
	if got := intakeCodes(reg, a, h); !slices.Equal(got, []line.Code{line.CodeConsignmentOverHeadCount}) {
		t.Errorf("sixth of five: codes = %v, want over head count", got)
	}
	// A reused tag is blocked as reused, not counted a second time.
	h.uses = map[line.EarTag]line.TagUse{a.EarTag: {Carcass: "20261204-0001", At: shiftStart}}
	if got := intakeCodes(reg, a, h); !slices.Equal(got, []line.Code{line.CodeTagReused}) {
		t.Errorf("reused tag: codes = %v, want only tag.reused", got)
	}
}

func TestIntakeCertificate(t *testing.T) {
	reg, a := cleanAnimal(t)
	a.Consignment.Certificate.ValidUntil = a.Consignment.ArrivedAt
	if got := intakeCodes(reg, a, emptyHistory{}); len(got) != 0 {
		t.Errorf("valid until arrival: codes = %v, want none", got)
	}
	a.Consignment.Certificate.ValidUntil = a.Consignment.ArrivedAt.Add(-time.Second)
	if got := intakeCodes(reg, a, emptyHistory{}); !slices.Equal(got, []line.Code{line.CodeCertificateExpired}) {
		t.Errorf("expired: codes = %v", got)
	}
	a.Consignment.Certificate = nil
	if got := intakeCodes(reg, a, emptyHistory{}); !slices.Equal(got, []line.Code{line.CodeCertificateMissing}) {
		t.Errorf("missing: codes = %v", got)
	}
}

func TestIntakeOrigin(t *testing.T) {
	reg, a := cleanAnimal(t)
	a.Pasture.FeedingSystem = 1
	a.Consignment.Owner.County = "150221"
	got := intakeCodes(reg, a, emptyHistory{})
	want := []line.Code{line.CodeOriginNonPastoral, line.CodeOriginFeedlot}
	if !slices.Equal(got, want) {
		t.Fatalf("codes = %v, want %v", got, want)
	}

	rules := line.DefaultRules()
	rules.Counties.AddPastoral("150221")
	rules.ForageFeedingSystems = []int{1, 2, 3}
	in := rules.Intake(reg, emptyHistory{}, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart)
	if len(in.Decisions) != 0 {
		t.Errorf("extended lists: codes = %v, want none", codes(in))
	}
}

func TestIntakeUnknownAndInvalid(t *testing.T) {
	reg, a := cleanAnimal(t)
	rules := line.DefaultRules()

	in := rules.Intake(reg, emptyHistory{}, line.TagRead{RFID: "156000099999999", Raw: "LA 156 000099999999"}, slaughterDay, shiftStart)
	if !slices.Equal(codes(in), []line.Code{line.CodeTagUnknown}) || in.Animal != nil || in.Decisions[0].RFID != "156000099999999" {
		t.Errorf("unknown tag: %+v", in)
	}

	in = rules.Intake(reg, emptyHistory{}, line.TagRead{Raw: "LA 15x", Err: errors.New("unrecognised")}, slaughterDay, shiftStart)
	if !slices.Equal(codes(in), []line.Code{line.CodeTagInvalid}) || !in.Blocked() {
		t.Errorf("garbled read: %+v", in)
	}

	// The unknown county is not pastoral either.
	a.EarTag = "315259900000001"
	got := intakeCodes(reg, a, emptyHistory{})
	if !slices.Equal(got, []line.Code{line.CodeTagInvalid, line.CodeOriginNonPastoral}) {
		t.Errorf("registry ear tag with unknown county: codes = %v", got)
	}
}

func TestSeverityOverride(t *testing.T) {
	rules := line.DefaultRules()
	rules.Severities = map[line.Code]line.Severity{line.CodeTagRecent: line.SeverityBlock}
	if rules.Severity(line.CodeTagRecent) != line.SeverityBlock || rules.Severity(line.CodeTagLate) != line.SeverityReview {
		t.Errorf("override: tag.recent %s, tag.late %s", rules.Severity(line.CodeTagRecent), rules.Severity(line.CodeTagLate))
	}
	for _, c := range line.Codes {
		if s := line.DefaultSeverity(c); s != line.SeverityBlock && s != line.SeverityReview {
			t.Errorf("DefaultSeverity(%s) = %q", c, s)
		}
	}
}

func TestWeightRule(t *testing.T) {
	rules := line.DefaultRules()
	a := &line.Animal{LiveWeight: 40000}
	for _, tt := range []struct {
		hot  line.Mass
		flag bool
	}{{16000, false}, {15999, true}, {23200, false}, {23201, true}, {19000, false}} {
		_, got := rules.Weight(a, tt.hot)
		if got != tt.flag {
			t.Errorf("Weight(live 40 kg, hot %s) flagged = %v, want %v", tt.hot, got, tt.flag)
		}
	}
	if _, got := rules.Weight(nil, 10000); got {
		t.Error("Weight of an unknown animal flagged")
	}
}

func TestInspectionAndLab(t *testing.T) {
	rules := line.DefaultRules()
	if _, ok := rules.Inspection(nil, line.InspectionPartial, "liver", 1450); ok {
		t.Error("partial condemnation blocks the carcass")
	}
	d, ok := rules.Inspection(nil, line.InspectionCondemned, "棘球蚴病", 26963)
	if !ok || !d.Blocks() {
		t.Errorf("condemned: %+v, %v", d, ok)
	}
	if _, ok := rules.Lab(nil, &line.LabTest{Result: line.LabNegative}); ok {
		t.Error("negative lab result blocks")
	}
	d, ok = rules.Lab(nil, &line.LabTest{Sample: "S1", Consignment: "C1", Result: line.LabPositive, Analytes: []string{"clenbuterol"}})
	if !ok || !d.Blocks() || d.Consignment != "C1" {
		t.Errorf("positive: %+v, %v", d, ok)
	}
}

func TestDecisionReasons(t *testing.T) {
	reg, a := cleanAnimal(t)
	a.BornOn, a.TaggedOn = mustDate(t, "2026-06-01"), mustDate(t, "2026-11-20")
	a.Treatments = []line.Treatment{{Drug: "伊维菌素注射液", On: mustDate(t, "2026-11-14"), WithdrawalDays: 35}}
	in := line.DefaultRules().Intake(reg, emptyHistory{}, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart)
	if len(in.Decisions) != 3 {
		t.Fatalf("codes = %v, want tag.late, tag.recent, drug.withdrawal", codes(in))
	}
	for _, d := range in.Decisions {
		zh, en := d.Reason(line.LangZH), d.Reason(line.LangEN)
		for _, text := range []string{zh, en} {
			if strings.HasPrefix(text, "decision.") || strings.Contains(text, "<no value>") {
				t.Errorf("%s: reason %q is not rendered", d.Code, text)
			}
		}
		if zh == en {
			t.Errorf("%s: Chinese and English reasons are the same: %q", d.Code, zh)
		}
	}
	if got := in.Decisions[2].Reason(line.LangZH); !strings.Contains(got, "休药期 35 天") || !strings.Contains(got, "2026-12-19") {
		t.Errorf("withdrawal reason = %q", got)
	}
}

func TestIntakeOriginTagCounty(t *testing.T) {
	reg, a := cleanAnimal(t)
	// Tagged in a farming county, delivered by a pastoral owner.
	a.EarTag = "315022100999999"
	in := line.DefaultRules().Intake(reg, emptyHistory{}, line.TagRead{RFID: a.RFID}, slaughterDay, shiftStart)
	if !slices.Equal(codes(in), []line.Code{line.CodeOriginNonPastoral}) {
		t.Fatalf("codes = %v, want origin.non_pastoral", codes(in))
	}
	if got := in.Decisions[0].Facts["county"]; got != "150221" {
		t.Errorf("county fact = %s, want the tag's county 150221", got)
	}
	if got := in.Decisions[0].Reason(line.LangZH); !strings.Contains(got, "土默特右旗") {
		t.Errorf("reason %q lacks the county name", got)
	}
}

func TestIntakeFeedlotPastureKind(t *testing.T) {
	reg, a := cleanAnimal(t)
	a.Pasture.Kind = line.PastureFeedlot
	if got := intakeCodes(reg, a, emptyHistory{}); !slices.Equal(got, []line.Code{line.CodeOriginFeedlot}) {
		t.Errorf("feedlot pasture with forage feeding: codes = %v, want origin.feedlot", got)
	}
}

func TestGrasslandEligible(t *testing.T) {
	rules := line.DefaultRules()
	_, a := cleanAnimal(t)
	if !rules.GrasslandEligible(a) {
		t.Fatal("clean pastoral animal not eligible")
	}
	for name, change := range map[string]func(a *line.Animal){
		"GrainFed":      func(a *line.Animal) { a.Pasture.FeedingSystem = 1 },
		"FeedlotKind":   func(a *line.Animal) { a.Pasture.Kind = line.PastureFeedlot },
		"OwnerCounty":   func(a *line.Animal) { a.Consignment.Owner.County = "150221" },
		"TagCounty":     func(a *line.Animal) { a.EarTag = "315022100999999" },
		"NoConsignment": func(a *line.Animal) { a.Consignment = nil },
	} {
		_, a := cleanAnimal(t)
		change(a)
		if rules.GrasslandEligible(a) {
			t.Errorf("%s: eligible", name)
		}
	}
	if rules.GrasslandEligible(nil) {
		t.Error("nil animal eligible")
	}
}

func TestWeightReasonRounding(t *testing.T) {
	rules := line.DefaultRules()
	d, ok := rules.Weight(&line.Animal{LiveWeight: 40000}, 23201)
	if !ok {
		t.Fatal("23201 g of 40000 g not flagged")
	}
	if got := d.Facts["dressing_bp"]; got != "5801" {
		t.Errorf("dressing_bp = %s, want 5801 (rounded up past the maximum)", got)
	}
	d, _ = rules.Weight(&line.Animal{LiveWeight: 40000}, 15999)
	if got := d.Facts["dressing_bp"]; got != "3999" {
		t.Errorf("dressing_bp = %s, want 3999 (rounded down past the minimum)", got)
	}
}
