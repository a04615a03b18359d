package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

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

func TestNavigationFollowsRole(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	cut := NewCuttingScreen(r.k, CuttingScales{Carcass: carcassScale, Pack: packScale})
	r.start(entry, cut)

	r.signIn("qa1", testPIN)
	if got := navTexts(r.k); len(got) != 1 || got[0] != "胴体入场" {
		t.Errorf("quality staff see %q, want only 胴体入场", got)
	}
	if r.k.ShowScreen("cutting") {
		t.Error("quality staff opened the cutting screen")
	}
	r.k.Lock()

	r.signIn("op7", testPIN)
	if got := navTexts(r.k); len(got) != 2 || got[1] != "分割" {
		t.Errorf("an operator sees %q, want 胴体入场 and 分割", got)
	}
	r.k.Lock()

	r.signIn("admin1", testPIN)
	if r.k.Current() != nil || !strings.Contains(r.k.login.prompt.Text, "没有可用界面") {
		t.Errorf("admin without a screen: current %v, prompt %q", r.k.Current(), r.k.login.prompt.Text)
	}
}

func navTexts(k *Kiosk) []string {
	var out []string
	for _, o := range k.nav.Objects {
		out = append(out, o.(*TouchButton).Text)
	}
	return out
}

func TestLanguageSwitchesAtRuntime(t *testing.T) {
	r := newRig(t, rigOptions{})
	entry := NewEntryScreen(r.k, hookScale)
	r.start(entry)
	if got := r.k.login.prompt.Text; got != "请点选您的名字" {
		t.Errorf("first prompt = %q, want Chinese", got)
	}
	test.Tap(r.k.langBtn)
	if r.k.Lang() != line.LangEN || r.k.login.prompt.Text != "Tap your name" || r.k.langBtn.Text != "中文" {
		t.Errorf("after the switch: lang %s, prompt %q, button %q", r.k.Lang(), r.k.login.prompt.Text, r.k.langBtn.Text)
	}
	// A switch halfway through the PIN keeps the user and the digits.
	r.tapUser("op7")
	r.pressDigits("24")
	test.Tap(r.k.langBtn)
	test.Tap(r.k.langBtn)
	if got := r.k.login.prompt.Text; got != "Sarangerel, enter your PIN" {
		t.Errorf("prompt after switching back and forth = %q", got)
	}
	r.pressDigits("68")
	test.Tap(r.k.login.pad.ok)
	r.work.runAll()
	if got := entry.fieldNames[0].Text; got != "Ear tag" {
		t.Errorf("entry field in English = %q", got)
	}
	test.Tap(r.k.langBtn)
	if got := entry.fieldNames[0].Text; got != "耳标" {
		t.Errorf("entry field after switching back = %q", got)
	}
}

func TestIdleLockSignsOut(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(NewEntryScreen(r.k, hookScale))
	r.signIn("op7", testPIN)

	r.clock.Advance(DefaultIdleLock - time.Second)
	r.k.checkIdle()
	if _, ok := r.k.User(); !ok {
		t.Fatal("signed out before the idle time")
	}
	test.Tap(r.k.langBtn) // a touch postpones the lock
	r.clock.Advance(DefaultIdleLock - time.Second)
	r.k.checkIdle()
	if _, ok := r.k.User(); !ok {
		t.Fatal("signed out although the screen was touched")
	}
	r.clock.Advance(time.Second)
	r.k.checkIdle()
	if _, ok := r.k.User(); ok {
		t.Fatal("still signed in after the idle time")
	}
	if r.k.Current() != nil || r.st.Snapshot().Operator != line.SystemActor {
		t.Errorf("after the idle lock: screen %v, operator %s", r.k.Current(), r.st.Snapshot().Operator)
	}
}

func TestWashdownIgnoresTouchesUntilLongPress(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(NewEntryScreen(r.k, hookScale))
	r.signIn("op7", testPIN)

	test.Tap(r.k.washBtn)
	if !r.k.Washing() || r.win.Canvas().Overlays().Top() != r.k.washdown {
		t.Fatal("the washdown lock is not on top")
	}
	lock := r.k.washdown
	if got, want := lock.Size(), r.win.Canvas().Size(); got != want {
		t.Errorf("the washdown lock covers %v of the %v window, want all of it", got, want)
	}
	test.Tap(lock)
	test.DoubleTap(lock)
	r.k.Scan("20261204-0001")
	press := func(d time.Duration) {
		lock.MouseDown(&desktop.MouseEvent{})
		r.clock.Advance(d)
		lock.MouseUp(&desktop.MouseEvent{})
	}
	press(time.Second)
	press(DefaultWashdownHold - time.Millisecond)
	if !r.k.Washing() {
		t.Fatal("taps or short presses ended the washdown lock")
	}
	lock.MouseUp(&desktop.MouseEvent{}) // a release without a press
	if !r.k.Washing() {
		t.Fatal("a release without a press ended the washdown lock")
	}
	press(DefaultWashdownHold)
	if r.k.Washing() || r.win.Canvas().Overlays().Top() != nil {
		t.Fatal("a long press did not end the washdown lock")
	}
	if u, _ := r.k.User(); u.ID != "op7" {
		t.Errorf("user after washdown = %+v, want op7 still signed in", u)
	}
}

// statusFunc is a StatusSource made of a function, as cmd/kiosk may
// build one from its device goroutines' state.
type statusFunc func(ctx context.Context) StatusReport

func (f statusFunc) Status(ctx context.Context) StatusReport { return f(ctx) }

func TestStatusBarShowsReasons(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.k.status = statusFunc(func(context.Context) StatusReport {
		return StatusReport{
			Links: []LinkStatus{
				{Kind: LinkPlatform, ID: "", OK: false, Problem: Message{Key: "ui.status.problem.platform_unreachable"}},
				{Kind: LinkReader, ID: "reader-1", OK: true},
				{Kind: LinkScale, ID: hookScale, OK: false, Problem: Message{Key: "ui.status.problem.no_reply"}},
				PrinterLink(line.PrinterView{Name: "zebra-cut", Known: true, Status: line.PrinterStatus{PaperOut: true}}),
			},
			Outbox: OutboxStatus{Waiting: 2, Rejected: 1},
		}
	})
	r.start()
	r.k.pollStatus()
	got := r.k.statusBar.Text()
	for _, want := range []string{"读卡器 reader-1", "秤 hook-1: 无应答，请检查电源和网线", "打印机 zebra-cut: 缺纸",
		"平台: 连不上平台", "待上传 2，被拒 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("status bar %s lacks %q", got, want)
		}
	}
	if strings.Index(got, "秤 hook-1") > strings.Index(got, "平台") {
		t.Errorf("status bar %s does not list faults in the order scale, printer, platform", got)
	}
	if strings.Index(got, "读卡器") < strings.Index(got, "待上传") {
		t.Errorf("status bar %s lists a working reader before a fault", got)
	}
}

func TestStatusBarNeverWidensWindow(t *testing.T) {
	r := newRig(t, rigOptions{})
	var links []LinkStatus
	for i := range 12 {
		links = append(links, LinkStatus{Kind: LinkScale, ID: fmt.Sprintf("scale-with-a-long-name-%d", i), OK: i%2 == 0,
			Problem: Message{Key: "ui.status.problem.no_reply"}})
	}
	r.k.status = statusFunc(func(context.Context) StatusReport {
		return StatusReport{Links: links, Outbox: OutboxStatus{Waiting: 2}}
	})
	r.start()
	r.k.pollStatus()
	if w := r.k.root.MinSize().Width; w > 1024 {
		t.Errorf("frame needs %v units of width with a long status line, want at most 1024", w)
	}
}
