package store_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

const sample = "../testdata/xilingol-2026-12-04"

// quiet discards the store's log lines in tests.
var quiet = slog.New(slog.DiscardHandler)

// mustOpen opens a database in a new temporary directory.
func mustOpen(tb testing.TB, opts store.Options) (*store.DB, string) {
	tb.Helper()
	dir := tb.TempDir()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	db, err := store.Open(context.Background(), dir, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, dir
}

// mustImportSample imports the sample registry and product master.
func mustImportSample(tb testing.TB, db *store.DB) *line.Registry {
	tb.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := line.ParseRegistry(data, "registry.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.ImportRegistry(ctx, "qa1", reg, store.SourceOf("registry.json", data)); err != nil {
		tb.Fatal(err)
	}
	pdata, err := os.ReadFile(sample + ".products.json")
	if err != nil {
		tb.Fatal(err)
	}
	products, err := line.ParseProducts(pdata, "products.json")
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.ImportProducts(ctx, "qa1", products, store.SourceOf("products.json", pdata)); err != nil {
		tb.Fatal(err)
	}
	return reg
}

// sqlite3 runs a script with the sqlite3 command-line tool.
func sqlite3(tb testing.TB, path, script string) string {
	tb.Helper()
	if _, err := exec.LookPath("sqlite3"); err != nil {
		tb.Skip("the sqlite3 command-line tool is not installed; make deps installs it")
	}
	out, err := runSQLite(path, script)
	if err != nil {
		tb.Fatalf("sqlite3 %q: %v\n%s", script, err, out)
	}
	return out
}

func runSQLite(path, script string) (string, error) {
	out, err := exec.Command("sqlite3", path, script).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestOpenCreatesWALDatabase(t *testing.T) {
	db, dir := mustOpen(t, store.Options{})
	if db.Path() != filepath.Join(dir, store.FileName) {
		t.Errorf("Path() = %s", db.Path())
	}
	if db.Hash() != store.SHA256 {
		t.Errorf("Hash() = %s, want sha256", db.Hash())
	}
	seq, h, err := db.Head(context.Background())
	if err != nil || seq != 0 || h != strings.Repeat("0", 64) {
		t.Errorf("Head() of a new database = %d, %s, %v", seq, h, err)
	}
	if got := sqlite3(t, db.Path(), "PRAGMA journal_mode;"); got != "wal" {
		t.Errorf("journal_mode = %s, want wal", got)
	}
}

func TestJournalChain(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))
	db, _ := mustOpen(t, store.Options{Station: "line1", Now: func() time.Time { return at }})
	for i := range 3 {
		err := db.Update(ctx, "op7", func(tx *store.Tx) error {
			_, err := tx.Append("test.event", map[string]any{"i": i, "z": "草原", "a": []int{1, 2}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := db.Entries(ctx, 1, 10)
	if err != nil || len(entries) != 3 {
		t.Fatalf("Entries = %d, %v", len(entries), err)
	}
	e := entries[1]
	if e.Seq != 2 || e.Actor != "op7" || e.Station != "line1" || e.Type != "test.event" || !e.At.Equal(at) {
		t.Errorf("entry = %+v", e)
	}
	if string(e.Payload) != `{"a":[1,2],"i":1,"z":"草原"}` {
		t.Errorf("payload = %s, want canonical JSON", e.Payload)
	}
	if e.PrevHash != entries[0].Hash || entries[2].PrevHash != e.Hash {
		t.Error("entries are not chained")
	}
	if _, off := e.At.Zone(); off != 8*3600 {
		t.Errorf("entry time zone offset = %d, want +08:00", off)
	}
	seq, h, _ := db.Head(ctx)
	if seq != 3 || h != entries[2].Hash {
		t.Errorf("Head() = %d, %s", seq, h)
	}
}

func TestUpdateRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	boom := errors.New("printer refused the job")
	err := db.Update(ctx, "op7", func(tx *store.Tx) error {
		if _, err := tx.NextCounter("pack"); err != nil {
			return err
		}
		if _, err := tx.Append("test.event", nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v", err)
	}
	if seq, _, _ := db.Head(ctx); seq != 0 {
		t.Errorf("head after a failed update = %d, want 0", seq)
	}
	if n, _ := db.Counter("pack"); n != 0 {
		t.Errorf("counter after a failed update = %d, want 0", n)
	}
}

func TestCountersAndSettings(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	var got []int64
	for range 3 {
		err := db.Update(ctx, store.System, func(tx *store.Tx) error {
			n, err := tx.NextCounter("pack")
			got = append(got, n)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got[0] != 1 || got[2] != 3 {
		t.Errorf("counter values = %v", got)
	}
	err := db.Update(ctx, "admin", func(tx *store.Tx) error { return tx.SetSetting("station.number", "01") })
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := db.Setting("station.number"); v != "01" || !ok || err != nil {
		t.Errorf("Setting = %q, %v, %v", v, ok, err)
	}
	if _, ok, _ := db.Setting("nope"); ok {
		t.Error("unset setting reported as set")
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

func TestImportSampleRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	want := mustImportSample(t, db)

	got, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Consignments) != len(want.Consignments) || got.AnimalCount() != want.AnimalCount() {
		t.Fatalf("stored %d consignments, %d animals; want %d, %d",
			len(got.Consignments), got.AnimalCount(), len(want.Consignments), want.AnimalCount())
	}
	for _, wc := range want.Consignments {
		for _, wa := range wc.Animals {
			ga, ok := got.AnimalByEarTag(wa.EarTag)
			if !ok {
				t.Fatalf("animal %s missing", wa.EarTag)
			}
			if ga.RFID != wa.RFID || ga.BornOn != wa.BornOn || ga.LiveWeight != wa.LiveWeight ||
				ga.Pasture != wa.Pasture || len(ga.Vaccinations) != len(wa.Vaccinations) ||
				len(ga.Treatments) != len(wa.Treatments) || ga.Consignment.ID != wc.ID {
				t.Errorf("animal %s = %+v, want %+v", wa.EarTag, ga, wa)
			}
			for i := range wa.Treatments {
				if ga.Treatments[i] != wa.Treatments[i] {
					t.Errorf("animal %s treatment %d = %+v, want %+v", wa.EarTag, i, ga.Treatments[i], wa.Treatments[i])
				}
			}
		}
		gc := got.Consignments[0]
		for _, c := range got.Consignments {
			if c.ID == wc.ID {
				gc = c
			}
		}
		if !gc.DeclaredAt.Equal(wc.DeclaredAt) || *gc.Certificate != *wc.Certificate || gc.Owner != wc.Owner {
			t.Errorf("consignment %s = %+v, want %+v", wc.ID, gc, wc)
		}
	}

	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	leg, ok := products.Product("leg_bone_in")
	if !ok || leg.GTIN != "96923456000011" || leg.TypicalShare != 0.16 || products.GS1CompanyPrefix != "6923456" {
		t.Errorf("leg_bone_in = %+v, prefix %s", leg, products.GS1CompanyPrefix)
	}
	if len(products.Byproducts) != 3 {
		t.Errorf("by-products = %+v", products.Byproducts)
	}

	report, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if report.Rows < 372 || report.Entries < report.Rows {
		t.Errorf("report = %+v", report)
	}
}

func TestImportRegistryTwiceReplacesLists(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	reg := mustImportSample(t, db)
	a, _ := reg.AnimalByEarTag("315250200357041")
	a.Vaccinations = a.Vaccinations[:1]
	a.LiveWeight = 41000
	if err := db.ImportRegistry(ctx, "qa1", reg, store.Source{Name: "again.json"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ga, _ := got.AnimalByEarTag("315250200357041")
	if len(ga.Vaccinations) != 1 || ga.LiveWeight != 41000 {
		t.Errorf("re-imported animal = %+v", ga)
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Error(err)
	}
}

func TestImportRejectedRowLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	data, _ := os.ReadFile(sample + ".registry.json")
	reg, err := line.ParseRegistry(data, "registry.json")
	if err != nil {
		t.Fatal(err)
	}
	// A value the database's CHECK constraint rejects, past the parser.
	reg.Consignments[3].Animals[2].Sex = "X"
	if err := db.ImportRegistry(ctx, "qa1", reg, store.Source{Name: "bad.json"}); err == nil {
		t.Fatal("import with an invalid row succeeded")
	}
	if seq, _, _ := db.Head(ctx); seq != 0 {
		t.Errorf("journal head after a rejected import = %d, want 0", seq)
	}
	got, err := db.Registry(ctx)
	if err != nil || len(got.Consignments) != 0 {
		t.Errorf("registry after a rejected import: %d consignments, %v", len(got.Consignments), err)
	}
}

func TestProductStorageRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	data, err := os.ReadFile(sample + ".products.json")
	if err != nil {
		t.Fatal(err)
	}
	master, err := line.ParseProducts(data, "products.json")
	if err != nil {
		t.Fatal(err)
	}
	frozen, chilled := master.Products[0], master.Products[1]
	frozen.Storage, frozen.ShelfLifeDays = line.StorageFrozen, 540
	chilled.Storage, chilled.ShelfLifeDays = "", 0
	if err := db.ImportProducts(ctx, "qa1", master, store.SourceOf("products.json", data)); err != nil {
		t.Fatal(err)
	}

	got, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gf, _ := got.Product(frozen.Key)
	if gf.Storage != line.StorageFrozen {
		t.Errorf("%s storage = %q, want frozen", frozen.Key, gf.Storage)
	}
	if gf.ShelfLifeDays != 540 {
		t.Errorf("%s shelf life = %d days, want 540", frozen.Key, gf.ShelfLifeDays)
	}
	gc, _ := got.Product(chilled.Key)
	if gc.StorageCondition() != line.StorageChilled || gc.ShelfLife() != line.DefaultShelfLifeChilled {
		t.Errorf("%s = %s for %d days, want the chilled defaults", chilled.Key, gc.StorageCondition(), gc.ShelfLife())
	}
}
