package ui

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/labels"
)

// Fyne desktop builds do not scroll on a finger drag, so lists page with
// buttons instead.
func TestPagedListPagesWithButtons(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start()
	l := r.k.login.list
	if got := l.Pages(); got != 2 {
		t.Fatalf("5 users in rows of 4 fill %d pages, want 2", got)
	}
	if !l.up.Disabled() || l.down.Disabled() {
		t.Errorf("on the first page: up disabled=%v, down disabled=%v", l.up.Disabled(), l.down.Disabled())
	}
	test.Tap(l.down)
	if l.Page() != 1 || l.rows[0].Visible() != true || l.rows[1].Visible() {
		t.Errorf("second page: page %d, row 0 visible=%v, row 1 visible=%v", l.Page(), l.rows[0].Visible(), l.rows[1].Visible())
	}
	if got := l.rows[0].(*Tile).Title; got != r.k.login.users[4].Name {
		t.Errorf("second page shows %q, want %q", got, r.k.login.users[4].Name)
	}
	if !l.down.Disabled() {
		t.Error("down enabled on the last page")
	}
	test.Tap(l.up)
	if l.Page() != 0 {
		t.Errorf("page after up = %d", l.Page())
	}
	if h := l.rows[0].Size().Height; h < TouchTarget {
		t.Errorf("a row is %.0f units high, want at least %.0f", h, TouchTarget)
	}
}

// Every control a finger presses is at least TouchTarget square on the
// 1024×600 panel: 15 mm at up to 135 dpi.
func TestTouchTargetsAtLeast15mm(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	checkTargets := func(screen string, want int) {
		t.Helper()
		seen := 0
		walkVisible(t, r.win.Canvas().Content(), func(o fyne.CanvasObject) {
			if _, ok := o.(fyne.Tappable); !ok {
				return
			}
			seen++
			if _, ok := o.(*noticeBar); ok {
				return // the notice bar spans the frame
			}
			if s := o.Size(); s.Width < TouchTarget || s.Height < TouchTarget {
				t.Errorf("%s: %T %q is %.0f×%.0f, want at least %.0f square", screen, o, targetText(o), s.Width, s.Height, TouchTarget)
			}
		})
		if seen < want {
			t.Errorf("%s: found %d controls, want at least %d", screen, seen, want)
		}
	}
	checkTargets("cutting, picking a carcass", 8)
	r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	checkTargets("cutting, products", 14)
	r.k.ShowScreen("entry")
	checkTargets("entry", 5)
	r.k.Lock()
	r.tapUser("op7")
	checkTargets("login", 18)
}

func walkVisible(t *testing.T, o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkVisible(t, c, visit)
		}
	case fyne.Widget:
		for _, c := range test.TempWidgetRenderer(t, x).Objects() {
			walkVisible(t, c, visit)
		}
	}
}

func targetText(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *TouchButton:
		return x.Text
	case *ActionButton:
		return x.Text
	case *Tile:
		return x.Title
	}
	return ""
}

// The theme draws every style but monospace with the faces labels print
// with, so Chinese never depends on the fonts of the kiosk's system.
func TestThemeUsesBundledFonts(t *testing.T) {
	th := NewTheme()
	if !bytes.Equal(th.Font(fyne.TextStyle{}).Content(), labels.FontRegular()) {
		t.Error("regular text is not drawn with the bundled regular face")
	}
	if !bytes.Equal(th.Font(fyne.TextStyle{Bold: true}).Content(), labels.FontBold()) {
		t.Error("bold text is not drawn with the bundled bold face")
	}
	if !bytes.Equal(th.Font(fyne.TextStyle{Italic: true}).Content(), labels.FontRegular()) {
		t.Error("italic text is not drawn with the bundled regular face")
	}
}

// shownFirst records the order of Show and SetFullScreen on a window.
type shownFirst struct {
	fyne.Window
	calls []string
}

func (w *shownFirst) Show() { w.calls = append(w.calls, "show"); w.Window.Show() }
func (w *shownFirst) SetFullScreen(on bool) {
	w.calls = append(w.calls, "fullscreen")
	w.Window.SetFullScreen(on)
}

func TestPresentShowsBeforeFullScreen(t *testing.T) {
	test.NewTempApp(t)
	w := &shownFirst{Window: test.NewWindow(nil)}
	defer w.Close()
	Present(w)
	if len(w.calls) != 2 || w.calls[0] != "show" || w.calls[1] != "fullscreen" {
		t.Errorf("calls = %v, want show then fullscreen", w.calls)
	}
	if !w.FullScreen() {
		t.Error("the window is not full screen")
	}
}
