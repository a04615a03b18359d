package labels_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"lambtrace/labels"
	"lambtrace/line"
)

// TestEverySize checks every template at each supported label size and
// density. A carton's GS1-128 symbols need a 100 mm wide label.
func TestEverySize(t *testing.T) {
	sizes := []labels.Size{labels.Size60x40, labels.Size100x70, labels.Size100x150}
	for _, c := range templateCases(t) {
		for _, size := range sizes {
			for _, dpi := range dpis {
				_, err := labels.Layout(testConfig(size, dpi), c.facts)
				if c.name == "carton" && size == labels.Size60x40 {
					wantLabelError(t, err, labels.ErrNoFit, "Barcode")
					continue
				}
				if err != nil {
					t.Errorf("%s on %v at %d dpi: %v", c.name, size, dpi, err)
				}
			}
		}
	}
}

// TestLabelTooSmall checks that content that cannot fit is an error that
// names the problem, not a label with cut text.
func TestLabelTooSmall(t *testing.T) {
	_, err := labels.Layout(testConfig(labels.Size{Width: 30, Height: 20}, 203), packFacts(t))
	if !errors.Is(err, labels.ErrNoFit) {
		t.Errorf("pack on 30x20: error = %v, want ErrNoFit", err)
	}
}

// joinedText returns the label's text lines joined by newlines.
func joinedText(t *testing.T, cfg labels.Config, facts labels.Facts) string {
	t.Helper()
	return strings.Join(mustLayout(t, cfg, facts).Text(), "\n")
}

// TestPackLabelText checks the facts a pack label prints, Chinese before
// English on each line.
func TestPackLabelText(t *testing.T) {
	text := joinedText(t, testConfig(labels.Size100x70, 203), packFacts(t))
	for _, want := range []string{
		"羊后腿(带骨)",
		"Leg, chump on",
		"净重 Net wt 2.886 kg",
		"包装日期 Packed 2026-12-04",
		"保质期至 Use by 2026-12-11",
		"冷藏 0–4 ℃ Keep chilled 0–4 °C",
		"产地 Origin 锡林郭勒盟 锡林浩特市",
		"品种 Breed 乌珠穆沁羊 [草原放牧 Grassland]",
		"检疫证号 Quarantine cert. " + sampleCertificate,
		samplePlant,
		"定点屠宰证号 Approval no. " + sampleApproval,
		"(01)96923456000011",
		"(10)" + sampleBatch,
		"(21)010000004806",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("pack label lacks %q; text:\n%s", want, text)
		}
	}
}

// TestGrasslandMark checks that the mark follows line.Rules: a forage-fed
// animal from a pastoral banner has it, a feedlot animal does not, and a
// mixed lot has it only when every source has.
func TestGrasslandMark(t *testing.T) {
	const mark = "草原放牧"
	cfg := testConfig(labels.Size100x70, 203)
	p := packFacts(t)
	if !strings.Contains(joinedText(t, cfg, p), mark) {
		t.Errorf("pack of grassland animal %s lacks the mark", tagGrassland)
	}
	p.Source = mustSource(t, tagFeedlot)
	if p.Source.Grassland {
		t.Fatalf("sample feedlot animal %s is eligible under the default rules", tagFeedlot)
	}
	if text := joinedText(t, cfg, p); strings.Contains(text, mark) || !strings.Contains(text, "包头市 土默特右旗") {
		t.Errorf("pack of feedlot animal: want its origin and no mark; text:\n%s", text)
	}

	m := mixedFacts(t)
	if !strings.Contains(joinedText(t, cfg, m), mark) {
		t.Errorf("mixed lot of grassland animals lacks the mark")
	}
	m.Sources = append(m.Sources, mustSource(t, tagFeedlot))
	text := joinedText(t, cfg, m)
	if strings.Contains(text, mark) {
		t.Errorf("mixed lot with a feedlot animal has the mark; text:\n%s", text)
	}
	if !strings.Contains(text, "混合批次 Mixed lot ROLL-1 来自 3 只羊 from 3 sheep") {
		t.Errorf("mixed lot line missing; text:\n%s", text)
	}
}

// TestCertificateOnlyWhenPresent checks that the quarantine certificate
// line appears only when the batch has a number.
func TestCertificateOnlyWhenPresent(t *testing.T) {
	p := packFacts(t)
	p.Certificate = ""
	if text := joinedText(t, testConfig(labels.Size60x40, 203), p); strings.Contains(text, "检疫证号") {
		t.Errorf("label without certificate prints the caption; text:\n%s", text)
	}
}

// TestStorageAndUseBy checks the storage line and use-by date from the
// product master's storage condition and shelf life.
func TestStorageAndUseBy(t *testing.T) {
	cfg := testConfig(labels.Size100x70, 203)
	p := packFacts(t)
	frozen := *p.Product
	frozen.Storage = line.StorageFrozen
	p.Product = &frozen
	text := joinedText(t, cfg, p)
	if !strings.Contains(text, "冷冻 −18 ℃ Keep frozen −18 °C") || !strings.Contains(text, "Use by 2027-12-04") {
		t.Errorf("frozen product: text:\n%s", text)
	}
	frozen.ShelfLifeDays = 30
	if text := joinedText(t, cfg, p); !strings.Contains(text, "Use by 2027-01-03") {
		t.Errorf("30 days of shelf life: text:\n%s", text)
	}
}

// TestCarcassAndCartonText checks the facts of the carcass and carton
// labels.
func TestCarcassAndCartonText(t *testing.T) {
	c := carcassFacts(t)
	text := joinedText(t, testConfig(labels.Size100x70, 300), c)
	for _, want := range []string{sampleCarcass, "耳标 Ear tag 3-152502-00357041", "货主 Owner " + c.Owner, "热胴体重 Hot wt 18.280 kg", "屠宰时间 Killed 2026-12-04 08:31"} {
		if !strings.Contains(text, want) {
			t.Errorf("carcass label lacks %q; text:\n%s", want, text)
		}
	}
	// A label printed at entry, before the hook scale, has no weight line.
	c.HotWeight = 0
	text = joinedText(t, testConfig(labels.Size100x70, 203), c)
	if strings.Contains(text, "热胴体重") || strings.Contains(text, "Hot wt") {
		t.Errorf("carcass label before weighing shows a hot weight; text:\n%s", text)
	}
	for _, want := range []string{sampleCarcass, "耳标 Ear tag 3-152502-00357041", "屠宰时间 Killed 2026-12-04 08:31"} {
		if !strings.Contains(text, want) {
			t.Errorf("carcass label before weighing lacks %q; text:\n%s", want, text)
		}
	}
	text = joinedText(t, testConfig(labels.Size100x150, 203), cartonFacts(t))
	for _, want := range []string{"批号 Batch " + sampleBatch, "序列号 Serial " + sampleCartonSerial, "内装 10 包 10 packs",
		"(01)96923456000011(3103)028860(13)261204", "(21)" + sampleCartonSerial + "(10)" + sampleBatch} {
		if !strings.Contains(text, want) {
			t.Errorf("carton label lacks %q; text:\n%s", want, text)
		}
	}
}

// TestQRContentLimit checks that a Digital Link longer than 200 bytes is
// rejected, and that the longest codes the line makes fit version 10.
func TestQRContentLimit(t *testing.T) {
	cfg := testConfig(labels.Size100x70, 203)
	p := packFacts(t)
	p.Batch, p.Serial = strings.Repeat("B", 20), strings.Repeat("9", 20)
	l := mustLayout(t, cfg, p)
	if n := len(l.QRContent()); n > 200 {
		t.Errorf("longest pack Digital Link has %d bytes", n)
	}

	cfg.Domain = strings.Repeat("trace-", 12) + "example.cn"
	_, err := labels.Layout(cfg, p)
	wantLabelError(t, err, labels.ErrQRTooLong, "QR")
}

// TestFactsValidation checks that facts the label cannot carry are
// errors naming the fact.
func TestFactsValidation(t *testing.T) {
	body := "9692345600001"
	check, err := line.GTINCheckDigit("0" + body[1:])
	if err != nil {
		t.Fatal(err)
	}
	fixedMeasure := line.GTIN("0" + body[1:] + string(check))

	tests := []struct {
		name   string
		edit   func(p *labels.Pack)
		cause  error
		field  string
		config func(c *labels.Config)
	}{
		{"NoProduct", func(p *labels.Pack) { p.Product = nil }, labels.ErrMissing, "Product", nil},
		{"FixedMeasureGTIN", func(p *labels.Pack) { q := *p.Product; q.GTIN = fixedMeasure; p.Product = &q }, labels.ErrInvalid, "Product.GTIN", nil},
		{"ZeroWeight", func(p *labels.Pack) { p.NetWeight = 0 }, labels.ErrInvalid, "NetWeight", nil},
		{"HeavyWeight", func(p *labels.Pack) { p.NetWeight = 1000 * line.Kilogram }, labels.ErrInvalid, "NetWeight", nil},
		{"NoPackingDate", func(p *labels.Pack) { p.PackedOn = line.Date{} }, labels.ErrMissing, "PackedOn", nil},
		{"NoBatch", func(p *labels.Pack) { p.Batch = "" }, labels.ErrMissing, "Batch", nil},
		{"LongSerial", func(p *labels.Pack) { p.Serial = strings.Repeat("1", 21) }, labels.ErrInvalid, "Serial", nil},
		{"ShortEarTag", func(p *labels.Pack) { p.Source.EarTag = "3152502" }, labels.ErrInvalid, "Source.EarTag", nil},
		{"UnknownStorage", func(p *labels.Pack) { q := *p.Product; q.Storage = "ambient"; p.Product = &q }, labels.ErrInvalid, "Product.Storage", nil},
		{"DPI600", nil, labels.ErrInvalid, "DPI", func(c *labels.Config) { c.DPI = 600 }},
		{"NoPlant", nil, labels.ErrMissing, "Plant.Name", func(c *labels.Config) { c.Plant.Name = " " }},
		{"NoDomain", nil, labels.ErrMissing, "Domain", func(c *labels.Config) { c.Domain = "" }},
		{"BadDomain", nil, labels.ErrInvalid, "Domain", func(c *labels.Config) { c.Domain = "溯源.cn" }},
		{"ResidentWithoutFont", nil, labels.ErrMissing, "ResidentFont", func(c *labels.Config) { c.Font = labels.FontResident }},
		{"TinySize", nil, labels.ErrInvalid, "Size", func(c *labels.Config) { c.Size = labels.Size{Width: 10, Height: 10} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(labels.Size60x40, 203)
			if tt.config != nil {
				tt.config(&cfg)
			}
			p := packFacts(t)
			if tt.edit != nil {
				tt.edit(&p)
			}
			_, err := labels.Layout(cfg, p)
			wantLabelError(t, err, tt.cause, tt.field)
		})
	}

	t.Run("MixedWithoutSources", func(t *testing.T) {
		m := mixedFacts(t)
		m.Sources = nil
		_, err := labels.Layout(testConfig(labels.Size60x40, 203), m)
		wantLabelError(t, err, labels.ErrMissing, "Sources")
	})
	t.Run("CarcassBadNumber", func(t *testing.T) {
		c := carcassFacts(t)
		c.Number = "31"
		_, err := labels.Layout(testConfig(labels.Size100x70, 203), c)
		wantLabelError(t, err, labels.ErrInvalid, "Number")
	})
	t.Run("CarcassNegativeWeight", func(t *testing.T) {
		c := carcassFacts(t)
		c.HotWeight = -20
		_, err := labels.Layout(testConfig(labels.Size100x70, 203), c)
		wantLabelError(t, err, labels.ErrInvalid, "HotWeight")
	})
	t.Run("CarcassNoKillTime", func(t *testing.T) {
		c := carcassFacts(t)
		c.KilledAt = time.Time{}
		_, err := labels.Layout(testConfig(labels.Size100x70, 203), c)
		wantLabelError(t, err, labels.ErrMissing, "KilledAt")
	})
	t.Run("CartonNegativePacks", func(t *testing.T) {
		c := cartonFacts(t)
		c.Packs = -1
		_, err := labels.Layout(testConfig(labels.Size100x150, 203), c)
		wantLabelError(t, err, labels.ErrInvalid, "Packs")
	})
	t.Run("NilFacts", func(t *testing.T) {
		_, err := labels.Layout(testConfig(labels.Size100x150, 203), nil)
		wantLabelError(t, err, labels.ErrMissing, "facts")
	})
}

// TestParseSize checks the size syntax of the command line.
func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want labels.Size
		ok   bool
	}{
		{"60x40", labels.Size60x40, true},
		{" 100X150 ", labels.Size100x150, true},
		{"100x70", labels.Size100x70, true},
		{"60*40", labels.Size{}, false},
		{"60x", labels.Size{}, false},
		{"200x40", labels.Size{}, false},
		{"", labels.Size{}, false},
	}
	for _, tt := range tests {
		got, err := labels.ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
