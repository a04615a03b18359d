package upload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lambtrace/line"
)

// EPCISContextURL is the JSON-LD context that GS1 publishes for EPCIS 2.0
// documents.
const EPCISContextURL = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

// EPCISDocument is an EPCIS 2.0 document in JSON-LD (ISO/IEC 19987:2024).
type EPCISDocument struct {
	Context       Context   `json:"@context"`
	Type          string    `json:"type"`
	SchemaVersion string    `json:"schemaVersion"`
	CreationDate  time.Time `json:"creationDate"`
	Body          EPCISBody `json:"epcisBody"`
}

// EPCISBody holds the events.
type EPCISBody struct {
	EventList []Event `json:"eventList"`
}

// Context is the JSON-LD @context of a document: the EPCIS context and
// the prefixes of extension vocabularies, written as
// ["<EPCIS context>", {"<prefix>": "<namespace>"}].
type Context struct {
	URL      string
	Prefixes map[string]string
}

// MarshalJSON writes the context as an array.
func (c Context) MarshalJSON() ([]byte, error) {
	list := []any{c.URL}
	if len(c.Prefixes) > 0 {
		list = append(list, c.Prefixes)
	}
	return json.Marshal(list)
}

// UnmarshalJSON reads a context written by MarshalJSON.
func (c *Context) UnmarshalJSON(data []byte) error {
	var list []json.RawMessage
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("@context: %w", err)
	}
	if len(list) < 1 || len(list) > 2 {
		return errors.New("@context: expected the EPCIS context URL and at most one object of prefixes")
	}
	if err := json.Unmarshal(list[0], &c.URL); err != nil {
		return fmt.Errorf("@context: the first entry is not a URL string: %w", err)
	}
	c.Prefixes = nil
	if len(list) == 2 {
		dec := json.NewDecoder(bytes.NewReader(list[1]))
		if err := dec.Decode(&c.Prefixes); err != nil {
			return fmt.Errorf("@context: the second entry is not an object of prefixes: %w", err)
		}
	}
	return nil
}

// Event is an ObjectEvent or a TransformationEvent; the fields a type
// does not use stay empty and are left out. The fields named lt:… are
// extensions in the platform's vocabulary, which the context maps to
// https://<platform domain>/voc/.
type Event struct {
	Type                string            `json:"type"`
	EventTime           time.Time         `json:"eventTime"`
	EventTimeZoneOffset string            `json:"eventTimeZoneOffset"`
	Action              string            `json:"action,omitempty"`
	EPCList             []string          `json:"epcList,omitempty"`
	InputEPCList        []string          `json:"inputEPCList,omitempty"`
	InputQuantityList   []QuantityElement `json:"inputQuantityList,omitempty"`
	OutputEPCList       []string          `json:"outputEPCList,omitempty"`
	OutputQuantityList  []QuantityElement `json:"outputQuantityList,omitempty"`
	TransformationID    string            `json:"transformationID,omitempty"`
	BizStep             string            `json:"bizStep,omitempty"`
	Disposition         string            `json:"disposition,omitempty"`
	ReadPoint           *Location         `json:"readPoint,omitempty"`
	BizLocation         *Location         `json:"bizLocation,omitempty"`
	BizTransactionList  []BizTransaction  `json:"bizTransactionList,omitempty"`
	SourceList          []Source          `json:"sourceList,omitempty"`
	DestinationList     []Destination     `json:"destinationList,omitempty"`
	SensorElementList   []SensorElement   `json:"sensorElementList,omitempty"`
	ILMD                *ILMD             `json:"ilmd,omitempty"`

	Consignment    string   `json:"lt:consignment,omitempty"`
	RFID           string   `json:"lt:rfid,omitempty"`
	Result         string   `json:"lt:result,omitempty"`
	Reason         string   `json:"lt:reason,omitempty"`
	Inspector      string   `json:"lt:inspector,omitempty"`
	CondemnedGrams int64    `json:"lt:condemnedGrams,omitempty"`
	Sample         string   `json:"lt:sample,omitempty"`
	Analytes       []string `json:"lt:analytes,omitempty"`
	Method         string   `json:"lt:method,omitempty"`
	By             string   `json:"lt:by,omitempty"`
}

// EPCIS event types, actions and the CBV 2.0 vocabulary the document
// uses.
const (
	ObjectEvent         = "ObjectEvent"
	TransformationEvent = "TransformationEvent"

	actionObserve = "OBSERVE"
	actionDelete  = "DELETE"

	bizStepReceiving       = "receiving"
	bizStepInspecting      = "inspecting"
	bizStepDecommissioning = "decommissioning"

	dispositionInProgress    = "in_progress"
	dispositionConformant    = "conformant"
	dispositionNonConformant = "non_conformant"
	dispositionInactive      = "inactive"

	bizTransactionCert    = "cert"
	bizTransactionTestRes = "testres"

	partyOwning = "owning_party"

	measurementMass = "Mass"
	uomKilogram     = "KGM" // UN/CEFACT Recommendation 20 code for the kilogram
)

// QuantityElement is an amount of a class of objects.
type QuantityElement struct {
	EPCClass string      `json:"epcClass"`
	Quantity json.Number `json:"quantity"`
	UOM      string      `json:"uom,omitempty"`
}

// Location is a read point or business location.
type Location struct {
	ID string `json:"id"`
}

// BizTransaction is a business transaction, such as a certificate.
type BizTransaction struct {
	Type           string `json:"type,omitempty"`
	BizTransaction string `json:"bizTransaction"`
}

// Source is a party or location the objects came from.
type Source struct {
	Type   string `json:"type"`
	Source string `json:"source"`
}

// Destination is a party or location the objects went to.
type Destination struct {
	Type        string `json:"type"`
	Destination string `json:"destination"`
}

// SensorElement carries measurements taken during an event.
type SensorElement struct {
	SensorReport []SensorReport `json:"sensorReport"`
}

// SensorReport is one measurement: here a weight in kilograms.
type SensorReport struct {
	Type    string      `json:"type"`
	Value   json.Number `json:"value"`
	UOM     string      `json:"uom"`
	Time    *time.Time  `json:"time,omitempty"`
	ScaleID string      `json:"lt:scale,omitempty"`
}

// ILMD is the instance and lot master data of the outputs of a
// transformation.
type ILMD struct {
	Batch         string `json:"lt:batch,omitempty"`
	Carcass       string `json:"lt:carcass,omitempty"`
	EarTag        string `json:"lt:earTag,omitempty"`
	Lot           string `json:"lt:lot,omitempty"`
	SlaughterDate string `json:"lt:slaughterDate,omitempty"`
}

// kilograms writes a mass in grams as a decimal number of kilograms with
// no trailing zeros, exactly: 18280 g is 18.28.
func kilograms(m line.Mass) json.Number {
	g := int64(m)
	sign := ""
	if g < 0 {
		sign, g = "-", -g
	}
	s := sign + strconv.FormatInt(g/1000, 10)
	if frac := g % 1000; frac != 0 {
		digits := fmt.Sprintf("%03d", frac)
		for digits[len(digits)-1] == '0' {
			digits = digits[:len(digits)-1]
		}
		s += "." + digits
	}
	return json.Number(s)
}

// zoneOffset returns the +hh:mm offset of t for eventTimeZoneOffset.
func zoneOffset(t time.Time) string { return t.Format("-07:00") }

// massReport is a sensor element with one weighing.
func massReport(w Weighing) SensorElement {
	at := w.At
	return SensorElement{SensorReport: []SensorReport{{Type: measurementMass, Value: kilograms(w.Grams), UOM: uomKilogram,
		Time: &at, ScaleID: w.ScaleID}}}
}

// EPCIS makes the EPCIS document of a batch document's body. The events
// carry the body's facts, so the platform can rebuild them from the body
// and compare them with the events it received. The order is fixed:
// receiving per consignment, lab results, then per carcass its slaughter,
// inspection and cutting, then the cutting of each mixed lot, and last
// the voided pack labels.
func EPCIS(d *Document) (EPCISDocument, error) {
	x, err := newIdentifiers(d)
	if err != nil {
		return EPCISDocument{}, err
	}
	g := &eventBuilder{d: d, x: x, station: &Location{ID: x.station(d.Station.ID)}, plant: &Location{ID: x.plant}}
	g.index()

	created := d.Journal.At
	if created.IsZero() {
		created = d.Batch.ShiftStart
	}
	doc := EPCISDocument{
		Context:       Context{URL: EPCISContextURL, Prefixes: map[string]string{vocabularyPrefix: x.vocabulary()}},
		Type:          "EPCISDocument",
		SchemaVersion: "2.0",
		CreationDate:  created,
	}

	for _, c := range d.Consignments {
		g.receiving(c)
	}
	for _, l := range d.LabResults {
		g.labResult(l)
	}
	for _, c := range d.Carcasses {
		g.slaughter(c)
		g.inspection(c)
		if err := g.cutting(c); err != nil {
			return EPCISDocument{}, err
		}
	}
	for _, l := range d.Lots {
		if err := g.lotCutting(l); err != nil {
			return EPCISDocument{}, err
		}
	}
	for _, p := range d.Packs {
		if err := g.void(p); err != nil {
			return EPCISDocument{}, err
		}
	}
	doc.Body.EventList = g.events
	if doc.Body.EventList == nil {
		doc.Body.EventList = []Event{}
	}
	return doc, nil
}

// eventBuilder makes the events of one document.
type eventBuilder struct {
	d       *Document
	x       *identifiers
	station *Location
	plant   *Location
	events  []Event

	received   map[string][]string // consignment to the URIs of its animals read on the line
	packsOf    map[string][]Pack   // carcass number to its packs
	lotPacks   map[string][]Pack
	byproducts map[string][]Weighing // carcass number to its by-products
}

func (g *eventBuilder) index() {
	read := make(map[string]bool)
	for _, c := range g.d.Carcasses {
		if c.EarTag != "" {
			read[c.Consignment+"\x00"+c.EarTag] = true
		}
	}
	g.received = make(map[string][]string)
	for _, c := range g.d.Consignments {
		for _, a := range c.Animals {
			if read[c.ID+"\x00"+a.EarTag] {
				g.received[c.ID] = append(g.received[c.ID], g.x.animal(a.EarTag))
			}
		}
	}
	g.packsOf, g.lotPacks = make(map[string][]Pack), make(map[string][]Pack)
	for _, p := range g.d.Packs {
		if p.Lot != "" {
			g.lotPacks[p.Lot] = append(g.lotPacks[p.Lot], p)
		} else {
			g.packsOf[p.Carcass] = append(g.packsOf[p.Carcass], p)
		}
	}
	g.byproducts = make(map[string][]Weighing)
	for _, w := range g.d.Byproducts {
		g.byproducts[w.Carcass] = append(g.byproducts[w.Carcass], w)
	}
}

func (g *eventBuilder) add(e Event) {
	e.EventTimeZoneOffset = zoneOffset(e.EventTime)
	g.events = append(g.events, e)
}

// receiving records the arrival of a consignment's animals that the line
// read, with the animal quarantine certificate they travelled under.
func (g *eventBuilder) receiving(c Consignment) {
	animals := g.received[c.ID]
	if len(animals) == 0 {
		return
	}
	e := Event{
		Type: ObjectEvent, EventTime: c.ArrivedAt, Action: actionObserve, EPCList: animals,
		BizStep: bizStepReceiving, Disposition: dispositionInProgress, ReadPoint: g.plant, BizLocation: g.plant,
		SourceList:      []Source{{Type: partyOwning, Source: g.x.party(c.Owner.ID)}},
		DestinationList: []Destination{{Type: partyOwning, Destination: g.x.plant}},
		Consignment:     c.ID,
	}
	if c.Certificate != nil {
		e.BizTransactionList = []BizTransaction{{Type: bizTransactionCert, BizTransaction: g.x.animalCertificate(c.Certificate.Number)}}
	}
	g.add(e)
}

// labResult records a consignment's β-agonist screening as an inspection
// of its animals, with the result as a testres business transaction.
func (g *eventBuilder) labResult(l LabResult) {
	e := Event{
		Type: ObjectEvent, EventTime: l.At, Action: actionObserve, EPCList: g.received[l.Consignment],
		BizStep: bizStepInspecting, ReadPoint: g.plant, BizLocation: g.plant,
		BizTransactionList: []BizTransaction{{Type: bizTransactionTestRes, BizTransaction: g.x.labResult(l.Sample)}},
		Consignment:        l.Consignment, Sample: l.Sample, Analytes: l.Analytes, Method: l.Method, Result: l.Result,
	}
	switch l.Result {
	case line.LabNegative:
		e.Disposition = dispositionConformant
	case line.LabPositive:
		e.Disposition = dispositionNonConformant
	}
	g.add(e)
}

// slaughter records the animal becoming a carcass at the kill point, with
// the hot carcass weight. A carcass whose tag is not in the registry has
// no animal to name, so the event names the carcass as its transformation.
func (g *eventBuilder) slaughter(c Carcass) {
	carcass := g.x.carcass(c.Number)
	e := Event{
		Type: TransformationEvent, EventTime: c.EnteredAt, OutputEPCList: []string{carcass},
		BizStep: g.x.bizStep(bizStepSlaughtering), Disposition: dispositionInProgress,
		ReadPoint: g.station, BizLocation: g.plant,
		ILMD: &ILMD{Batch: g.d.Batch.ID, Carcass: c.Number, EarTag: c.EarTag,
			SlaughterDate: line.DateOf(c.EnteredAt).String()},
		Consignment: c.Consignment, RFID: c.RFID,
	}
	if c.EarTag != "" {
		e.InputEPCList = []string{g.x.animal(c.EarTag)}
	} else {
		e.TransformationID = carcass
	}
	for _, w := range c.Weighings {
		if w.Stage == "hot" {
			e.SensorElementList = append(e.SensorElementList, massReport(w))
		}
	}
	g.add(e)
}

// inspection records the synchronous inspection of a carcass. A pass and
// a partial condemnation are conformant, the carcass going on with the
// condemned parts weighed off; a whole condemnation is non-conformant.
func (g *eventBuilder) inspection(c Carcass) {
	in := c.Inspection
	if in == nil {
		return
	}
	e := Event{
		Type: ObjectEvent, EventTime: in.At, Action: actionObserve, EPCList: []string{g.x.carcass(c.Number)},
		BizStep: bizStepInspecting, ReadPoint: g.station, BizLocation: g.plant,
		Result: in.Result, Reason: in.Reason, Inspector: in.Inspector, CondemnedGrams: int64(in.Condemned),
	}
	switch in.Result {
	case line.InspectionPass, line.InspectionPartial:
		e.Disposition = dispositionConformant
	case line.InspectionCondemned:
		e.Disposition = dispositionNonConformant
	}
	g.add(e)
}

// outputs collects a transformation's outputs: the packs as SGTINs, and
// per class the kilograms of packs, by-products and trim, classes in the
// order they first appear.
type outputs struct {
	epcs    []string
	classes []string
	grams   map[string]line.Mass
	last    time.Time
}

func (o *outputs) addClass(class string, g line.Mass, at time.Time) {
	if o.grams == nil {
		o.grams = make(map[string]line.Mass)
	}
	if _, seen := o.grams[class]; !seen {
		o.classes = append(o.classes, class)
	}
	o.grams[class] += g
	if at.After(o.last) {
		o.last = at
	}
}

func (o *outputs) addPacks(x *identifiers, packs []Pack) error {
	for _, p := range packs {
		epc, err := x.sgtin(p.GTIN, p.Serial)
		if err != nil {
			return fmt.Errorf("pack %s: %w", p.Serial, err)
		}
		class, err := x.lgtin(p.GTIN)
		if err != nil {
			return fmt.Errorf("pack %s: %w", p.Serial, err)
		}
		o.epcs = append(o.epcs, epc)
		o.addClass(class, p.Grams, p.PackedAt)
	}
	return nil
}

func (o *outputs) quantities() []QuantityElement {
	var q []QuantityElement
	for _, class := range o.classes {
		q = append(q, QuantityElement{EPCClass: class, Quantity: kilograms(o.grams[class]), UOM: uomKilogram})
	}
	return q
}

// cutting records a carcass becoming packs and by-products, with the
// chilled weight it was cut from. Trim sent to a mixed lot is counted as
// that lot's class, so the lot's own cutting takes it up again.
func (g *eventBuilder) cutting(c Carcass) error {
	var out outputs
	if err := out.addPacks(g.x, g.packsOf[c.Number]); err != nil {
		return err
	}
	for _, w := range g.byproducts[c.Number] {
		class := g.x.byproduct(w.Kind)
		if w.ToLot != "" {
			class = g.x.lot(w.ToLot)
		}
		out.addClass(class, w.Grams, w.At)
	}
	if len(out.classes) == 0 {
		return nil
	}
	e := Event{
		Type: TransformationEvent, EventTime: out.last, InputEPCList: []string{g.x.carcass(c.Number)},
		OutputEPCList: out.epcs, OutputQuantityList: out.quantities(),
		BizStep: g.x.bizStep(bizStepCutting), Disposition: dispositionInProgress,
		ReadPoint: g.station, BizLocation: g.plant, BizTransactionList: g.productCertificate(),
		ILMD: &ILMD{Batch: g.d.Batch.ID, Carcass: c.Number, EarTag: c.EarTag},
	}
	for _, w := range c.Weighings {
		if w.Stage == "chilled" {
			e.SensorElementList = append(e.SensorElementList, massReport(w))
		}
	}
	g.add(e)
	return nil
}

// lotCutting records a mixed lot's trim becoming packs. A lot with no
// counted trim names itself as the transformation.
func (g *eventBuilder) lotCutting(l Lot) error {
	var out outputs
	if err := out.addPacks(g.x, g.lotPacks[l.ID]); err != nil {
		return err
	}
	if len(out.classes) == 0 {
		return nil
	}
	e := Event{
		Type: TransformationEvent, EventTime: out.last, OutputEPCList: out.epcs, OutputQuantityList: out.quantities(),
		BizStep: g.x.bizStep(bizStepCutting), Disposition: dispositionInProgress,
		ReadPoint: g.station, BizLocation: g.plant, BizTransactionList: g.productCertificate(),
		ILMD: &ILMD{Batch: g.d.Batch.ID, Lot: l.ID},
	}
	var input line.Mass
	for _, s := range l.Sources {
		if s.Counted {
			input += s.Grams
		}
	}
	if input != 0 {
		e.InputQuantityList = []QuantityElement{{EPCClass: g.x.lot(l.ID), Quantity: kilograms(input), UOM: uomKilogram}}
	} else {
		e.TransformationID = g.x.lot(l.ID)
	}
	g.add(e)
	return nil
}

// void records that a pack's label is void: its SGTIN no longer names the
// pack.
func (g *eventBuilder) void(p Pack) error {
	if p.Void == nil {
		return nil
	}
	epc, err := g.x.sgtin(p.GTIN, p.Serial)
	if err != nil {
		return fmt.Errorf("pack %s: %w", p.Serial, err)
	}
	g.add(Event{
		Type: ObjectEvent, EventTime: p.Void.At, Action: actionDelete, EPCList: []string{epc},
		BizStep: bizStepDecommissioning, Disposition: dispositionInactive, ReadPoint: g.station, BizLocation: g.plant,
		Reason: p.Void.Reason, By: p.Void.By,
	})
	return nil
}

func (g *eventBuilder) productCertificate() []BizTransaction {
	if g.d.Batch.ProductCertificate == "" {
		return nil
	}
	return []BizTransaction{{Type: bizTransactionCert, BizTransaction: g.x.productCertificate(g.d.Batch.ProductCertificate)}}
}
