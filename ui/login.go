package ui

import (
	"context"
	"errors"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// lockout counts wrong PINs per user and locks a user out as its policy
// sets. It lives in memory, so a restart of the kiosk clears it.
//
// NOTE: a person who can restart the kiosk gets a fresh count each time.
// At 5 attempts a round and about a minute a restart (an estimate), trying
// all 10,000 four-digit PINs takes up to about 33 hours.
type lockout struct {
	policy LockoutPolicy
	fails  map[string]int
	until  map[string]time.Time
}

func newLockout(p LockoutPolicy) *lockout {
	return &lockout{policy: p, fails: make(map[string]int), until: make(map[string]time.Time)}
}

// lockedUntil returns when the user's lock ends, if it has not yet.
func (l *lockout) lockedUntil(id string, now time.Time) (time.Time, bool) {
	u, ok := l.until[id]
	if !ok || !now.Before(u) {
		return time.Time{}, false
	}
	return u, true
}

// fail counts a wrong PIN and returns the attempts left before a lock, or
// the end of the lock it started.
func (l *lockout) fail(id string, now time.Time) (left int, until time.Time) {
	l.fails[id]++
	n := l.fails[id]
	if n%l.policy.Attempts != 0 {
		return l.policy.Attempts - n%l.policy.Attempts, time.Time{}
	}
	d := l.policy.Lock
	for range n/l.policy.Attempts - 1 {
		d *= 2
		if d >= l.policy.MaxLock {
			break
		}
	}
	d = min(d, l.policy.MaxLock)
	l.until[id] = now.Add(d)
	return 0, l.until[id]
}

func (l *lockout) succeed(id string) {
	delete(l.fails, id)
	delete(l.until, id)
}

// loginScreen shows a tile for each user and a PIN pad. It is not a
// registered Screen: the kiosk shows it whenever nobody is signed in.
type loginScreen struct {
	k        *Kiosk
	users    []User
	picked   *User
	checking bool

	list    *PagedList
	pad     *PINPad
	prompt  *widget.Label
	content fyne.CanvasObject

	// The prompt's message, kept to render it again in another language.
	promptKey  string
	promptData map[string]string
}

func newLoginScreen(k *Kiosk) *loginScreen {
	s := &loginScreen{k: k}
	s.list = NewPagedList(k, 4, func() int { return len(s.users) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			u := s.users[i]
			t := row.(*Tile)
			t.OnTapped = func() { s.pick(u) }
			t.Set(u.Name, k.T("ui.role."+string(u.Role), nil), s.picked != nil && s.picked.ID == u.ID)
		})
	s.pad = NewPINPad(k, s.submit)
	s.prompt = widget.NewLabel("")
	s.prompt.Wrapping = fyne.TextWrapWord
	s.prompt.TextStyle.Bold = true
	s.content = container.NewBorder(s.prompt, nil, nil, nil, container.NewGridWithColumns(2, s.list, s.pad))
	return s
}

func (s *loginScreen) Content() fyne.CanvasObject { return s.content }

// Show loads the users and asks for a pick.
func (s *loginScreen) Show() {
	s.picked = nil
	s.pad.Clear()
	s.say("ui.login.pick", nil)
	s.load()
}

func (s *loginScreen) load() {
	var users []User
	s.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(s.k.ctx, 10*time.Second)
		defer cancel()
		var err error
		users, err = s.k.users.ActiveUsers(ctx)
		return err
	}, func(err error) {
		if err != nil {
			s.k.log.Error("list users for the login", "err", err)
			s.promptKey = ""
			s.prompt.SetText(s.k.ErrorText(err))
			return
		}
		s.users = sortUsers(users)
		s.list.Reload()
	})
}

// sortUsers orders users by role, as Roles lists them, then by name.
func sortUsers(users []User) []User {
	var out []User
	for _, r := range Roles {
		for _, u := range users {
			if u.Role == r {
				out = append(out, u)
			}
		}
	}
	return out
}

func (s *loginScreen) pick(u User) {
	s.picked = &u
	s.pad.Clear()
	s.list.Reload()
	if until, locked := s.k.lockout.lockedUntil(u.ID, s.k.now()); locked {
		s.lockedOut(u, until)
		return
	}
	s.pad.SetEnabled(true)
	s.say("ui.login.enter_pin", map[string]string{"name": u.Name})
}

func (s *loginScreen) lockedOut(u User, until time.Time) {
	s.pad.SetEnabled(false)
	s.say("ui.login.locked", map[string]string{"name": u.Name, "until": until.Format("15:04")})
}

func (s *loginScreen) submit(pin string) {
	if s.picked == nil {
		s.say("ui.login.pick", nil)
		return
	}
	if s.checking {
		return
	}
	u := *s.picked
	if until, locked := s.k.lockout.lockedUntil(u.ID, s.k.now()); locked {
		s.lockedOut(u, until)
		return
	}
	s.checking = true
	s.pad.SetEnabled(false)
	s.say("ui.login.checking", nil)
	var got User
	s.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(s.k.ctx, 10*time.Second)
		defer cancel()
		var err error
		got, err = s.k.users.CheckPIN(ctx, u.ID, pin)
		return err
	}, func(err error) {
		s.checking = false
		s.checked(u, got, err)
	})
}

func (s *loginScreen) checked(u, got User, err error) {
	now := s.k.now()
	switch {
	case err == nil:
		s.k.lockout.succeed(u.ID)
		s.pad.SetEnabled(true)
		s.k.signIn(got)
	case errors.Is(err, ErrWrongPIN):
		left, until := s.k.lockout.fail(u.ID, now)
		s.k.log.Warn("wrong PIN", "user", u.ID, "attempts_left", left)
		if !until.IsZero() {
			s.k.log.Warn("user locked out", "user", u.ID, "until", until)
			s.lockedOut(u, until)
			return
		}
		s.pad.SetEnabled(true)
		s.say("ui.login.wrong_pin", map[string]string{"left": strconv.Itoa(left)})
	case errors.Is(err, ErrNoPIN):
		s.pad.SetEnabled(true)
		s.say("ui.login.no_pin", map[string]string{"name": u.Name})
	case errors.Is(err, ErrUserInactive), errors.Is(err, ErrUnknownUser):
		s.pad.SetEnabled(true)
		s.say("ui.login.inactive", map[string]string{"name": u.Name})
	default:
		s.k.log.Error("check PIN", "user", u.ID, "err", err)
		s.pad.SetEnabled(true)
		s.promptKey = ""
		s.prompt.SetText(s.k.ErrorText(err))
	}
}

// noScreen shows a signed-in user that their role has no screen here.
func (s *loginScreen) noScreen(u User) {
	s.say("ui.login.no_screen", map[string]string{"name": u.Name})
}

func (s *loginScreen) say(key string, data map[string]string) {
	s.promptKey, s.promptData = key, data
	s.prompt.SetText(s.k.T(key, data))
}

// retranslate draws the prompt and the tiles in the kiosk's language and
// keeps the user picked and the digits entered.
func (s *loginScreen) retranslate() {
	if s.promptKey != "" {
		s.prompt.SetText(s.k.T(s.promptKey, s.promptData))
	}
	s.list.Reload()
}
