package ui

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// SetupState reports which steps of the first start a data directory has
// done. Each step is committed on its own, so a first start that stopped
// halfway resumes at the first step not done.
type SetupState struct {
	Products bool // a product master is imported
	Registry bool // a registry export is imported
	Admin    bool // an active admin with a PIN exists
}

// Done reports whether every step is done.
func (s SetupState) Done() bool { return s.Products && s.Registry && s.Admin }

// Setup imports the first files into an empty data directory and creates
// its first admin. cmd/kiosk implements it over the store and its import
// functions. Each method stores its step in one transaction.
type Setup interface {
	// SetupState returns the steps done.
	SetupState(ctx context.Context) (SetupState, error)
	// Import imports the file at path as kind. A file with problems
	// imports nothing and returns an error for which errors.As finds a
	// *line.ValidationError.
	Import(ctx context.Context, kind ImportKind, path string) error
	// CreateAdmin creates the first admin, active, with the PIN.
	CreateAdmin(ctx context.Context, id, name, pin string) error
}

// FirstStartConfig holds what the first start needs. Setup is required.
type FirstStartConfig struct {
	Setup Setup
	// Roots are the glob patterns of the directories the file picker
	// searches; nil means DefaultImportRoots.
	Roots []string
	// Clock debounces the buttons; nil means the system clock.
	Clock line.Clock
	// Lang is the language shown first; empty means Simplified Chinese.
	Lang line.Lang
	// Done is called on the fyne goroutine once every step is done, with
	// the language on screen, so the kiosk can go on in it.
	Done   func(lang line.Lang)
	Logger *slog.Logger // slog.Default() when nil
}

// FirstStart is the wizard a kiosk shows instead of the login when its
// data directory lacks a product master, a registry export or an admin.
// Its steps import the product master and the registry export, picked
// from files on a USB stick, and create the first admin with a PIN. It
// starts at the first step the data directory has not done.
type FirstStart struct {
	// host carries what the shared widgets need from a kiosk: the clock,
	// the language, the worker and the window. It has no station.
	host  *Kiosk
	setup Setup
	roots []string
	done  func(line.Lang)
	state SetupState

	products *fileStep
	registry *fileStep
	admin    *adminStep
	current  firstStep
	finished bool

	stepTiles []*Tile
	langBtn   *TouchButton
	bar       *fyne.Container
	heading   *canvas.Text
	body      *fyne.Container
	message   *widget.Label
	root      *fyne.Container

	// The message's key and data, kept to render it again in another
	// language; empty for a text made elsewhere.
	messageKey  string
	messageData map[string]string
}

// firstStep is one step of the first start.
type firstStep interface {
	stepKey() string // the title on the step's tile
	content() fyne.CanvasObject
	// show sets every text in the language on screen and reads afresh
	// what the step lists.
	show()
	// retranslate sets every text in the language on screen.
	retranslate()
	done(s SetupState) bool
}

// NewFirstStart builds the wizard in win; Start shows it.
func NewFirstStart(win fyne.Window, cfg FirstStartConfig) (*FirstStart, error) {
	switch {
	case win == nil:
		return nil, errors.New("ui: no window")
	case cfg.Setup == nil:
		return nil, errors.New("ui: no setup")
	}
	h := &Kiosk{win: win, clock: cfg.Clock, log: cfg.Logger, lang: cfg.Lang}
	if h.clock == nil {
		h.clock = line.ClockFunc(time.Now)
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.lang == "" {
		h.lang = line.LangZH
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.do = fyne.Do
	h.work = goWorker{do: func(f func()) { h.do(f) }}

	f := &FirstStart{host: h, setup: cfg.Setup, roots: cfg.Roots, done: cfg.Done}
	if f.roots == nil {
		f.roots = DefaultImportRoots
	}
	f.products = newFileStep(f, ImportProducts)
	f.registry = newFileStep(f, ImportRegistry)
	f.admin = newAdminStep(f)
	f.build()
	return f, nil
}

// Lang returns the language on screen.
func (f *FirstStart) Lang() line.Lang { return f.host.lang }

// Start puts the wizard in the window and shows the first step not done.
// Call it on the fyne goroutine.
func (f *FirstStart) Start() {
	f.host.win.SetContent(f.root)
	f.host.win.Canvas().SetOnTypedRune(f.typedRune)
	f.host.win.Canvas().SetOnTypedKey(f.typedKey)
	f.host.log.Info("first start shown")
	f.refresh()
}

// Close cancels the jobs still running.
func (f *FirstStart) Close() { f.host.cancel() }

// ShowError shows why the kiosk could not go on, such as a station that
// failed to start after the last step.
func (f *FirstStart) ShowError(err error) {
	f.host.log.Error("first start failed", "err", err)
	f.say("", nil, errorText(f.host, err), true)
}

func (f *FirstStart) build() {
	h := f.host
	// The step tiles show progress and take no taps.
	steps := container.NewGridWithColumns(3)
	for range f.steps() {
		t := NewTile(h, "", "", nil)
		f.stepTiles = append(f.stepTiles, t)
		steps.Add(t)
	}
	f.langBtn = NewTouchButton(h, "", nil, f.toggleLang)
	barBG := canvas.NewRectangle(themeColor(ColorNameBar))
	f.heading = canvas.NewText("", themeColor(ColorNameOnBar))
	f.heading.TextStyle.Bold = true
	f.bar = container.NewStack(barBG, container.NewBorder(nil, nil, container.NewPadded(container.NewCenter(f.heading)), f.langBtn, steps))

	f.message = widget.NewLabel("")
	f.message.Wrapping = fyne.TextWrapWord
	f.message.TextStyle.Bold = true
	// The message line keeps its height when empty, so the step's keys
	// never move under a finger.
	f.message.SetText(" ")
	f.body = container.NewStack()
	f.root = container.NewBorder(f.bar, f.message, nil, nil, f.body)
}

// refresh reads the steps done and shows the first one not done.
func (f *FirstStart) refresh() {
	var got SetupState
	f.host.work.Go(func() error {
		ctx, cancel := context.WithTimeout(f.host.ctx, readTimeout)
		defer cancel()
		var err error
		got, err = f.setup.SetupState(ctx)
		return err
	}, func(err error) {
		if err != nil {
			f.ShowError(err)
			return
		}
		f.state = got
		f.next()
	})
}

// steps returns the steps in their order.
func (f *FirstStart) steps() []firstStep { return []firstStep{f.products, f.registry, f.admin} }

// next shows the first step not done, or ends the wizard.
func (f *FirstStart) next() {
	for _, s := range f.steps() {
		if !s.done(f.state) {
			f.open(s)
			return
		}
	}
	f.finish()
}

func (f *FirstStart) open(s firstStep) {
	f.current = s
	f.body.Objects = []fyne.CanvasObject{s.content()}
	f.body.Refresh()
	f.renderFrame()
	s.show()
}

// finish ends the wizard: the kiosk takes the window from here.
func (f *FirstStart) finish() {
	if f.finished {
		return
	}
	f.finished = true
	f.current = nil
	f.body.Objects = nil
	f.body.Refresh()
	f.renderFrame()
	f.say("ui.firststart.starting", nil, "", false)
	f.host.log.Info("first start done")
	if f.done != nil {
		f.done(f.host.lang)
	}
}

// renderFrame sets the bar's heading and step tiles in the language on
// screen.
func (f *FirstStart) renderFrame() {
	h := f.host
	for i, s := range f.steps() {
		detail := h.T("ui.firststart.step.todo", nil)
		if s.done(f.state) {
			detail = h.T("ui.firststart.step.done", nil)
		}
		title := h.T("ui.firststart.step.n", map[string]string{"n": strconv.Itoa(i + 1), "title": h.T(s.stepKey(), nil)})
		f.stepTiles[i].Set(title, detail, s == f.current)
	}
	f.langBtn.SetText(h.T("ui.frame.other_lang", nil))
	f.heading.Text = h.T("ui.firststart.title", nil)
	if f.finished {
		f.heading.Text = h.T("ui.firststart.done_title", nil)
	}
	f.heading.Refresh()
	// Texts changed the widths, which a container lays out only when
	// refreshed.
	f.bar.Refresh()
}

// say shows a message below the step: the catalog message of key when it
// is set, otherwise text unchanged.
func (f *FirstStart) say(key string, data map[string]string, text string, isError bool) {
	f.messageKey, f.messageData = key, data
	if key != "" {
		text = f.host.T(key, data)
	}
	if text == "" {
		text = " "
	}
	f.message.Importance = widget.MediumImportance
	if isError {
		f.message.Importance = widget.DangerImportance
	}
	f.message.SetText(text)
}

// clearMessage empties the message line.
func (f *FirstStart) clearMessage() { f.say("", nil, "", false) }

// stepDone reports a step committed and moves on to the next, where the
// report stays until that step's first action.
func (f *FirstStart) stepDone(key string, data map[string]string) {
	f.say(key, data, "", false)
	f.refresh()
}

func (f *FirstStart) toggleLang() {
	h := f.host
	if h.lang == line.LangZH {
		h.lang = line.LangEN
	} else {
		h.lang = line.LangZH
	}
	f.renderFrame()
	if f.messageKey != "" {
		f.message.SetText(h.T(f.messageKey, f.messageData))
	}
	if f.current != nil {
		f.current.retranslate()
	}
}

// typedRune and typedKey take a USB keyboard's input into the on-screen
// pad that is open, for the admin's name and id.
func (f *FirstStart) typedRune(r rune) {
	if f.current == f.admin {
		f.admin.typedRune(r)
	}
}

func (f *FirstStart) typedKey(ev *fyne.KeyEvent) {
	if f.current == f.admin {
		f.admin.typedKey(ev)
	}
}
