package labels_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"lambtrace/labels"
	"lambtrace/line"
)

// sample is the sample day in the repository's testdata.
const sample = "../testdata/xilingol-2026-12-04"

// Ear tags of the sample registry: a forage-fed animal from a pastoral
// banner, another from a second banner, and a feedlot animal from Baotou.
const (
	tagGrassland       = "315250200357041"
	tagGrasslandOther  = "315252500357382"
	tagFeedlot         = "315022100357457"
	sampleBatch        = "20261204-L1-1"
	sampleDomain       = "trace.example.cn"
	samplePlant        = "锡林浩特市草原肉业有限公司 (sample)"
	sampleApproval     = "A15250201"
	sampleCertificate  = "1525020261204001"
	sampleCarcass      = "20261204-0031"
	sampleCartonSerial = "010000009001"
)

var (
	sampleOnce     sync.Once
	sampleProducts *line.ProductMaster
	sampleRegistry *line.Registry
	sampleErr      error
)

// mustSample returns the sample product master and registry.
func mustSample(tb testing.TB) (*line.ProductMaster, *line.Registry) {
	tb.Helper()
	sampleOnce.Do(func() {
		sampleProducts, sampleErr = line.ReadProductsFile(sample + ".products.json")
		if sampleErr == nil {
			sampleRegistry, sampleErr = line.ReadRegistryFile(sample + ".registry.json")
		}
	})
	if sampleErr != nil {
		tb.Fatalf("read sample day: %v", sampleErr)
	}
	return sampleProducts, sampleRegistry
}

func mustProduct(tb testing.TB, key string) *line.Product {
	tb.Helper()
	products, _ := mustSample(tb)
	p, ok := products.Product(key)
	if !ok {
		tb.Fatalf("product %s not in the sample product master", key)
	}
	return p
}

// mustSource returns the label facts of a sample animal under the
// default rules.
func mustSource(tb testing.TB, tag string) labels.Source {
	tb.Helper()
	_, reg := mustSample(tb)
	a, ok := reg.AnimalByEarTag(line.EarTag(tag))
	if !ok {
		tb.Fatalf("ear tag %s not in the sample registry", tag)
	}
	return labels.SourceOf(a, line.DefaultRules())
}

func testConfig(size labels.Size, dpi int) labels.Config {
	return labels.Config{Size: size, DPI: dpi, Plant: labels.Plant{Name: samplePlant, Approval: sampleApproval}, Domain: sampleDomain}
}

var packedOn = line.Date{Year: 2026, Month: time.December, Day: 4}

func packFacts(tb testing.TB) labels.Pack {
	tb.Helper()
	return labels.Pack{Product: mustProduct(tb, "leg_bone_in"), NetWeight: 2886, PackedOn: packedOn, Batch: sampleBatch,
		Serial: "010000004806", Source: mustSource(tb, tagGrassland), Certificate: sampleCertificate}
}

func mixedFacts(tb testing.TB) labels.MixedPack {
	tb.Helper()
	return labels.MixedPack{Product: mustProduct(tb, "roll"), NetWeight: 1000, PackedOn: packedOn, Batch: sampleBatch,
		Serial: "010000004807", Lot: "ROLL-1", Sources: []labels.Source{mustSource(tb, tagGrassland), mustSource(tb, tagGrasslandOther)}}
}

func carcassFacts(tb testing.TB) labels.Carcass {
	tb.Helper()
	_, reg := mustSample(tb)
	a, _ := reg.AnimalByEarTag(tagGrassland)
	return labels.Carcass{Number: sampleCarcass, EarTag: tagGrassland, Owner: a.Consignment.Owner.Name, HotWeight: 18280,
		KilledAt: time.Date(2026, 12, 4, 8, 31, 0, 0, time.FixedZone("CST", 8*3600))}
}

func cartonFacts(tb testing.TB) labels.Carton {
	tb.Helper()
	return labels.Carton{Product: mustProduct(tb, "leg_bone_in"), NetWeight: 28860, PackedOn: packedOn, Batch: sampleBatch,
		Serial: sampleCartonSerial, Packs: 10}
}

// templateCase is one template at its usual label size.
type templateCase struct {
	name  string
	size  labels.Size
	facts labels.Facts
}

// templateCases returns every template at the size the line uses it on.
func templateCases(tb testing.TB) []templateCase {
	tb.Helper()
	return []templateCase{
		{"pack", labels.Size60x40, packFacts(tb)},
		{"mixed", labels.Size60x40, mixedFacts(tb)},
		{"carcass", labels.Size100x70, carcassFacts(tb)},
		{"carton", labels.Size100x150, cartonFacts(tb)},
	}
}

var dpis = []int{203, 300}

func caseName(c templateCase, dpi int) string {
	return c.name + "-" + c.size.String() + "-" + strconv.Itoa(dpi)
}

func mustLayout(tb testing.TB, cfg labels.Config, facts labels.Facts) *labels.Label {
	tb.Helper()
	l, err := labels.Layout(cfg, facts)
	if err != nil {
		tb.Fatalf("Layout: %v", err)
	}
	return l
}

// wantLabelError checks that err is a *labels.Error with the given cause
// and field.
func wantLabelError(tb testing.TB, err, cause error, field string) {
	tb.Helper()
	var le *labels.Error
	if !errors.As(err, &le) {
		tb.Fatalf("error = %v (%T), want *labels.Error", err, err)
	}
	if !errors.Is(err, cause) {
		tb.Errorf("error = %v, want cause %v", err, cause)
	}
	if le.Field != field {
		tb.Errorf("error field = %q, want %q (%v)", le.Field, field, err)
	}
}
