package line

import (
	"errors"
	"slices"
	"time"
)

// Rules holds the thresholds of the intake, weight and mass rules. Start
// from DefaultRules; every field may be changed by the plant's
// configuration.
type Rules struct {
	// Counties validates ear-tag county codes and holds the pastoral list.
	Counties *CountyTable
	// MaxTaggingAgeDays is the maximum age in days at tagging (tag.late).
	// Local policy requires tagging 5 to 10 days after birth, and the
	// national rule allows 30.
	MaxTaggingAgeDays int
	// MinTagLeadDays is the minimum number of days between tagging and the
	// slaughter day (tag.recent). A tag applied shortly before slaughter
	// suggests an outside animal tagged to pass as local.
	MinTagLeadDays int
	// MinDeclarationLead is the minimum time between the declaration of
	// slaughter and the shift start (consignment.late_declaration). The
	// quarantine procedure requires at least 6 hours.
	MinDeclarationLead time.Duration
	// ForageFeedingSystems are the UNECE feeding-system codes that count
	// as grassland feeding (origin.feedlot flags the others).
	ForageFeedingSystems []int
	// DressingMinBP and DressingMaxBP bound the hot carcass weight as a
	// share of live weight, in basis points (weight.implausible).
	DressingMinBP, DressingMaxBP int64
	// MaxLossBP is the largest unexplained loss of a carcass or lot at
	// close, in basis points of its input (mass.loss).
	MaxLossBP int64
	// RequireLabResult makes sign-off wait for a β-agonist result of
	// every consignment that has a carcass in the batch that is not
	// blocked. No national sampling rate for sheep is published, so a
	// plant that samples fewer consignments turns it off.
	RequireLabResult bool
	// Severities overrides the default severity of a code.
	Severities map[Code]Severity
}

// DefaultRules returns the default thresholds: tagged within 10 days of
// birth and at least 30 days before slaughter, declared 6 hours ahead,
// feeding systems 2 and 3 as forage, dressing 40–58 %, loss at most 3 %,
// and a lab result of every consignment before sign-off.
func DefaultRules() *Rules {
	return &Rules{
		Counties:             DefaultCounties(),
		MaxTaggingAgeDays:    10,
		MinTagLeadDays:       30,
		MinDeclarationLead:   6 * time.Hour,
		ForageFeedingSystems: []int{2, 3},
		DressingMinBP:        4000,
		DressingMaxBP:        5800,
		MaxLossBP:            300,
		RequireLabResult:     true,
	}
}

// Severity returns the severity of code under these rules.
func (r *Rules) Severity(c Code) Severity {
	if s, ok := r.Severities[c]; ok {
		return s
	}
	return DefaultSeverity(c)
}

func (r *Rules) decide(c Code, a *Animal, facts map[string]string) Decision {
	d := Decision{Code: c, Severity: r.Severity(c), Facts: facts}
	if a != nil {
		d.RFID, d.EarTag = a.RFID, a.EarTag
		if a.Consignment != nil {
			d.Consignment = a.Consignment.ID
		}
	}
	return d
}

// TagRead is the tag as the reader delivered it: the decoded RFID number,
// or the raw output and the error that kept it from decoding.
type TagRead struct {
	Raw  string // reader output, printable, for the record
	RFID RFID
	Err  error
}

// TagUse is an earlier carcass of the same ear tag.
type TagUse struct {
	Carcass string
	At      time.Time
}

// History is the part of the line's record that the intake rules depend
// on. The store implements it over the database; the day check
// keeps it in memory.
type History interface {
	// CarcassOf returns the carcass an ear tag already produced.
	CarcassOf(tag EarTag) (TagUse, bool)
	// EnteredCount returns how many distinct ear tags of a consignment
	// have entered the line.
	EnteredCount(consignment string) int
}

// Intake is the outcome of the intake rules for one tag read.
type Intake struct {
	Animal    *Animal // nil when the tag is not in the registry
	Decisions []Decision
}

// Blocked reports whether any decision blocks the carcass.
func (in Intake) Blocked() bool {
	return slices.ContainsFunc(in.Decisions, Decision.Blocks)
}

// Intake evaluates every intake rule for a tag read on the given slaughter
// day and shift. Each rule is evaluated on its own and every violation is
// reported; the rules that need registry data are skipped for a tag that
// is unknown or unreadable.
func (r *Rules) Intake(reg *Registry, h History, read TagRead, day Date, shiftStart time.Time) Intake {
	if read.Err != nil {
		facts := map[string]string{"raw": read.Raw, "problem": string(ProblemUnrecognized), "detail": read.Err.Error()}
		var idErr *IDError
		var problemer IDProblemer
		switch {
		case errors.As(read.Err, &problemer):
			facts["problem"] = string(problemer.IDProblem())
		case errors.As(read.Err, &idErr):
			facts["problem"] = string(idErr.Problem)
		}
		return Intake{Decisions: []Decision{r.decide(CodeTagInvalid, nil, facts)}}
	}
	a, ok := reg.AnimalByRFID(read.RFID)
	if !ok {
		d := r.decide(CodeTagUnknown, nil, map[string]string{"raw": read.Raw})
		d.RFID = read.RFID
		return Intake{Decisions: []Decision{d}}
	}
	c := a.Consignment
	var out []Decision
	add := func(code Code, facts map[string]string) { out = append(out, r.decide(code, a, facts)) }

	if _, err := ParseEarTag(string(a.EarTag), r.Counties); err != nil {
		facts := map[string]string{"raw": string(a.EarTag), "problem": string(ProblemSyntax)}
		var idErr *IDError
		if errors.As(err, &idErr) {
			facts["problem"] = string(idErr.Problem)
		}
		add(CodeTagInvalid, facts)
	}
	if use, used := h.CarcassOf(a.EarTag); used {
		add(CodeTagReused, map[string]string{"first_carcass": use.Carcass, "first_at": use.At.Format(time.RFC3339)})
	}
	if age := a.TaggedOn.DaysSince(a.BornOn); age > r.MaxTaggingAgeDays {
		add(CodeTagLate, map[string]string{"born_on": a.BornOn.String(), "tagged_on": a.TaggedOn.String(),
			"days": itoa(age), "max_days": itoa(r.MaxTaggingAgeDays)})
	}
	if lead := day.DaysSince(a.TaggedOn); lead < r.MinTagLeadDays {
		add(CodeTagRecent, map[string]string{"tagged_on": a.TaggedOn.String(), "slaughter_day": day.String(),
			"days": itoa(lead), "min_days": itoa(r.MinTagLeadDays)})
	}
	if county, ok := r.nonPastoralCounty(a); ok {
		add(CodeOriginNonPastoral, map[string]string{"county": county, "county_name": r.countyName(county, c),
			"owner_county": c.Owner.County, "tag_county": a.EarTag.County()})
	}
	if r.feedlot(a) {
		add(CodeOriginFeedlot, map[string]string{"feeding_system": itoa(a.Pasture.FeedingSystem), "pasture_kind": a.Pasture.Kind})
	}
	if t, ok := r.withdrawalBreach(a, day); ok {
		add(CodeDrugWithdrawal, map[string]string{"drug": t.Drug, "batch": t.Batch, "treated_on": t.On.String(),
			"withdrawal_days": itoa(t.WithdrawalDays), "days": itoa(day.DaysSince(t.On)),
			"clear_on": t.On.AddDays(t.WithdrawalDays).String()})
	}
	if lead := shiftStart.Sub(c.DeclaredAt); lead < r.MinDeclarationLead {
		add(CodeConsignmentLateDeclaration, map[string]string{"declared_at": c.DeclaredAt.Format(time.RFC3339),
			"shift_start": shiftStart.Format(time.RFC3339), "min_hours": formatHours(r.MinDeclarationLead)})
	}
	if c.Certificate != nil && c.Certificate.Number != "" {
		// Only a new ear tag counts toward the head count; a reused tag
		// is blocked by its own rule.
		if _, used := h.CarcassOf(a.EarTag); !used {
			if n := h.EnteredCount(c.ID) + 1; n > c.Certificate.HeadCount {
				add(CodeConsignmentOverHeadCount, map[string]string{"count": itoa(n),
					"head_count": itoa(c.Certificate.HeadCount), "certificate": c.Certificate.Number})
			}
		}
	} else {
		add(CodeCertificateMissing, nil)
	}
	if cert := c.Certificate; cert != nil && cert.Number != "" && cert.ValidUntil.Before(c.ArrivedAt) {
		add(CodeCertificateExpired, map[string]string{"certificate": cert.Number,
			"valid_until": cert.ValidUntil.Format(time.RFC3339), "arrived_at": c.ArrivedAt.Format(time.RFC3339)})
	}
	return Intake{Animal: a, Decisions: out}
}

// withdrawalBreach returns the treatment whose withdrawal period is not
// over on the slaughter day: fewer days have passed since the treatment
// than its withdrawal days. Slaughter on the day the period ends is
// allowed. Of several, the one that clears last is returned.
func (r *Rules) withdrawalBreach(a *Animal, day Date) (Treatment, bool) {
	var worst Treatment
	found := false
	for _, t := range a.Treatments {
		if day.DaysSince(t.On) >= t.WithdrawalDays {
			continue
		}
		if !found || worst.On.AddDays(worst.WithdrawalDays).Before(t.On.AddDays(t.WithdrawalDays)) {
			worst, found = t, true
		}
	}
	return worst, found
}

// nonPastoralCounty returns the first of the owner's county and the
// county that issued the ear tag that is not on the pastoral list. Both
// must be pastoral: an animal tagged elsewhere and delivered by a local
// owner is as suspect as one delivered from elsewhere.
func (r *Rules) nonPastoralCounty(a *Animal) (string, bool) {
	for _, county := range []string{a.Consignment.Owner.County, a.EarTag.County()} {
		if !r.Counties.Pastoral(county) {
			return county, true
		}
	}
	return "", false
}

// feedlot reports whether an animal was raised in a feedlot or on a
// feeding system that is not forage.
func (r *Rules) feedlot(a *Animal) bool {
	return a.Pasture.Kind == PastureFeedlot || !slices.Contains(r.ForageFeedingSystems, a.Pasture.FeedingSystem)
}

// GrasslandEligible reports whether a label may claim grassland lamb
// (草原放牧) for the animal: both its owner's county and its tag's county
// are pastoral and it was forage-fed outside a feedlot. A carcass released
// after origin.non_pastoral or origin.feedlot is never eligible, whatever
// reason the release gives.
func (r *Rules) GrasslandEligible(a *Animal) bool {
	if a == nil || a.Consignment == nil || len(a.EarTag) != 15 {
		return false
	}
	_, nonPastoral := r.nonPastoralCounty(a)
	return !nonPastoral && !r.feedlot(a)
}

func (r *Rules) countyName(code string, c *Consignment) string {
	if county, ok := r.Counties.Lookup(code); ok {
		return county.Name
	}
	if code == c.Owner.County {
		return c.Owner.CountyName
	}
	return code
}

func formatHours(d time.Duration) string {
	if d%time.Hour == 0 {
		return itoa(int(d / time.Hour))
	}
	return d.String()
}

// Weight checks the hot carcass weight against the animal's live weight:
// the dressing percentage must lie within the configured band.
func (r *Rules) Weight(a *Animal, hot Mass) (Decision, bool) {
	if a == nil || a.LiveWeight <= 0 {
		return Decision{}, false
	}
	scaled, live := int64(hot)*10000, int64(a.LiveWeight)
	if scaled >= r.DressingMinBP*live && scaled <= r.DressingMaxBP*live {
		return Decision{}, false
	}
	// Round toward the side the band was left on, so the reason never
	// shows a share equal to the bound it broke.
	bp := scaled / live
	if scaled > r.DressingMaxBP*live {
		bp = (scaled + live - 1) / live
	}
	return r.decide(CodeWeightImplausible, a, map[string]string{"hot_g": grams(hot), "live_g": grams(a.LiveWeight),
		"dressing_bp": i64toa(bp), "min_bp": i64toa(r.DressingMinBP), "max_bp": i64toa(r.DressingMaxBP)}), true
}

// Inspection turns a synchronous inspection result into a decision: a
// condemned carcass is blocked.
func (r *Rules) Inspection(a *Animal, result, reason string, condemned Mass) (Decision, bool) {
	if result != InspectionCondemned {
		return Decision{}, false
	}
	return r.decide(CodeInspectionCondemned, a, map[string]string{"reason": reason, "condemned_g": grams(condemned)}), true
}

// Lab returns the decision for an animal whose consignment has a positive
// β-agonist result: the whole consignment is blocked.
func (r *Rules) Lab(a *Animal, t *LabTest) (Decision, bool) {
	if t == nil || t.Result != LabPositive {
		return Decision{}, false
	}
	d := r.decide(CodeLabPositive, a, map[string]string{"sample": t.Sample, "method": t.Method,
		"analytes": joinComma(t.Analytes)})
	d.Consignment = t.Consignment
	return d, true
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
