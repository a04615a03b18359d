package upload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"lambtrace/line"
)

// Format is the format tag of a batch document.
const Format = "lambtrace-batch/1"

// Document is the batch document in the format lambtrace-batch/1. The
// JSON names are the format's field names; docs/upload-protocol.md
// specifies each of them.
type Document struct {
	Format         string        `json:"format"`
	PlatformDomain string        `json:"platform_domain"`
	Plant          Plant         `json:"plant"`
	Station        Station       `json:"station"`
	Batch          Batch         `json:"batch"`
	Rules          Rules         `json:"rules"`
	Journal        Journal       `json:"journal"`
	Products       []Product     `json:"products"`
	Consignments   []Consignment `json:"consignments"`
	Carcasses      []Carcass     `json:"carcasses"`
	Decisions      []Decision    `json:"decisions"`
	LabResults     []LabResult   `json:"lab_results"`
	Byproducts     []Weighing    `json:"byproducts"`
	Lots           []Lot         `json:"lots"`
	Packs          []Pack        `json:"packs"`
	EPCIS          EPCISDocument `json:"epcis"`
}

// Plant identifies the plant.
type Plant struct {
	Name             string `json:"name"`
	ApprovalNumber   string `json:"approval_number"`
	GS1CompanyPrefix string `json:"gs1_company_prefix"`
}

// Station identifies the station that recorded the batch.
type Station struct {
	ID     string `json:"id"`
	Number int    `json:"number"`
}

// Batch is the batch itself with its times and totals.
type Batch struct {
	ID                 string     `json:"id"`
	Day                line.Date  `json:"day"`
	Line               int        `json:"line"`
	Shift              int        `json:"shift"`
	ShiftStart         time.Time  `json:"shift_start"`
	State              string     `json:"state"`
	ProductCertificate string     `json:"product_certificate,omitempty"`
	FirstCarcassAt     *time.Time `json:"first_carcass_at,omitempty"`
	LastCarcassAt      *time.Time `json:"last_carcass_at,omitempty"`
	LastPackAt         *time.Time `json:"last_pack_at,omitempty"`
	Carcasses          int        `json:"carcasses"`
	Unidentified       int        `json:"unidentified_carcasses"`
	Packs              int        `json:"packs"`
}

// Rules are the thresholds the station judged the batch by.
type Rules struct {
	MaxLossBP            int64 `json:"max_loss_bp"`
	ForageFeedingSystems []int `json:"forage_feeding_systems"`
}

// Journal is the station's journal head when the facts were read.
type Journal struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"`
	Algorithm string    `json:"algorithm"`
	At        time.Time `json:"at"`
}

// Product is a product that packs or lots of the batch name.
type Product struct {
	Key      string `json:"key"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	UNECECut string `json:"unece_cut,omitempty"`
	GTIN     string `json:"gtin"`
	BoneIn   bool   `json:"bone_in"`
	Mixed    bool   `json:"mixed"`
}

// Consignment is one owner's delivery under one origin certificate, with
// every animal the registry declared for it.
type Consignment struct {
	ID                 string       `json:"id"`
	DeclaredAt         time.Time    `json:"declared_at"`
	ArrivedAt          time.Time    `json:"arrived_at"`
	PlannedSlaughterOn line.Date    `json:"planned_slaughter_on"`
	Owner              Owner        `json:"owner"`
	Certificate        *Certificate `json:"certificate,omitempty"`
	Heads              HeadCounts   `json:"head_counts"`
	Animals            []Animal     `json:"animals"`
}

// Owner is the herder or cooperative that delivered a consignment.
type Owner struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	County     string `json:"county"`
	CountyName string `json:"county_name"`
}

// Certificate is the animal quarantine certificate of a consignment.
type Certificate struct {
	Number     string    `json:"number"`
	Type       string    `json:"type"`
	IssuedAt   time.Time `json:"issued_at"`
	ValidUntil time.Time `json:"valid_until"`
	HeadCount  int       `json:"head_count"`
}

// HeadCounts count a consignment's animals in the batch.
type HeadCounts struct {
	Declared    int `json:"declared"`    // animals declared
	Received    int `json:"received"`    // declared animals whose tag the line read
	Slaughtered int `json:"slaughtered"` // carcasses entered; a tag read twice gives two
	Held        int `json:"held"`        // carcasses not blocked with a review decision, released or not
	Blocked     int `json:"blocked"`     // carcasses blocked
}

// Animal is a declared animal as the registry describes it.
type Animal struct {
	EarTag       string        `json:"ear_tag"`
	RFID         string        `json:"rfid"`
	Breed        string        `json:"breed"`
	Sex          string        `json:"sex"`
	BornOn       line.Date     `json:"born_on"`
	TaggedOn     line.Date     `json:"tagged_on"`
	Pasture      Pasture       `json:"pasture"`
	LiveWeight   line.Mass     `json:"live_weight_g"`
	Vaccinations []Vaccination `json:"vaccinations"`
	Treatments   []Treatment   `json:"treatments"`
}

// Pasture is an animal's pasture and feeding system, in the UNECE ovine
// codes.
type Pasture struct {
	Kind             string `json:"kind"`
	FeedingSystem    int    `json:"feeding_system"`
	ProductionSystem int    `json:"production_system"`
	GrazingAreaMu    int64  `json:"grazing_area_mu"`
}

// Vaccination is one vaccine dose.
type Vaccination struct {
	Name  string    `json:"name"`
	Batch string    `json:"batch"`
	On    line.Date `json:"on"`
}

// Treatment is one drug treatment with its withdrawal period.
type Treatment struct {
	Drug           string    `json:"drug"`
	Batch          string    `json:"batch"`
	On             line.Date `json:"on"`
	WithdrawalDays int       `json:"withdrawal_days"`
}

// Carcass is one carcass of the batch.
type Carcass struct {
	Number      string       `json:"number"`
	RawRead     string       `json:"raw_read"`
	RFID        string       `json:"rfid,omitempty"`
	EarTag      string       `json:"ear_tag,omitempty"`
	Consignment string       `json:"consignment,omitempty"`
	State       string       `json:"state"`
	Stage       string       `json:"stage"`
	EnteredAt   time.Time    `json:"entered_at"`
	Weighings   []Weighing   `json:"weighings"`
	Inspection  *Inspection  `json:"inspection,omitempty"`
	MassBalance *MassBalance `json:"mass_balance,omitempty"`
}

// Weighing is one accepted weight.
type Weighing struct {
	ID       int64     `json:"id"`
	Carcass  string    `json:"carcass,omitempty"`
	Stage    string    `json:"stage"`
	Kind     string    `json:"kind"`
	Grams    line.Mass `json:"grams"`
	Division line.Mass `json:"division_g"`
	ScaleID  string    `json:"scale_id"`
	Stable   bool      `json:"stable"`
	At       time.Time `json:"at"`
	ToLot    string    `json:"to_lot,omitempty"`
}

// Inspection is a carcass's synchronous post-mortem inspection.
type Inspection struct {
	Result    string    `json:"result"`
	Condemned line.Mass `json:"condemned_g"`
	Reason    string    `json:"reason,omitempty"`
	Inspector string    `json:"inspector"`
	At        time.Time `json:"at"`
}

// MassBalance are the figures of a carcass's or lot's mass balance. The
// outputs may exceed the input by at most the tolerance, the sum of the
// divisions of every weighing on either side. LossBP is the loss in basis
// points of the input, judged against MaxLossBP; Decision is mass.loss
// when the loss is above it.
type MassBalance struct {
	Input           line.Mass  `json:"input_g"`
	InputWeighings  int        `json:"input_weighings"`
	Outputs         line.Mass  `json:"outputs_g"`
	OutputWeighings int        `json:"output_weighings"`
	ByKind          []KindMass `json:"by_kind"`
	Loss            line.Mass  `json:"loss_g"`
	LossBP          int64      `json:"loss_bp"`
	Tolerance       line.Mass  `json:"tolerance_g"`
	MaxLossBP       int64      `json:"max_loss_bp"`
	Decision        string     `json:"decision,omitempty"`
}

// KindMass is the total of one kind of output.
type KindMass struct {
	Kind  string    `json:"kind"`
	Grams line.Mass `json:"grams"`
}

// Decision is a rule's decision on a carcass or lot, with its release.
type Decision struct {
	ID          int64             `json:"id"`
	Carcass     string            `json:"carcass,omitempty"`
	Lot         string            `json:"lot,omitempty"`
	Code        string            `json:"code"`
	Severity    string            `json:"severity"`
	RFID        string            `json:"rfid,omitempty"`
	EarTag      string            `json:"ear_tag,omitempty"`
	Consignment string            `json:"consignment,omitempty"`
	Facts       map[string]string `json:"facts"`
	DecidedAt   time.Time         `json:"decided_at"`
	RecordedBy  string            `json:"recorded_by"`
	Release     *Release          `json:"release,omitempty"`
}

// Release is who released a review decision, why and when.
type Release struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// LabResult is a β-agonist screening result of a consignment's sample.
type LabResult struct {
	Sample      string    `json:"sample"`
	Consignment string    `json:"consignment"`
	Analytes    []string  `json:"analytes"`
	Method      string    `json:"method"`
	Result      string    `json:"result"`
	RecordedBy  string    `json:"recorded_by"`
	At          time.Time `json:"at"`
}

// Lot is a mixed lot made from the trim of several carcasses.
type Lot struct {
	ID          string          `json:"id"`
	Product     string          `json:"product"`
	State       string          `json:"state"`
	Sources     []LotSourceFact `json:"sources"`
	MassBalance MassBalance     `json:"mass_balance"`
}

// LotSourceFact is one carcass's trim sent to a lot.
type LotSourceFact struct {
	Weighing int64     `json:"weighing"`
	Carcass  string    `json:"carcass"`
	EarTag   string    `json:"ear_tag,omitempty"`
	Grams    line.Mass `json:"grams"`
	Division line.Mass `json:"division_g"`
	Counted  bool      `json:"counted"`
}

// Pack is a labelled pack with its weighing and label history.
type Pack struct {
	Serial      string    `json:"serial"`
	GTIN        string    `json:"gtin"`
	Product     string    `json:"product"`
	Grams       line.Mass `json:"grams"`
	Division    line.Mass `json:"division_g"`
	ScaleID     string    `json:"scale_id"`
	Weighing    int64     `json:"weighing"`
	Carcass     string    `json:"carcass,omitempty"`
	Lot         string    `json:"lot,omitempty"`
	Grassland   bool      `json:"grassland"`
	PackedAt    time.Time `json:"packed_at"`
	LabelSHA256 string    `json:"label_sha256,omitempty"`
	Prints      []Print   `json:"prints"`
	Void        *Void     `json:"void,omitempty"`
}

// Print is one print job of a pack's label.
type Print struct {
	Job       int64     `json:"job"`
	Printer   string    `json:"printer"`
	ZPLSHA256 string    `json:"zpl_sha256"`
	State     string    `json:"state"`
	ReprintOf int64     `json:"reprint_of,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Error     string    `json:"error,omitempty"`
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Void is the void of a pack's label.
type Void struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Canonical returns the canonical JSON form of the document, the bytes a
// signer signs: object keys sorted by their bytes, no insignificant white
// space, numbers as written, HTML characters not escaped. The same
// document always gives the same bytes, and parsing the bytes and
// writing them again gives them back.
func (d *Document) Canonical() ([]byte, error) {
	raw, err := encode(d)
	if err != nil {
		return nil, fmt.Errorf("encode batch document: %w", err)
	}
	return canonicalize(raw)
}

// canonicalize rewrites JSON with its object keys sorted, which
// encoding/json does for maps, keeping numbers as written.
func canonicalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	return encode(generic)
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// ErrFormat reports JSON that is not a lambtrace-batch/1 document.
var ErrFormat = errors.New("not a " + Format + " document")

// Parse reads a batch document. It rejects fields the format does not
// define, a format other than lambtrace-batch/1 and anything after the
// document, so that a parsed document written again with Canonical
// states the same facts. Parse checks the form only: Check judges the
// content.
func Parse(data []byte) (*Document, error) {
	var probe struct {
		Format *string `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("parse batch document: %w", err)
	}
	if probe.Format == nil || *probe.Format != Format {
		got := "no format"
		if probe.Format != nil {
			got = fmt.Sprintf("format %q", *probe.Format)
		}
		return nil, fmt.Errorf("parse batch document: %w: it has %s", ErrFormat, got)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	d := &Document{}
	if err := dec.Decode(d); err != nil {
		return nil, fmt.Errorf("parse batch document: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse batch document: data after the document")
	}
	if field := missingDate(d); field != "" {
		return nil, fmt.Errorf("parse batch document: the date %s is missing", field)
	}
	return d, nil
}

// missingDate returns the path of the first date field that is absent,
// or "". The zero line.Date has no text form, so a document without it
// could not be written again.
func missingDate(d *Document) string {
	if d.Batch.Day.IsZero() {
		return "batch.day"
	}
	for i, c := range d.Consignments {
		if c.PlannedSlaughterOn.IsZero() {
			return fmt.Sprintf("consignments[%d].planned_slaughter_on", i)
		}
		for j, a := range c.Animals {
			at := fmt.Sprintf("consignments[%d].animals[%d]", i, j)
			if a.BornOn.IsZero() {
				return at + ".born_on"
			}
			if a.TaggedOn.IsZero() {
				return at + ".tagged_on"
			}
			for k, v := range a.Vaccinations {
				if v.On.IsZero() {
					return fmt.Sprintf("%s.vaccinations[%d].on", at, k)
				}
			}
			for k, t := range a.Treatments {
				if t.On.IsZero() {
					return fmt.Sprintf("%s.treatments[%d].on", at, k)
				}
			}
		}
	}
	return ""
}
