package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/devices/printer"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
	"lambtrace/store"
)

// The sample day and the scales of the test station.
var shiftStart = time.Date(2026, 12, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))

const (
	hookScale    = "hook-1"
	carcassScale = "chill-1"
	packScale    = "cut-1"
	carcassDiv   = line.Mass(20)
	packDiv      = line.Mass(2)
	samplePrefix = "../testdata/xilingol-2026-12-04"
	testPIN      = "2468"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// staff are the users of the test database; every active one has testPIN.
var staff = []store.User{
	{ID: "op7", Name: "Sarangerel", Role: store.RoleOperator, Active: true},
	{ID: "op8", Name: "巴特尔", Role: store.RoleOperator, Active: true},
	{ID: "qa1", Name: "王芳", Role: store.RoleQuality, Active: true},
	{ID: "qa2", Name: "Li Wei", Role: store.RoleQuality, Active: false},
	{ID: "vet1", Name: "张兽医", Role: store.RoleVet, Active: true},
	{ID: "admin1", Name: "Bayar", Role: store.RoleAdmin, Active: true},
}

// storeUsers is the Users of the kiosk over the store, as cmd/kiosk wires
// it.
type storeUsers struct{ db *store.DB }

func (u storeUsers) ActiveUsers(ctx context.Context) ([]User, error) {
	all, err := u.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []User
	for _, x := range all {
		if x.Active {
			out = append(out, User{ID: x.ID, Name: x.Name, Role: Role(x.Role)})
		}
	}
	return out, nil
}

func (u storeUsers) CheckPIN(ctx context.Context, id, pin string) (User, error) {
	x, err := u.db.CheckPIN(ctx, id, pin)
	switch {
	case errors.Is(err, store.ErrWrongPIN), errors.Is(err, store.ErrInvalidPIN):
		return User{}, errors.Join(ErrWrongPIN, err)
	case errors.Is(err, store.ErrNoPIN):
		return User{}, errors.Join(ErrNoPIN, err)
	case errors.Is(err, store.ErrUserInactive):
		return User{}, errors.Join(ErrUserInactive, err)
	case errors.Is(err, store.ErrNotFound):
		return User{}, errors.Join(ErrUnknownUser, err)
	case err != nil:
		return User{}, err
	}
	return User{ID: x.ID, Name: x.Name, Role: Role(x.Role)}, nil
}

// testClock is a clock the test moves by hand. The station's Run
// goroutine reads it too.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// queueWorker keeps jobs until the test runs them, so a test sees a button
// while its job is pending and runs everything on its own goroutine.
type queueWorker struct {
	jobs []func()
}

func (w *queueWorker) Go(job func() error, done func(error)) {
	w.jobs = append(w.jobs, func() { done(job()) })
}

// runAll runs the pending jobs, and the jobs they start, in order.
func (w *queueWorker) runAll() int {
	n := 0
	for len(w.jobs) > 0 {
		j := w.jobs[0]
		w.jobs = w.jobs[1:]
		j()
		n++
	}
	return n
}

// rig is a kiosk in a test window over a real station and store.
type rig struct {
	t       testing.TB
	db      *store.DB
	st      *line.Station
	k       *Kiosk
	win     fyne.Window
	clock   *testClock
	work    *queueWorker
	scaleAt time.Time
	printer *sim.Printer // nil unless rigOptions.printer
	manual  bool         // the station takes weights only on Capture
}

type rigOptions struct {
	station func(*line.StationConfig) // changes to the station's configuration
	printer bool                      // print labels on a simulated printer on 127.0.0.1
	// storeClock stamps the store's records, such as print jobs and
	// sealed batches, with the test clock instead of the system clock.
	storeClock bool
}

// newRig opens a database with the sample registry and products and the
// staff, opens the sample day's shift on a station and builds a kiosk in a
// 1024×600 test window with the kiosk theme.
func newRig(t testing.TB, opts rigOptions) *rig {
	t.Helper()
	ctx := context.Background()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())

	clock := &testClock{t: shiftStart.Add(time.Hour)}
	dir := t.TempDir()
	copyTemplate(t, dir)
	storeOpts := store.Options{Logger: quiet}
	if opts.storeClock {
		storeOpts.Now = clock.Now
	}
	db, err := store.Open(ctx, dir, storeOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	reg, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := line.StationConfig{
		Store: store.NewLineStore(db), Registry: reg, Products: products,
		Clock:     clock,
		Scales:    line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale},
		NewWindow: func(string) line.StabilityWindow { return &scale.Window{} },
		Logger:    quiet,
	}
	var simPrinter *sim.Printer
	if opts.printer {
		simPrinter = sim.NewPrinter()
		addr, err := simPrinter.Listen()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { simPrinter.Close() })
		p := printer.NewTCP("zebra-cut", addr)
		p.Logger = quiet
		t.Cleanup(func() { p.Close() })
		cfg.Labeler = textLabeler{}
		cfg.CarcassPrinter = &line.LabelPrinter{Name: "zebra-cut", Printer: p}
		cfg.PackPrinter = cfg.CarcassPrinter
		cfg.StatusInterval = 20 * time.Millisecond
	}
	if opts.station != nil {
		opts.station(&cfg)
	}
	st, err := line.NewStation(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if opts.printer {
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			st.Run(runCtx)
		}()
		t.Cleanup(func() {
			stop()
			<-done
		})
	}
	if _, err := st.Open(ctx, "op7", line.BatchID{Day: line.DateOf(shiftStart), Line: 1, Shift: 1}, shiftStart); err != nil {
		t.Fatal(err)
	}

	win := test.NewWindow(nil)
	t.Cleanup(win.Close)
	win.Resize(fyne.NewSize(1024, 600))
	k, err := New(win, Config{Station: st, Users: storeUsers{db}, Clock: clock, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.cancel(); k.sub.Close() })
	work := &queueWorker{}
	k.do = func(f func()) { f() }
	k.work = work
	return &rig{t: t, db: db, st: st, k: k, win: win, clock: clock, work: work, scaleAt: shiftStart, printer: simPrinter,
		manual: cfg.ManualCapture}
}

// template is a data directory holding the sample registry, the product
// master and the staff with their PINs. Every rig starts from a copy,
// because hashing six PINs with Argon2id takes seconds under the race
// detector.
var template struct {
	once sync.Once
	dir  string
	err  error
}

func copyTemplate(t testing.TB, dir string) {
	t.Helper()
	template.once.Do(func() {
		template.dir, template.err = os.MkdirTemp("", "ui-template-")
		if template.err != nil {
			return
		}
		db, err := store.Open(context.Background(), template.dir, store.Options{Logger: quiet})
		if err != nil {
			template.err = err
			return
		}
		defer db.Close()
		// A failure below ends the first test; the others then report
		// the template as unusable.
		template.err = errors.New("building the template database failed; see the first failed test")
		importSample(t, db)
		createStaff(t, db)
		template.err = nil
	})
	if template.err != nil {
		t.Fatal(template.err)
	}
	data, err := os.ReadFile(filepath.Join(template.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, store.FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestMain removes the template data directory after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

func importSample(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(samplePrefix + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := line.ParseRegistry(data, "registry.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportRegistry(ctx, "admin1", reg, store.SourceOf("registry.json", data)); err != nil {
		t.Fatal(err)
	}
	pdata, err := os.ReadFile(samplePrefix + ".products.json")
	if err != nil {
		t.Fatal(err)
	}
	products, err := line.ParseProducts(pdata, "products.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportProducts(ctx, "admin1", products, store.SourceOf("products.json", pdata)); err != nil {
		t.Fatal(err)
	}
}

func createStaff(t testing.TB, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.Update(ctx, store.System, func(tx *store.Tx) error {
		for _, u := range staff {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range staff {
		if err := db.SetPIN(ctx, store.System, u.ID, testPIN); err != nil {
			t.Fatal(err)
		}
	}
}

// start mounts the kiosk and loads the login's users.
func (r *rig) start(screens ...Screen) {
	r.t.Helper()
	if err := r.k.Register(screens...); err != nil {
		r.t.Fatal(err)
	}
	r.k.mount()
	r.work.runAll()
}

// signIn taps the user's tile and enters the PIN.
func (r *rig) signIn(id, pin string) {
	r.t.Helper()
	r.tapUser(id)
	r.typePIN(pin)
}

func (r *rig) tapUser(id string) {
	r.t.Helper()
	l := r.k.login
	for i, u := range l.users {
		if u.ID == id {
			l.list.ShowItem(i)
			test.Tap(l.list.rows[i%len(l.list.rows)].(*Tile))
			return
		}
	}
	r.t.Fatalf("no tile for user %s among %+v", id, l.users)
}

func (r *rig) typePIN(pin string) {
	r.t.Helper()
	r.pressDigits(pin)
	test.Tap(r.k.login.pad.ok)
	r.work.runAll()
}

// pressDigits taps the PIN pad's keys for the digits.
func (r *rig) pressDigits(digits string) {
	r.t.Helper()
	for _, d := range digits {
		for _, key := range r.k.login.pad.keys {
			if key.Text == string(d) {
				test.Tap(key)
			}
		}
	}
}

// animal returns the first animal of a consignment of the sample
// registry.
func (r *rig) animal(consignment string) *line.Animal {
	r.t.Helper()
	reg, err := r.db.Registry(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, c := range reg.Consignments {
		if c.ID == consignment {
			return c.Animals[0]
		}
	}
	r.t.Fatalf("no consignment %s in the sample registry", consignment)
	return nil
}

// tag enters a carcass for an animal, as the reader does, and applies the
// events to the kiosk.
func (r *rig) tag(a *line.Animal) line.CarcassRecord {
	r.t.Helper()
	c, err := r.st.TagRead(context.Background(), line.TagEvent{Reader: "reader-1", At: shiftStart.Add(time.Minute),
		TagRead: line.TagRead{Raw: "LA " + a.RFID.Spaced(), RFID: a.RFID}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.k.pump()
	return c
}

// weigh gives the station one load on a scale, the empty scale first, and
// applies the events to the kiosk. With manual capture it takes the hook
// and carcass scales' weights as their buttons would; the pack scale's is
// left to the test.
func (r *rig) weigh(scaleID string, grams, division line.Mass) {
	r.t.Helper()
	r.readings(scaleID, 0, division, 1)
	r.readings(scaleID, grams, division, scale.DefaultWindowSamples+1)
	if r.manual && scaleID != packScale {
		if err := r.st.Capture(context.Background(), scaleID); err != nil {
			r.t.Fatal(err)
		}
	}
	r.k.pump()
}

// readings gives the station n steady readings 100 ms apart.
func (r *rig) readings(scaleID string, grams, division line.Mass, n int) {
	r.t.Helper()
	for range n {
		r.scaleAt = r.scaleAt.Add(100 * time.Millisecond)
		reading := line.Reading{Scale: scaleID, At: r.scaleAt, Grams: grams, Division: division, Decimals: 3, Stable: true}
		if err := r.st.Reading(context.Background(), reading); err != nil {
			r.t.Fatal(err)
		}
	}
}

// readyToCut enters a clean carcass of the consignment, weighs it hot,
// passes its inspection and weighs it chilled after picking it on the
// cutting screen.
func (r *rig) readyToCut(cut *CuttingScreen, a *line.Animal, chilled line.Mass) line.CarcassRecord {
	r.t.Helper()
	c := r.tag(a)
	r.weigh(hookScale, a.LiveWeight/2, carcassDiv)
	if _, err := r.st.RecordInspection(context.Background(), "vet1", line.InspectionInput{Carcass: c.Number, Result: line.InspectionPass}); err != nil {
		r.t.Fatal(err)
	}
	cut.Scanned(c.Number)
	r.work.runAll()
	r.k.pump()
	r.work.runAll()
	r.weigh(carcassScale, chilled, carcassDiv)
	r.work.runAll()
	got, _ := r.st.Carcass(c.Number)
	if got.Chilled != chilled {
		r.t.Fatalf("carcass %s after the chilled weighing = %+v", c.Number, got)
	}
	return got
}

type noHistory struct{}

func (noHistory) CarcassOf(line.EarTag) (line.TagUse, bool) { return line.TagUse{}, false }
func (noHistory) EnteredCount(string) int                   { return 0 }

// cleanAnimals returns n animals of the sample registry that pass every
// intake rule on the sample day, in registry order.
func (r *rig) cleanAnimals(n int) []*line.Animal {
	r.t.Helper()
	reg, err := r.db.Registry(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	rules := line.DefaultRules()
	var out []*line.Animal
	for _, c := range reg.Consignments {
		for _, a := range c.Animals {
			in := rules.Intake(reg, noHistory{}, line.TagRead{RFID: a.RFID}, line.DateOf(shiftStart), shiftStart)
			if len(in.Decisions) == 0 && rules.GrasslandEligible(a) {
				out = append(out, a)
			}
			if len(out) == n {
				return out
			}
		}
	}
	r.t.Fatalf("the sample registry has fewer than %d clean animals", n)
	return nil
}

// textLabeler renders a label as a ZPL job with one text field per line,
// the kind of label first, so a test can tell carcass and pack jobs apart.
type textLabeler struct{}

func (textLabeler) CarcassLabel(l line.CarcassLabel) ([]byte, error) {
	return zplJob("CARCASS "+l.Number, "EAR TAG "+string(l.EarTag)), nil
}

func (textLabeler) PackLabel(l line.PackLabel) ([]byte, error) {
	return zplJob("PACK "+l.Serial, "NET "+l.Net.String(), "CARCASS "+l.Carcass), nil
}

func zplJob(lines ...string) []byte {
	job := "^XA"
	for i, text := range lines {
		job += "^FO20," + strconv.Itoa(20+36*i) + "^A0N,28,28^FD" + text + "^FS"
	}
	return []byte(job + "^XZ")
}

// packJobs returns the pack labels the simulated printer received.
func (r *rig) packJobs() int {
	n := 0
	for _, j := range r.printer.Jobs() {
		if strings.Contains(string(j), "^FDPACK ") {
			n++
		}
	}
	return n
}

// waitPrinted waits until the printer has received n jobs in all.
func (r *rig) waitPrinted(n int) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.printer.JobCount() < n {
		if time.Now().After(deadline) {
			r.t.Fatalf("the printer received %d jobs within 10 s, want %d", r.printer.JobCount(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
