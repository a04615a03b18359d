package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// LockoutState is a user's count of wrong PINs in a row and the end of
// the lock they caused.
type LockoutState struct {
	User        string
	Failures    int
	LockedUntil time.Time // zero while the failures have not locked the user
}

// LockoutStore keeps the lockout state across restarts of the kiosk, so
// that restarting it does not give a fresh count. The kiosk reads every
// user's state before the first sign-in. It saves a user's state after
// each wrong PIN, and after a right PIN that ends a count, before the PIN
// pad takes the next PIN. cmd/kiosk implements it over the store.
type LockoutStore interface {
	// Lockouts returns the state of every user with wrong PINs counted.
	Lockouts(ctx context.Context) ([]LockoutState, error)
	// SaveLockout stores a user's state. A state without failures clears
	// the user's.
	SaveLockout(ctx context.Context, s LockoutState) error
}

// lockout counts wrong PINs per user and locks a user out as its policy
// sets. Without a store it lives in memory, so a restart of the kiosk
// clears it. It is safe for concurrent use: the login checks a lock on
// the fyne goroutine and counts a PIN in the job that checked it.
type lockout struct {
	policy LockoutPolicy
	store  LockoutStore // nil keeps the counts in memory only

	mu     sync.Mutex
	loaded bool // the store's state has been read
	fails  map[string]int
	until  map[string]time.Time
}

func newLockout(p LockoutPolicy, store LockoutStore) *lockout {
	return &lockout{policy: p, store: store, fails: make(map[string]int), until: make(map[string]time.Time)}
}

// load reads the store's state once; later calls do nothing. A failed
// read is tried again by the next call.
func (l *lockout) load(ctx context.Context) error {
	l.mu.Lock()
	done := l.store == nil || l.loaded
	l.mu.Unlock()
	if done {
		return nil
	}
	states, err := l.store.Lockouts(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, st := range states {
		l.fails[st.User] = st.Failures
		if !st.LockedUntil.IsZero() {
			l.until[st.User] = st.LockedUntil
		}
	}
	l.loaded = true
	return nil
}

// lockedUntil returns when the user's lock ends, if it has not yet.
func (l *lockout) lockedUntil(id string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u, ok := l.until[id]
	if !ok || !now.Before(u) {
		return time.Time{}, false
	}
	return u, true
}

// fail counts a wrong PIN and returns the attempts left before a lock, or
// the end of the lock it started. The count stays in memory even when
// the store fails to save it, and fail returns that error.
func (l *lockout) fail(ctx context.Context, id string, now time.Time) (left int, until time.Time, err error) {
	l.mu.Lock()
	l.fails[id]++
	n := l.fails[id]
	if n%l.policy.Attempts != 0 {
		left = l.policy.Attempts - n%l.policy.Attempts
	} else {
		d := l.policy.Lock
		for range n/l.policy.Attempts - 1 {
			d *= 2
			if d >= l.policy.MaxLock {
				break
			}
		}
		until = now.Add(min(d, l.policy.MaxLock))
		l.until[id] = until
	}
	state := LockoutState{User: id, Failures: n, LockedUntil: l.until[id]}
	l.mu.Unlock()

	if l.store != nil {
		err = l.store.SaveLockout(ctx, state)
	}
	return left, until, err
}

// succeed clears the user's count after a right PIN, in the store too
// when there was one to clear.
func (l *lockout) succeed(ctx context.Context, id string) error {
	l.mu.Lock()
	_, counted := l.fails[id]
	delete(l.fails, id)
	delete(l.until, id)
	l.mu.Unlock()

	if l.store == nil || !counted {
		return nil
	}
	return l.store.SaveLockout(ctx, LockoutState{User: id})
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
		if users, err = s.k.users.ActiveUsers(ctx); err != nil {
			return err
		}
		// No PIN is taken before the saved lockouts are known.
		if err := s.k.lockout.load(ctx); err != nil {
			return fmt.Errorf("read the PIN lockouts: %w", err)
		}
		return nil
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
	var count pinCount
	s.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(s.k.ctx, 10*time.Second)
		defer cancel()
		var err error
		got, err = s.k.users.CheckPIN(ctx, u.ID, pin)
		count = s.count(ctx, u.ID, err)
		return err
	}, func(err error) {
		s.checking = false
		s.checked(u, got, count, err)
	})
}

// pinCount is the change a checked PIN made to the user's lockout.
type pinCount struct {
	left  int       // attempts left after a wrong PIN
	until time.Time // the end of the lock a wrong PIN started
}

// count counts a wrong PIN, or clears the count after a right one, in the
// job that checked it, so the store holds the count before the pad takes
// the next PIN. A store that fails is logged: the count in memory still
// locks the user until the kiosk restarts.
func (s *loginScreen) count(ctx context.Context, id string, checkErr error) pinCount {
	var c pinCount
	var err error
	switch {
	case checkErr == nil:
		err = s.k.lockout.succeed(ctx, id)
	case errors.Is(checkErr, ErrWrongPIN):
		c.left, c.until, err = s.k.lockout.fail(ctx, id, s.k.now())
	}
	if err != nil {
		s.k.log.Error("save the PIN lockout", "user", id, "err", err)
	}
	return c
}

func (s *loginScreen) checked(u, got User, count pinCount, err error) {
	switch {
	case err == nil:
		s.pad.SetEnabled(true)
		s.k.signIn(got)
	case errors.Is(err, ErrWrongPIN):
		left, until := count.left, count.until
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
