package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
)

func TestLoginSignsInWithPIN(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start()
	if got := len(r.k.login.users); got != 5 {
		t.Fatalf("login shows %d users, want the 5 active ones", got)
	}
	if r.k.login.users[0].Role != RoleOperator {
		t.Errorf("first tile is %+v, want an operator", r.k.login.users[0])
	}
	r.signIn("qa1", testPIN)
	u, ok := r.k.User()
	if !ok || u.ID != "qa1" || u.Role != RoleQuality {
		t.Fatalf("signed in as %+v, %v", u, ok)
	}
	if op := r.st.Snapshot().Operator; op != "qa1" {
		t.Errorf("station operator = %s, want qa1", op)
	}
	r.k.Lock()
	if _, ok := r.k.User(); ok {
		t.Error("still signed in after Lock")
	}
	if op := r.st.Snapshot().Operator; op != line.SystemActor {
		t.Errorf("station operator after Lock = %s", op)
	}
}

func TestLoginLocksOutAfterWrongPINs(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start()
	for i := range DefaultLockout.Attempts - 1 {
		r.signIn("op7", "0000")
		want := "还可再试 " + strconv.Itoa(DefaultLockout.Attempts-1-i) + " 次"
		if got := r.k.login.prompt.Text; !strings.Contains(got, want) {
			t.Fatalf("prompt after %d wrong PINs = %q, want %q", i+1, got, want)
		}
	}
	r.signIn("op7", "0000")
	if got := r.k.login.prompt.Text; !strings.Contains(got, "已锁定至 08:05") {
		t.Fatalf("prompt after %d wrong PINs = %q, want locked until 08:05", DefaultLockout.Attempts, got)
	}

	// The right PIN does not help while the lock lasts; no check runs.
	r.signIn("op7", testPIN)
	if _, ok := r.k.User(); ok {
		t.Fatal("signed in during the lockout")
	}
	// Another user is not locked out.
	r.signIn("op8", testPIN)
	if u, _ := r.k.User(); u.ID != "op8" {
		t.Fatalf("op8 could not sign in during op7's lockout: %+v", u)
	}
	r.k.Lock()

	r.clock.Advance(5 * time.Minute)
	r.signIn("op7", testPIN)
	if u, _ := r.k.User(); u.ID != "op7" {
		t.Fatalf("op7 could not sign in after the lockout: prompt %q", r.k.login.prompt.Text)
	}
}
