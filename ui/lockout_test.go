package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/store"
)

// storeLockouts is the LockoutStore of the kiosk over the store, as
// cmd/kiosk wires it.
type storeLockouts struct{ db *store.DB }

func (s storeLockouts) Lockouts(ctx context.Context) ([]LockoutState, error) {
	saved, err := s.db.Lockouts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]LockoutState, len(saved))
	for i, l := range saved {
		out[i] = LockoutState{User: l.User, Failures: l.Failures, LockedUntil: l.LockedUntil}
	}
	return out, nil
}

func (s storeLockouts) SaveLockout(ctx context.Context, l LockoutState) error {
	return s.db.SaveLockout(ctx, store.Lockout{User: l.User, Failures: l.Failures, LockedUntil: l.LockedUntil})
}

// restartKiosk replaces the rig's kiosk with a new one on the same
// station and database, as a restart of the kiosk process does, keeping
// the lockouts in the store, and shows its login.
func (r *rig) restartKiosk() {
	r.t.Helper()
	win := test.NewWindow(nil)
	r.t.Cleanup(win.Close)
	win.Resize(fyne.NewSize(1024, 600))
	k, err := New(win, Config{Station: r.st, Users: storeUsers{r.db}, Clock: r.clock, Logger: quiet,
		Lockouts: storeLockouts{r.db}})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { k.cancel(); k.sub.Close() })
	k.do = func(f func()) { f() }
	k.work = r.work
	r.k, r.win = k, win
	r.start()
}

// failPINs enters n wrong PINs for a user.
func (r *rig) failPINs(id string, n int) {
	r.t.Helper()
	for range n {
		r.signIn(id, "0000")
	}
}

func TestLockoutSurvivesRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.restartKiosk()
	r.failPINs("op7", DefaultLockout.Attempts)
	if got := r.k.login.prompt.Text; !strings.Contains(got, "已锁定至 08:05") {
		t.Fatalf("prompt after %d wrong PINs = %q, want locked until 08:05", DefaultLockout.Attempts, got)
	}
	saved, err := r.db.Lockouts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].User != "op7" || saved[0].Failures != DefaultLockout.Attempts ||
		!saved[0].LockedUntil.Equal(r.clock.Now().Add(DefaultLockout.Lock)) {
		t.Fatalf("stored lockouts = %+v, want op7 locked for %v", saved, DefaultLockout.Lock)
	}

	r.restartKiosk()
	r.signIn("op7", testPIN)
	if _, ok := r.k.User(); ok {
		t.Fatal("op7 signed in after a restart during the lockout")
	}
	if got := r.k.login.prompt.Text; !strings.Contains(got, "已锁定至 08:05") {
		t.Errorf("prompt after the restart = %q, want locked until 08:05", got)
	}

	// The lock ends at its time, and a right PIN clears the stored count.
	r.clock.Advance(DefaultLockout.Lock)
	r.signIn("op7", testPIN)
	if u, _ := r.k.User(); u.ID != "op7" {
		t.Fatalf("op7 could not sign in after the lockout: prompt %q", r.k.login.prompt.Text)
	}
	if saved, _ := r.db.Lockouts(context.Background()); len(saved) != 0 {
		t.Errorf("stored lockouts after a right PIN = %+v, want none", saved)
	}
}

func TestLockoutCountSurvivesRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.restartKiosk()
	r.failPINs("op7", DefaultLockout.Attempts-2)
	r.restartKiosk()
	r.signIn("op7", "0000")
	if got := r.k.login.prompt.Text; !strings.Contains(got, "还可再试 1 次") {
		t.Fatalf("prompt after a restart and one more wrong PIN = %q, want 1 attempt left", got)
	}
	r.signIn("op7", "0000")
	if got := r.k.login.prompt.Text; !strings.Contains(got, "已锁定") {
		t.Errorf("prompt after %d wrong PINs across a restart = %q, want locked", DefaultLockout.Attempts, got)
	}
}

// TestLockoutDoublesAcrossRestart locks a user twice with a restart in
// between: the second lock is twice as long as the first, because the
// count goes on.
func TestLockoutDoublesAcrossRestart(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.restartKiosk()
	r.failPINs("op7", DefaultLockout.Attempts)
	r.clock.Advance(DefaultLockout.Lock)
	r.restartKiosk()
	r.failPINs("op7", DefaultLockout.Attempts)
	want := r.clock.Now().Add(2 * DefaultLockout.Lock).Format("15:04")
	if got := r.k.login.prompt.Text; !strings.Contains(got, "已锁定至 "+want) {
		t.Errorf("prompt after the second round = %q, want locked until %s", got, want)
	}
	saved, err := r.db.Lockouts(context.Background())
	if err != nil || len(saved) != 1 || saved[0].Failures != 2*DefaultLockout.Attempts {
		t.Errorf("stored lockouts = %+v, %v; want op7 with %d failures", saved, err, 2*DefaultLockout.Attempts)
	}
}
