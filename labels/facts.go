package labels

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"lambtrace/line"
)

// Facts are the facts of one label: a Pack, MixedPack, Carcass or Carton.
type Facts interface {
	build(b *builder) error
}

// Source is an animal a pack comes from, as its label names it.
type Source struct {
	EarTag line.EarTag
	League string // league (盟) or prefecture-level city, such as 锡林郭勒盟
	County string // county or banner (旗), such as 东乌珠穆沁旗
	Breed  string

	// Grassland lets the label carry the grassland mark (草原放牧). Set
	// it from line.Rules.GrasslandEligible, as SourceOf does.
	Grassland bool
}

// SourceOf returns the label facts of an animal from the registry: its
// ear tag, the league and county of the tag's county code, its breed, and
// whether rules let its packs claim grassland lamb.
func SourceOf(a *line.Animal, rules *line.Rules) Source {
	if a == nil {
		return Source{}
	}
	counties := rules.Counties
	if counties == nil {
		counties = line.DefaultCounties()
	}
	league, county := OriginOf(a.EarTag, counties)
	if county == "" && a.Consignment != nil && len(a.EarTag) == 15 && a.Consignment.Owner.County == a.EarTag.County() {
		county = a.Consignment.Owner.CountyName
	}
	return Source{EarTag: a.EarTag, League: league, County: county, Breed: a.Breed, Grassland: rules.GrasslandEligible(a)}
}

// OriginOf returns the names of the league and county that issued the
// ear tag, or empty strings for a county that counties does not list. A
// nil table uses line.DefaultCounties.
func OriginOf(tag line.EarTag, counties *line.CountyTable) (league, county string) {
	if len(tag) != 15 {
		return "", ""
	}
	if counties == nil {
		counties = line.DefaultCounties()
	}
	if c, ok := counties.Lookup(tag.County()); ok {
		county = c.Name
	}
	if l, ok := counties.LeagueOf(tag.County()); ok {
		league = l.Name
	}
	return league, county
}

// Pack is the label of a cut pack from one carcass.
type Pack struct {
	Product   *line.Product // name, GTIN, UNECE cut, storage and shelf life
	NetWeight line.Mass
	PackedOn  line.Date // the use-by date is PackedOn plus Product.ShelfLife()
	Batch     string    // GS1 AI 10, the batch id
	Serial    string    // GS1 AI 21, the pack serial
	Source    Source

	// Certificate is the number of the product quarantine certificate
	// (产品检疫合格证) of the batch, empty while the batch has none.
	Certificate string
}

// MixedPack is the label of a pack from a mixed lot, which draws on the
// trim of several carcasses.
type MixedPack struct {
	Product     *line.Product
	NetWeight   line.Mass
	PackedOn    line.Date
	Batch       string // GS1 AI 10
	Serial      string // GS1 AI 21
	Lot         string // the mixed lot's id
	Sources     []Source
	Certificate string
}

// Carcass is the label hung on a carcass at the kill point.
type Carcass struct {
	Number string // the carcass number (胴体号), which the QR code holds
	EarTag line.EarTag
	Owner  string // the consignment's owner
	// HotWeight is 0 for a label printed when the carcass enters the line,
	// before the hook scale weighs it; the label then has no weight line.
	HotWeight line.Mass
	KilledAt  time.Time // printed in its own zone
}

// Carton is the label of a carton of packs.
type Carton struct {
	Product   *line.Product
	GTIN      line.GTIN // the carton's GTIN-14; empty means Product.GTIN
	NetWeight line.Mass
	PackedOn  line.Date // GS1 AI 13, the packaging date
	Batch     string    // GS1 AI 10
	Serial    string    // GS1 AI 21
	Packs     int       // packs in the carton, 0 when not counted
}

// Maximum lengths of free text facts, in characters.
const (
	maxNameLength        = 60
	maxCertificateLength = 40
	maxLotLength         = 20
)

// checkProduct validates the product facts a pack or carton label prints.
func checkProduct(p *line.Product) error {
	if p == nil {
		return &Error{Field: "Product", Err: ErrMissing}
	}
	if strings.TrimSpace(p.NameZH) == "" {
		return &Error{Field: "Product.NameZH", Err: ErrMissing}
	}
	if err := checkText("Product.NameZH", p.NameZH, maxNameLength); err != nil {
		return err
	}
	if err := checkText("Product.NameEN", p.NameEN, maxNameLength); err != nil {
		return err
	}
	switch p.StorageCondition() {
	case line.StorageChilled, line.StorageFrozen:
	default:
		return &Error{Field: "Product.Storage", Value: string(p.Storage), Err: ErrInvalid, Detail: "expected chilled or frozen"}
	}
	return nil
}

// checkGTIN validates the GTIN of a variable-measure item, which a net
// weight in AI 3103 requires.
func checkGTIN(field string, g line.GTIN) error {
	if g == "" {
		return &Error{Field: field, Err: ErrMissing}
	}
	parsed, err := line.ParseGTIN(string(g))
	if err != nil {
		return &Error{Field: field, Value: string(g), Err: ErrInvalid, Detail: err.Error()}
	}
	if !parsed.VariableMeasure() {
		return &Error{Field: field, Value: string(g), Err: ErrInvalid,
			Detail: "a label with a net weight in AI 3103 needs a variable-measure GTIN-14, indicator digit 9"}
	}
	return nil
}

// checkText validates free text printed on a label: valid UTF-8, no
// control characters, at most max characters.
func checkText(field, s string, max int) error {
	if err := checkFieldData(field, s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &Error{Field: field, Value: s, Err: ErrInvalid, Detail: fmt.Sprintf("%d characters, the maximum is %d", n, max)}
	}
	return nil
}

// checkRequired validates a required code such as a batch or serial.
func checkRequired(field, s string, max int) error {
	if s == "" {
		return &Error{Field: field, Err: ErrMissing}
	}
	return checkText(field, s, max)
}

// useBy returns the use-by date of a product packed on day.
func useBy(p *line.Product, day line.Date) line.Date {
	return day.AddDays(p.ShelfLife())
}

// digitalLinkError turns an error of line.DigitalLink.URI into an *Error
// that names the label fact behind the AI.
func digitalLinkError(err error) error {
	var dl *line.DigitalLinkError
	if !errors.As(err, &dl) {
		return err
	}
	fields := map[string]string{
		"host": "Domain", "01": "GTIN", "10": "Batch", "21": "Serial", "3103": "NetWeight",
		"251": "EarTag", "7002": "Product.UNECECut", "13": "PackedOn",
	}
	field, ok := fields[dl.Part]
	if !ok {
		field = "QR"
	}
	return &Error{Field: field, Err: ErrInvalid, Detail: dl.Err.Error()}
}

// packingDate formats a date as GS1 AI 13 writes it: YYMMDD.
func packingDate(d line.Date) string {
	return fmt.Sprintf("%02d%02d%02d", d.Year%100, int(d.Month), d.Day)
}

// gramsText formats a mass for messages.
func gramsText(m line.Mass) string { return strconv.FormatInt(m.Grams(), 10) + " g" }
