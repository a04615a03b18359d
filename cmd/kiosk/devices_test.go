package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/devices/tap"
	"lambtrace/line"
	"lambtrace/ui"
)

// devicesRig is the devices screen of a kiosk on simulated devices,
// headless, with the kiosk's own ui.Devices over the real drivers. The
// kiosk frame is not started, so no goroutine but the test's touches the
// screen.
type devicesRig struct {
	s      *simStation
	dev    uiDevices
	screen *ui.DevicesScreen
	log    *syncBuffer
}

// startDevicesRig opens the rig. With onDay the station's clock runs on
// the sample day's line time, at the wall clock's pace, and the day is
// not played.
func startDevicesRig(t *testing.T, onDay bool) *devicesRig {
	t.Helper()
	needSocat(t)
	dir := t.TempDir()
	r := &devicesRig{log: &syncBuffer{}}
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(dir, "data")
	log := slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	in := simInput{products: sample + ".products.json", registry: sample + ".registry.json"}
	if onDay {
		day, err := loadDay(in.products, in.registry, sample+".linerun.json")
		if err != nil {
			t.Fatal(err)
		}
		in.run, in.speed = day.Run, 1
	}
	var err error
	r.s, err = openSimStation(context.Background(), cfg, in, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.s.Close)

	test.NewTempApp(t).Settings().SetTheme(ui.NewTheme())
	win := test.NewTempWindow(t, nil)
	win.Resize(fyne.NewSize(1024, 600))
	status := uiStatus{k: r.s.k, links: r.s.k.links, platform: r.s.k.platformURL}
	kui, err := ui.New(win, ui.Config{Station: r.s.k.station, Users: uiUsers{db: r.s.k.db}, Status: status,
		Clock: r.s.k.clock, Lang: line.LangZH, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kui.Close)
	r.dev = uiDevices{k: r.s.k, status: status}
	r.screen = ui.NewDevicesScreen(kui, r.dev)
	win.SetContent(r.screen.Content())
	return r
}

// waitRaw waits until the tap of device id holds bytes that satisfy ok,
// calling poke, when not nil, before each look.
func (r *devicesRig) waitRaw(t *testing.T, id, what string, poke func(), ok func([]ui.RawChunk) bool) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		if poke != nil {
			poke()
		}
		if ok(r.dev.Raw(id)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("device %s: no %s in its tap within %v\nlog:\n%s", id, what, stepTimeout, r.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func anyChunk(dir bool) func([]ui.RawChunk) bool {
	return func(chunks []ui.RawChunk) bool {
		for _, c := range chunks {
			if c.Sent == dir {
				return true
			}
		}
		return false
	}
}

// pick shows the screen and taps the device's tile, paging the device
// list to it.
func (r *devicesRig) pick(t *testing.T, id string) {
	t.Helper()
	r.screen.Show()
	devices, _ := r.lists(t)
	for page := range devices.Pages() {
		devices.SetPage(page)
		for _, o := range walk(devices) {
			if tile, ok := o.(*ui.Tile); ok && tile.Visible() && strings.HasSuffix(tile.Title, " "+id) {
				test.Tap(tile)
				return
			}
		}
	}
	t.Fatalf("no tile for device %s", id)
}

// lists returns the screen's list of devices, whose rows are tiles, and
// its raw view.
func (r *devicesRig) lists(t *testing.T) (devices, raw *ui.PagedList) {
	t.Helper()
	for _, l := range pagedLists(r.screen.Content()) {
		tiles := false
		for _, o := range walk(l) {
			_, tile := o.(*ui.Tile)
			tiles = tiles || tile
		}
		if tiles {
			devices = l
		} else {
			raw = l
		}
	}
	if devices == nil || raw == nil {
		t.Fatal("the devices screen lacks its list of devices or its raw view")
	}
	return devices, raw
}

// rawText returns every row of the raw view, page by page.
func (r *devicesRig) rawText(t *testing.T) string {
	t.Helper()
	_, raw := r.lists(t)
	var rows []string
	for page := range raw.Pages() {
		raw.SetPage(page)
		for _, o := range walk(raw) {
			if text, ok := o.(*canvas.Text); ok && text.Visible() {
				rows = append(rows, text.Text)
			}
		}
	}
	raw.SetPage(0)
	return strings.Join(rows, "\n")
}

// button returns the screen's button labelled with the catalog text of
// key.
func (r *devicesRig) button(t *testing.T, key string) *ui.ActionButton {
	t.Helper()
	label := line.Translate(line.LangZH, key, nil)
	for _, o := range walk(r.screen.Content()) {
		if b, ok := o.(*ui.ActionButton); ok && b.Text == label {
			return b
		}
	}
	t.Fatalf("no button %q", label)
	return nil
}

// walk returns o and every object drawn inside it.
func walk(o fyne.CanvasObject) []fyne.CanvasObject {
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, child := range x.Objects {
			out = append(out, walk(child)...)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(x).Objects() {
			out = append(out, walk(child)...)
		}
	}
	return out
}

func pagedLists(o fyne.CanvasObject) []*ui.PagedList {
	var lists []*ui.PagedList
	for _, x := range walk(o) {
		if l, ok := x.(*ui.PagedList); ok {
			lists = append(lists, l)
		}
	}
	return lists
}

// hexRow returns b as the raw view writes bytes in hex.
func hexRow(b []byte) string {
	return strings.TrimSpace(fmt.Sprintf("% X", b))
}

func TestDevicesScreenShowsRawBytes(t *testing.T) {
	r := startDevicesRig(t, false)

	// The reader: a read written to its pty shows as received text.
	read, err := sim.EncodeRead(rfid.FormatAllflex, "982000000255895")
	if err != nil {
		t.Fatal(err)
	}
	r.waitRaw(t, "reader-1", "read", func() { r.s.rig.writeTag(read) }, anyChunk(false))
	r.pick(t, "reader-1")
	raw := r.rawText(t)
	if want := "< " + hexRow(read[:8]); !strings.Contains(raw, want) {
		t.Errorf("reader raw view lacks %q:\n%s", want, raw)
	}
	if want := "|" + string(read[:8]) + "|"; !strings.Contains(raw, want) {
		t.Errorf("reader raw view lacks the text column %q:\n%s", want, raw)
	}

	// A Modbus TCP scale: requests with an MBAP header for unit 1,
	// function 3, and their replies.
	r.waitRaw(t, "hook-1", "reply", nil, anyChunk(false))
	r.pick(t, "hook-1")
	raw = r.rawText(t)
	if !strings.Contains(raw, "> ") || !strings.Contains(raw, " 00 00 00 06 01 03") {
		t.Errorf("hook scale raw view lacks a read request for unit 1:\n%s", raw)
	}
	if !strings.Contains(raw, "< ") {
		t.Errorf("hook scale raw view lacks a reply:\n%s", raw)
	}
	if r.button(t, "ui.office.devices.zero").Disabled() {
		t.Error("zero is disabled for a Modbus scale with a zero command")
	}
	if r.button(t, "ui.office.devices.tare").Disabled() {
		t.Error("tare is disabled for a Modbus scale with a tare command")
	}

	// An ASCII scale: the A&D lines it streams.
	format, _ := scale.ParseStreamFormat("and")
	frame, err := sim.EncodeScaleFrame(format, sim.ScaleSample{Grams: 0, Decimals: 3, Stable: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	r.waitRaw(t, "chill-1", "line", nil, func(chunks []ui.RawChunk) bool {
		var all []byte
		for _, c := range chunks {
			all = append(all, c.Data...)
		}
		return bytes.Contains(all, frame)
	})
	r.pick(t, "chill-1")
	raw = r.rawText(t)
	if want := "|" + string(frame[:8]) + "|"; !strings.Contains(raw, want) {
		t.Errorf("carcass scale raw view lacks the line's start %q:\n%s", want, raw)
	}
	if !r.button(t, "ui.office.devices.zero").Disabled() {
		t.Error("zero is enabled for an ASCII stream scale")
	}
}

func TestDevicesZeroTareTestPrint(t *testing.T) {
	r := startDevicesRig(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()

	// The screen offers zero and tare for the Modbus scales only.
	for _, d := range r.dev.Devices(ctx) {
		modbus := d.ID == "hook-1" || d.ID == "cut-1"
		if d.CanZero != modbus || d.CanTare != modbus {
			t.Errorf("device %s: CanZero %v, CanTare %v, want %v", d.ID, d.CanZero, d.CanTare, modbus)
		}
	}

	// Zero and tare reach the simulated indicator once each. The driver
	// takes commands only while it is connected.
	r.waitRaw(t, "cut-1", "reply", nil, anyChunk(false))
	if err := r.dev.Zero(ctx, "cut-1"); err != nil {
		t.Fatalf("zero: %v", err)
	}
	if err := r.dev.Tare(ctx, "cut-1"); err != nil {
		t.Fatalf("tare: %v", err)
	}
	indicator := r.s.rig.indicators["cut-1"]
	if indicator.Zeros() != 1 || indicator.Tares() != 1 {
		t.Errorf("indicator carried out %d zeros and %d tares, want 1 and 1", indicator.Zeros(), indicator.Tares())
	}
	if err := r.dev.Zero(ctx, "chill-1"); err == nil {
		t.Error("zero of an ASCII stream scale succeeded")
	}

	// The test print reaches the simulated printer and shows as sent.
	if err := r.dev.TestPrint(ctx, "zebra-cut"); err != nil {
		t.Fatalf("test print: %v", err)
	}
	printed := r.s.rig.printers["zebra-cut"]
	for deadline := time.Now().Add(stepTimeout); printed.Jobs() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := printed.Jobs(); n != 1 {
		t.Errorf("printer took %d jobs, want the test label", n)
	}
	if err := r.dev.TestPrint(ctx, "zebra-none"); err == nil {
		t.Error("test print on an unknown printer succeeded")
	}

	// A label of about 10 KB is kept as its first bytes and a note.
	job := []byte("^XA^CI28^FO20,20^GFA,10000,10000,50," + strings.Repeat("F0", 5000) + "^FS^PQ1^XZ")
	if err := r.s.k.devices.printers[RolePack].Print(ctx, job); err != nil {
		t.Fatal(err)
	}
	r.pick(t, "zebra-cut")
	raw := r.rawText(t)
	if want := "> 5E 58 41 5E 43 49 32 38 |^XA^CI28|"; !strings.Contains(raw, want) {
		t.Errorf("printer raw view lacks %q:\n%s", want, raw)
	}
	note := line.Translate(line.LangZH, "ui.office.devices.raw_cut",
		map[string]string{"shown": fmt.Sprint(tap.DefaultChunkBytes), "size": fmt.Sprint(len(job))})
	if !strings.Contains(raw, note) {
		t.Errorf("printer raw view lacks the note %q:\n%s", note, raw)
	}
	if r.button(t, "ui.office.devices.test_print").Disabled() {
		t.Error("test print is disabled for a printer")
	}

	// The printer's chunks carry the line's time, as the scales' do,
	// though the printer driver stamps them with the wall clock.
	now := r.s.k.clock.Now()
	if wall := time.Now(); now.Sub(wall).Abs() < time.Hour {
		t.Fatalf("the line clock reads %v at wall time %v: the test needs them apart", now, wall)
	}
	for i, c := range r.dev.Raw("zebra-cut") {
		if d := now.Sub(c.At); d < 0 || d > stepTimeout {
			t.Errorf("printer chunk %d at %v, line clock at %v", i, c.At, now)
		}
	}
}
