package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/devices/scale"
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

// testClock is a clock the test moves by hand.
type testClock struct{ t time.Time }

func (c *testClock) Now() time.Time          { return c.t }
func (c *testClock) Advance(d time.Duration) { c.t = c.t.Add(d) }

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
	t       *testing.T
	db      *store.DB
	st      *line.Station
	k       *Kiosk
	win     fyne.Window
	clock   *testClock
	work    *queueWorker
	scaleAt time.Time
}

type rigOptions struct {
	station func(*line.StationConfig) // changes to the station's configuration
}

// newRig opens a database with the sample registry and products and the
// staff, opens the sample day's shift on a station and builds a kiosk in a
// 1024×600 test window with the kiosk theme.
func newRig(t *testing.T, opts rigOptions) *rig {
	t.Helper()
	ctx := context.Background()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())

	db, err := store.Open(ctx, t.TempDir(), store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	importSample(t, db)
	createStaff(t, db)

	reg, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: shiftStart.Add(time.Hour)}
	cfg := line.StationConfig{
		Store: store.NewLineStore(db), Registry: reg, Products: products,
		Clock:     clock,
		Scales:    line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale},
		NewWindow: func(string) line.StabilityWindow { return &scale.Window{} },
		Logger:    quiet,
	}
	if opts.station != nil {
		opts.station(&cfg)
	}
	st, err := line.NewStation(cfg)
	if err != nil {
		t.Fatal(err)
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
	return &rig{t: t, db: db, st: st, k: k, win: win, clock: clock, work: work, scaleAt: shiftStart}
}

func importSample(t *testing.T, db *store.DB) {
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

func createStaff(t *testing.T, db *store.DB) {
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
	pad := r.k.login.pad
	for _, d := range pin {
		for _, key := range pad.keys {
			if key.Text == string(d) {
				test.Tap(key)
			}
		}
	}
	test.Tap(pad.ok)
	r.work.runAll()
}
