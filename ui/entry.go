package ui

import (
	"context"
	"image/color"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// EntryScreen follows carcass entry at the kill point: the last carcass
// as a large card with the live hook-scale weight, the shift's counts,
// and a red alert for every held or blocked carcass that stays until
// someone acknowledges it. Scanning a carcass label makes that carcass
// the next to get a hot weight.
type EntryScreen struct {
	k         *Kiosk
	hookScale string

	carcasses map[string]line.CarcassRecord
	order     []string // carcass numbers in entry order
	hook      []string // carcasses waiting for a hot weight, the next first
	alerts    []entryAlert

	number, state                *canvas.Text
	fieldNames                   []*widget.Label
	earTag, owner, banner, breed *widget.Label
	hot                          *widget.Label
	weight                       *WeightDisplay
	weightTitle                  *widget.Label
	countsTitle                  *widget.Label
	counts                       *widget.Label
	next                         *widget.Label
	capture                      *ActionButton // takes the hook scale's weight with ManualCapture

	alert      *fyne.Container
	alertTitle *canvas.Text
	alertText  *widget.RichText
	alertMore  *canvas.Text
	ack        *TouchButton
	content    fyne.CanvasObject
}

// entryAlert is a held or blocked carcass waiting for acknowledgement,
// with every decision that held it.
type entryAlert struct {
	carcass   line.CarcassRecord
	blocked   bool
	decisions []line.Decision
}

var (
	_ Screen       = (*EntryScreen)(nil)
	_ EventHandler = (*EntryScreen)(nil)
	_ Scanner      = (*EntryScreen)(nil)
)

// NewEntryScreen builds the carcass entry screen. hookScale is the id of
// the scale that gives hot carcass weights, line.ScaleRoles.Hook.
func NewEntryScreen(k *Kiosk, hookScale string) *EntryScreen {
	s := &EntryScreen{k: k, hookScale: hookScale, carcasses: make(map[string]line.CarcassRecord)}
	s.number = canvas.NewText("", nil)
	s.number.TextStyle.Bold = true
	s.state = canvas.NewText("", nil)
	s.state.TextStyle.Bold = true
	s.earTag, s.owner, s.banner, s.breed, s.hot = boldLabel(), boldLabel(), boldLabel(), boldLabel(), boldLabel()
	form := container.NewGridWithColumns(2)
	for _, value := range []*widget.Label{s.earTag, s.owner, s.banner, s.breed, s.hot} {
		name := widget.NewLabel("")
		name.SizeName = theme.SizeNameCaptionText
		value.Truncation = fyne.TextTruncateEllipsis
		s.fieldNames = append(s.fieldNames, name)
		form.Add(container.NewBorder(nil, nil, name, nil, value))
	}
	s.weightTitle = widget.NewLabel("")
	s.weight = NewWeightDisplay(k)
	card := container.NewVBox(
		container.NewHBox(s.number, layout.NewSpacer(), container.NewCenter(s.state)),
		form,
		container.NewBorder(nil, nil, s.weightTitle, nil, s.weight),
	)

	s.countsTitle = boldLabel()
	s.counts = widget.NewLabel("")
	s.next = boldLabel()
	s.next.Wrapping = fyne.TextWrapWord
	s.capture = NewActionButton(k, "", func(ctx context.Context) error { return k.st.Capture(ctx, s.hookScale) })
	s.capture.Done = func(err error) {
		if err != nil {
			k.ShowError(err)
		}
	}
	s.capture.Hide()
	side := container.NewBorder(container.NewVBox(s.countsTitle, s.counts, widget.NewSeparator(), s.next), s.capture, nil, nil)
	main := container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(300, 400), side), container.NewPadded(card))

	s.alertTitle = canvas.NewText("", nil)
	s.alertTitle.TextStyle.Bold = true
	s.alertText = widget.NewRichText()
	s.alertText.Wrapping = fyne.TextWrapWord
	s.alertMore = canvas.NewText("", nil)
	s.ack = NewTouchButton(k, "", theme.ConfirmIcon(), s.acknowledge)
	s.ack.Importance = widget.HighImportance
	bg := newBlocker(themeColor(ColorNameAlert))
	s.alert = container.NewStack(bg, container.NewPadded(container.NewBorder(
		s.alertTitle, container.NewBorder(nil, nil, s.alertMore, s.ack), nil, nil, s.alertText)))
	s.alert.Hide()

	s.content = container.NewStack(main, s.alert)
	return s
}

func boldLabel() *widget.Label {
	l := widget.NewLabel("")
	l.TextStyle.Bold = true
	return l
}

// Name returns "entry".
func (s *EntryScreen) Name() string { return "entry" }

// TitleKey returns the key of the navigation button.
func (s *EntryScreen) TitleKey() string { return "ui.entry.title" }

// Roles returns the roles that follow carcass entry.
func (s *EntryScreen) Roles() []Role { return []Role{RoleOperator, RoleQuality, RoleVet} }

// Content returns the screen.
func (s *EntryScreen) Content() fyne.CanvasObject { return s.content }

// Show reads the shift afresh and draws everything in the kiosk's
// language. Unacknowledged alerts stay.
func (s *EntryScreen) Show() {
	snap := s.k.st.Snapshot()
	clear(s.carcasses)
	s.order = s.order[:0]
	for _, c := range snap.Carcasses {
		s.remember(c)
	}
	s.hook = slices.Clone(snap.HookQueue)
	// With manual capture the hook scale's weight is taken only by the
	// button.
	s.capture.Hidden = !snap.ManualCapture
	for _, sc := range snap.Scales {
		if sc.ID == s.hookScale {
			s.weight.Set(sc.Last, sc.Steady)
		}
	}
	s.render()
}

// Hide does nothing: alerts wait for the next Show.
func (s *EntryScreen) Hide() {}

// HandleEvent follows the carcasses, the hook scale and the holds.
func (s *EntryScreen) HandleEvent(ev line.Event) {
	switch e := ev.(type) {
	case line.ScaleReadingEvent:
		if e.Reading.Scale == s.hookScale {
			s.weight.Set(e.Reading, e.Steady)
		}
		return
	case line.ShiftOpenedEvent:
		s.Show()
		return
	case line.CarcassEnteredEvent:
		s.remember(e.Carcass)
		s.hook = append(s.hook, e.Carcass.Number)
	case line.WeightAcceptedEvent:
		s.remember(e.Carcass)
		if e.Stage == line.StageHot {
			s.hook = slices.DeleteFunc(s.hook, func(n string) bool { return n == e.Carcass.Number })
			if e.Reading.Scale == s.hookScale {
				s.weight.Set(e.Reading, true)
			}
		}
	case line.CarcassHeldEvent:
		s.remember(e.Carcass)
		s.raise(e.Carcass, false, e.Decisions)
	case line.CarcassBlockedEvent:
		s.remember(e.Carcass)
		s.raise(e.Carcass, true, e.Decisions)
	case line.CarcassReleasedEvent:
		s.remember(e.Carcass)
	case line.CarcassClosedEvent:
		s.remember(e.Carcass)
	case line.InspectionRecordedEvent:
		s.remember(e.Carcass)
	default:
		return
	}
	s.render()
}

// Scanned makes a scanned carcass the next to get a hot weight.
func (s *EntryScreen) Scanned(code string) {
	if _, _, err := line.ParseCarcassNumber(code); err != nil {
		s.k.ShowNotice(Message{Key: "ui.scan.not_carcass", Data: map[string]string{"code": code}})
		return
	}
	s.k.work.Go(func() error { return s.k.st.TargetHotWeight(code) }, func(err error) {
		if err != nil {
			s.k.ShowError(err)
			return
		}
		s.hook = append([]string{code}, slices.DeleteFunc(s.hook, func(n string) bool { return n == code })...)
		s.k.ShowNotice(Message{Key: "ui.entry.targeted", Data: map[string]string{"carcass": code}})
		s.render()
	})
}

// Alerting reports whether a held-carcass alert covers the screen.
func (s *EntryScreen) Alerting() bool { return len(s.alerts) > 0 }

func (s *EntryScreen) remember(c line.CarcassRecord) {
	if _, ok := s.carcasses[c.Number]; !ok {
		s.order = append(s.order, c.Number)
	}
	s.carcasses[c.Number] = c
}

// raise adds an alert for decisions that hold or block a carcass at
// entry, at the hook scale or by a person. A mass-balance decision belongs
// to the cutting table and raises none here.
func (s *EntryScreen) raise(c line.CarcassRecord, blocked bool, decisions []line.Decision) {
	decisions = slices.DeleteFunc(slices.Clone(decisions), func(d line.Decision) bool {
		return d.Code == line.CodeMassExcess || d.Code == line.CodeMassLoss
	})
	if len(decisions) == 0 {
		return
	}
	for i := range s.alerts {
		if s.alerts[i].carcass.Number == c.Number {
			s.alerts[i].carcass = c
			s.alerts[i].blocked = s.alerts[i].blocked || blocked
			s.alerts[i].decisions = append(s.alerts[i].decisions, decisions...)
			return
		}
	}
	s.alerts = append(s.alerts, entryAlert{carcass: c, blocked: blocked, decisions: decisions})
}

// acknowledge removes the alert shown, the oldest.
func (s *EntryScreen) acknowledge() {
	if len(s.alerts) == 0 {
		return
	}
	a := s.alerts[0]
	s.alerts = s.alerts[1:]
	s.k.log.Info("held carcass alert acknowledged", "carcass", a.carcass.Number, "user", s.k.Actor(),
		"decisions", len(a.decisions))
	s.render()
}

func (s *EntryScreen) render() {
	k := s.k
	for i, key := range []string{"ui.entry.ear_tag", "ui.entry.owner", "ui.entry.banner", "ui.entry.breed", "ui.entry.hot"} {
		s.fieldNames[i].SetText(k.T(key, nil))
	}
	s.weightTitle.SetText(k.T("ui.entry.hook_scale", nil))
	s.capture.SetText(k.T("ui.layout.entry.capture", nil))
	s.capture.SetAllowed(len(s.hook) > 0)
	s.renderCard()
	s.renderCounts()
	s.renderAlert()
	// A container lays out children whose size changed only when
	// refreshed; the GL driver does it at every frame, the test driver not.
	s.content.Refresh()
}

func (s *EntryScreen) renderCard() {
	k := s.k
	fg := themeColor(theme.ColorNameForeground)
	s.number.Color, s.number.TextSize = fg, themeSize(SizeNameCard)
	if len(s.order) == 0 {
		s.number.Text = k.T("ui.entry.no_carcass", nil)
		s.state.Text = ""
		for _, l := range []*widget.Label{s.earTag, s.owner, s.banner, s.breed, s.hot} {
			l.SetText("")
		}
		s.number.Refresh()
		s.state.Refresh()
		return
	}
	c := s.carcasses[s.order[len(s.order)-1]]
	s.number.Text = c.Number
	s.state.Text = k.T("ui.carcass.state."+string(c.State), nil)
	s.state.TextSize = themeSize(theme.SizeNameSubHeadingText)
	s.state.Color = themeColor(stateColor(c.State))

	switch {
	case c.EarTag != "":
		s.earTag.SetText(c.EarTag.Dashed())
	default:
		s.earTag.SetText(k.T("ui.entry.unknown_tag", map[string]string{"rfid": c.RFID.Spaced()}))
	}
	s.owner.SetText("")
	s.banner.SetText("")
	s.breed.SetText("")
	if a, ok := k.st.Animal(c.EarTag); ok && c.EarTag != "" {
		if a.Consignment != nil {
			s.owner.SetText(a.Consignment.Owner.Name)
			s.banner.SetText(a.Consignment.Owner.CountyName)
		}
		s.breed.SetText(a.Breed)
	}
	if c.Hot > 0 {
		s.hot.SetText(c.Hot.String())
	} else {
		s.hot.SetText(k.T("ui.entry.hot_waiting", nil))
	}
	s.number.Refresh()
	s.state.Refresh()
}

func (s *EntryScreen) renderCounts() {
	k := s.k
	var weighed, held, blocked int
	for _, n := range s.order {
		c := s.carcasses[n]
		if c.Hot > 0 {
			weighed++
		}
		switch c.State {
		case line.CarcassHeld:
			held++
		case line.CarcassBlocked:
			blocked++
		}
	}
	s.countsTitle.SetText(k.T("ui.entry.shift", nil))
	s.counts.SetText(k.T("ui.entry.counts", map[string]string{
		"entered": strconv.Itoa(len(s.order)), "weighed": strconv.Itoa(weighed), "waiting": strconv.Itoa(len(s.hook)),
		"held": strconv.Itoa(held), "blocked": strconv.Itoa(blocked),
	}))
	if len(s.hook) > 0 {
		s.next.SetText(k.T("ui.entry.next", map[string]string{"carcass": s.hook[0]}))
	} else {
		s.next.SetText(k.T("ui.entry.next_none", nil))
	}
}

// renderAlert shows the oldest unacknowledged alert with every reason in
// Chinese, and in English below each when the kiosk shows English.
func (s *EntryScreen) renderAlert() {
	k := s.k
	if len(s.alerts) == 0 {
		s.alert.Hide()
		return
	}
	a := s.alerts[0]
	on := themeColor(ColorNameOnAlert)
	key := "ui.entry.alert.held"
	if a.blocked {
		key = "ui.entry.alert.blocked"
	}
	s.alertTitle.Text = k.T(key, map[string]string{"carcass": a.carcass.Number})
	s.alertTitle.Color, s.alertTitle.TextSize = on, themeSize(SizeNameCard)*0.75

	var segs []widget.RichTextSegment
	tag := string(a.carcass.EarTag)
	if tag == "" {
		tag = a.carcass.RFID.Spaced()
	} else {
		tag = a.carcass.EarTag.Dashed()
	}
	segs = append(segs, alertSegment(k.T("ui.entry.alert.tag", map[string]string{"tag": tag}), false))
	for _, d := range a.decisions {
		segs = append(segs, alertSegment("● "+d.Reason(line.LangZH), true))
		if k.Lang() != line.LangZH {
			segs = append(segs, alertSegment("   "+d.Reason(k.Lang()), false))
		}
	}
	s.alertText.Segments = segs
	s.alertText.Refresh()

	s.alertMore.Text = ""
	if n := len(s.alerts) - 1; n > 0 {
		s.alertMore.Text = k.T("ui.entry.alert.more", map[string]string{"count": strconv.Itoa(n)})
	}
	s.alertMore.Color, s.alertMore.TextSize = on, theme.TextSize()
	s.ack.SetText(k.T("ui.entry.alert.ack", nil))
	s.alertTitle.Refresh()
	s.alertMore.Refresh()
	s.alert.Show()
	s.alert.Refresh()
}

func alertSegment(text string, bold bool) widget.RichTextSegment {
	return &widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		ColorName: ColorNameOnAlert, SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: bold},
	}}
}

// stateColor is the colour of a carcass state's badge.
func stateColor(st line.CarcassState) fyne.ThemeColorName {
	switch st {
	case line.CarcassHeld, line.CarcassBlocked:
		return ColorNameFault
	case line.CarcassReleased:
		return ColorNameUnstable
	}
	return ColorNameStable
}

// blocker is a coloured area that swallows taps, so nothing under an
// alert reacts to a touch on it.
type blocker struct {
	widget.BaseWidget
	rect *canvas.Rectangle
}

func newBlocker(c color.Color) *blocker {
	b := &blocker{rect: canvas.NewRectangle(c)}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped ignores the tap.
func (b *blocker) Tapped(*fyne.PointEvent) {}

// CreateRenderer draws the area.
func (b *blocker) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.rect) }
