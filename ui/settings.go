package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// SettingsScreen is the admin's screen. Its sections, picked on a rail at
// the left, are the users with their roles and PINs, the rule
// thresholds, the platform's URL and the signing keys.
type SettingsScreen struct {
	k   *Kiosk
	set Settings

	users    *usersSection
	rules    *rulesSection
	platform *platformSection
	keys     *keysSection
	nav      *sectionRail[railSection]

	// The dialogs opened last, for tests.
	pad *padDialog
	pin *pinDialog
}

var _ Screen = (*SettingsScreen)(nil)

// NewSettingsScreen returns the settings screen of the kiosk.
func NewSettingsScreen(k *Kiosk, set Settings) *SettingsScreen {
	s := &SettingsScreen{k: k, set: set}
	s.users = newUsersSection(s)
	s.rules = newRulesSection(s)
	s.platform = newPlatformSection(s)
	s.keys = newKeysSection(s)
	s.nav = newSectionRail(k, []railSection{s.users, s.rules, s.platform, s.keys})
	return s
}

// Name returns "settings".
func (s *SettingsScreen) Name() string { return "settings" }

// TitleKey returns the navigation button's key.
func (s *SettingsScreen) TitleKey() string { return "ui.office.settings.title" }

// Roles returns the admin.
func (s *SettingsScreen) Roles() []Role { return []Role{RoleAdmin} }

// Content returns the screen.
func (s *SettingsScreen) Content() fyne.CanvasObject { return s.nav.layout }

// Show shows the current section, read afresh.
func (s *SettingsScreen) Show() { s.nav.open(s.nav.current) }

// Hide does nothing: each section reads the settings when shown.
func (s *SettingsScreen) Hide() {}

// read runs a read off the fyne goroutine and hands its error to done on
// it.
func (s *SettingsScreen) read(job func(ctx context.Context) error, done func(error)) {
	s.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(s.k.ctx, readTimeout)
		defer cancel()
		return job(ctx)
	}, done)
}

// saved shows the admin that a change was stored, or why not.
func (s *SettingsScreen) saved(err error) {
	if err != nil {
		s.k.ShowError(err)
		return
	}
	s.k.ShowNotice(Message{Key: "ui.office.settings.saved"})
	s.nav.current.show()
}

// pinDialog prompts for a new PIN twice on a PIN pad and stores it with its
// save button once both entries match.
type pinDialog struct {
	k      *Kiosk
	first  string
	pin    shared[string]
	prompt *widget.Label
	pad    *PINPad
	save   *ActionButton
	cancel *TouchButton
	pop    *widget.PopUp
}

// openPINDialog shows the dialog; run stores the PIN, and done, if set,
// is called after run succeeded and the dialog closed.
func openPINDialog(k *Kiosk, title string, run func(ctx context.Context, pin string) error, done func()) *pinDialog {
	d := &pinDialog{k: k}
	heading := newTitleLabel()
	heading.SetText(title)
	d.prompt = widget.NewLabel("")
	d.prompt.Wrapping = fyne.TextWrapWord
	d.pad = NewPINPad(k, d.entered)
	d.save = NewActionButton(k, k.T("ui.office.settings.save_pin", nil), func(ctx context.Context) error {
		return run(ctx, d.pin.get())
	})
	d.save.SetAllowed(false)
	d.save.Done = func(err error) {
		if err != nil {
			d.restart()
			d.prompt.Importance = widget.DangerImportance
			d.prompt.SetText(errorText(k, err))
			return
		}
		d.close()
		if done != nil {
			done()
		}
	}
	d.cancel = NewTouchButton(k, k.T("ui.office.cancel", nil), nil, d.close)
	left := container.NewBorder(heading, container.NewGridWithColumns(2, d.cancel, d.save), nil, nil, d.prompt)
	content := container.NewGridWithColumns(2, left, d.pad)
	bg := canvas.NewRectangle(themeColor(ColorNameTile))
	d.pop = widget.NewModalPopUp(container.NewStack(bg, container.NewPadded(content)), k.win.Canvas())
	d.restart()
	d.pop.Show()
	d.pop.Resize(dialogSize(k, d.pop.MinSize()))
	return d
}

// entered takes one entry of the PIN: the first is kept, the second must
// match it.
func (d *pinDialog) entered(pin string) {
	k := d.k
	switch {
	case d.first == "":
		d.first = pin
		d.prompt.Importance = widget.MediumImportance
		d.prompt.SetText(k.T("ui.office.settings.pin_again", nil))
	case pin != d.first:
		d.restart()
		d.prompt.Importance = widget.DangerImportance
		d.prompt.SetText(k.T("ui.office.settings.pin_mismatch", nil))
	default:
		d.pin.set(pin)
		d.save.SetAllowed(true)
		d.prompt.Importance = widget.MediumImportance
		d.prompt.SetText(k.T("ui.office.settings.pin_ready", nil))
	}
}

func (d *pinDialog) restart() {
	d.first = ""
	d.pin.set("")
	d.save.SetAllowed(false)
	d.prompt.Importance = widget.MediumImportance
	d.prompt.SetText(d.k.T("ui.office.settings.pin_first", nil))
}

func (d *pinDialog) close() {
	d.first = ""
	d.pin.set("")
	d.pad.Clear()
	d.pop.Hide()
}
