package labels

import (
	"slices"
	"strconv"
	"strings"

	"lambtrace/line"
)

func (p Pack) build(b *builder) error {
	if err := checkPackFacts(p.Product, p.NetWeight, p.PackedOn, p.Batch, p.Serial, p.Certificate); err != nil {
		return err
	}
	if err := checkSource("Source", p.Source); err != nil {
		return err
	}
	link := line.DigitalLink{Domain: b.cfg.Domain, GTIN: p.Product.GTIN, Batch: p.Batch, Serial: p.Serial,
		NetWeight: p.NetWeight, SourceEntity: string(p.Source.EarTag), CutCode: p.Product.UNECECut, Origin: line.CountryCodeChina}
	uri, err := link.URI()
	if err != nil {
		return digitalLinkError(err)
	}
	b.qrContent = uri

	b.rows = packHeadRows(p.Product, p.NetWeight, p.PackedOn)
	b.rows = append(b.rows, originRows([]Source{p.Source})...)
	b.rows = append(b.rows, packTailRows(b.cfg, p.Certificate, p.Product.GTIN, p.Batch, p.Serial)...)
	return nil
}

func (p MixedPack) build(b *builder) error {
	if err := checkPackFacts(p.Product, p.NetWeight, p.PackedOn, p.Batch, p.Serial, p.Certificate); err != nil {
		return err
	}
	if err := checkRequired("Lot", p.Lot, maxLotLength); err != nil {
		return err
	}
	if len(p.Sources) == 0 {
		return &Error{Field: "Sources", Err: ErrMissing, Detail: "a mixed lot names the animals its trim came from"}
	}
	for i, s := range p.Sources {
		if err := checkSource("Sources["+strconv.Itoa(i)+"]", s); err != nil {
			return err
		}
	}
	// The serial identifies the pack, and the batch document links it to
	// the lot and its animals, so AI 251 (one source entity) is left out.
	link := line.DigitalLink{Domain: b.cfg.Domain, GTIN: p.Product.GTIN, Batch: p.Batch, Serial: p.Serial,
		NetWeight: p.NetWeight, CutCode: p.Product.UNECECut, Origin: line.CountryCodeChina}
	uri, err := link.URI()
	if err != nil {
		return digitalLinkError(err)
	}
	b.qrContent = uri

	tags := make(map[line.EarTag]bool, len(p.Sources))
	for _, s := range p.Sources {
		tags[s.EarTag] = true
	}

	b.rows = packHeadRows(p.Product, p.NetWeight, p.PackedOn)
	zh, en := bilingual("label.lot", nil)
	countZH, countEN := bilingual("label.lot_animals", map[string]string{"count": strconv.Itoa(len(tags))})
	b.rows = append(b.rows, row{field: "Lot", scale: scaleBody, wrap: true, segments: []rowSegment{
		{text: zh}, {text: en, scale: scaleEnglish}, {text: p.Lot, bold: true}, {text: countZH}, {text: countEN, scale: scaleEnglish},
	}})
	b.rows = append(b.rows, originRows(p.Sources)...)
	b.rows = append(b.rows, packTailRows(b.cfg, p.Certificate, p.Product.GTIN, p.Batch, p.Serial)...)
	return nil
}

func (c Carcass) build(b *builder) error {
	if err := checkRequired("Number", c.Number, 20); err != nil {
		return err
	}
	if _, _, err := line.ParseCarcassNumber(c.Number); err != nil {
		return &Error{Field: "Number", Value: c.Number, Err: ErrInvalid, Detail: err.Error()}
	}
	if len(c.EarTag) != 15 || strings.Trim(string(c.EarTag), "0123456789") != "" {
		return &Error{Field: "EarTag", Value: string(c.EarTag), Err: ErrInvalid, Detail: "expected 15 digits"}
	}
	if err := checkRequired("Owner", c.Owner, maxNameLength); err != nil {
		return err
	}
	if c.HotWeight < 0 || c.HotWeight > 200*line.Kilogram {
		return &Error{Field: "HotWeight", Value: gramsText(c.HotWeight), Err: ErrInvalid, Detail: "expected 1 g to 200 kg, or 0 before weighing"}
	}
	if c.KilledAt.IsZero() {
		return &Error{Field: "KilledAt", Err: ErrMissing}
	}
	b.qrContent = c.Number

	zh, en := bilingual("label.carcass_number", nil)
	b.rows = []row{
		{field: "Number", scale: scaleBody, segments: []rowSegment{{text: zh}, {text: en, scale: scaleEnglish}}},
		{field: "Number", scale: scaleTitle * 1.2, segments: []rowSegment{{text: c.Number, bold: true}}},
		captionRow("EarTag", "label.ear_tag", scaleBody, rowSegment{text: c.EarTag.Dashed(), bold: true}),
		captionRow("Owner", "label.owner", scaleBody, rowSegment{text: c.Owner}),
	}
	if c.HotWeight > 0 {
		b.rows = append(b.rows, captionRow("HotWeight", "label.hot_weight", scaleWeight, rowSegment{text: c.HotWeight.String(), bold: true}))
	}
	b.rows = append(b.rows,
		captionRow("KilledAt", "label.killed_at", scaleBody, rowSegment{text: c.KilledAt.Format("2006-01-02 15:04")}),
		row{field: "Plant.Name", scale: scaleSmall, wrap: true, segments: []rowSegment{{text: b.cfg.Plant.Name}}},
	)
	return nil
}

func (c Carton) build(b *builder) error {
	gtin := c.GTIN
	if gtin == "" && c.Product != nil {
		gtin = c.Product.GTIN
	}
	if err := checkProduct(c.Product); err != nil {
		return err
	}
	if err := checkGTIN("GTIN", gtin); err != nil {
		return err
	}
	if err := checkWeightAndCodes(c.NetWeight, c.PackedOn, c.Batch, c.Serial); err != nil {
		return err
	}
	if c.Packs < 0 || c.Packs > 9999 {
		return &Error{Field: "Packs", Value: strconv.Itoa(c.Packs), Err: ErrInvalid, Detail: "expected 0 to 9999"}
	}
	gtin, _ = line.ParseGTIN(string(gtin))
	weight := packingWeight(c.NetWeight)
	link := line.DigitalLink{Domain: b.cfg.Domain, GTIN: gtin, Batch: c.Batch, Serial: c.Serial, NetWeight: c.NetWeight,
		Extra: map[string]string{"13": packingDate(c.PackedOn)}}
	uri, err := link.URI()
	if err != nil {
		return digitalLinkError(err)
	}
	b.qrContent = uri

	// One symbol would be about 118 mm long at the smallest bar width,
	// so the element string is split across two symbols. The serial goes
	// first: a numeric serial continues in subset C after the start
	// character, which saves a subset switch over the batch first.
	first, err := encodeGS1128([]gs1Element{{ai: "01", value: string(gtin)}, {ai: "3103", value: weight}, {ai: "13", value: packingDate(c.PackedOn)}})
	if err != nil {
		return err
	}
	second, err := encodeGS1128([]gs1Element{{ai: "21", value: c.Serial, variable: true}, {ai: "10", value: c.Batch, variable: true}})
	if err != nil {
		return err
	}
	b.codes = []code128Symbol{first, second}

	b.rows = packHeadRows(c.Product, c.NetWeight, c.PackedOn)
	b.rows = append(b.rows,
		captionRow("Batch", "label.batch", scaleBody, rowSegment{text: c.Batch, bold: true}),
		captionRow("Serial", "label.serial", scaleBody, rowSegment{text: c.Serial, bold: true}))
	if c.Packs > 0 {
		zh, en := bilingual("label.carton_packs", map[string]string{"count": strconv.Itoa(c.Packs)})
		b.rows = append(b.rows, row{field: "Packs", scale: scaleBody, segments: []rowSegment{{text: zh}, {text: en, scale: scaleEnglish}}})
	}
	b.rows = append(b.rows, plantRows(b.cfg)...)
	return nil
}

// packingWeight formats a net weight as GS1 AI 3103 writes it: six
// digits of kilograms with three implied decimals, which are grams.
func packingWeight(m line.Mass) string { return leftPad(strconv.FormatInt(m.Grams(), 10), 6) }

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// checkPackFacts validates the facts every pack label prints.
func checkPackFacts(p *line.Product, weight line.Mass, packedOn line.Date, batch, serial, certificate string) error {
	if err := checkProduct(p); err != nil {
		return err
	}
	if err := checkGTIN("Product.GTIN", p.GTIN); err != nil {
		return err
	}
	if err := checkWeightAndCodes(weight, packedOn, batch, serial); err != nil {
		return err
	}
	return checkText("Certificate", certificate, maxCertificateLength)
}

// checkWeightAndCodes validates the net weight, packing date, batch and
// serial of a pack or carton. line.DigitalLink checks their GS1 syntax.
func checkWeightAndCodes(weight line.Mass, packedOn line.Date, batch, serial string) error {
	if weight <= 0 || weight > 999999*line.Gram {
		return &Error{Field: "NetWeight", Value: gramsText(weight), Err: ErrInvalid, Detail: "AI 3103 takes 1 g to 999.999 kg"}
	}
	if packedOn.IsZero() {
		return &Error{Field: "PackedOn", Err: ErrMissing}
	}
	if err := checkRequired("Batch", batch, 20); err != nil {
		return err
	}
	return checkRequired("Serial", serial, 20)
}

// checkSource validates the facts of a source animal.
func checkSource(field string, s Source) error {
	if len(s.EarTag) != 15 || strings.Trim(string(s.EarTag), "0123456789") != "" {
		return &Error{Field: field + ".EarTag", Value: string(s.EarTag), Err: ErrInvalid, Detail: "expected 15 digits"}
	}
	texts := []struct{ name, text string }{{".League", s.League}, {".County", s.County}, {".Breed", s.Breed}}
	for _, t := range texts {
		if err := checkText(field+t.name, t.text, maxNameLength); err != nil {
			return err
		}
	}
	return nil
}

// packHeadRows returns the rows a pack and a carton label start with:
// the product's names, net weight, packing and use-by dates and storage.
func packHeadRows(p *line.Product, weight line.Mass, packedOn line.Date) []row {
	storageKey := "label.storage." + string(p.StorageCondition())
	storageZH, storageEN := bilingual(storageKey, nil)
	rows := []row{
		{field: "Product.NameZH", scale: scaleTitle, segments: []rowSegment{{text: p.NameZH, bold: true}}},
	}
	if p.NameEN != "" {
		rows = append(rows, row{field: "Product.NameEN", scale: scaleBody, segments: []rowSegment{{text: p.NameEN}}})
	}
	return append(rows,
		captionRow("NetWeight", "label.net_weight", scaleWeight, rowSegment{text: weight.String(), bold: true}),
		captionRow("PackedOn", "label.packed_on", scaleBody, rowSegment{text: packedOn.String()}),
		captionRow("PackedOn", "label.use_by", scaleBody, rowSegment{text: useBy(p, packedOn).String(), bold: true}),
		row{field: "Product.Storage", scale: scaleBody, segments: []rowSegment{{text: storageZH, bold: true}, {text: storageEN, scale: scaleEnglish}}},
	)
}

// originRows returns the origin and breed rows of the source animals,
// with the grassland mark only when every source may claim it. Several
// sources list each distinct origin and breed once, in sorted order.
func originRows(sources []Source) []row {
	var origins, breeds []string
	grassland := true
	for _, s := range sources {
		if origin := strings.TrimSpace(s.League + " " + s.County); origin != "" {
			origins = append(origins, origin)
		}
		if s.Breed != "" {
			breeds = append(breeds, s.Breed)
		}
		grassland = grassland && s.Grassland
	}
	slices.Sort(origins)
	slices.Sort(breeds)
	origins, breeds = slices.Compact(origins), slices.Compact(breeds)

	var rows []row
	if len(origins) > 0 {
		r := captionRow("Source.County", "label.origin", scaleBody)
		for i, o := range origins {
			if i < len(origins)-1 {
				o += "、"
			}
			r.segments = append(r.segments, rowSegment{text: o})
		}
		r.wrap = true
		rows = append(rows, r)
	}
	if len(breeds) > 0 || grassland {
		r := captionRow("Source.Breed", "label.breed", scaleBody)
		if len(breeds) == 0 {
			r = row{field: "Source.Grassland", scale: scaleBody}
		}
		for i, b := range breeds {
			if i < len(breeds)-1 {
				b += "、"
			}
			r.segments = append(r.segments, rowSegment{text: b})
		}
		if grassland {
			zh, en := bilingual("label.grassland", nil)
			r.segments = append(r.segments, rowSegment{text: zh + " " + en, bold: true, badge: true, scale: scaleSmall})
		}
		r.wrap = true
		rows = append(rows, r)
	}
	return rows
}

// packTailRows returns the rows a pack label ends with: the quarantine
// certificate, the plant and the traceability code.
func packTailRows(cfg Config, certificate string, gtin line.GTIN, batch, serial string) []row {
	var rows []row
	if certificate != "" {
		rows = append(rows, captionRow("Certificate", "label.certificate", scaleBody, rowSegment{text: certificate}))
	}
	rows = append(rows, plantRows(cfg)...)
	trace := captionRow("TraceCode", "label.trace_code", scaleSmall,
		rowSegment{text: "(01)" + string(gtin)}, rowSegment{text: "(10)" + batch}, rowSegment{text: "(21)" + serial})
	trace.wrap = true
	return append(rows, trace)
}

// plantRows returns the plant's name and approval number.
func plantRows(cfg Config) []row {
	return []row{
		{field: "Plant.Name", scale: scaleSmall, wrap: true, segments: []rowSegment{{text: cfg.Plant.Name}}},
		captionRow("Plant.Approval", "label.approval", scaleSmall, rowSegment{text: cfg.Plant.Approval}),
	}
}
