package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Lengths of a user's id and name, as the store accepts them.
const (
	maxUserID   = 32
	maxUserName = 64
)

// accountArgs hold what the save button's job stores.
type accountArgs struct {
	actor   string
	account Account
	create  bool
}

// usersSection lists the users and changes one: name, role, active flag
// and PIN. A new user gets an id and a name on the pad and the operator
// role, and then a PIN.
type usersSection struct {
	s        *SettingsScreen
	accounts []Account
	picked   string
	edit     Account // the picked account with unsaved changes
	create   bool    // edit is a new user, not stored yet
	args     shared[accountArgs]

	list      *PagedList
	title     *widget.Label
	roleTiles []*Tile
	rename    *TouchButton
	active    *TouchButton
	setPIN    *TouchButton
	add       *TouchButton
	save      *ActionButton
	body      fyne.CanvasObject
}

func newUsersSection(s *SettingsScreen) *usersSection {
	u := &usersSection{s: s}
	k := s.k
	u.list = NewPagedList(k, 4, func() int { return len(u.accounts) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			a := u.accounts[i]
			t := row.(*Tile)
			t.OnTapped = func() { u.pick(a.ID) }
			t.Set(a.Name+" ("+a.ID+")", u.accountDetail(a), a.ID == u.picked)
		})
	u.title = newTitleLabel()
	roles := container.NewGridWithColumns(len(Roles))
	for _, r := range Roles {
		t := NewTile(k, "", "", func() {
			u.edit.Role = r
			u.render()
		})
		u.roleTiles = append(u.roleTiles, t)
		roles.Add(t)
	}
	u.rename = NewTouchButton(k, "", nil, u.openRename)
	u.active = NewTouchButton(k, "", nil, func() {
		u.edit.Active = !u.edit.Active
		u.render()
	})
	u.setPIN = NewTouchButton(k, "", nil, u.openPIN)
	u.add = NewTouchButton(k, "", nil, u.openNew)
	u.save = NewActionButton(k, "", func(ctx context.Context) error {
		a := u.args.get()
		return s.set.SaveAccount(ctx, a.actor, a.account, a.create)
	})
	u.save.Done = func(err error) {
		if err == nil {
			u.create = false
		}
		s.saved(err)
	}
	actions := container.NewGridWithColumns(3, u.rename, u.active, u.setPIN)
	bottom := container.NewGridWithColumns(2, u.add, u.save)
	detail := container.NewBorder(u.title, bottom, nil, nil, container.NewVBox(roles, actions))
	u.body = newListDetail(u.list, detail)
	return u
}

func (u *usersSection) titleKey() string           { return "ui.office.settings.users" }
func (u *usersSection) content() fyne.CanvasObject { return u.body }

func (u *usersSection) show() {
	k := u.s.k
	u.rename.SetText(k.T("ui.office.settings.rename", nil))
	u.setPIN.SetText(k.T("ui.office.settings.set_pin", nil))
	u.add.SetText(k.T("ui.office.settings.new_user", nil))
	u.save.SetText(k.T("ui.office.settings.save", nil))
	var got []Account
	u.s.read(func(ctx context.Context) error {
		var err error
		got, err = u.s.set.Accounts(ctx)
		return err
	}, func(err error) {
		if err != nil {
			k.ShowError(err)
			return
		}
		u.accounts = got
		if u.create {
			u.render()
			return
		}
		if _, ok := u.find(u.picked); !ok && len(got) > 0 {
			u.picked = got[0].ID
		}
		u.pick(u.picked)
	})
	u.render()
}

func (u *usersSection) find(id string) (Account, bool) {
	for _, a := range u.accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

func (u *usersSection) pick(id string) {
	u.picked = id
	u.create = false
	u.edit, _ = u.find(id)
	u.list.Reload()
	u.render()
}

func (u *usersSection) accountDetail(a Account) string {
	k := u.s.k
	parts := []string{k.T("ui.role."+string(a.Role), nil)}
	if !a.Active {
		parts = append(parts, k.T("ui.office.settings.inactive", nil))
	}
	if !a.HasPIN {
		parts = append(parts, k.T("ui.office.settings.no_pin", nil))
	}
	return strings.Join(parts, " · ")
}

func (u *usersSection) render() {
	k := u.s.k
	has := u.edit.ID != ""
	switch {
	case !has:
		u.title.SetText(k.T("ui.office.settings.no_user", nil))
	case u.create:
		u.title.SetText(k.T("ui.office.settings.new_title", map[string]string{"id": u.edit.ID, "name": u.edit.Name}))
	default:
		u.title.SetText(u.edit.Name + " (" + u.edit.ID + ") · " + u.accountDetail(u.edit))
	}
	for i, r := range Roles {
		u.roleTiles[i].Set(k.T("ui.role."+string(r), nil), "", has && u.edit.Role == r)
	}
	if u.edit.Active {
		u.active.SetText(k.T("ui.office.settings.deactivate", nil))
	} else {
		u.active.SetText(k.T("ui.office.settings.activate", nil))
	}
	for _, b := range []*TouchButton{u.rename, u.active} {
		if has {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	// A PIN is set on a stored user only.
	if has && !u.create {
		u.setPIN.Enable()
	} else {
		u.setPIN.Disable()
	}
	u.args.set(accountArgs{actor: k.Actor(), account: u.edit, create: u.create})
	u.save.SetAllowed(has)
}

func (u *usersSection) openRename() {
	k := u.s.k
	u.s.pad = openPadDialog(k, k.T("ui.office.settings.name_title", nil), KeysName, maxUserName, u.edit.Name,
		func(text string) string {
			if strings.TrimSpace(text) == "" {
				return "ui.office.settings.name_required"
			}
			u.edit.Name = strings.TrimSpace(text)
			u.render()
			return ""
		})
}

// openNew prompts for the id of a new user, then for the name.
func (u *usersSection) openNew() {
	k := u.s.k
	u.s.pad = openPadDialog(k, k.T("ui.office.settings.id_title", nil), KeysUserID, maxUserID, "",
		func(id string) string {
			if _, taken := u.find(id); taken {
				return "ui.office.settings.id_taken"
			}
			if id == "" || id == "system" {
				return "ui.office.settings.id_invalid"
			}
			u.picked, u.create = "", true
			u.edit = Account{User: User{ID: id, Role: RoleOperator}, Active: true}
			u.list.Reload()
			u.render()
			// The pad dialog closes after this returns; the name's opens on
			// top of the screen.
			k.do(u.openRename)
			return ""
		})
}

func (u *usersSection) openPIN() {
	k := u.s.k
	id, actor := u.edit.ID, k.Actor()
	u.s.pin = openPINDialog(k, k.T("ui.office.settings.pin_title", map[string]string{"name": u.edit.Name}),
		func(ctx context.Context, pin string) error { return u.s.set.SetPIN(ctx, actor, id, pin) },
		func() { u.s.saved(nil) })
}
