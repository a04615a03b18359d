package main

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"

	"lambtrace/labels"
	"lambtrace/line"
	"lambtrace/store"
)

// errNoDisplay reports that no window can be opened.
var errNoDisplay = errors.New(line.Translate(line.LangEN, "kiosk.no_display", nil))

// runGUI opens the kiosk's window on the line service and runs until the
// window closes or ctx is done. With simulated devices and a line run,
// the simulators play the run at line pace times -speed.
//
// NOTE: the window shows the line as it runs and nothing more: the
// operators', quality and veterinarian screens of package ui take its
// place when that package exists.
func runGUI(ctx context.Context, cfg *Config, o options, log *slog.Logger) error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return errNoDisplay
	}
	station, play, closeService, err := openService(ctx, cfg, o, log)
	if err != nil {
		return err
	}
	defer closeService()

	lang := line.Lang(cfg.Language)
	a := app.NewWithID("cn.lambtrace.kiosk")
	a.Settings().SetTheme(kioskTheme{})
	w := a.NewWindow(line.Translate(lang, "kiosk.window.title", map[string]string{"station": cfg.Station.ID}))
	view := newLineView(lang, station)
	w.SetContent(view.content)
	w.Resize(fyne.NewSize(1024, 600))

	sub := station.Subscribe(512)
	defer sub.Close()
	go view.follow(sub)
	// The window manager may refuse full screen before the window is
	// mapped, so it is asked for once the app runs.
	a.Lifecycle().SetOnStarted(func() { w.SetFullScreen(true) })
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	if play != nil {
		go func() {
			err := play(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("simulated day stopped", "err", err)
			}
			fyne.Do(func() { view.dayEnded(err) })
		}()
	}
	w.ShowAndRun()
	return nil
}

// openService opens the line service the window shows: on simulated
// devices, playing the line run when one is given, or on the configured
// devices. It returns the station, the function that plays the line run
// (nil without one) and the function that closes everything.
func openService(ctx context.Context, cfg *Config, o options, log *slog.Logger) (*line.Station, func(context.Context) error, func(), error) {
	if cfg.Simulated {
		in := simInput{products: o.products, registry: o.registry, speed: o.speed}
		if o.linerun != "" {
			day, err := loadDay(o.products, o.registry, o.linerun)
			if err != nil {
				return nil, nil, nil, err
			}
			out := o.out
			if out == "" {
				out = cfg.DataDir
			}
			// NOTE: until the quality screens exist, the simulated day
			// releases review holds by the day check's policy.
			in.run, in.labelsDir, in.policy = day.Run, filepath.Join(out, "labels"), demoActors.Policy()
		}
		s, err := openSimStation(ctx, cfg, in, log)
		if err != nil {
			return nil, nil, nil, err
		}
		var play func(context.Context) error
		if s.line != nil {
			play = s.play
		}
		return s.k.station, play, s.Close, nil
	}

	db, err := store.Open(ctx, cfg.DataDir, store.Options{Station: cfg.Station.ID, Logger: log})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := importFiles(ctx, db, o.products, o.registry, log); err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	k, err := openKiosk(ctx, cfg, db, kioskOptions{}, log)
	if err != nil {
		return nil, nil, nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		k.run(runCtx, nil, nil)
	}()
	return k.station, nil, func() {
		stop()
		<-stopped
		k.Close()
	}, nil
}

// lineView shows the line as it runs: the last carcass, the live
// weights, the shift's counts, the printers and the last message.
type lineView struct {
	lang    line.Lang
	station *line.Station
	content fyne.CanvasObject

	carcass  *canvas.Text
	detail   *canvas.Text
	weights  *canvas.Text
	counts   *canvas.Text
	printers *canvas.Text
	message  *canvas.Text

	mu       sync.Mutex
	readings map[string]line.Reading // the latest reading of each scale, applied by the ticker
}

func newLineView(lang line.Lang, st *line.Station) *lineView {
	text := func(size float32, bold bool) *canvas.Text {
		t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
		t.TextSize, t.TextStyle = size, fyne.TextStyle{Bold: bold}
		return t
	}
	v := &lineView{lang: lang, station: st, readings: make(map[string]line.Reading),
		carcass: text(56, true), detail: text(28, false), weights: text(40, true), counts: text(24, false),
		printers: text(20, false), message: text(24, true)}
	v.content = container.NewVBox(v.carcass, v.detail, v.weights, v.counts, v.printers, v.message)
	v.carcass.Text = line.Translate(lang, "kiosk.window.waiting", nil)
	v.refreshCounts()
	return v
}

// follow applies the station's events until sub is closed: readings ten
// times a second, everything else at once.
func (v *lineView) follow(sub *line.Subscription) {
	ticker := time.NewTicker(100 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			if r, ok := ev.(line.ScaleReadingEvent); ok {
				v.mu.Lock()
				v.readings[r.Reading.Scale] = r.Reading
				v.mu.Unlock()
				continue
			}
			fyne.Do(func() { v.apply(ev) })
		case <-ticker.C:
			fyne.Do(v.refreshWeights)
		}
	}
}

// apply shows one event; it runs on the fyne goroutine.
func (v *lineView) apply(ev line.Event) {
	switch e := ev.(type) {
	case line.CarcassEnteredEvent:
		v.showCarcass(e.Carcass)
	case line.WeightAcceptedEvent:
		v.showCarcass(e.Carcass)
	case line.CarcassHeldEvent:
		v.showReasons(e.Carcass, e.Decisions, theme.Color(theme.ColorNameWarning))
	case line.CarcassBlockedEvent:
		v.showReasons(e.Carcass, e.Decisions, theme.Color(theme.ColorNameError))
	case line.PackRefusedEvent:
		v.setMessage(e.Refusal.Text(v.lang), theme.Color(theme.ColorNameError))
	case line.PrinterStatusChangedEvent, line.PrintFailedEvent:
		v.refreshPrinters()
	case line.FaultEvent:
		v.setMessage(line.Translate(v.lang, "kiosk.window.fault", map[string]string{"op": e.Op}), theme.Color(theme.ColorNameError))
	}
	v.refreshCounts()
}

func (v *lineView) showCarcass(c line.CarcassRecord) {
	v.carcass.Text = c.Number
	data := map[string]string{"ear_tag": c.EarTag.Dashed(), "state": string(c.State), "hot": ""}
	if c.Hot > 0 {
		data["hot"] = c.Hot.String()
	}
	v.detail.Text = line.Translate(v.lang, "kiosk.window.carcass", data)
	v.carcass.Refresh()
	v.detail.Refresh()
}

func (v *lineView) showReasons(c line.CarcassRecord, decisions []line.Decision, colour color.Color) {
	v.showCarcass(c)
	if len(decisions) == 0 {
		return
	}
	text := decisions[0].Reason(v.lang)
	if len(decisions) > 1 {
		text += " (+" + strconv.Itoa(len(decisions)-1) + ")"
	}
	v.setMessage(text, colour)
}

func (v *lineView) setMessage(text string, colour color.Color) {
	v.message.Text, v.message.Color = text, colour
	v.message.Refresh()
}

func (v *lineView) refreshWeights() {
	v.mu.Lock()
	ids := make([]string, 0, len(v.readings))
	for id := range v.readings {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	text := ""
	for _, id := range ids {
		r := v.readings[id]
		text += fmt.Sprintf("%s %s   ", id, r.Grams)
	}
	v.mu.Unlock()
	if text != v.weights.Text {
		v.weights.Text = text
		v.weights.Refresh()
	}
}

func (v *lineView) refreshCounts() {
	snap := v.station.Snapshot()
	v.counts.Text = line.Translate(v.lang, "kiosk.window.counts", map[string]string{
		"batch": snap.Batch.String(), "carcasses": strconv.Itoa(len(snap.Carcasses)), "packs": strconv.Itoa(snap.Packs)})
	v.counts.Refresh()
}

func (v *lineView) refreshPrinters() {
	text := ""
	for _, p := range v.station.Printers() {
		key := "kiosk.window.printer_ready"
		if p.Err != nil || !p.Status.Ready() {
			key = "kiosk.window.printer_attention"
		}
		text += line.Translate(v.lang, key, map[string]string{"printer": p.Name}) + "   "
	}
	v.printers.Text = text
	v.printers.Refresh()
}

// dayEnded shows that the simulated line run is over.
func (v *lineView) dayEnded(err error) {
	if err != nil {
		v.setMessage(line.Translate(v.lang, "kiosk.failed", map[string]string{"error": err.Error()}), theme.Color(theme.ColorNameError))
		return
	}
	v.setMessage(line.Translate(v.lang, "kiosk.window.day_done", nil), theme.Color(theme.ColorNameSuccess))
}

// kioskTheme is the default theme with the labels' bundled CJK font, so
// the screen draws Chinese with the same font the labels print.
type kioskTheme struct{}

var (
	fontRegular = fyne.NewStaticResource(labels.FontRegularFile, labels.FontRegular())
	fontBold    = fyne.NewStaticResource(labels.FontBoldFile, labels.FontBold())
)

func (kioskTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	return theme.DefaultTheme().Color(n, v)
}

func (kioskTheme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Monospace:
		return theme.DefaultTheme().Font(s)
	case s.Bold:
		return fontBold
	}
	return fontRegular
}

func (kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }
func (kioskTheme) Size(n fyne.ThemeSizeName) float32       { return theme.DefaultTheme().Size(n) }
