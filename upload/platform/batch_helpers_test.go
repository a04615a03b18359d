package platform_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

const (
	sampleDay = "../../testdata/xilingol-2026-12-04"

	// plantApproval is the approval number of the test plant.
	plantApproval = "A15250201"

	// platformDomain is the platform domain of the test documents.
	platformDomain = "trace.example.cn"
)

// schemaFile is the official EPCIS 2.0 JSON Schema, which lives next to
// the repository and is never copied into it.
var schemaFile = filepath.Join("..", "..", "..", "shared", "reference", "epcis", "EPCIS-JSON-Schema.json")

var beijing = time.FixedZone("CST", 8*3600)

// shift is the start of the test batches' shift.
var shift = time.Date(2026, 12, 4, 7, 0, 0, 0, beijing)

// vetPIN is the veterinarian's PIN in the tests.
var vetPIN = []byte("482916")

// testKeys are the keys of the tests: the plant's station key, the
// veterinarian's key and the platform's receipt key.
type testKeys struct {
	station, vet, platform             *sign.PrivateKey
	stationPair, vetPair, platformPair *sign.KeyPair
}

// makeTestKeys makes the keys once per test binary, because the
// veterinarian's key is encrypted with the real Argon2id parameters.
var makeTestKeys = sync.OnceValues(func() (*testKeys, error) {
	k := &testKeys{}
	var err error
	if k.stationPair, err = sign.GenerateKey(sign.RoleStation, sign.SM2, nil); err != nil {
		return nil, err
	}
	if k.vetPair, err = sign.GenerateKey(sign.RoleInspector, sign.Ed25519, vetPIN); err != nil {
		return nil, err
	}
	if k.platformPair, err = sign.GenerateKey(sign.RolePlatform, sign.Ed25519, nil); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		pair *sign.KeyPair
		key  **sign.PrivateKey
	}{{k.stationPair, &k.station}, {k.vetPair, &k.vet}, {k.platformPair, &k.platform}} {
		if *p.key, err = sign.ParsePrivateKey(p.pair.PrivatePEM); err != nil {
			return nil, err
		}
	}
	return k, nil
})

func mustTestKeys(tb testing.TB) *testKeys {
	tb.Helper()
	k, err := makeTestKeys()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// writeKeyDir writes the platform's key directory: the station key in
// the plant's directory and the veterinarian's key at the top.
func (k *testKeys) writeKeyDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	mustWrite(tb, filepath.Join(dir, plantApproval, k.stationPair.KID+".pem"), k.stationPair.PublicPEM)
	mustWrite(tb, filepath.Join(dir, k.vetPair.KID+".pem"), k.vetPair.PublicPEM)
	return dir
}

// receiptKeys returns the key set a station verifies receipts with.
func (k *testKeys) receiptKeys(tb testing.TB) *sign.KeySet {
	tb.Helper()
	pub, err := sign.ParsePublicKey(k.platformPair.PublicPEM)
	if err != nil {
		tb.Fatal(err)
	}
	set, err := sign.NewKeySet(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

func mustWrite(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// mustSign signs a document with the station's and the veterinarian's
// keys.
func mustSign(tb testing.TB, k *testKeys, doc *upload.Document) []byte {
	tb.Helper()
	payload, err := doc.Canonical()
	if err != nil {
		tb.Fatal(err)
	}
	return mustSignPayload(tb, payload, sign.Signer{Key: k.station}, sign.Signer{Key: k.vet, PIN: vetPIN})
}

func mustSignPayload(tb testing.TB, payload []byte, signers ...sign.Signer) []byte {
	tb.Helper()
	jws, err := sign.Sign(payload, shift.Add(10*time.Hour), signers...)
	if err != nil {
		tb.Fatal(err)
	}
	return jws
}

// batchSpec describes a generated batch.
type batchSpec struct {
	batch      line.BatchID
	animals    []*line.Animal // one carcass each, in this order
	packs      int            // packs per carcass
	totalPacks int            // when set, packs shared out over the carcasses instead
	firstPack  int64          // the first pack serial's counter
	overweight bool           // the first carcass gets a pack heavier than it can give
}

// sampleAnimals returns the first n animals of the sample day's registry
// that may be sold as grassland lamb, after skipping skip of them.
func sampleAnimals(tb testing.TB, skip, n int) []*line.Animal {
	tb.Helper()
	reg, err := line.ReadRegistryFile(sampleDay + ".registry.json")
	if err != nil {
		tb.Fatal(err)
	}
	rules := line.DefaultRules()
	var out []*line.Animal
	for _, c := range reg.Consignments {
		for _, a := range c.Animals {
			if !rules.GrasslandEligible(a) || len(a.Treatments) > 0 {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out) < n {
				out = append(out, a)
			}
		}
	}
	if len(out) < n {
		tb.Fatalf("the sample registry has %d eligible animals, want %d", len(out), n)
	}
	return out
}

// syntheticAnimals declares n forage-fed animals of pastoral Xilingol
// owners, twenty to a consignment, for batches larger than the sample.
// The animals of a different set have other ear tags, RFID numbers and
// consignments.
func syntheticAnimals(set, n int) []*line.Animal {
	var out []*line.Animal
	var c *line.Consignment
	for i := range n {
		if i%20 == 0 {
			k := set*1000 + i/20 + 1
			c = &line.Consignment{
				ID: fmt.Sprintf("SB152502-20261203-%03d", k), DeclaredAt: shift.Add(-20 * time.Hour), ArrivedAt: shift.Add(-14 * time.Hour),
				PlannedSlaughterOn: line.DateOf(shift),
				Owner:              line.Owner{ID: fmt.Sprintf("152502-H-%05d", k), Name: fmt.Sprintf("牧户 %d", k), Kind: line.OwnerHerder, County: "152502", CountyName: "锡林浩特市"},
				Certificate: &line.Certificate{Number: fmt.Sprintf("152187%05d", k), Type: line.CertificateAnimalB,
					IssuedAt: shift.Add(-21 * time.Hour), ValidUntil: shift.Add(17 * time.Hour), HeadCount: 20},
			}
		}
		a := &line.Animal{
			EarTag: line.EarTag(fmt.Sprintf("3152502%08d", 10000000+set*10000+i)), RFID: line.RFID(fmt.Sprintf("156%012d", 21050000+set*10000+i)),
			Breed: "乌珠穆沁羊", Sex: "M", BornOn: line.Date{Year: 2026, Month: time.May, Day: 6}, TaggedOn: line.Date{Year: 2026, Month: time.May, Day: 11},
			Pasture:    line.Pasture{Kind: line.PastureNatural, FeedingSystem: 3, ProductionSystem: 2, GrazingAreaMu: 2000},
			LiveWeight: 40000, Consignment: c,
			Vaccinations: []line.Vaccination{{Name: "口蹄疫O型-A型二价灭活疫苗", Batch: "V20263968", On: line.Date{Year: 2026, Month: time.July, Day: 12}}},
		}
		c.Animals = append(c.Animals, a)
		out = append(out, a)
	}
	return out
}

// buildBatch makes the facts of a batch in which every animal of spec
// gives one clean carcass, cut into packs, bone and fat, and builds its
// document.
func buildBatch(tb testing.TB, spec batchSpec) *upload.Document {
	tb.Helper()
	master, err := line.ReadProductsFile(sampleDay + ".products.json")
	if err != nil {
		tb.Fatal(err)
	}
	var cuts []*line.Product
	for _, p := range master.Products {
		if !p.Mixed {
			cuts = append(cuts, p)
		}
	}
	rules := line.DefaultRules()
	f := &line.BatchFacts{
		Plant:         line.PlantIdentity{Name: master.Plant, ApprovalNumber: plantApproval, GS1CompanyPrefix: master.GS1CompanyPrefix},
		StationID:     "line1",
		StationNumber: 1,
		Batch:         spec.batch,
		ShiftStart:    shift,
		State:         line.BatchReview,
		Products:      master.Products,

		ProductCertificate: "1521870093",
	}

	at := shift
	next := func() time.Time {
		at = at.Add(2 * time.Second)
		return at
	}
	var weighingID int64
	weigh := func(carcass, stage, kind string, grams, division line.Mass) line.WeighingFact {
		weighingID++
		return line.WeighingFact{ID: weighingID, Carcass: carcass, Stage: stage, Kind: kind, Grams: grams,
			ScaleID: "scale-1", Division: division, Stable: true, At: next()}
	}
	serial := spec.firstPack
	if serial == 0 {
		serial = 1
	}
	addPack := func(w line.WeighingFact, p *line.Product, carcass string, grassland bool) {
		s, err := line.FormatPackSerial(1, serial)
		if err != nil {
			tb.Fatal(err)
		}
		serial++
		w.Kind = p.Key
		f.Packs = append(f.Packs, line.PackFact{Serial: s, GTIN: p.GTIN, Product: p.Key, Weighing: w, Carcass: carcass,
			Grassland: grassland, PackedAt: w.At})
	}

	seen := make(map[string]bool)
	for i, a := range spec.animals {
		if c := a.Consignment; !seen[c.ID] {
			seen[c.ID] = true
			f.Consignments = append(f.Consignments, c)
			f.LabResults = append(f.LabResults, line.LabResult{
				LabTest: line.LabTest{Sample: "LAB-" + c.ID, Consignment: c.ID, Analytes: []string{"clenbuterol", "ractopamine", "salbutamol"},
					Method: "胶体金快速检测卡 (rapid strip)", Result: line.LabNegative},
				RecordedBy: "qa1", At: shift,
			})
		}
		number, err := line.FormatCarcassNumber(spec.batch.Day, i+1)
		if err != nil {
			tb.Fatal(err)
		}
		c := line.CarcassFact{Number: number, RawRead: "LA " + string(a.RFID[:3]) + " " + string(a.RFID[3:]), RFID: a.RFID,
			EarTag: a.EarTag, Consignment: a.Consignment.ID, State: line.CarcassClosed, Stage: line.CarcassClosed, EnteredAt: next()}
		c.Weighings = append(c.Weighings, weigh(number, "hot", "hot", 19000, 20))
		c.Inspection = &line.InspectionFact{Result: line.InspectionPass, Inspector: "vet1", At: next()}
		chilled := weigh(number, "chilled", "chilled", 18000, 20)
		c.Weighings = append(c.Weighings, chilled)

		b := &line.Balance{}
		b.AddInput(chilled.Grams, chilled.Division)
		grassland := rules.GrasslandEligible(a)
		packs := spec.packs
		if spec.totalPacks > 0 {
			packs = spec.totalPacks / len(spec.animals)
			if i < spec.totalPacks%len(spec.animals) {
				packs++
			}
		}
		for j := range packs {
			p := cuts[j%len(cuts)]
			w := weigh(number, "pack", p.Key, line.Mass(900+(i*7+j*37)%300), 2)
			if err := b.Add(line.OutputPack, w.Grams, w.Division); err != nil {
				tb.Fatalf("generated carcass %s is overfull: %v", number, err)
			}
			addPack(w, p, number, grassland)
		}
		if spec.overweight && i == 0 {
			// A pack the scale weighed but the balance would refuse.
			w := weigh(number, "pack", cuts[0].Key, 25000, 2)
			var massErr *line.MassError
			if err := b.Add(line.OutputPack, w.Grams, w.Division); !errors.As(err, &massErr) {
				tb.Fatalf("the overweight pack fits carcass %s: %v", number, err)
			}
			addPack(w, cuts[0], number, grassland)
		}
		for _, by := range []struct {
			kind  string
			grams line.Mass
		}{{"bone", 400}, {"fat", 200}} {
			kind := by.kind
			w := weigh(number, "byproduct", kind, by.grams, 2)
			if err := b.Add(kind, w.Grams, w.Division); err != nil {
				tb.Fatalf("generated carcass %s is overfull: %v", number, err)
			}
			f.Byproducts = append(f.Byproducts, w)
		}
		c.Balance = b
		f.Carcasses = append(f.Carcasses, c)
	}
	sum := sha256.Sum256([]byte(spec.batch.String()))
	f.Journal = line.JournalHead{Seq: weighingID * 3, Hash: hex.EncodeToString(sum[:]), Algorithm: "sha256", At: at}

	doc, err := upload.Build(f, upload.Options{Domain: platformDomain})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// mustSchema loads the official EPCIS schema, or skips the test when the
// reference files are not next to the repository.
func mustSchema(tb testing.TB) *upload.Validator {
	tb.Helper()
	if _, err := os.Stat(schemaFile); errors.Is(err, os.ErrNotExist) {
		tb.Skipf("the official EPCIS 2.0 schema is not at %s (../shared/reference/epcis from the repository root); "+
			"the platform tests validate every document against it", schemaFile)
	}
	v, err := upload.LoadValidator(schemaFile)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// sampleAnimal returns the animal of the sample registry with earTag.
func sampleAnimal(tb testing.TB, earTag string) *line.Animal {
	tb.Helper()
	reg, err := line.ReadRegistryFile(sampleDay + ".registry.json")
	if err != nil {
		tb.Fatal(err)
	}
	a, ok := reg.AnimalByEarTag(line.EarTag(earTag))
	if !ok {
		tb.Fatalf("ear tag %s is not in the sample registry", earTag)
	}
	return a
}
