package upload_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
)

const sample = "../testdata/xilingol-2026-12-04"

// testDomain is the platform domain of the test documents.
const testDomain = "trace.example.cn"

var cst = time.FixedZone("CST", 8*3600)

// shiftStart is the shift of the recorded batch.
var shiftStart = time.Date(2026, 12, 4, 7, 0, 0, 0, cst)

// Carcasses of the recorded batch, by the RFID number read.
const (
	rfidClean     = "156000011051554" // ear tag 315250200357041, forage-fed, pastoral
	rfidClean2    = "156000011051555" // ear tag 315250200357043
	rfidFeedlot   = "156000011053233" // ear tag 315252300357971, feedlot: held, released, no grassland claim
	rfidWithdrawn = "156000011051600" // ear tag 315250200357068, treated too recently: blocked at intake
	rfidUnknown   = "156000011055209" // not in the registry: blocked
	rfidCondemned = "156000011051801" // ear tag 315252200357156, condemned whole at inspection
	rfidPartial   = "156000011051803" // ear tag 315252200357161, parts condemned
)

// steppingClock returns a clock that advances one second at each call,
// so that two stores fed the same steps record the same times.
func steppingClock() func() time.Time {
	t := shiftStart.Add(-time.Hour)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

// cut is one pack to weigh at cutting.
type cut struct {
	product string
	grams   line.Mass
}

// batchRecorder records a small batch through the store's write API, as
// the station's line service does.
type batchRecorder struct {
	tb       testing.TB
	db       *store.DB
	reg      *line.Registry
	products *line.ProductMaster
	rules    *line.Rules
	batch    string
	at       time.Time // advances with each step
}

// mustRecordBatch records a batch of seven carcasses in a new store in
// dir and returns the open store and the batch id. Two clean carcasses
// and a released feedlot carcass are cut into packs, and their trim goes
// to lot ROLL-1, which gives one pack. One carcass is blocked for a
// withdrawal period, one tag is unknown, one carcass is condemned whole
// and one in part. The batch also has a lab result, label print jobs with
// a reprint and a void, and the product certificate.
func mustRecordBatch(tb testing.TB, dir string) (*store.DB, string) {
	tb.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dir, store.Options{Station: "line1", Now: steppingClock(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	r := &batchRecorder{tb: tb, db: db, rules: line.DefaultRules(), at: shiftStart}
	r.importSample()
	batch := line.BatchID{Day: line.DateOf(shiftStart), Line: 1, Shift: 1}
	r.batch = batch.String()

	r.update("admin1", func(tx *store.Tx) error {
		for _, u := range []store.User{
			{ID: "admin1", Name: "Bayar", Role: store.RoleAdmin, Active: true},
			{ID: "qa1", Name: "王芳", Role: store.RoleQuality, Active: true},
			{ID: "op1", Name: "Sarangerel", Role: store.RoleOperator, Active: true},
		} {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		if err := tx.SetSetting(store.SettingPlantApproval, "A15250201"); err != nil {
			return err
		}
		if err := tx.OpenBatch(batch, shiftStart); err != nil {
			return err
		}
		if err := tx.OpenLot("ROLL-1", r.batch, "roll"); err != nil {
			return err
		}
		test := &line.LabTest{Sample: "LAB-20261204-01", Consignment: "SB152502-20261203-001",
			Analytes: []string{"clenbuterol", "ractopamine", "salbutamol"}, Method: "胶体金快速检测卡 (rapid strip)", Result: line.LabNegative}
		return tx.RecordLabResult(test, "qa1", shiftStart)
	})

	carcass := []cut{{"leg_bone_in", 2886}, {"leg_bone_in", 2721}, {"shoulder_bone_in", 2259}, {"rack", 1034}, {"neck", 927}}
	r.carcass(rfidClean, "pass", 0, 19226, 18280, carcass, map[string]line.Mass{"bone": 420, "fat": 233, "trim": 282})
	r.carcass(rfidClean2, "pass", 0, 19870, 18990, carcass, map[string]line.Mass{"bone": 410, "trim": 301})
	r.carcass(rfidFeedlot, "pass", 0, 21040, 20100, carcass, map[string]line.Mass{"bone": 450, "trim": 256})
	r.carcass(rfidWithdrawn, "pass", 0, 19000, 18100, carcass, nil)
	r.carcass(rfidUnknown, "pass", 0, 18000, 17100, carcass, nil)
	r.carcass(rfidCondemned, "condemned", 28149, 28149, 0, nil, nil)
	r.carcass(rfidPartial, "partial", 800, 20500, 18650, carcass[:3], map[string]line.Mass{"bone": 390})

	roll, _ := r.products.Product("roll")
	r.update("op1", func(tx *store.Tx) error {
		w := store.Weighing{Lot: "ROLL-1", Grams: 502, ScaleID: "scale-2", Division: 2, Stable: true, At: r.next()}
		if _, err := tx.AddPack(r.batch, roll, w, false); err != nil {
			return err
		}
		return tx.CloseLot("ROLL-1")
	})
	r.labels()
	r.update("vet1", func(tx *store.Tx) error {
		for _, st := range []line.BatchState{line.BatchCutting, line.BatchReview} {
			if err := tx.AdvanceBatch(r.batch, st); err != nil {
				return err
			}
		}
		return tx.SetProductCertificate(r.batch, "1521870093")
	})
	return db, r.batch
}

func (r *batchRecorder) importSample() {
	ctx := context.Background()
	data, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		r.tb.Fatal(err)
	}
	if r.reg, err = line.ParseRegistry(data, "registry.json"); err != nil {
		r.tb.Fatal(err)
	}
	if err := r.db.ImportRegistry(ctx, "admin1", r.reg, store.SourceOf("registry.json", data)); err != nil {
		r.tb.Fatal(err)
	}
	pdata, err := os.ReadFile(sample + ".products.json")
	if err != nil {
		r.tb.Fatal(err)
	}
	if r.products, err = line.ParseProducts(pdata, "products.json"); err != nil {
		r.tb.Fatal(err)
	}
	if err := r.db.ImportProducts(ctx, "admin1", r.products, store.SourceOf("products.json", pdata)); err != nil {
		r.tb.Fatal(err)
	}
}

func (r *batchRecorder) update(actor store.Actor, fn func(tx *store.Tx) error) {
	r.tb.Helper()
	if err := r.db.Update(context.Background(), actor, fn); err != nil {
		r.tb.Fatal(err)
	}
}

// next returns the time of the next step on the line, 10 s after the
// last.
func (r *batchRecorder) next() time.Time {
	r.at = r.at.Add(10 * time.Second)
	return r.at
}

// carcass takes one tag read through intake, weighing, inspection,
// chilling and cutting. A hold is released by qa1; a block ends the
// carcass where it happens.
func (r *batchRecorder) carcass(rfid, inspection string, condemned, hot, chilled line.Mass, cuts []cut, byproducts map[string]line.Mass) {
	r.update("op1", func(tx *store.Tx) error {
		read := line.TagRead{Raw: "LA " + rfid[:3] + " " + rfid[3:], RFID: line.RFID(rfid)}
		c, decisions, err := tx.EnterCarcass(r.batch, read, r.next(), r.reg, r.rules)
		if err != nil || c.State == line.CarcassBlocked {
			return err
		}
		if len(decisions) > 0 {
			if err := tx.ReleaseCarcass(c.Number, "qa1", "feeding record checked with the owner", r.next()); err != nil {
				return err
			}
		}
		a, _ := r.reg.AnimalByEarTag(c.EarTag)
		weigh := func(stage string, g, division line.Mass) store.Weighing {
			return store.Weighing{Carcass: c.Number, Stage: stage, Grams: g, ScaleID: "scale-1", Division: division, Stable: true, At: r.next()}
		}

		if err := tx.AdvanceCarcass(c.Number, line.CarcassWeighed); err != nil {
			return err
		}
		if _, err := tx.AddWeighing(weigh(store.StageHot, hot, 20)); err != nil {
			return err
		}
		reason := ""
		if inspection != line.InspectionPass {
			reason = "棘球蚴病 (hydatidosis)"
		}
		err = tx.RecordInspection(store.Inspection{Carcass: c.Number, Result: inspection, Condemned: condemned,
			Reason: reason, Inspector: "vet1", At: r.next()})
		if err != nil {
			return err
		}
		if condemned > 0 {
			if _, err := tx.AddWeighing(weigh(store.StageCondemned, condemned, 2)); err != nil {
				return err
			}
		}
		if d, ok := r.rules.Inspection(a, inspection, reason, condemned); ok {
			d.Carcass = c.Number
			if _, err := tx.AddDecision(d, r.at); err != nil {
				return err
			}
			return tx.AdvanceCarcass(c.Number, line.CarcassBlocked)
		}

		for _, st := range []line.CarcassState{line.CarcassInspected, line.CarcassChilled} {
			if err := tx.AdvanceCarcass(c.Number, st); err != nil {
				return err
			}
		}
		if _, err := tx.AddWeighing(weigh(store.StageChilled, chilled, 20)); err != nil {
			return err
		}
		if err := tx.AdvanceCarcass(c.Number, line.CarcassCutting); err != nil {
			return err
		}
		for _, cut := range cuts {
			product, _ := r.products.Product(cut.product)
			if _, err := tx.AddPack(r.batch, product, weigh(store.StagePack, cut.grams, 2), r.rules.GrasslandEligible(a)); err != nil {
				return err
			}
		}
		for _, kind := range []string{"bone", "fat", "trim"} {
			g, ok := byproducts[kind]
			if !ok {
				continue
			}
			w := weigh(store.StageByproduct, g, 2)
			w.Kind = kind
			if kind == "trim" {
				w.ToLot = "ROLL-1"
			}
			if _, err := tx.AddOutput(w); err != nil {
				return err
			}
		}
		return tx.AdvanceCarcass(c.Number, line.CarcassClosed)
	})
}

// labels prints the first three packs' labels, prints the first again
// and voids the third.
func (r *batchRecorder) labels() {
	ctx := context.Background()
	facts, err := r.db.BatchFacts(ctx, r.batch)
	if err != nil {
		r.tb.Fatal(err)
	}
	var jobs []int64
	for _, p := range facts.Packs[:3] {
		req := store.PrintRequest{Serial: p.Serial, Kind: store.LabelPack, Printer: "zebra-cut-1", ZPL: []byte("^XA^CI28^FD" + p.Serial + "^FS^XZ")}
		id, err := r.db.QueuePrint(ctx, "op1", req)
		if err != nil {
			r.tb.Fatal(err)
		}
		for _, st := range []store.PrintJobState{store.PrintSent, store.PrintConfirmed} {
			if err := r.db.SetPrintJobState(ctx, "op1", id, st, ""); err != nil {
				r.tb.Fatal(err)
			}
		}
		jobs = append(jobs, id)
	}
	if _, err := r.db.QueueReprint(ctx, "qa1", jobs[0], "zebra-cut-2", []byte("^XA^CI28^FDagain^FS^XZ"), "label smudged"); err != nil {
		r.tb.Fatal(err)
	}
	if err := r.db.VoidLabel(ctx, "qa1", facts.Packs[2].Serial, "wrong product picked"); err != nil {
		r.tb.Fatal(err)
	}
}

// mustBuild records the batch in a new store and builds its document.
func mustBuild(tb testing.TB) *upload.Document {
	tb.Helper()
	db, batch := mustRecordBatch(tb, tb.TempDir())
	return mustBuildFrom(tb, db, batch)
}

func mustBuildFrom(tb testing.TB, db *store.DB, batch string) *upload.Document {
	tb.Helper()
	facts, err := db.BatchFacts(context.Background(), batch)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := upload.Build(facts, upload.Options{Domain: testDomain})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

// mustCanonical returns the canonical bytes of a document.
func mustCanonical(tb testing.TB, d *upload.Document) []byte {
	tb.Helper()
	b, err := d.Canonical()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// clone returns a deep copy of a document through its canonical form.
func clone(tb testing.TB, d *upload.Document) *upload.Document {
	tb.Helper()
	out, err := upload.Parse(mustCanonical(tb, d))
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// schemaFile is the official EPCIS 2.0 JSON Schema, which lives next to
// the repository and is never copied into it.
var schemaFile = filepath.Join("..", "..", "shared", "reference", "epcis", "EPCIS-JSON-Schema.json")

// mustValidator loads the official schema, or skips the test when the
// reference files are not next to the repository.
func mustValidator(tb testing.TB) *upload.Validator {
	tb.Helper()
	if _, err := os.Stat(schemaFile); errors.Is(err, os.ErrNotExist) {
		tb.Skipf("the official EPCIS 2.0 schema is not at %s (../shared/reference/epcis from the repository root); "+
			"the tests that validate EPCIS documents need it", schemaFile)
	}
	v, err := upload.LoadValidator(schemaFile)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
