package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// Defaults of Config.
const (
	// DefaultIdleLock signs the user out after five minutes without a
	// touch, so the next person at the kiosk cannot act under their name.
	DefaultIdleLock = 5 * time.Minute
	// DefaultStatusInterval is the period of the status bar's requests
	// for the state of devices and the outbox.
	DefaultStatusInterval = 2 * time.Second
	// EventBuffer is the capacity of the kiosk's subscription to the
	// station: at 10 readings a second from each of three scales it holds
	// about eight seconds of events.
	EventBuffer = 256
)

// LockoutPolicy limits PIN guessing: after Attempts wrong PINs in a row
// for one user, that user cannot sign in for Lock, doubled for each
// further round of Attempts failures up to MaxLock. A right PIN resets
// the count.
type LockoutPolicy struct {
	Attempts int
	Lock     time.Duration
	MaxLock  time.Duration
}

// DefaultLockout allows five attempts, then locks for 5 minutes, 10, 20
// and so on up to an hour: a 4-digit PIN then takes weeks to guess.
var DefaultLockout = LockoutPolicy{Attempts: 5, Lock: 5 * time.Minute, MaxLock: time.Hour}

// Config holds what the kiosk needs. Station and Users are required.
type Config struct {
	Station Station
	Users   Users
	// Status reports devices and the outbox. When nil the status bar shows
	// the station's printers only.
	Status StatusSource
	// Clock gives the time for the lockout, the idle lock and the
	// debounce of buttons; nil means the system clock.
	Clock line.Clock
	// Lang is the language shown first; empty means Simplified Chinese.
	Lang line.Lang
	// IdleLock signs the user out after this long without a touch. Zero
	// means DefaultIdleLock and a negative value never signs out.
	IdleLock time.Duration
	// StatusInterval is the period of status requests; zero means
	// DefaultStatusInterval.
	StatusInterval time.Duration
	// Lockout limits wrong PINs; the zero value means DefaultLockout.
	Lockout LockoutPolicy
	// Lockouts keeps the wrong-PIN counts and locks across restarts. When
	// nil they live in memory, and a restart of the kiosk clears them.
	Lockouts LockoutStore
	// WashdownHold is how long a press ends the washdown lock; zero means
	// DefaultWashdownHold.
	WashdownHold time.Duration
	Logger       *slog.Logger // slog.Default() when nil
}

// Screen is one screen of the kiosk. A screen is made with the *Kiosk it
// belongs to and added with Kiosk.Register before Kiosk.Start. The kiosk
// calls every method on the fyne goroutine.
type Screen interface {
	// Name identifies the screen for Kiosk.ShowScreen, such as "entry".
	Name() string
	// TitleKey is the catalog key of the screen's navigation button.
	TitleKey() string
	// Roles lists the roles that may open the screen.
	Roles() []Role
	// Content returns the screen's widgets; the kiosk calls it once.
	Content() fyne.CanvasObject
	// Show is called when the screen becomes visible, when the language
	// changes while it is visible and after the kiosk missed events. It
	// reads the state afresh (Station.Snapshot) and sets every text in
	// Kiosk.Lang.
	Show()
	// Hide is called when another screen, the login or the washdown lock
	// replaces it.
	Hide()
}

// EventHandler is a Screen that follows the station's events. The kiosk
// hands every event to every registered EventHandler, shown or not, on
// the fyne goroutine and in the order the station published them.
type EventHandler interface {
	HandleEvent(ev line.Event)
}

// Scanner is a Screen that takes codes from a barcode or QR scanner. A
// scanner of the keyboard kind types the code and then Enter. The kiosk
// collects the characters typed outside any entry field and hands the
// code to the screen shown, on the fyne goroutine. It hands on nothing
// while no user is signed in or the washdown lock is on.
type Scanner interface {
	Scanned(code string)
}

// maxScan bounds the characters collected for one scanned code; a GS1
// Digital Link URI on a label has at most 200.
const maxScan = 256

// worker runs a job off the fyne goroutine and applies its result on it.
type worker interface {
	Go(job func() error, done func(error))
}

// goWorker runs each job on a new goroutine and hands the result to do.
type goWorker struct{ do func(func()) }

func (w goWorker) Go(job func() error, done func(error)) {
	go func() {
		err := job()
		w.do(func() { done(err) })
	}()
}

// Kiosk is the frame of the touchscreen application. Its top bar holds the
// navigation, the user, the language switch and the locks. Below the
// screen shown sit the notice bar and the status bar, and the login
// replaces the screen while no user is signed in.
type Kiosk struct {
	st      Station
	users   Users
	status  StatusSource
	clock   line.Clock
	log     *slog.Logger
	idle    time.Duration
	poll    time.Duration
	hold    time.Duration
	lockout *lockout

	win    fyne.Window
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	do     func(func()) // fyne.Do; tests apply at once
	work   worker
	sub    *line.Subscription
	drops  int64 // sub.Dropped() when events were last applied

	// Fields below are used on the fyne goroutine only.
	lang      line.Lang
	user      *User
	screens   []Screen
	current   Screen
	lastTouch time.Time
	washing   bool
	mounted   bool
	scan      []rune // characters typed since the last Enter

	root      *fyne.Container
	top       *fyne.Container
	center    *fyne.Container
	nav       *fyne.Container
	userName  *userBadge
	langBtn   *TouchButton
	washBtn   *TouchButton
	lockBtn   *TouchButton
	statusBar *statusBar
	notice    *noticeBar
	login     *loginScreen
	washdown  *washdownLock
}

// New builds a kiosk in win. It subscribes to the station at once, so no
// event after New is missed; Start shows it.
func New(win fyne.Window, cfg Config) (*Kiosk, error) {
	switch {
	case win == nil:
		return nil, errors.New("ui: no window")
	case cfg.Station == nil:
		return nil, errors.New("ui: no station")
	case cfg.Users == nil:
		return nil, errors.New("ui: no users")
	}
	k := &Kiosk{st: cfg.Station, users: cfg.Users, status: cfg.Status, clock: cfg.Clock, log: cfg.Logger,
		idle: cfg.IdleLock, poll: cfg.StatusInterval, hold: cfg.WashdownHold, win: win, lang: cfg.Lang}

	// Defaults for the zero values of Config.
	if k.clock == nil {
		k.clock = line.ClockFunc(time.Now)
	}
	if k.log == nil {
		k.log = slog.Default()
	}
	if k.idle == 0 {
		k.idle = DefaultIdleLock
	}
	if k.poll <= 0 {
		k.poll = DefaultStatusInterval
	}
	if k.hold <= 0 {
		k.hold = DefaultWashdownHold
	}
	if k.lang == "" {
		k.lang = line.LangZH
	}

	policy := cfg.Lockout
	if policy == (LockoutPolicy{}) {
		policy = DefaultLockout
	}
	if policy.Attempts < 1 || policy.Lock <= 0 || policy.MaxLock < policy.Lock {
		return nil, fmt.Errorf("ui: invalid lockout policy %+v: attempts must be at least 1 and 0 < lock <= max lock", policy)
	}
	k.lockout = newLockout(policy, cfg.Lockouts)

	k.ctx, k.cancel = context.WithCancel(context.Background())
	k.do = fyne.Do
	k.work = goWorker{do: func(f func()) { k.do(f) }}
	k.sub = k.st.Subscribe(EventBuffer)
	k.lastTouch = k.now()
	return k, nil
}

// Register adds screens in the order of their navigation buttons. It must
// be called before Start; a second screen with a name already taken is
// an error.
func (k *Kiosk) Register(screens ...Screen) error {
	if k.mounted {
		return errors.New("ui: register screens before Start")
	}
	for _, s := range screens {
		if k.screen(s.Name()) != nil {
			return fmt.Errorf("ui: a screen named %q is registered already", s.Name())
		}
		k.screens = append(k.screens, s)
	}
	return nil
}

// Start shows the login in the window and starts the goroutines that
// apply the station's events, poll the status and lock an idle kiosk.
// Call it on the fyne goroutine, before or after the window shows.
func (k *Kiosk) Start() {
	k.mount()
	k.wg.Add(3)
	go k.readEvents()
	go func() {
		k.pollStatus()
		k.every(k.poll, k.pollStatus)
	}()
	go k.every(5*time.Second, func() { k.do(k.checkIdle) })
	k.log.Info("kiosk started", "screens", len(k.screens), "lang", k.lang)
}

// Close stops the kiosk's goroutines and its subscription. Jobs of
// buttons still running see their context cancelled.
func (k *Kiosk) Close() {
	k.cancel()
	k.sub.Close()
	k.wg.Wait()
	k.log.Info("kiosk stopped")
}

// Present shows the window and only then makes it full screen. Going full
// screen before the window shows crashed fyne 2.0 under some X11 window
// managers (fixed in 2.1), and the kiosk must never stop at boot. A
// window manager or compositor that makes the window full screen itself
// is fine too.
func Present(win fyne.Window) {
	win.Show()
	win.SetFullScreen(true)
}

// Station returns the line service.
func (k *Kiosk) Station() Station { return k.st }

// Lang returns the language on screen.
func (k *Kiosk) Lang() line.Lang { return k.lang }

// T renders a catalog message in the language on screen.
func (k *Kiosk) T(key string, data map[string]string) string {
	return line.Translate(k.lang, key, data)
}

// User returns the signed-in user.
func (k *Kiosk) User() (User, bool) {
	if k.user == nil {
		return User{}, false
	}
	return *k.user, true
}

// Actor returns the id of the signed-in user, for commands that record
// who acted, or line.SystemActor when nobody is signed in.
func (k *Kiosk) Actor() string {
	if k.user == nil {
		return line.SystemActor
	}
	return k.user.ID
}

// Now returns the kiosk clock's time.
func (k *Kiosk) Now() time.Time { return k.now() }

func (k *Kiosk) now() time.Time { return k.clock.Now() }

// Touched records that someone used the screen, which postpones the idle
// lock. The shared widgets call it on every press.
func (k *Kiosk) Touched() { k.lastTouch = k.now() }

// ErrorText returns what to tell a person about a failed command: the
// refusal or another error's own message (line.Localized) in the
// language on screen, or a failure with its cause.
func (k *Kiosk) ErrorText(err error) string {
	var ref *line.RefusalError
	var localized line.Localized
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ref):
		return ref.Text(k.lang)
	case errors.As(err, &localized):
		return localized.Message(k.lang)
	case errors.Is(err, context.DeadlineExceeded):
		return k.T("ui.error.timeout", nil)
	}
	return k.T("ui.error.failed", map[string]string{"err": err.Error()})
}

// ShowError shows err in the notice bar until the next notice or a tap.
// Failures that are not refusals are logged.
func (k *Kiosk) ShowError(err error) {
	if err == nil {
		return
	}
	var ref *line.RefusalError
	if !errors.As(err, &ref) {
		k.log.Error("kiosk command failed", "user", k.Actor(), "err", err)
	}
	k.notice.show(k.ErrorText(err), true)
}

// ShowNotice shows a message in the notice bar until the next notice or a
// tap.
func (k *Kiosk) ShowNotice(m Message) { k.notice.show(m.Text(k.lang), false) }

// ClearNotice hides the notice bar.
func (k *Kiosk) ClearNotice() { k.notice.hide() }

// SetLang switches the language of every text at once.
func (k *Kiosk) SetLang(lang line.Lang) {
	if !slices.Contains(line.Langs, lang) || lang == k.lang {
		return
	}
	k.lang = lang
	k.refreshFrame()
	k.statusBar.render()
	k.notice.hide()
	k.washdown.Refresh()
	if k.current != nil {
		k.current.Show()
	} else {
		k.login.retranslate()
	}
}

// ShowScreen shows the named screen if the signed-in user's role may open
// it, and reports whether it did.
func (k *Kiosk) ShowScreen(name string) bool {
	s := k.screen(name)
	if s == nil || k.user == nil || !slices.Contains(s.Roles(), k.user.Role) {
		return false
	}
	k.show(s)
	return true
}

// Current returns the screen shown, nil while the login is shown.
func (k *Kiosk) Current() Screen { return k.current }

// Lock signs the user out and shows the login.
func (k *Kiosk) Lock() {
	if k.user != nil {
		k.log.Info("user signed out", "user", k.user.ID)
	}
	k.user = nil
	k.st.SetOperator("")
	k.hideCurrent()
	k.notice.hide()
	k.center.Objects = []fyne.CanvasObject{k.login.Content()}
	k.center.Refresh()
	k.login.Show()
	k.refreshFrame()
}

// Washdown covers the screen with the washdown lock, which ignores every
// touch until a press of WashdownHold.
func (k *Kiosk) Washdown() {
	if k.washing {
		return
	}
	k.washing = true
	k.log.Info("washdown lock on", "user", k.Actor())
	k.washdown.Refresh()
	// In fyne 2.7 the overlay stack sizes only pop-ups, and the GL canvas
	// grows any other new overlay to its minimum size, so the lock is
	// sized to the window here. The GL canvas resizes it with the window
	// after that.
	k.washdown.Move(fyne.NewPos(0, 0))
	k.washdown.Resize(k.win.Canvas().Size())
	k.win.Canvas().Overlays().Add(k.washdown)
}

// Washing reports whether the washdown lock is on.
func (k *Kiosk) Washing() bool { return k.washing }

func (k *Kiosk) endWashdown() {
	k.washing = false
	k.win.Canvas().Overlays().Remove(k.washdown)
	k.Touched()
	k.log.Info("washdown lock off")
}

// signIn makes u the user and shows their first screen.
func (k *Kiosk) signIn(u User) {
	k.user = &u
	k.st.SetOperator(u.ID)
	k.Touched()
	k.log.Info("user signed in", "user", u.ID, "role", u.Role)
	k.refreshFrame()
	for _, s := range k.screens {
		if slices.Contains(s.Roles(), u.Role) {
			k.show(s)
			return
		}
	}
	// No screen for this role: the login shows it.
	k.login.noScreen(u)
}

func (k *Kiosk) show(s Screen) {
	if k.current != s {
		k.hideCurrent()
	}
	k.current = s
	k.center.Objects = []fyne.CanvasObject{s.Content()}
	k.center.Refresh()
	k.notice.hide()
	s.Show()
	k.refreshFrame()
}

func (k *Kiosk) hideCurrent() {
	if k.current != nil {
		k.current.Hide()
		k.current = nil
	}
}

func (k *Kiosk) screen(name string) Screen {
	for _, s := range k.screens {
		if s.Name() == name {
			return s
		}
	}
	return nil
}

// mount builds the frame and puts it in the window with the login shown.
func (k *Kiosk) mount() {
	k.mounted = true
	k.login = newLoginScreen(k)
	k.washdown = newWashdownLock(k, k.hold, k.endWashdown)
	k.statusBar = newStatusBar(k)
	k.notice = newNoticeBar(k)

	k.nav = container.NewHBox()
	k.userName = newUserBadge()
	k.langBtn = NewTouchButton(k, "", nil, k.toggleLang)
	k.washBtn = NewTouchButton(k, "", nil, k.Washdown)
	k.lockBtn = NewTouchButton(k, "", theme.LogoutIcon(), k.Lock)
	barBG := canvas.NewRectangle(themeColor(ColorNameBar))
	// The user's name takes the space between the navigation and the
	// buttons, so every button stays on the screen whatever the name.
	right := container.NewHBox(k.langBtn, k.washBtn, k.lockBtn)
	k.top = container.NewStack(barBG, container.NewBorder(nil, nil, k.nav, right, k.userName))
	bottom := container.NewVBox(k.notice, k.statusBar)

	k.center = container.NewStack()
	k.root = container.NewBorder(k.top, bottom, nil, nil, k.center)
	k.win.SetContent(k.root)
	k.win.Canvas().SetOnTypedRune(k.typedRune)
	k.win.Canvas().SetOnTypedKey(k.typedKey)
	k.Lock()
}

func (k *Kiosk) typedRune(r rune) {
	if len(k.scan) < maxScan {
		k.scan = append(k.scan, r)
	}
}

func (k *Kiosk) typedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		code := strings.TrimSpace(string(k.scan))
		k.scan = k.scan[:0]
		k.Scan(code)
	case fyne.KeyEscape:
		k.scan = k.scan[:0]
	}
}

// Scan hands a scanned code to the screen shown if it is a Scanner, as
// the keyboard scanner's Enter does.
func (k *Kiosk) Scan(code string) {
	if code == "" || k.user == nil || k.washing {
		return
	}
	k.Touched()
	if s, ok := k.current.(Scanner); ok {
		k.log.Debug("code scanned", "screen", k.current.Name(), "code", code)
		s.Scanned(code)
	}
}

// refreshFrame redraws the top bar for the user and the language.
func (k *Kiosk) refreshFrame() {
	k.nav.Objects = nil
	if k.user != nil {
		for _, s := range k.screens {
			if !slices.Contains(s.Roles(), k.user.Role) {
				continue
			}
			b := NewTouchButton(k, k.T(s.TitleKey(), nil), nil, func() { k.show(s) })
			if s == k.current {
				b.Importance = widget.HighImportance
			}
			k.nav.Add(b)
		}
	}
	k.nav.Refresh()

	if k.user != nil {
		k.userName.Set(k.user.Name, k.T("ui.role."+string(k.user.Role), nil))
		k.lockBtn.Show()
	} else {
		k.userName.Set(k.T("ui.frame.signed_out", nil), "")
		k.lockBtn.Hide()
	}
	k.langBtn.SetText(k.T("ui.frame.other_lang", nil))
	k.lockBtn.SetText(k.T("ui.frame.sign_out", nil))
	k.washBtn.SetText(k.T("ui.frame.washdown", nil))
	// Texts changed the widths, which a container lays out only when
	// refreshed.
	k.top.Refresh()
}

func (k *Kiosk) toggleLang() {
	if k.lang == line.LangZH {
		k.SetLang(line.LangEN)
	} else {
		k.SetLang(line.LangZH)
	}
}

// readEvents hands the station's events to the fyne goroutine in batches:
// everything that arrived while the last batch was applied goes in one
// fyne.Do.
func (k *Kiosk) readEvents() {
	defer k.wg.Done()
	for ev := range k.sub.C {
		batch := []line.Event{ev}
	drain:
		for len(batch) < EventBuffer {
			select {
			case more, ok := <-k.sub.C:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		k.do(func() { k.apply(batch) })
	}
}

// pump applies the events waiting in the subscription on the calling
// goroutine, for tests and benchmarks that run without Start.
func (k *Kiosk) pump() {
	var batch []line.Event
	for {
		select {
		case ev := <-k.sub.C:
			batch = append(batch, ev)
		default:
			k.apply(batch)
			return
		}
	}
}

// apply hands events to the screens. When the subscription dropped events
// since the last batch, the screen shown reads the state afresh.
func (k *Kiosk) apply(evs []line.Event) {
	for _, ev := range evs {
		if _, ok := ev.(line.PrinterStatusChangedEvent); ok && k.status == nil {
			k.statusBar.set(k.printerReport())
		}
		for _, s := range k.screens {
			if h, ok := s.(EventHandler); ok {
				h.HandleEvent(ev)
			}
		}
	}
	if d := k.sub.Dropped(); d != k.drops {
		k.log.Warn("kiosk missed station events; reading the state afresh", "dropped", d-k.drops)
		k.drops = d
		if k.current != nil {
			k.current.Show()
		}
	}
}

func (k *Kiosk) every(period time.Duration, f func()) {
	defer k.wg.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-k.ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// pollStatus requests the status off the fyne goroutine and shows it.
func (k *Kiosk) pollStatus() {
	report := k.printerReport()
	if k.status != nil {
		ctx, cancel := context.WithTimeout(k.ctx, k.poll)
		report = k.status.Status(ctx)
		cancel()
	}
	k.do(func() { k.statusBar.set(report) })
}

func (k *Kiosk) printerReport() StatusReport {
	var r StatusReport
	for _, p := range k.st.Printers() {
		r.Links = append(r.Links, PrinterLink(p))
	}
	return r
}

// checkIdle signs out a user who has not touched the screen for the idle
// time. The washdown lock does not count as a touch.
func (k *Kiosk) checkIdle() {
	if k.user == nil || k.idle < 0 {
		return
	}
	if k.now().Sub(k.lastTouch) >= k.idle {
		k.log.Info("idle lock", "user", k.user.ID, "idle", k.idle)
		k.Lock()
	}
}

// statusBar shows every link and the outbox, each with a lamp, and the
// reason of a link that is not OK.
type statusBar struct {
	widget.BaseWidget
	k      *Kiosk
	report StatusReport
	row    *fyne.Container
	bg     *canvas.Rectangle
}

func newStatusBar(k *Kiosk) *statusBar {
	b := &statusBar{k: k, row: container.New(clipRow{}), bg: canvas.NewRectangle(nil)}
	b.ExtendBaseWidget(b)
	b.render()
	return b
}

// set shows r. A report equal to the one shown changes nothing, so the
// poll every StatusInterval repaints the window only when a link or the
// outbox changed.
func (b *statusBar) set(r StatusReport) {
	if reflect.DeepEqual(r, b.report) {
		return
	}
	b.report = r
	b.render()
}

// Text returns the bar's texts joined, for tests.
func (b *statusBar) Text() string {
	var out []string
	for _, o := range b.row.Objects {
		if c, ok := o.(*fyne.Container); ok {
			for _, x := range c.Objects {
				if t, ok := x.(*canvas.Text); ok {
					out = append(out, t.Text)
				}
			}
		}
	}
	return fmt.Sprint(out)
}

func (b *statusBar) render() {
	k := b.k
	b.bg.FillColor = themeColor(ColorNameBar)
	b.row.Objects = nil

	var faults, fine []fyne.CanvasObject
	for _, kind := range LinkKinds {
		for _, l := range b.report.Links {
			if l.Kind != kind {
				continue
			}
			text := k.T("ui.status.kind."+string(l.Kind), nil)
			if l.ID != "" {
				text += " " + l.ID
			}
			if !l.OK {
				problem := l.Problem.Text(k.lang)
				if problem == "" {
					problem = k.T("ui.status.problem.unknown", nil)
				}
				faults = append(faults, b.segment(false, text+": "+problem))
				continue
			}
			fine = append(fine, b.segment(true, text))
		}
	}

	o := b.report.Outbox
	text := k.T("ui.status.outbox", map[string]string{"waiting": strconv.Itoa(o.Waiting), "rejected": strconv.Itoa(o.Rejected)})
	ok := o.Rejected == 0 && o.Problem.Key == ""
	if p := o.Problem.Text(k.lang); p != "" {
		text += ": " + p
	}
	if ok {
		fine = append(fine, b.segment(true, text))
	} else {
		faults = append(faults, b.segment(false, text))
	}

	// Faults come first: on a narrow screen the row is cut at the right
	// edge, and what is cut must be a link that works.
	b.row.Objects = append(faults, fine...)
	b.row.Refresh()
	b.bg.Refresh()
}

func (b *statusBar) segment(ok bool, text string) fyne.CanvasObject {
	lampColor := themeColor(ColorNameStable)
	if !ok {
		lampColor = themeColor(ColorNameFault)
	}
	lamp := canvas.NewCircle(lampColor)
	lamp.StrokeColor, lamp.StrokeWidth = themeColor(ColorNameOnBar), 1
	t := canvas.NewText(text, themeColor(ColorNameOnBar))
	t.TextSize = themeSize(SizeNameBarText)
	if !ok {
		t.TextStyle.Bold = true
	}
	size := t.TextSize * 0.8
	return container.NewHBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(size, size), lamp)), t, layout.NewSpacer())
}

func (b *statusBar) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(b.bg, container.NewPadded(b.row)))
}

// clipRow lays its objects out left to right at their minimum sizes and
// reports a minimum width of zero, so a long status line is cut at the
// window's edge instead of widening the window past the screen.
type clipRow struct{}

func (clipRow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(0, h)
}

func (clipRow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	var x float32
	for _, o := range objects {
		m := o.MinSize()
		o.Resize(m)
		o.Move(fyne.NewPos(x, (size.Height-m.Height)/2))
		x += m.Width + theme.Padding()
	}
}

// Grounds of the notice bar; black text on them has a contrast above 15:1.
var (
	noticeInfo  = color.NRGBA{0xdc, 0xe8, 0xf8, 0xff}
	noticeError = color.NRGBA{0xff, 0xdc, 0xdc, 0xff}
)

// noticeBar shows one message across the frame until it is tapped or the
// next message replaces it.
type noticeBar struct {
	widget.BaseWidget
	k     *Kiosk
	bg    *canvas.Rectangle
	text  *widget.Label
	error bool
}

func newNoticeBar(k *Kiosk) *noticeBar {
	n := &noticeBar{k: k, bg: canvas.NewRectangle(nil), text: widget.NewLabel("")}
	n.text.Wrapping = fyne.TextWrapWord
	n.text.TextStyle.Bold = true
	n.ExtendBaseWidget(n)
	n.Hide()
	return n
}

// Text returns the message shown, empty when the bar is hidden.
func (n *noticeBar) Text() string {
	if n.Hidden {
		return ""
	}
	return n.text.Text
}

func (n *noticeBar) show(text string, isError bool) {
	n.error = isError
	n.bg.FillColor, n.bg.StrokeColor, n.bg.StrokeWidth = noticeInfo, themeColor(theme.ColorNamePrimary), 3
	if isError {
		n.bg.FillColor, n.bg.StrokeColor = noticeError, themeColor(ColorNameAlert)
	}
	n.text.SetText(text)
	n.bg.Refresh()
	n.Show()
}

func (n *noticeBar) hide() { n.Hide() }

// Tapped hides the bar.
func (n *noticeBar) Tapped(*fyne.PointEvent) {
	n.k.Touched()
	n.Hide()
}

func (n *noticeBar) MinSize() fyne.Size {
	return fyne.NewSize(n.BaseWidget.MinSize().Width, max(n.BaseWidget.MinSize().Height, TouchTarget))
}

func (n *noticeBar) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(n.bg, n.text))
}
