package ui

import (
	"cmp"
	"context"
	"flag"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"lambtrace/devices/printer"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
	"lambtrace/store"
)

var writeScreenshots = flag.Bool("screenshots", false,
	"write the operator guide's screenshots to ../docs/images/<lang>/")

// guideImages is the folder of the operator guides' screenshots, relative
// to the package; it holds one folder per language.
const guideImages = "../docs/images"

// Guides and the folder of the screenshots each one shows.
var guides = []struct {
	file string
	lang line.Lang
}{
	{"../docs/operator-guide.zh-CN.md", line.LangZH},
	{"../docs/operator-guide.en.md", line.LangEN},
}

// shotRFIDHeld is the RFID number of ear tag 315252500357382 of the
// sample registry, tagged 203 days after birth and 3 days before
// slaughter, so its carcass is held with tag.late and tag.recent.
const shotRFIDHeld = line.RFID("156000011052224")

// shotPrinter is the name of the label printer of the screenshots.
const shotPrinter = "zebra-1"

// shotRig is a kiosk with every screen registered, in the order of the
// navigation bar, over a station that prints on a simulated printer. Its
// services are the test implementations over the store, a platform and
// simulated devices on 127.0.0.1, so each screen shows what it shows on
// a line.
type shotRig struct {
	*rig
	t *testing.T

	entry    *EntryScreen
	cut      *CuttingScreen
	quality  *QualityScreen
	signoff  *SignOffScreen
	outbox   *OutboxScreen
	devices  *DevicesScreen
	settings *SettingsScreen

	labelPrinter *sim.Printer
	platform     *testPlatform
	uploads      *storeUploads
	signer       *storeSignOff
	keyDir       string
	// faults makes the status bar report the hook scale and the platform
	// link down, as the status bar screenshot shows.
	faults bool
}

// newShotRig builds the kiosk of the screenshots with nobody signed in.
func newShotRig(t *testing.T) *shotRig {
	t.Helper()
	// The same seed gives the same signing keys, so the key ids on screen
	// stay the same from run to run.
	cryptotest.SetGlobalRandom(t, 20261204)
	labelPrinter, printerAddr := listenPrinter(t)
	r := newRig(t, rigOptions{storeClock: true, station: func(cfg *line.StationConfig) {
		drv := printer.NewTCP(shotPrinter, printerAddr)
		drv.Logger = quiet
		t.Cleanup(func() { drv.Close() })
		cfg.Labeler = textLabeler{}
		cfg.CarcassPrinter = &line.LabelPrinter{Name: shotPrinter, Printer: drv}
		cfg.PackPrinter = cfg.CarcassPrinter
		cfg.StatusInterval = 20 * time.Millisecond
	}})
	runStation(t, r.st)
	err := r.db.Update(context.Background(), store.System, func(tx *store.Tx) error {
		return tx.SetSetting(store.SettingPlantApproval, "A15250201")
	})
	if err != nil {
		t.Fatal(err)
	}

	s := &shotRig{rig: r, t: t, labelPrinter: labelPrinter, keyDir: filepath.Join(t.TempDir(), "keys")}
	s.platform = &testPlatform{status: http.StatusServiceUnavailable}
	srv := httptest.NewServer(s.platform)
	t.Cleanup(srv.Close)
	s.uploads = &storeUploads{db: r.db, batches: []line.BatchID{officeBatch}, url: srv.URL, now: r.clock.Now}
	s.signer = newStoreSignOff(t, r)

	s.entry = NewEntryScreen(r.k, hookScale)
	s.cut = NewCuttingScreen(r.k, CuttingScales{Carcass: carcassScale, Pack: packScale})
	s.quality = NewQualityScreen(r.k, newStoreRecords(t, r))
	s.signoff = NewSignOffScreen(r.k, s.signer)
	s.outbox = NewOutboxScreen(r.k, s.uploads)
	s.devices = NewDevicesScreen(r.k, newShotDevices(t, r, printerAddr))
	s.settings = NewSettingsScreen(r.k, &storeSettings{db: r.db, keyDir: s.keyDir})
	r.k.status = s
	r.start(s.entry, s.cut, s.quality, s.signoff, s.outbox, s.devices, s.settings)
	return s
}

// listenPrinter starts a simulated label printer on 127.0.0.1.
func listenPrinter(t *testing.T) (*sim.Printer, string) {
	t.Helper()
	p := sim.NewPrinter()
	addr, err := p.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, addr
}

// Status reports the reader, the three scales, the station's printers,
// the platform link and the outbox for the status bar. The reader and
// the scales are reported working, because the tests feed the station
// their input. With faults, the hook scale and the platform are down.
func (s *shotRig) Status(ctx context.Context) StatusReport {
	rep := StatusReport{Links: []LinkStatus{{Kind: LinkReader, ID: "reader-1", OK: true}}}
	for _, id := range []string{hookScale, carcassScale, packScale} {
		l := LinkStatus{Kind: LinkScale, ID: id, OK: true}
		if s.faults && id == hookScale {
			l.OK, l.Problem = false, Message{Key: "ui.status.problem.no_reply"}
		}
		rep.Links = append(rep.Links, l)
	}
	for _, p := range s.st.Printers() {
		rep.Links = append(rep.Links, PrinterLink(p))
	}
	platform := LinkStatus{Kind: LinkPlatform, OK: true}
	if s.faults {
		platform.OK, platform.Problem = false, Message{Key: "ui.status.problem.platform_unreachable"}
	}
	rep.Links = append(rep.Links, platform)

	batches, err := s.uploads.Batches(ctx)
	if err != nil {
		s.t.Errorf("outbox for the status bar: %v", err)
	}
	for _, b := range batches {
		switch b.Upload {
		case UploadQueued, UploadSending:
			rep.Outbox.Waiting++
		case UploadRejected:
			rep.Outbox.Rejected++
		}
	}
	return rep
}

// shotDevices is the devices screen's Devices over the real drivers. It
// shows fixed addresses in place of the simulators' ports, which change
// on every run, so the screenshot stays the same from run to run.
type shotDevices struct {
	*driverDevices
}

func newShotDevices(t *testing.T, r *rig, printerAddr string) *shotDevices {
	t.Helper()
	profile, ok := scale.LookupProfile("ind570")
	if !ok {
		t.Fatal("no ind570 profile")
	}
	indicator, err := sim.NewIndicator(profile, sim.NewScript(0, 1).Settle(800, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	d := &driverDevices{now: r.clock.Now, scaleAddr: srv.Addr, printAddr: printerAddr,
		scale: &scale.ModbusScale{ID: packScale, Profile: profile, Address: srv.Addr, PollInterval: 20 * time.Millisecond, Logger: quiet}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.scale.Run(ctx, d.deliver)
	}()
	t.Cleanup(func() { cancel(); <-done })
	d.printer = printer.NewTCP(shotPrinter, printerAddr)
	d.printer.Logger = quiet
	t.Cleanup(func() { d.printer.Close() })
	return &shotDevices{d}
}

func (d *shotDevices) Devices(ctx context.Context) []Device {
	out := d.driverDevices.Devices(ctx)
	for i := range out {
		switch out[i].Kind {
		case LinkScale:
			out[i].Address = "tcp://127.0.0.1:5020"
		case LinkPrinter:
			out[i].Address = "127.0.0.1:9100"
		}
	}
	return out
}

// waitScaleReading waits until the simulated indicator has been read.
func (d *shotDevices) waitScaleReading(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for d.readingCount() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reading from the simulated indicator in 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPrinters waits until the station has the status of every printer,
// so the status bar shows it rather than that it is unknown.
func (s *shotRig) waitPrinters(want func(line.PrinterView) bool) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ready := true
		for _, p := range s.st.Printers() {
			ready = ready && p.Known && p.Err == nil && want(p)
		}
		if ready {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("printers not ready after 5 s: %+v", s.st.Printers())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func printerReady(p line.PrinterView) bool {
	return !p.Status.PaperOut && p.Pending == 0 && p.Unconfirmed == 0
}

// shoot captures the window as the screenshot name in the language on
// screen. It checks that the capture is a full, drawn window and that
// every string in want is on screen, and with -screenshots writes it to
// guideImages/<lang>/<name>.png. Without the flag the file must exist,
// so a screenshot the guides lack fails the test.
func (s *shotRig) shoot(name string, want ...string) {
	s.t.Helper()
	s.settle()
	s.k.pollStatus()
	// The GL canvas lays out again a container whose content changed its
	// minimum size, such as the frame when the notice bar shows. The test
	// canvas does not, so the frame is laid out here.
	s.win.Content().Refresh()
	img := s.win.Canvas().Capture()
	checkCapture(s.t, name, img)
	text := visibleText(s.t, s.win.Canvas())
	for _, w := range want {
		if !strings.Contains(text, w) {
			s.t.Errorf("screenshot %s lacks %q; on screen:\n%s", name, w, text)
		}
	}

	saveGuideShot(s.t, s.k.Lang(), name, img)
}

// saveGuideShot writes img to guideImages/<lang>/<name>.png with
// -screenshots. Without the flag the file must exist.
func saveGuideShot(t *testing.T, lang line.Lang, name string, img image.Image) {
	t.Helper()
	path := filepath.Join(guideImages, string(lang), name+".png")
	if *writeScreenshots {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeShot(t, path, img)
		return
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("screenshot %s is not in the guides' images (%v); write it with go test ./ui -run 'Screenshots|FirstStart' -screenshots", name, err)
	}
}

// writeShot writes img as a 256-colour PNG with the best compression,
// which keeps a screenshot at about 40 % of its full-colour size.
func writeShot(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, toPaletted(img)); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// toPaletted maps img onto its 256 most frequent colours, each pixel to
// the nearest one. A screen is mostly flat areas and text, so only the
// edges of the antialiased text lose a little of their shading.
func toPaletted(img image.Image) *image.Paletted {
	b := img.Bounds()
	counts := make(map[color.NRGBA]int)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			counts[color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)]++
		}
	}
	colours := slices.Collect(maps.Keys(counts))
	// Ties are ordered by colour value, so the same screen gives the same
	// file on every run.
	slices.SortFunc(colours, func(a, c color.NRGBA) int {
		if n := counts[c] - counts[a]; n != 0 {
			return n
		}
		return cmp.Compare(uint32(a.R)<<24|uint32(a.G)<<16|uint32(a.B)<<8|uint32(a.A),
			uint32(c.R)<<24|uint32(c.G)<<16|uint32(c.B)<<8|uint32(c.A))
	})
	palette := make(color.Palette, 0, 256)
	for _, c := range colours[:min(len(colours), 256)] {
		palette = append(palette, c)
	}
	out := image.NewPaletted(b, palette)
	draw.Draw(out, b, img, b.Min, draw.Src)
	return out
}

// checkCapture fails unless img covers the 1024×600 window and shows more
// than a few colours, as a drawn screen does.
func checkCapture(t *testing.T, name string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	if b.Dx() != 1024 || b.Dy() != 600 {
		t.Errorf("screenshot %s is %d×%d, want 1024×600", name, b.Dx(), b.Dy())
		return
	}
	colours := make(map[color.RGBA]bool)
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}] = true
		}
	}
	if len(colours) < 16 {
		t.Errorf("screenshot %s shows %d colours, want a drawn screen", name, len(colours))
	}
}

// visibleText returns the texts drawn in the window and its overlays, one
// line each.
func visibleText(t *testing.T, c fyne.Canvas) string {
	var b strings.Builder
	collect := func(o fyne.CanvasObject) {
		if x, ok := o.(*canvas.Text); ok && x.Text != "" {
			b.WriteString(x.Text)
			b.WriteByte('\n')
		}
	}
	walkVisible(t, c.Content(), collect)
	for _, o := range c.Overlays().List() {
		walkVisible(t, o, collect)
	}
	return b.String()
}

// setLang switches the language and runs the store reads that the
// screen starts for it.
func (s *shotRig) setLang(lang line.Lang) {
	s.k.SetLang(lang)
	s.settle()
}

// signInTo signs a user in and opens a screen.
func (s *shotRig) signInTo(user, screen string) {
	s.t.Helper()
	s.signIn(user, testPIN)
	if _, ok := s.k.User(); !ok {
		s.t.Fatalf("%s could not sign in: %s", user, s.k.login.prompt.Text)
	}
	if !s.k.ShowScreen(screen) {
		s.t.Fatalf("%s cannot open the %s screen", user, screen)
	}
	s.settle()
}

// TestScreenshots drives every screen through the states the operator
// guides show and captures each one; see shoot. Each subtest is one
// kiosk, because building one takes seconds under the race detector.
func TestScreenshots(t *testing.T) {
	t.Run("floor", screenshotsFloor)
	t.Run("cutting", screenshotsCutting)
	t.Run("quality", screenshotsQuality)
	t.Run("signoff", screenshotsSignOff)
	t.Run("office", screenshotsOffice)
}

// screenshotsFloor shoots the login, the washdown lock and carcass entry.
func screenshotsFloor(t *testing.T) {
	s := newShotRig(t)
	s.waitPrinters(printerReady)
	s.shoot("login", "请点选您的名字", "Sarangerel", "操作员", "质检员", "驻场兽医")

	s.tapUser("op7")
	s.pressDigits("24")
	s.shoot("login-pin", "Sarangerel，请输入密码", "OK")

	s.setLang(line.LangEN)
	s.shoot("login-pin", "Sarangerel, enter your PIN")
	s.setLang(line.LangZH)

	s.k.login.pad.Clear()
	for range DefaultLockout.Attempts {
		s.signIn("op7", "0000")
	}
	s.shoot("login-locked", "已锁定至 08:05")

	// Another operator signs in while op7 is locked out, locks the screen
	// for the washdown and ends the lock with a long press.
	s.signInTo("op8", "entry")
	test.Tap(s.k.washBtn)
	s.shoot("washdown", "清洗中，屏幕已锁定", "按住屏幕 3 秒后松开即可解锁")
	s.k.washdown.MouseDown(&desktop.MouseEvent{})
	s.clock.Advance(DefaultWashdownHold)
	s.k.washdown.MouseUp(&desktop.MouseEvent{})
	if s.k.Washing() {
		t.Fatal("a long press did not end the washdown lock")
	}

	animals := s.cleanAnimals(2)
	for _, a := range animals {
		s.tag(a)
		s.weigh(hookScale, a.LiveWeight/2, carcassDiv)
	}
	s.waitPrinters(printerReady)
	s.shoot("entry", "胴体入场", "20261204-0002", "耳标", "热胴体重", "稳定", "入场 2 头")

	held := s.enter(shotRFIDHeld)
	s.waitPrinters(printerReady)
	s.shoot("entry-held", "胴体 "+held.Number+" 已扣留", "我已知晓")
	s.setLang(line.LangEN)
	s.shoot("entry-held", "Acknowledge")
	s.setLang(line.LangZH)
	test.Tap(s.entry.ack)

	// The status bar with a scale and the platform down and a printer out
	// of paper.
	s.faults = true
	s.labelPrinter.SetState(sim.PrinterState{PaperOut: true})
	s.waitPrinters(func(p line.PrinterView) bool { return p.Status.PaperOut })
	s.shoot("status-faults", "无应答，请检查电源和网线", "打印机 zebra-1: 缺纸", "平台: 连不上平台")
}

func screenshotsCutting(t *testing.T) {
	s := newShotRig(t)
	s.signInTo("op7", "entry")
	ctx := context.Background()
	for _, a := range s.cleanAnimals(3) {
		c := s.tag(a)
		s.weigh(hookScale, a.LiveWeight/2, carcassDiv)
		if _, err := s.st.RecordInspection(ctx, "vet1", line.InspectionInput{Carcass: c.Number, Result: line.InspectionPass}); err != nil {
			t.Fatal(err)
		}
	}
	s.k.ShowScreen("cutting")
	s.waitPrinters(printerReady)
	s.shoot("cutting-pick", "选择胴体（或扫描胴体标签）", "20261204-0001")

	first := s.st.Snapshot().Carcasses[0].Number
	s.cut.Scanned(first)
	s.settle()
	s.weigh(carcassScale, 10000, carcassDiv)
	tapOutput(t, s.rig, s.cut, "leg_bone_in", "")
	s.weigh(packScale, 6000, packDiv)
	tapOutput(t, s.rig, s.cut, "", "bone")
	s.weigh(packScale, 1500, packDiv)
	s.waitPrinters(printerReady)
	s.shoot("cutting", "胴体 "+first, "投入 10.000 kg", "称重打印", "结束分割")

	tapOutput(t, s.rig, s.cut, "leg_bone_in", "")
	s.weigh(packScale, 3000, packDiv)
	if !s.cut.Balance().Red() {
		t.Fatal("the balance bar is not red after a pack above the balance")
	}
	s.waitPrinters(printerReady)
	s.shoot("cutting-refused", "不予贴标")
	s.setLang(line.LangEN)
	s.shoot("cutting-refused", "above the input")
	s.setLang(line.LangZH)
}

// qualityShift enters a clean carcass and a carcass held for its feedlot
// origin, and waits for their labels.
func (s *shotRig) qualityShift() (clean, held line.CarcassRecord) {
	s.t.Helper()
	clean = s.enter(officeRFIDClean)
	held = s.enter(officeRFIDFeedlot)
	if held.State != line.CarcassHeld {
		s.t.Fatalf("carcass of %s is %s, want held", officeRFIDFeedlot, held.State)
	}
	s.waitPrintState(clean.Number, line.PrintConfirmed)
	s.waitPrintState(held.Number, line.PrintConfirmed)
	s.waitPrinters(printerReady)
	return clean, held
}

// screenshotsQuality shoots the four sections of the quality screen.
func screenshotsQuality(t *testing.T) {
	s := newShotRig(t)
	clean, held := s.qualityShift()
	s.signInTo("qa1", "quality")
	s.shoot("quality-holds", "胴体 "+held.Number, "待处理", "放行…", "禁止出品…")
	s.setLang(line.LangEN)
	s.shoot("quality-holds", "Release…")
	s.setLang(line.LangZH)

	// The carcass may go on, but never as grassland lamb.
	test.Tap(s.quality.holds.release)
	pickReason(t, s.quality.dialog, 5, 2)
	s.shoot("quality-release", "请选择放行理由", "不标草原羊，按普通羊处理", "确认放行")
	test.Tap(s.quality.dialog.confirm)
	s.settle()
	if c, _ := s.st.Carcass(held.Number); c.State == line.CarcassHeld {
		t.Fatalf("carcass %s is still held after the release", held.Number)
	}

	// The inspection with the condemned parts of a carcass on the pack
	// scale, ready for a partial condemnation.
	test.Tap(s.k.notice)
	test.Tap(s.quality.nav.buttons[1])
	s.officeWeigh(packScale, 800, packDiv)
	test.Tap(s.quality.inspection.scaleTiles[packScale])
	s.shoot("quality-inspection", "合格", "部分废弃…", "整体废弃…")

	// The lab results: one negative recorded, then a positive to confirm.
	test.Tap(s.quality.nav.buttons[2])
	s.settle()
	l := s.quality.lab
	for i, c := range l.consignments {
		if c.ID == "SB152502-20261203-001" {
			l.list.ShowItem(i)
			test.Tap(l.list.rows[i%len(l.list.rows)].(*Tile))
		}
	}
	test.Tap(l.negative)
	s.settle()
	test.Tap(s.k.notice)
	s.shoot("quality-lab", "阴性 LAB-20261204-01", "记录阴性", "记录阳性…", "克伦特罗")
	test.Tap(l.positive)
	s.shoot("quality-lab-positive", "确认阳性")
	test.Tap(l.confirm.cancel)

	// The carcass label printed when the clean carcass entered, reprinted
	// with a reason, and the dialog of its void.
	test.Tap(s.quality.nav.buttons[3])
	s.k.Scan(clean.Number)
	s.settle()
	test.Tap(s.quality.labels.reprint)
	pickReason(t, s.quality.dialog, 0, 0)
	test.Tap(s.quality.dialog.confirm)
	s.settle()
	s.waitPrintState(clean.Number, line.PrintConfirmed)
	s.waitPrinters(printerReady)
	s.k.pump()
	s.shoot("quality-labels", "标签 "+clean.Number, "重打", "已打印", "作废…")

	test.Tap(s.quality.labels.void)
	pickReason(t, s.quality.dialog, 3)
	s.shoot("quality-void", "作废标签 "+clean.Number, "重复贴标", "确认作废")
	test.Tap(s.quality.dialog.cancel)
}

func screenshotsSignOff(t *testing.T) {
	s := newShotRig(t)
	_, held := s.qualityShift()
	s.signInTo("vet1", "signoff")
	s.shoot("signoff-summary", "批次 20261204-L1-1", "不能签发", "下一步：输入检疫证明编号")
	s.setLang(line.LangEN)
	s.shoot("signoff-summary", "Cannot sign")
	s.setLang(line.LangZH)

	sign := func() {
		test.Tap(s.signoff.next)
		s.signoff.certPad.Clear()
		for _, c := range "1521870093" {
			test.Tap(s.signoff.certPad.keys[c])
		}
		test.Tap(s.signoff.certNext)
		for _, d := range testPIN {
			s.signoff.pinPad.Press(byte(d))
		}
		test.Tap(s.signoff.pinPad.ok)
		test.Tap(s.signoff.sign)
		s.settle()
	}
	sign()
	s.shoot("signoff-refused", "未签发", "头胴体被扣留", "返回汇总")
	test.Tap(s.signoff.progBack)
	s.settle()

	// Quality staff release the held carcass, and the vet signs off.
	if _, err := s.st.Release(context.Background(), "qa1", held.Number, ReasonText(releaseReasons[0])); err != nil {
		t.Fatal(err)
	}
	s.settle()
	test.Tap(s.signoff.next)
	s.signoff.certPad.Clear()
	for _, c := range "1521870093" {
		test.Tap(s.signoff.certPad.keys[c])
	}
	s.shoot("signoff-certificate", "输入动物产品检疫合格证明编号", "1521870093")
	test.Tap(s.signoff.certNext)
	for _, d := range testPIN {
		s.signoff.pinPad.Press(byte(d))
	}
	test.Tap(s.signoff.pinPad.ok)
	s.shoot("signoff-pin", "密码已输入", "签名并封存")
	s.setLang(line.LangEN)
	s.shoot("signoff-pin", "PIN entered")
	s.setLang(line.LangZH)
	s.clock.Advance(time.Second)
	test.Tap(s.signoff.sign)
	s.settle()
	if !s.signoff.done {
		t.Fatalf("sign-off not done: %s", s.signoff.outcome.Text)
	}
	s.shoot("signoff-sealed", "已签名封存", "√ 封存并加入上传队列")
}

// screenshotsOffice shoots the admin's screens: the upload queue, the
// devices and the settings.
func screenshotsOffice(t *testing.T) {
	s := newShotRig(t)
	s.enter(officeRFIDClean)
	req := SignOffRequest{Batch: officeBatch, Vet: "vet1", Certificate: "1521870093", PIN: testPIN}
	if _, err := s.signer.SignOff(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
	s.waitPrinters(printerReady)
	s.signInTo("admin1", "outbox")
	test.Tap(s.outbox.retry)
	s.settle()
	s.shoot("outbox-queued", "排队待上传", "上次失败原因：HTTP status 503", "立即重试")

	kid := s.signer.station.KID()
	s.platform.set(http.StatusUnprocessableEntity, `{"status":422,"reasons":[{"code":"signature.unknown_kid",`+
		`"subject":"`+kid+`","message":{"zh-CN":"签名密钥未在平台登记","en":"the signing key is not registered"}}]}`)
	s.clock.Advance(time.Second)
	test.Tap(s.outbox.retry)
	s.settle()
	s.shoot("outbox-rejected", "不会再自动上传", "签名密钥未在平台登记", "被拒 1")
	s.setLang(line.LangEN)
	s.shoot("outbox-rejected", "the signing key is not registered")
	s.setLang(line.LangZH)

	s.devices.dev.(*shotDevices).waitScaleReading(t)
	s.k.ShowScreen("devices")
	test.Tap(s.devices.list.rows[1].(*Tile))
	test.Tap(s.devices.testPrint)
	s.settle()
	s.waitPrinters(printerReady)
	s.shoot("devices", "打印机 zebra-1", "< 02 30 33 30", "置零", "去皮", "测试打印")

	test.Tap(s.k.notice)
	s.k.ShowScreen("settings")
	s.settle()
	s.settings.users.pick("vet1")
	s.shoot("settings-users", "张兽医", "设置密码…", "新建用户…")

	test.Tap(s.settings.nav.buttons[1])
	s.settle()
	s.shoot("settings-rules", "分割损耗上限", "3.00%")

	test.Tap(s.settings.nav.buttons[2])
	s.settle()
	p := s.settings.platform
	test.Tap(p.change)
	s.settings.pad.pad.Type("https://trace.example.cn/api/v1/batches")
	test.Tap(s.settings.pad.ok)
	test.Tap(p.save)
	s.settle()
	s.shoot("settings-platform", "https://trace.example.cn/api/v1/batches")

	test.Tap(s.settings.nav.buttons[3])
	s.settle()
	ks := s.settings.keys
	test.Tap(ks.station)
	s.settle()
	test.Tap(ks.inspector)
	tapPIN(s.settings.pin.pad, "246813")
	tapPIN(s.settings.pin.pad, "246813")
	test.Tap(s.settings.pin.save)
	s.settle()
	if len(ks.keys) != 2 {
		t.Fatalf("keys shown = %+v, want the station's and the vet's", ks.keys)
	}
	s.shoot("settings-keys", "工位", "兽医", "密码保护", "新建工位密钥")
}

// guideImage matches an image link of a guide, such as
// ![…](images/zh-CN/login.png).
var guideImage = regexp.MustCompile(`\]\((images/[^)\s]+\.png)\)`)

// Every image a guide links exists, and every screenshot in a guide's
// folder is linked from it.
func TestOperatorGuideImages(t *testing.T) {
	for _, g := range guides {
		data, err := os.ReadFile(g.file)
		if err != nil {
			t.Fatal(err)
		}
		var linked []string
		for _, m := range guideImage.FindAllStringSubmatch(string(data), -1) {
			linked = append(linked, m[1])
			if _, err := os.Stat(filepath.Join("../docs", m[1])); err != nil {
				t.Errorf("%s links a missing image: %v", g.file, err)
			}
		}
		if len(linked) == 0 {
			t.Errorf("%s links no screenshot", g.file)
		}
		files, err := filepath.Glob(filepath.Join(guideImages, string(g.lang), "*.png"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel := "images/" + string(g.lang) + "/" + filepath.Base(f)
			if !slices.Contains(linked, rel) {
				t.Errorf("%s does not show %s", g.file, rel)
			}
		}
	}
}
