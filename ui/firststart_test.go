package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/devices/scale"
	"lambtrace/line"
	"lambtrace/store"
)

// storeSetup is the Setup of the first start over the store, as cmd/kiosk
// wires it, with the line parsers the import uses.
type storeSetup struct{ db *store.DB }

func (s storeSetup) SetupState(ctx context.Context) (SetupState, error) {
	var st SetupState
	var err error
	if _, st.Products, err = s.db.LastImport(ctx, store.ImportProducts); err != nil {
		return st, err
	}
	if _, st.Registry, err = s.db.LastImport(ctx, store.ImportRegistry); err != nil {
		return st, err
	}
	st.Admin, err = s.db.HasAdmin(ctx)
	return st, err
}

func (s storeSetup) Import(ctx context.Context, kind ImportKind, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	src := store.SourceOf(filepath.Base(path), data)
	if kind == ImportRegistry {
		reg, err := line.ParseRegistry(data, src.Name)
		if err != nil {
			return err
		}
		return s.db.ImportRegistry(ctx, store.System, reg, src)
	}
	m, err := line.ParseProducts(data, src.Name)
	if err != nil {
		return err
	}
	return s.db.ImportProducts(ctx, store.System, m, src)
}

func (s storeSetup) CreateAdmin(ctx context.Context, id, name, pin string) error {
	return s.db.CreateFirstAdmin(ctx, store.System, store.User{ID: id, Name: name}, pin)
}

// firstRig is a first start in a test window over a real store, with a
// temporary directory as the mount point of a USB stick.
type firstRig struct {
	t     *testing.T
	dir   string // the data directory
	db    *store.DB
	f     *FirstStart
	win   fyne.Window
	work  *queueWorker
	roots []string
	done  []line.Lang // the languages Done was called with
}

// usbStick makes a directory laid out as udisks mounts a stick
// (root/media/USER/LABEL) and returns the roots pattern and the stick.
func usbStick(t *testing.T) (roots []string, stick string) {
	t.Helper()
	base := t.TempDir()
	stick = filepath.Join(base, "media", "admin", "LAMB-USB")
	if err := os.MkdirAll(filepath.Join(stick, "exports"), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{filepath.Join(base, "media", "*", "*")}, stick
}

// writeFile writes data to path with the modification time at.
func writeFile(t *testing.T, path string, data []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// brokenRegistry returns the sample registry with the first animal's ear
// tag cut short, which its parser rejects.
func brokenRegistry(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(samplePrefix + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `"ear_tag": "315250200357041"`, `"ear_tag": "3152502"`, 1)
	if broken == string(data) {
		t.Fatal("the sample registry has no ear tag 315250200357041 to break")
	}
	return []byte(broken)
}

// stockStick writes the sample product master and registry, a broken
// registry and files the picker must leave out onto the stick.
func stockStick(t *testing.T, stick string) {
	t.Helper()
	at := time.Date(2026, 12, 3, 22, 5, 0, 0, time.FixedZone("CST", 8*3600))
	for _, name := range []string{"products", "registry", "linerun"} {
		data, err := os.ReadFile(samplePrefix + "." + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(stick, "exports", "xilingol-2026-12-04."+name+".json"), data, at)
	}
	writeFile(t, filepath.Join(stick, "registry-broken.json"), brokenRegistry(t), at.Add(time.Hour))
	writeFile(t, filepath.Join(stick, "notes.txt"), []byte("not json"), at)
	writeFile(t, filepath.Join(stick, "package.json"), []byte(`{"name": "x"}`), at)
}

// newFirstRig opens the store in dir and shows a first start in a
// 1024×600 test window with the kiosk theme.
func newFirstRig(t *testing.T, dir string, roots []string) *firstRig {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(NewTheme())
	return startFirstRig(t, dir, roots)
}

// startFirstRig is newFirstRig in the test app running already.
func startFirstRig(t *testing.T, dir string, roots []string) *firstRig {
	t.Helper()
	db, err := store.Open(context.Background(), dir, store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &firstRig{t: t, dir: dir, db: db, work: &queueWorker{}, roots: roots}
	r.win = test.NewWindow(nil)
	t.Cleanup(r.win.Close)
	r.win.Resize(fyne.NewSize(1024, 600))
	clock := &testClock{t: shiftStart}
	r.f, err = NewFirstStart(r.win, FirstStartConfig{Setup: storeSetup{db}, Roots: roots, Clock: clock, Logger: quiet,
		Done: func(lang line.Lang) { r.done = append(r.done, lang) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.f.Close)
	r.f.host.do = func(f func()) { f() }
	r.f.host.work = r.work
	r.f.Start()
	r.work.runAll()
	return r
}

// restart closes the store and the window and starts the first start
// again on the same data directory, as a kiosk started again does.
func (r *firstRig) restart() *firstRig {
	r.t.Helper()
	r.f.Close()
	if err := r.db.Close(); err != nil {
		r.t.Fatal(err)
	}
	return startFirstRig(r.t, r.dir, r.roots)
}

// tapFile taps the tile of the file named name on the current file step.
func (r *firstRig) tapFile(s *fileStep, name string) {
	r.t.Helper()
	for i, f := range s.files {
		if f.Name() == name {
			s.list.ShowItem(i)
			test.Tap(s.list.rows[i%len(s.list.rows)].(*Tile))
			r.work.runAll()
			return
		}
	}
	r.t.Fatalf("no tile for %s among %v", name, fileNames(s.files))
}

func fileNames(files []ImportFile) []string {
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	return names
}

// pressPIN taps the admin step's PIN pad keys and OK.
func (r *firstRig) pressPIN(pin string) {
	r.t.Helper()
	pad := r.f.admin.pinPad
	for _, d := range pin {
		for _, key := range pad.keys {
			if key.Text == string(d) {
				test.Tap(key)
			}
		}
	}
	test.Tap(pad.ok)
}

func (r *firstRig) assertScreen(name string) {
	r.t.Helper()
	assertScreen(r.t, &rig{win: r.win}, name)
}

// guideShot captures the window as the operator guides' screenshot name
// in lang; see saveGuideShot.
func (r *firstRig) guideShot(lang line.Lang, name string) {
	r.t.Helper()
	img := r.win.Canvas().Capture()
	checkCapture(r.t, name, img)
	saveGuideShot(r.t, lang, name, img)
}

// Ensure the wizard walks a data directory from empty to an admin who
// signs in. A broken registry is rejected with its problems in Chinese and
// English and imports nothing. The good files import into the store, and
// a restart resumes at the step not done.
func TestFirstStartWizard(t *testing.T) {
	ctx := context.Background()
	roots, stick := usbStick(t)
	stockStick(t, stick)
	r := newFirstRig(t, t.TempDir(), roots)
	f := r.f

	// Step 1: only the product master is offered.
	if f.current != f.products {
		t.Fatalf("first step = %v, want the product master", f.current)
	}
	if got := fileNames(f.products.files); len(got) != 1 || got[0] != "xilingol-2026-12-04.products.json" {
		t.Fatalf("product master files = %v, want the sample's only", got)
	}
	if f.products.importer.Disabled() == false {
		t.Error("import is enabled before a file is picked")
	}
	r.tapFile(f.products, "xilingol-2026-12-04.products.json")
	containsAll(t, "product master detail", f.products.detail.Text,
		"xilingol-2026-12-04.products.json", "LAMB-USB", "2.9 KiB", "2026-12-03", "lambtrace-products/1", "11 种产品", "3 个副产品箱")
	r.assertScreen("firststart_products_zh.png")
	r.guideShot(line.LangZH, "firststart-products")
	test.Tap(f.products.importer)
	r.work.runAll()
	if _, ok, err := r.db.LastImport(ctx, store.ImportProducts); err != nil || !ok {
		t.Fatalf("LastImport(products) = %v, %v after the import, want an import", ok, err)
	}

	// Step 2: the broken registry is described with its problems and
	// cannot be imported.
	if f.current != f.registry {
		t.Fatalf("step after the product master = %v, want the registry", f.current)
	}
	containsAll(t, "message", f.message.Text, "产品主数据 xilingol-2026-12-04.products.json 已导入")
	if got := fileNames(f.registry.files); len(got) != 2 || got[0] != "registry-broken.json" {
		t.Fatalf("registry files = %v, want the broken one (newest) and the sample", got)
	}
	r.tapFile(f.registry, "registry-broken.json")
	containsAll(t, "broken registry detail", f.registry.detail.Text,
		"此文件有 1 处问题，未导入任何内容", "This file has 1 problem(s); nothing was imported", "3152502")
	if !f.registry.importer.Disabled() {
		t.Error("import is enabled for a registry with problems")
	}
	r.assertScreen("firststart_registry_invalid_zh.png")
	r.guideShot(line.LangZH, "firststart-registry-invalid")
	err := f.setup.Import(ctx, ImportRegistry, filepath.Join(stick, "registry-broken.json"))
	var v *line.ValidationError
	if !errors.As(err, &v) {
		t.Errorf("Import(registry-broken.json) = %v, want a *line.ValidationError", err)
	}
	if _, ok, err := r.db.LastImport(ctx, store.ImportRegistry); err != nil || ok {
		t.Errorf("LastImport(registry) = %v, %v after the broken file, want none", ok, err)
	}

	r.tapFile(f.registry, "xilingol-2026-12-04.registry.json")
	containsAll(t, "registry detail", f.registry.detail.Text, "16 批申报，共 372 只羊", "2026-12-03 22:00 +08:00")
	test.Tap(f.registry.importer)
	r.work.runAll()
	reg, err := r.db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Consignments) != 16 {
		t.Errorf("stored consignments = %d, want 16", len(reg.Consignments))
	}

	// Step 3 after a restart: the wizard resumes at the admin.
	if f.current != f.admin {
		t.Fatalf("step after the registry = %v, want the admin", f.current)
	}
	r = r.restart()
	f = r.f
	if f.current != f.admin {
		t.Fatalf("first step after a restart = %v, want the admin", f.current)
	}
	containsAll(t, "step tiles", f.stepTiles[0].Detail+f.stepTiles[1].Detail, "√ 已完成√ 已完成")
	key := f.admin.pinPad.keys[0]
	before := key.Position()
	r.pressPIN("1357")
	r.assertScreen("firststart_admin_zh.png")
	r.guideShot(line.LangZH, "firststart-admin")
	// The keys keep their place and their touch size while the message
	// changes.
	if key.Position() != before || key.Size().Height < TouchTarget || key.Size().Width < TouchTarget {
		t.Errorf("PIN key at %v size %v after a PIN, want it at %v and at least %v square", key.Position(), key.Size(), before, TouchTarget)
	}
	r.pressPIN("7531")
	containsAll(t, "message", f.message.Text, "两次输入的 PIN 不同")
	if !f.admin.create.Disabled() {
		t.Error("create is enabled after two different PINs")
	}
	r.pressPIN("1357")
	r.pressPIN("1357")
	if f.admin.create.Disabled() {
		t.Fatal("create is disabled after the PIN was entered twice")
	}
	test.Tap(f.admin.create)
	r.work.runAll()
	if len(r.done) != 1 || r.done[0] != line.LangZH {
		t.Fatalf("Done calls = %v, want one in zh-CN", r.done)
	}
	containsAll(t, "message", f.message.Text, "正在启动工作站")

	// The admin signs in on the login screen of a kiosk on the store.
	k := loginRig(t, r.db)
	k.tapUser("admin")
	k.typePIN("1357")
	if u, ok := k.k.User(); !ok || u.ID != "admin" || u.Name != "管理员" || u.Role != RoleAdmin {
		t.Errorf("signed-in user = %+v, %v, want the admin 管理员", u, ok)
	}
}

// loginRig builds a kiosk on the station over db, as cmd/kiosk does once
// the first start is done.
func loginRig(t *testing.T, db *store.DB) *rig {
	t.Helper()
	ctx := context.Background()
	reg, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	products, err := db.Products(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: shiftStart.Add(time.Hour)}
	st, err := line.NewStation(line.StationConfig{
		Store: store.NewLineStore(db), Registry: reg, Products: products, Clock: clock,
		Scales:    line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale},
		NewWindow: func(string) line.StabilityWindow { return &scale.Window{} },
		Logger:    quiet,
	})
	if err != nil {
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
	r := &rig{t: t, db: db, st: st, k: k, win: win, clock: clock, work: work}
	r.start()
	return r
}

// Ensure the wizard switches to English and keeps the step.
func TestFirstStartEnglish(t *testing.T) {
	roots, stick := usbStick(t)
	stockStick(t, stick)
	r := newFirstRig(t, t.TempDir(), roots)
	r.tapFile(r.f.products, "xilingol-2026-12-04.products.json")
	test.Tap(r.f.langBtn)
	if r.f.Lang() != line.LangEN {
		t.Fatalf("Lang() = %s after the switch, want en", r.f.Lang())
	}
	containsAll(t, "heading", r.f.heading.Text, "First start")
	containsAll(t, "step tile", r.f.stepTiles[0].Title, "1 Product master")
	containsAll(t, "detail", r.f.products.detail.Text, "11 products, 3 by-product bins")
	r.guideShot(line.LangEN, "firststart-products")
}

// Ensure an empty stick shows where the picker searched.
func TestFirstStartNoFiles(t *testing.T) {
	roots, _ := usbStick(t)
	r := newFirstRig(t, t.TempDir(), roots)
	containsAll(t, "detail", r.f.products.detail.Text, "未找到 lambtrace-products/1 文件", roots[0])
	if n := r.f.products.list.Length(); n != 0 {
		t.Errorf("files listed = %d, want 0", n)
	}
}

// Ensure the admin's name and id come from the letter pad, typed on a USB
// keyboard too.
func TestFirstStartAdminName(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), dir, store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	importSample(t, db)
	db.Close()
	r := newFirstRig(t, dir, nil)
	a := r.f.admin
	if r.f.current != a {
		t.Fatalf("first step = %v, want the admin", r.f.current)
	}
	test.Tap(a.enterName)
	if a.dialog == nil {
		t.Fatal("no name pad opened")
	}
	test.TypeOnCanvas(r.win.Canvas(), "bayar")
	r.f.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Tap(a.changeID)
	a.dialog.pad.Clear()
	test.TypeOnCanvas(r.win.Canvas(), "Bayar.A")
	test.Tap(a.dialog.ok)
	containsAll(t, "account", a.account.Text, "姓名：BAYAR", "账号：bayar.a")
	r.pressPIN("2580")
	r.pressPIN("2580")
	test.Tap(a.create)
	r.work.runAll()
	if _, err := r.db.CheckPIN(context.Background(), "bayar.a", "2580"); err != nil {
		t.Errorf("CheckPIN(bayar.a) = %v, want the new admin", err)
	}
	if len(r.done) != 1 {
		t.Errorf("Done calls = %d, want 1", len(r.done))
	}
}

// firstStartKey matches a whole catalog key of the first start in Go
// source. Keys built from a prefix end in a dot, so they do not match.
var firstStartKey = regexp.MustCompile(`"(ui\.firststart\.[a-z0-9_.]*[a-z0-9_])"`)

func TestFirstStartKeysInCatalogs(t *testing.T) {
	seen := 0
	for _, file := range []string{"firststart.go", "firststart_import.go", "firststart_admin.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range firstStartKey.FindAllStringSubmatch(string(src), -1) {
			seen++
			for _, lang := range line.Langs {
				if got := line.Translate(lang, m[1], nil); got == m[1] {
					t.Errorf("%s: key %s has no %s text", file, m[1], lang)
				}
			}
		}
	}
	for _, kind := range []ImportKind{ImportProducts, ImportRegistry} {
		for _, suffix := range []string{".hint", ".summary", ".imported"} {
			key := "ui.firststart." + string(kind) + suffix
			for _, lang := range line.Langs {
				if got := line.Translate(lang, key, nil); got == key {
					t.Errorf("built key %s has no %s text", key, lang)
				}
			}
		}
	}
	if seen < 25 {
		t.Errorf("found %d first start keys in the source, want the wizard's keys", seen)
	}
}
