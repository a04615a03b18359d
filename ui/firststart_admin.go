package ui

import (
	"context"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// adminNames are the names offered for the first admin as tiles, so no
// keyboard is needed. Another name is entered on the letter pad or on a
// USB keyboard, and the settings screen renames the user later.
var adminNames = []string{"管理员", "Admin"}

// defaultAdminID is the first admin's id unless another is entered.
const defaultAdminID = "admin"

// adminArgs hold what the create button's job stores.
type adminArgs struct {
	id, name, pin string
}

// adminStep creates the first admin: a name picked from tiles or entered
// on the letter pad, an id (admin unless changed) and a PIN entered twice
// on the PIN pad.
type adminStep struct {
	f    *FirstStart
	name string
	id   string
	// first is the PIN's first entry, until the second one matches it.
	first     string
	confirmed bool
	args      shared[adminArgs]

	nameTiles []*Tile
	enterName *TouchButton
	changeID  *TouchButton
	account   *widget.Label
	hint      *widget.Label
	prompt    *widget.Label // the PIN entry's state
	pinPad    *PINPad
	create    *ActionButton
	body      fyne.CanvasObject

	// dialog is the letter pad open for the name or the id, nil when none
	// is; tests read it too.
	dialog *padDialog
}

func newAdminStep(f *FirstStart) *adminStep {
	s := &adminStep{f: f, id: defaultAdminID}
	h := f.host
	names := container.NewGridWithColumns(len(adminNames) + 1)
	for _, n := range adminNames {
		t := NewTile(h, n, "", func() { s.setName(n) })
		s.nameTiles = append(s.nameTiles, t)
		names.Add(t)
	}
	s.enterName = NewTouchButton(h, "", nil, s.openName)
	names.Add(s.enterName)
	s.changeID = NewTouchButton(h, "", nil, s.openID)
	s.account = newTitleLabel()
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.prompt = newTitleLabel()
	s.pinPad = NewPINPad(h, s.entered)
	s.create = NewActionButton(h, "", func(ctx context.Context) error {
		a := s.args.get()
		return f.setup.CreateAdmin(ctx, a.id, a.name, a.pin)
	})
	s.create.Done = s.created
	top := container.NewVBox(names, container.NewBorder(nil, nil, nil, s.changeID, s.account), s.prompt)
	left := container.NewBorder(top, s.create, nil, nil, s.hint)
	s.body = container.NewGridWithColumns(2, left, s.pinPad)
	return s
}

func (s *adminStep) stepKey() string            { return "ui.firststart.step.admin" }
func (s *adminStep) hintKey() string            { return "ui.firststart.admin.hint" }
func (s *adminStep) content() fyne.CanvasObject { return s.body }
func (s *adminStep) done(st SetupState) bool    { return st.Admin }

func (s *adminStep) show() {
	if s.name == "" {
		s.name = adminNames[0]
	}
	s.restartPIN()
	s.retranslate()
}

func (s *adminStep) retranslate() {
	h := s.f.host
	s.enterName.SetText(h.T("ui.firststart.admin.enter_name", nil))
	s.changeID.SetText(h.T("ui.firststart.admin.change_id", nil))
	s.create.SetText(h.T("ui.firststart.admin.create", nil))
	s.render()
}

func (s *adminStep) setName(name string) {
	s.name = strings.TrimSpace(name)
	s.render()
}

func (s *adminStep) render() {
	h := s.f.host
	for i, n := range adminNames {
		s.nameTiles[i].Set(n, "", n == s.name)
	}
	s.account.SetText(h.T("ui.firststart.admin.account", map[string]string{"name": s.name, "id": s.id}))
	pinKey := "ui.firststart.admin.pin_first"
	switch {
	case s.confirmed:
		pinKey = "ui.firststart.admin.pin_ready"
	case s.first != "":
		pinKey = "ui.firststart.admin.pin_again"
	}
	s.hint.SetText(h.T(s.hintKey(), nil))
	s.prompt.SetText(h.T(pinKey, nil))
	s.args.set(adminArgs{id: s.id, name: s.name, pin: s.args.get().pin})
	s.create.SetAllowed(s.confirmed && s.name != "" && s.id != "")
	// Texts changed the widths, which a container lays out only when
	// refreshed.
	s.body.Refresh()
}

// entered takes one entry of the PIN: the first is kept, the second must
// match it.
func (s *adminStep) entered(pin string) {
	s.f.clearMessage()
	switch {
	case len(pin) < 4:
		s.restartPIN()
		s.f.say("ui.firststart.admin.pin_short", nil, "", true)
		return
	case s.first == "":
		s.first = pin
	case pin != s.first:
		s.restartPIN()
		s.f.say("ui.firststart.admin.pin_mismatch", nil, "", true)
		return
	default:
		s.confirmed = true
		s.args.set(adminArgs{id: s.id, name: s.name, pin: pin})
	}
	s.render()
}

func (s *adminStep) restartPIN() {
	s.first, s.confirmed = "", false
	s.args.set(adminArgs{id: s.id, name: s.name})
	s.pinPad.Clear()
	s.render()
}

// created moves on once the admin is stored. Otherwise it restarts the
// PIN entry and shows the reason.
func (s *adminStep) created(err error) {
	if err != nil {
		s.restartPIN()
		s.f.say("", nil, errorText(s.f.host, err), true)
		return
	}
	s.f.host.log.Info("first admin created", "user", s.id)
	s.restartPIN()
	s.f.stepDone("ui.firststart.admin.created", map[string]string{"name": s.name, "id": s.id})
}

func (s *adminStep) openName() {
	h := s.f.host
	s.dialog = openPadDialog(h, h.T("ui.firststart.admin.name_title", nil), KeysName, maxUserName, "",
		func(text string) string {
			if strings.TrimSpace(text) == "" {
				return "ui.office.settings.name_required"
			}
			s.dialog = nil
			s.setName(text)
			return ""
		})
}

func (s *adminStep) openID() {
	h := s.f.host
	s.dialog = openPadDialog(h, h.T("ui.office.settings.id_title", nil), KeysUserID, maxUserID, s.id,
		func(id string) string {
			if id == "" || id == "system" {
				return "ui.office.settings.id_invalid"
			}
			s.dialog = nil
			s.id = id
			s.render()
			return ""
		})
}

// typedRune hands a key of a USB keyboard to the letter pad that is open,
// in the case the pad's keys have.
func (s *adminStep) typedRune(r rune) {
	if s.dialog == nil || !s.dialog.pop.Visible() {
		return
	}
	if _, ok := s.dialog.pad.keys[unicode.ToUpper(r)]; ok {
		r = unicode.ToUpper(r)
	} else {
		r = unicode.ToLower(r)
	}
	s.dialog.pad.Press(r)
}

// typedKey takes Backspace and Enter of a USB keyboard on the letter pad
// that is open.
func (s *adminStep) typedKey(ev *fyne.KeyEvent) {
	if s.dialog == nil || !s.dialog.pop.Visible() {
		return
	}
	switch ev.Name {
	case fyne.KeyBackspace:
		s.dialog.pad.Backspace()
	case fyne.KeyReturn, fyne.KeyEnter:
		s.dialog.ok.OnTapped()
	}
}
