package upload

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lambtrace/line"
)

// Problem codes of Check. Each code is also the key of its message in the
// translation catalogs.
const (
	ProblemFormat            = "upload.format"             // format, domain or plant identity missing or invalid
	ProblemField             = "upload.field"              // a required field is empty or invalid
	ProblemReference         = "upload.reference"          // a list names an item the document does not contain
	ProblemDuplicate         = "upload.duplicate"          // an id appears twice in one list
	ProblemTotals            = "upload.totals"             // a batch total differs from its list
	ProblemHeads             = "upload.heads"              // a head count differs from the carcass list
	ProblemOverCertificate   = "upload.heads.certificate"  // more animals passed than the certificate allows
	ProblemMassExcess        = "upload.mass.excess"        // outputs above input plus tolerance
	ProblemMassFigures       = "upload.mass.figures"       // stated figures differ from the weighings
	ProblemMassMissing       = "upload.mass.missing"       // a carcass with outputs has no balance
	ProblemGrassland         = "upload.claim.grassland"    // grassland claim on a carcass that is not eligible
	ProblemLotGrassland      = "upload.claim.lot"          // grassland claim on a lot with an ineligible source
	ProblemSerialDuplicate   = "upload.serial.duplicate"   // a pack serial appears twice
	ProblemEarTagDuplicate   = "upload.ear_tag.duplicate"  // an ear tag on two carcasses that were not blocked
	ProblemAnimalDuplicate   = "upload.animal.duplicate"   // an ear tag declared twice
	ProblemPackBlocked       = "upload.pack.blocked"       // a pack of a blocked carcass
	ProblemPackProduct       = "upload.pack.product"       // a pack's GTIN is not its product's
	ProblemLotSource         = "upload.lot.source"         // a lot source differs from the trim weighing it names
	ProblemEPCISMismatch     = "upload.epcis.mismatch"     // the events do not match the body
	ProblemEPCISUnbuildable  = "upload.epcis.unbuildable"  // no events can be made from the body
	ProblemDecisionUnrelated = "upload.decision.unrelated" // a decision names neither or both of a carcass and a lot
)

// Problem is one thing Check found wrong with a document: a stable code,
// the kind and id of the item concerned, and the facts its message
// needs. The platform returns problems as they are, as machine-readable
// reasons.
type Problem struct {
	Code string            `json:"code"`
	Kind string            `json:"kind"` // batch, consignment, carcass, weighing, lot, pack, decision, event or document
	ID   string            `json:"id,omitempty"`
	Data map[string]string `json:"data,omitempty"`
}

// Message renders the problem in lang from the translation catalogs.
func (p Problem) Message(lang line.Lang) string {
	data := maps.Clone(p.Data)
	if data == nil {
		data = make(map[string]string)
	}
	data["kind_text"] = line.Translate(lang, "upload.kind."+p.Kind, nil)
	data["id"] = p.ID
	if reason, ok := data["reason"]; ok {
		data["reason_text"] = line.Translate(lang, "upload.reason."+reason, nil)
	}
	if ref, ok := data["ref_kind"]; ok {
		data["ref_kind_text"] = line.Translate(lang, "upload.kind."+ref, nil)
	}
	if kind, ok := data["output_kind"]; ok {
		// A by-product bin the catalogs do not know keeps its key.
		data["output_kind_text"] = kind
		if text := line.Translate(lang, "output."+kind, nil); text != "output."+kind {
			data["output_kind_text"] = text
		}
	}
	return line.Translate(lang, p.Code, data)
}

// String describes the problem in English, for logs.
func (p Problem) String() string {
	return p.Code + ": " + p.Message(line.LangEN)
}

// CheckError reports a document with problems.
type CheckError struct {
	BatchID  string
	Problems []Problem
}

func (e *CheckError) Error() string {
	msg := fmt.Sprintf("batch document %s has %d problems", e.BatchID, len(e.Problems))
	if len(e.Problems) == 1 {
		msg = fmt.Sprintf("batch document %s has 1 problem", e.BatchID)
	}
	for i, p := range e.Problems {
		if i == 5 {
			msg += fmt.Sprintf("; and %d more", len(e.Problems)-i)
			break
		}
		msg += "; " + p.String()
	}
	return msg
}

// Err returns a *CheckError for problems, or nil when there are none.
func Err(batchID string, problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	return &CheckError{BatchID: batchID, Problems: problems}
}

// Check runs CheckRules with the default rules of the domain.
func Check(d *Document) []Problem { return CheckRules(d, nil) }

// CheckRules judges a document on its own, as the platform does before
// it accepts it, and returns every problem found, or nil. It checks:
//
//   - the format, the platform domain and the plant's identity;
//   - that every reference between lists resolves and ids are unique;
//   - the batch totals and each consignment's head counts against the
//     carcass list, and that the animals that passed do not exceed the
//     certificate's head count;
//   - the mass balance of every carcass and lot, repeated from its
//     weighings in the order they were taken, against input plus
//     tolerance and against the stated figures;
//   - each grassland claim: the carcass must be eligible under rules (a
//     pastoral owner and tag county, forage-fed, not in a feedlot), carry
//     no origin decision and not be blocked, and every source of a lot
//     must be eligible;
//   - that pack serials are unique and that no ear tag is on two carcasses
//     that were not blocked;
//   - that the EPCIS events are exactly those EPCIS makes from the body.
//
// rules gives the pastoral counties and forage feeding systems, and nil
// means line.DefaultRules. The maximum loss that balances are judged by
// is the one the document states in its rules.
func CheckRules(d *Document, rules *line.Rules) []Problem {
	if rules == nil {
		rules = line.DefaultRules()
	}
	c := &checker{d: d, rules: rules}
	if !c.identity() {
		return c.problems
	}
	c.index()
	c.totals()
	c.heads()
	c.carcassBalances()
	c.lotBalances()
	c.claims()
	c.packs()
	c.decisions()
	c.epcis()
	return c.problems
}

type checker struct {
	d        *Document
	rules    *line.Rules
	problems []Problem

	consignments map[string]*Consignment
	animals      map[string]*Animal // ear tag to declared animal
	carcasses    map[string]*Carcass
	lots         map[string]*Lot
	products     map[string]*Product
	byproducts   map[int64]*Weighing
	packsOf      map[string][]*Pack // carcass number or lot id to its packs
	decisionsOf  map[string][]*Decision
}

func (c *checker) add(code, kind, id string, data map[string]string) {
	c.problems = append(c.problems, Problem{Code: code, Kind: kind, ID: id, Data: data})
}

// identity checks what every other check depends on, and reports whether
// the others can run.
func (c *checker) identity() bool {
	d := c.d
	if d == nil {
		c.add(ProblemFormat, "document", "", map[string]string{"field": "document", "value": "null"})
		return false
	}
	if d.Format != Format {
		c.add(ProblemFormat, "document", "", map[string]string{"field": "format", "value": d.Format})
		return false
	}
	if err := checkDomain(d.PlatformDomain); err != nil {
		c.add(ProblemFormat, "document", "", map[string]string{"field": "platform_domain", "value": d.PlatformDomain})
	}
	if d.Plant.ApprovalNumber == "" {
		c.add(ProblemFormat, "document", "", map[string]string{"field": "plant.approval_number", "value": ""})
	}
	if id, err := line.ParseBatchID(d.Batch.ID); err != nil {
		c.add(ProblemField, "batch", d.Batch.ID, map[string]string{"field": "batch.id", "value": d.Batch.ID})
	} else if id.Day != d.Batch.Day || id.Line != d.Batch.Line || id.Shift != d.Batch.Shift {
		c.add(ProblemField, "batch", d.Batch.ID, map[string]string{"field": "batch.day", "value": d.Batch.Day.String()})
	}
	return len(c.problems) == 0
}

// index builds the lookups and reports duplicate ids and unresolved
// references.
func (c *checker) index() {
	d := c.d
	c.consignments = make(map[string]*Consignment)
	c.animals = make(map[string]*Animal)
	for i := range d.Consignments {
		con := &d.Consignments[i]
		if c.consignments[con.ID] != nil {
			c.add(ProblemDuplicate, "consignment", con.ID, map[string]string{"list": "consignments"})
		}
		c.consignments[con.ID] = con
		for j := range con.Animals {
			a := &con.Animals[j]
			if c.animals[a.EarTag] != nil {
				c.add(ProblemAnimalDuplicate, "consignment", con.ID, map[string]string{"ear_tag": a.EarTag})
			}
			c.animals[a.EarTag] = a
		}
	}
	c.products = make(map[string]*Product)
	for i := range d.Products {
		c.products[d.Products[i].Key] = &d.Products[i]
	}

	c.carcasses = make(map[string]*Carcass)
	for i := range d.Carcasses {
		car := &d.Carcasses[i]
		if c.carcasses[car.Number] != nil {
			c.add(ProblemDuplicate, "carcass", car.Number, map[string]string{"list": "carcasses"})
		}
		c.carcasses[car.Number] = car
		if car.Consignment == "" {
			continue
		}
		con := c.consignments[car.Consignment]
		if con == nil {
			c.reference("carcass", car.Number, "consignment", car.Consignment)
		} else if a := c.animals[car.EarTag]; a == nil || !slices.ContainsFunc(con.Animals, func(x Animal) bool { return x.EarTag == car.EarTag }) {
			c.reference("carcass", car.Number, "animal", car.EarTag)
		}
	}

	c.lots = make(map[string]*Lot)
	for i := range d.Lots {
		l := &d.Lots[i]
		if c.lots[l.ID] != nil {
			c.add(ProblemDuplicate, "lot", l.ID, map[string]string{"list": "lots"})
		}
		c.lots[l.ID] = l
	}

	c.byproducts = make(map[int64]*Weighing)
	for i := range d.Byproducts {
		w := &d.Byproducts[i]
		if c.byproducts[w.ID] != nil {
			c.add(ProblemDuplicate, "weighing", itoa64(w.ID), map[string]string{"list": "byproducts"})
		}
		c.byproducts[w.ID] = w
		if c.carcasses[w.Carcass] == nil {
			c.reference("carcass", w.Carcass, "carcass", w.Carcass)
		}
		if w.ToLot != "" && c.lots[w.ToLot] == nil {
			c.reference("carcass", w.Carcass, "lot", w.ToLot)
		}
	}

	c.packsOf = make(map[string][]*Pack)
	for i := range d.Packs {
		p := &d.Packs[i]
		switch {
		case (p.Carcass == "") == (p.Lot == ""):
			c.add(ProblemField, "pack", p.Serial, map[string]string{"field": "carcass, lot", "value": p.Carcass + p.Lot})
		case p.Carcass != "" && c.carcasses[p.Carcass] == nil:
			c.reference("pack", p.Serial, "carcass", p.Carcass)
		case p.Lot != "" && c.lots[p.Lot] == nil:
			c.reference("pack", p.Serial, "lot", p.Lot)
		default:
			c.packsOf[p.Carcass+p.Lot] = append(c.packsOf[p.Carcass+p.Lot], p)
		}
	}

	c.decisionsOf = make(map[string][]*Decision)
	for i := range d.Decisions {
		dec := &d.Decisions[i]
		c.decisionsOf[dec.Carcass+dec.Lot] = append(c.decisionsOf[dec.Carcass+dec.Lot], dec)
	}
}

func (c *checker) reference(kind, id, refKind, ref string) {
	c.add(ProblemReference, kind, id, map[string]string{"ref_kind": refKind, "ref": ref})
}

func (c *checker) totals() {
	carcasses, unidentified, packs := countTotals(c.d)
	for _, t := range []struct {
		name            string
		stated, counted int
	}{
		{"carcasses", c.d.Batch.Carcasses, carcasses},
		{"unidentified_carcasses", c.d.Batch.Unidentified, unidentified},
		{"packs", c.d.Batch.Packs, packs},
	} {
		if t.stated != t.counted {
			c.add(ProblemTotals, "batch", c.d.Batch.ID, map[string]string{"count": t.name,
				"stated": strconv.Itoa(t.stated), "counted": strconv.Itoa(t.counted)})
		}
	}
}

// heads compares each consignment's head counts with the carcass list
// and checks that the animals that passed, that is were not blocked, do
// not exceed the certificate's head count.
func (c *checker) heads() {
	counted := countHeads(c.d)
	passed := make(map[string]map[string]bool)
	for _, car := range c.d.Carcasses {
		if car.Consignment == "" || car.State == string(line.CarcassBlocked) {
			continue
		}
		if passed[car.Consignment] == nil {
			passed[car.Consignment] = make(map[string]bool)
		}
		passed[car.Consignment][car.EarTag] = true
	}
	for _, con := range c.d.Consignments {
		got, want := con.Heads, counted[con.ID]
		for _, h := range []struct {
			name            string
			stated, counted int
		}{
			{"declared", got.Declared, want.Declared},
			{"received", got.Received, want.Received},
			{"slaughtered", got.Slaughtered, want.Slaughtered},
			{"held", got.Held, want.Held},
			{"blocked", got.Blocked, want.Blocked},
		} {
			if h.stated != h.counted {
				c.add(ProblemHeads, "consignment", con.ID, map[string]string{"count": h.name,
					"stated": strconv.Itoa(h.stated), "counted": strconv.Itoa(h.counted)})
			}
		}
		if cert := con.Certificate; cert != nil && len(passed[con.ID]) > cert.HeadCount {
			c.add(ProblemOverCertificate, "consignment", con.ID, map[string]string{"passed": strconv.Itoa(len(passed[con.ID])),
				"head_count": strconv.Itoa(cert.HeadCount), "certificate": cert.Number})
		}
	}
}

// output is an output weighing of a balance, in the order it was taken.
type output struct {
	id       int64
	kind     string
	grams    line.Mass
	division line.Mass
}

// carcassBalances repeats every carcass's mass balance from its
// weighings. The station adds the chilled weight first and then the
// outputs in the order they were weighed, condemned parts included,
// although they are weighed before chilling.
func (c *checker) carcassBalances() {
	outputsOf := make(map[string][]output)
	for _, w := range c.d.Byproducts {
		outputsOf[w.Carcass] = append(outputsOf[w.Carcass], output{w.ID, w.Kind, w.Grams, w.Division})
	}
	for _, car := range c.d.Carcasses {
		var b line.Balance
		outs := outputsOf[car.Number]
		for _, w := range car.Weighings {
			switch w.Stage {
			case "chilled":
				b.AddInput(w.Grams, w.Division)
			case "condemned":
				outs = append(outs, output{w.ID, line.OutputCondemned, w.Grams, w.Division})
			}
		}
		for _, p := range c.packsOf[car.Number] {
			outs = append(outs, output{p.Weighing, line.OutputPack, p.Grams, p.Division})
		}
		if car.MassBalance == nil {
			if b.Input() != 0 || hasCutOutputs(outs) {
				c.add(ProblemMassMissing, "carcass", car.Number, nil)
			}
			continue
		}
		c.balance("carcass", car.Number, &b, outs, car.MassBalance)
	}
}

// hasCutOutputs reports whether outs has any output other than
// condemned parts, which a carcass condemned whole has without a balance.
func hasCutOutputs(outs []output) bool {
	return slices.ContainsFunc(outs, func(o output) bool { return o.kind != line.OutputCondemned })
}

// lotBalances repeats every lot's balance from its counted sources and
// its packs, and checks each source against the trim weighing it names.
func (c *checker) lotBalances() {
	for i := range c.d.Lots {
		l := &c.d.Lots[i]
		var b line.Balance
		for _, s := range l.Sources {
			c.lotSource(l, s)
			if s.Counted {
				b.AddInput(s.Grams, s.Division)
			}
		}
		var outs []output
		for _, p := range c.packsOf[l.ID] {
			outs = append(outs, output{p.Weighing, line.OutputPack, p.Grams, p.Division})
		}
		c.balance("lot", l.ID, &b, outs, &l.MassBalance)
	}
}

func (c *checker) lotSource(l *Lot, s LotSourceFact) {
	w := c.byproducts[s.Weighing]
	car := c.carcasses[s.Carcass]
	bad := func(field, value string) {
		c.add(ProblemLotSource, "lot", l.ID, map[string]string{"weighing": itoa64(s.Weighing), "field": field, "value": value})
	}
	switch {
	case w == nil:
		bad("weighing", itoa64(s.Weighing))
	case car == nil || w.Carcass != s.Carcass:
		bad("carcass", s.Carcass)
	case w.ToLot != l.ID:
		bad("to_lot", w.ToLot)
	case w.Grams != s.Grams || w.Division != s.Division:
		bad("grams", strconv.FormatInt(int64(s.Grams), 10))
	case car.EarTag != s.EarTag:
		bad("ear_tag", s.EarTag)
	case s.Counted != (car.State != string(line.CarcassBlocked)):
		bad("counted", strconv.FormatBool(s.Counted))
	}
}

// balance adds the outputs in weighing order as the station did, reports
// the first one the balance refuses, and compares the result with the
// stated figures.
func (c *checker) balance(kind, id string, b *line.Balance, outs []output, stated *MassBalance) {
	slices.SortStableFunc(outs, func(x, y output) int { return cmp.Compare(x.id, y.id) })
	for _, o := range outs {
		err := b.Add(o.kind, o.grams, o.division)
		var me *line.MassError
		if errors.As(err, &me) {
			c.add(ProblemMassExcess, kind, id, map[string]string{"weighing": itoa64(o.id), "output_kind": o.kind,
				"weight_g": grams(me.Weight), "input_g": grams(me.Input), "outputs_g": grams(me.Outputs),
				"tolerance_g": grams(me.Tolerance), "excess_g": grams(me.Excess())})
			return
		}
	}
	want := massBalance(b.Figures(c.d.Rules.MaxLossBP))
	if field, got, expected, ok := firstDifference(*stated, want); ok {
		c.add(ProblemMassFigures, kind, id, map[string]string{"field": field, "stated": got, "counted": expected})
	}
}

// firstDifference names the first figure in which stated differs from
// the recomputed figures.
func firstDifference(stated, want MassBalance) (field, got, expected string, differs bool) {
	pairs := []struct {
		name      string
		got, want int64
	}{
		{"input_g", int64(stated.Input), int64(want.Input)},
		{"input_weighings", int64(stated.InputWeighings), int64(want.InputWeighings)},
		{"outputs_g", int64(stated.Outputs), int64(want.Outputs)},
		{"output_weighings", int64(stated.OutputWeighings), int64(want.OutputWeighings)},
		{"loss_g", int64(stated.Loss), int64(want.Loss)},
		{"loss_bp", stated.LossBP, want.LossBP},
		{"tolerance_g", int64(stated.Tolerance), int64(want.Tolerance)},
		{"max_loss_bp", stated.MaxLossBP, want.MaxLossBP},
	}
	for _, p := range pairs {
		if p.got != p.want {
			return p.name, itoa64(p.got), itoa64(p.want), true
		}
	}
	if stated.Decision != want.Decision {
		return "decision", stated.Decision, want.Decision, true
	}
	if !slices.Equal(stated.ByKind, want.ByKind) {
		return "by_kind", formatKinds(stated.ByKind), formatKinds(want.ByKind), true
	}
	return "", "", "", false
}

func formatKinds(ks []KindMass) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.Kind + "=" + grams(k.Grams)
	}
	return strings.Join(parts, ",")
}

// claims checks the grassland claim of every pack.
func (c *checker) claims() {
	for _, p := range c.d.Packs {
		if !p.Grassland {
			continue
		}
		if p.Carcass != "" {
			if reason := c.ineligible(p.Carcass); reason != "" {
				c.add(ProblemGrassland, "pack", p.Serial, map[string]string{"carcass": p.Carcass, "reason": reason})
			}
			continue
		}
		l := c.lots[p.Lot]
		if l == nil {
			continue
		}
		for _, s := range l.Sources {
			if !s.Counted {
				continue
			}
			if reason := c.ineligible(s.Carcass); reason != "" {
				c.add(ProblemLotGrassland, "pack", p.Serial, map[string]string{"lot": l.ID, "carcass": s.Carcass, "reason": reason})
				break
			}
		}
	}
}

// Reasons a carcass may not be sold as grassland lamb; each has a message
// under upload.reason.<reason>.
const (
	reasonUnknownAnimal = "unknown_animal"
	reasonBlocked       = "blocked"
	reasonNotEligible   = "not_eligible"
	reasonOriginHold    = "origin_decision"
)

// ineligible returns why the carcass may not be sold as grassland lamb,
// or "" when it may.
func (c *checker) ineligible(number string) string {
	car := c.carcasses[number]
	if car == nil {
		return reasonUnknownAnimal
	}
	if car.State == string(line.CarcassBlocked) {
		return reasonBlocked
	}
	a := c.animals[car.EarTag]
	con := c.consignments[car.Consignment]
	if a == nil || con == nil {
		return reasonUnknownAnimal
	}
	la := &line.Animal{
		EarTag:      line.EarTag(a.EarTag),
		Pasture:     line.Pasture{Kind: a.Pasture.Kind, FeedingSystem: a.Pasture.FeedingSystem},
		Consignment: &line.Consignment{Owner: line.Owner{County: con.Owner.County}},
	}
	if len(a.EarTag) != 15 || !c.rules.GrasslandEligible(la) {
		return reasonNotEligible
	}
	for _, dec := range c.decisionsOf[number] {
		if dec.Code == string(line.CodeOriginFeedlot) || dec.Code == string(line.CodeOriginNonPastoral) {
			return reasonOriginHold
		}
	}
	return ""
}

// packs checks serial uniqueness, the source of each pack and its
// product, and that no ear tag is on two carcasses that were not
// blocked.
func (c *checker) packs() {
	seen := make(map[string]int)
	for _, p := range c.d.Packs {
		seen[p.Serial]++
		if _, _, err := line.ParsePackSerial(p.Serial); err != nil {
			c.add(ProblemField, "pack", p.Serial, map[string]string{"field": "serial", "value": p.Serial})
		}
		if prod := c.products[p.Product]; prod == nil {
			c.reference("pack", p.Serial, "product", p.Product)
		} else if prod.GTIN != p.GTIN {
			c.add(ProblemPackProduct, "pack", p.Serial, map[string]string{"gtin": p.GTIN, "product": p.Product, "product_gtin": prod.GTIN})
		}
		if car := c.carcasses[p.Carcass]; car != nil && car.State == string(line.CarcassBlocked) {
			c.add(ProblemPackBlocked, "pack", p.Serial, map[string]string{"carcass": car.Number})
		}
	}
	for _, serial := range slices.Sorted(maps.Keys(seen)) {
		if n := seen[serial]; n > 1 {
			c.add(ProblemSerialDuplicate, "pack", serial, map[string]string{"count": strconv.Itoa(n)})
		}
	}

	byTag := make(map[string][]string)
	for _, car := range c.d.Carcasses {
		if car.EarTag != "" && car.State != string(line.CarcassBlocked) {
			byTag[car.EarTag] = append(byTag[car.EarTag], car.Number)
		}
	}
	for _, tag := range slices.Sorted(maps.Keys(byTag)) {
		if numbers := byTag[tag]; len(numbers) > 1 {
			c.add(ProblemEarTagDuplicate, "carcass", numbers[1], map[string]string{"ear_tag": tag,
				"count": strconv.Itoa(len(numbers)), "carcasses": strings.Join(numbers, ", ")})
		}
	}
}

func (c *checker) decisions() {
	for _, dec := range c.d.Decisions {
		switch {
		case (dec.Carcass == "") == (dec.Lot == ""):
			c.add(ProblemDecisionUnrelated, "decision", itoa64(dec.ID), nil)
		case dec.Carcass != "" && c.carcasses[dec.Carcass] == nil:
			c.reference("decision", itoa64(dec.ID), "carcass", dec.Carcass)
		case dec.Lot != "" && c.lots[dec.Lot] == nil:
			c.reference("decision", itoa64(dec.ID), "lot", dec.Lot)
		}
	}
}

// epcis rebuilds the events from the body and compares them with the
// document's, event by event, in canonical JSON.
func (c *checker) epcis() {
	want, err := EPCIS(c.d)
	if err != nil {
		c.add(ProblemEPCISUnbuildable, "document", "", map[string]string{"detail": err.Error()})
		return
	}
	got := c.d.EPCIS
	gotHead, errGot := canonicalJSON(EPCISDocument{Context: got.Context, Type: got.Type, SchemaVersion: got.SchemaVersion,
		CreationDate: got.CreationDate})
	wantHead, errWant := canonicalJSON(EPCISDocument{Context: want.Context, Type: want.Type, SchemaVersion: want.SchemaVersion,
		CreationDate: want.CreationDate})
	if errGot != nil || errWant != nil || !bytes.Equal(gotHead, wantHead) {
		c.add(ProblemEPCISMismatch, "event", "header", map[string]string{"index": "header"})
		return
	}
	events, wantEvents := got.Body.EventList, want.Body.EventList
	for i := range max(len(events), len(wantEvents)) {
		if i >= len(events) || i >= len(wantEvents) {
			c.add(ProblemEPCISMismatch, "event", strconv.Itoa(i), map[string]string{"index": strconv.Itoa(i),
				"stated": strconv.Itoa(len(events)), "counted": strconv.Itoa(len(wantEvents))})
			return
		}
		a, errA := canonicalJSON(events[i])
		b, errB := canonicalJSON(wantEvents[i])
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			c.add(ProblemEPCISMismatch, "event", strconv.Itoa(i), map[string]string{"index": strconv.Itoa(i),
				"stated": strconv.Itoa(len(events)), "counted": strconv.Itoa(len(wantEvents))})
			return
		}
	}
}

func canonicalJSON(v any) ([]byte, error) {
	raw, err := encode(v)
	if err != nil {
		return nil, err
	}
	return canonicalize(raw)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func grams(m line.Mass) string { return strconv.FormatInt(int64(m), 10) }
