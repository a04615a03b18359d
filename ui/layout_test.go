package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"lambtrace/line"
)

// Panel sizes the kiosk runs on: a 10.1-inch 1024×600 panel and a
// 1280×800 one.
var panelSizes = []fyne.Size{{Width: 1024, Height: 600}, {Width: 1280, Height: 800}}

// rect is an object's place in the window.
type rect struct {
	name                   string
	left, top, right, down float32
}

func rectOf(name string, o fyne.CanvasObject) rect {
	p := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	s := o.Size()
	return rect{name: name, left: p.X, top: p.Y, right: p.X + s.Width, down: p.Y + s.Height}
}

// overlaps reports whether two rectangles share more than a rounding
// error of area.
func (a rect) overlaps(b rect) bool {
	const slack = 0.5
	return a.left < b.right-slack && b.left < a.right-slack && a.top < b.down-slack && b.top < a.down-slack
}

func (a rect) String() string {
	return fmt.Sprintf("%s [%.0f,%.0f–%.0f,%.0f]", a.name, a.left, a.top, a.right, a.down)
}

// assertNoOverlap fails for every pair of rectangles that overlap.
func assertNoOverlap(t *testing.T, what string, rects []rect) {
	t.Helper()
	for i := range rects {
		for j := i + 1; j < len(rects); j++ {
			if rects[i].overlaps(rects[j]) {
				t.Errorf("%s: %v overlaps %v", what, rects[i], rects[j])
			}
		}
	}
}

// assertInside fails for every rectangle that reaches outside bounds.
func assertInside(t *testing.T, what string, bounds rect, rects []rect) {
	t.Helper()
	const slack = 0.5
	for _, r := range rects {
		if r.left < bounds.left-slack || r.right > bounds.right+slack || r.top < bounds.top-slack || r.down > bounds.down+slack {
			t.Errorf("%s: %v reaches outside %v", what, r, bounds)
		}
	}
}

// assertButtonFits fails when a button is narrower or lower than its
// text and icon need.
func assertButtonFits(t *testing.T, what string, b fyne.CanvasObject, text string) {
	t.Helper()
	if s, m := b.Size(), b.MinSize(); s.Width < m.Width-0.5 || s.Height < m.Height-0.5 {
		t.Errorf("%s: button %q is %.0f×%.0f, its text needs %.0f×%.0f", what, text, s.Width, s.Height, m.Width, m.Height)
	}
}

// assertTextFits fails when a text drawn in o is wider than o.
func assertTextFits(t *testing.T, what string, text *canvas.Text) {
	t.Helper()
	if w := textWidth(text.Text, text.TextSize, text.TextStyle); w > text.Size().Width+0.5 {
		t.Errorf("%s: text %q is %.0f wide in a space of %.0f", what, text.Text, w, text.Size().Width)
	}
}

// The top bar keeps every navigation button and the language, washdown
// and sign-out buttons whole and inside the window for every role, in
// both languages, on both panel sizes, and the user's name never covers
// a button.
func TestTopBarFitsEveryRole(t *testing.T) {
	s := newShotRig(t)
	for _, size := range panelSizes {
		s.win.Resize(size)
		window := rect{name: "window", right: size.Width, down: size.Height}
		for _, lang := range line.Langs {
			s.setLang(lang)
			for _, user := range []string{"op7", "qa1", "vet1", "admin1"} {
				s.signIn(user, testPIN)
				s.settle()
				s.win.Content().Refresh()
				what := fmt.Sprintf("%.0f×%.0f %s %s", size.Width, size.Height, lang, user)

				buttons := append([]fyne.CanvasObject{}, s.k.nav.Objects...)
				buttons = append(buttons, s.k.langBtn, s.k.washBtn, s.k.lockBtn)
				var rects []rect
				for _, b := range buttons {
					text := b.(*TouchButton).Text
					assertButtonFits(t, what, b, text)
					rects = append(rects, rectOf(text, b))
				}
				assertInside(t, what, window, rects)
				badge := rectOf("user "+s.k.userName.name, s.k.userName)
				assertNoOverlap(t, what, append(rects, badge))
				assertTextFits(t, what, s.k.userName.nameText)
				assertTextFits(t, what, s.k.userName.roleText)
				s.k.Lock()
			}
		}
	}
	s.win.Resize(panelSizes[0])
}

func TestFitTextShrinksThenCuts(t *testing.T) {
	newRig(t, rigOptions{}) // the kiosk theme's fonts
	style := fyne.TextStyle{Bold: true}
	size, minSize := theme.TextSize(), theme.CaptionTextSize()

	text, got := fitText("ELISA", size, minSize, style, 200)
	if text != "ELISA" || got != size {
		t.Errorf("a short text = %q at %.0f, want it whole at %.0f", text, got, size)
	}

	long := "胶体金快速检测"
	width := textWidth(long, size, style) - 10
	text, got = fitText(long, size, minSize, style, width)
	if text != long || got >= size || got < minSize {
		t.Errorf("a text a little too wide = %q at %.0f, want it whole between %.0f and %.0f", text, got, minSize, size)
	}
	if w := textWidth(text, got, style); w > width {
		t.Errorf("the shrunk text is %.0f wide, want at most %.0f", w, width)
	}

	kid := "8d71f6e93c3b76070d373ce85438a310"
	text, got = fitText(kid, size, minSize, style, 120)
	if got != minSize || text == kid || []rune(text)[len([]rune(text))-1] != '…' {
		t.Errorf("a text far too wide = %q at %.0f, want it cut with an ellipsis at %.0f", text, got, minSize)
	}
	if w := textWidth(text, got, style); w > 120 {
		t.Errorf("the cut text is %.0f wide, want at most 120", w)
	}
	if got := ellipsize(kid, minSize, style, 1); got != ellipsis {
		t.Errorf("ellipsize into 1 unit = %q, want the ellipsis alone", got)
	}
}

// assertScreenFits fails for every visible tile whose title or detail is
// wider than the tile and every button narrower than its text, under root.
func assertScreenFits(t *testing.T, what string, root fyne.CanvasObject) {
	t.Helper()
	walkVisible(t, root, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *Tile:
			r := test.TempWidgetRenderer(t, x).(*tileRenderer)
			assertTextFits(t, what+", tile "+x.Title, r.title)
			assertTextFits(t, what+", tile "+x.Title, r.detail)
		case *TouchButton:
			assertButtonFits(t, what, x, x.Text)
		case *ActionButton:
			assertButtonFits(t, what, x, x.Text)
		}
	})
}

// The sections of the quality and settings screens keep every tile's
// texts and every button's text inside the tile or button, in both
// languages, with long reasons, method names and key ids on screen.
func TestOfficeSectionsFit(t *testing.T) {
	s := newShotRig(t)
	s.enter(officeRFIDClean)
	s.enter(shotRFIDHeld)
	s.waitPrinters(printerReady)
	s.signInTo("qa1", "quality")
	l := s.quality.lab
	test.Tap(s.quality.nav.buttons[2])
	s.settle()
	test.Tap(l.negative)
	s.settle()
	for _, lang := range line.Langs {
		s.setLang(lang)
		for i, b := range s.quality.nav.buttons {
			test.Tap(b)
			s.settle()
			s.win.Content().Refresh()
			assertScreenFits(t, fmt.Sprintf("%s quality section %d", lang, i), s.win.Canvas().Content())
		}
	}
	s.k.Lock()

	s.setLang(line.LangZH)
	s.signInTo("admin1", "settings")
	ks := s.settings.keys
	test.Tap(s.settings.nav.buttons[3])
	s.settle()
	test.Tap(ks.station)
	s.settle()
	test.Tap(ks.inspector)
	tapPIN(s.settings.pin.pad, "246813")
	tapPIN(s.settings.pin.pad, "246813")
	test.Tap(s.settings.pin.save)
	s.settle()
	if len(ks.keys) != 2 {
		t.Fatalf("keys shown = %+v, want the station's and the vet's", ks.keys)
	}
	for _, lang := range line.Langs {
		s.setLang(lang)
		test.Tap(s.settings.nav.buttons[3])
		s.settle()
		s.win.Content().Refresh()
		for i, key := range ks.keys {
			tile := ks.list.rows[i].(*Tile)
			shown := test.TempWidgetRenderer(t, tile).(*tileRenderer).detail.Text
			if shown != key.KID {
				t.Errorf("%s: key tile %d shows %q, want the whole key id %s", lang, i, shown, key.KID)
			}
		}
		for i, b := range s.settings.nav.buttons {
			test.Tap(b)
			s.settle()
			s.win.Content().Refresh()
			assertScreenFits(t, fmt.Sprintf("%s settings section %d", lang, i), s.win.Canvas().Content())
		}
	}
}

// The reasons of a carcass held for several long reasons each get the
// lines they need: none runs over another or out of the list, in both
// languages and on both panel sizes, and paging shows every one.
func TestHoldReasonsNeverOverlap(t *testing.T) {
	r := newRig(t, rigOptions{})
	q := NewQualityScreen(r.k, newStoreRecords(t, r))
	r.start(q)
	held := r.enter(shotRFIDHeld)
	r.signIn("qa1", testPIN)
	r.settle()
	h := q.holds
	if h.picked != held.Number || len(h.decisions) < 2 {
		t.Fatalf("holds section picked %q with %d decisions, want %s with its reasons", h.picked, len(h.decisions), held.Number)
	}
	for _, size := range panelSizes {
		r.win.Resize(size)
		for _, lang := range line.Langs {
			r.k.SetLang(lang)
			r.settle()
			r.win.Content().Refresh()
			what := fmt.Sprintf("%.0f×%.0f %s", size.Width, size.Height, lang)
			area := rectOf("reason area", h.reasons.area)
			seen := 0
			for page := range h.reasons.Pages() {
				h.reasons.SetPage(page)
				var rects []rect
				for _, l := range h.reasons.Shown() {
					seen++
					if l.Size().Height < l.MinSize().Height-0.5 {
						t.Errorf("%s: reason %q is cut to %.0f of the %.0f it needs", what, l.Text, l.Size().Height, l.MinSize().Height)
					}
					rects = append(rects, rectOf(l.Text, l))
				}
				assertNoOverlap(t, what, rects)
				assertInside(t, what, area, rects)
			}
			if seen != len(h.decisions) {
				t.Errorf("%s: the pages show %d reasons, want all %d", what, seen, len(h.decisions))
			}
		}
	}
}

// The lab section's title and detail sit above the sample button, and the
// analyte and method tiles above the record buttons, with no two
// overlapping. This holds in both languages and on both panel sizes, with
// the notice of a recorded result on screen and after it is tapped away.
func TestLabSectionNoOverlap(t *testing.T) {
	r, q, _ := newQualityRig(t, rigOptions{}, "qa1")
	test.Tap(q.nav.buttons[2])
	r.settle()
	l := q.lab
	test.Tap(l.negative)
	r.settle()
	if r.k.notice.Text() == "" {
		t.Fatal("no notice after recording a result")
	}
	check := func(notice string) {
		for _, size := range panelSizes {
			r.win.Resize(size)
			window := rect{name: "window", right: size.Width, down: size.Height}
			for _, lang := range line.Langs {
				r.k.SetLang(lang)
				r.settle()
				if notice == "with the notice" {
					// A language switch hides the notice bar.
					r.k.ShowNotice(Message{Key: "ui.office.lab.recorded"})
				}
				r.win.Content().Refresh()
				what := fmt.Sprintf("%.0f×%.0f %s %s", size.Width, size.Height, lang, notice)
				rects := []rect{rectOf("title", l.title), rectOf("detail", l.detail), rectOf("sample", l.sampleBtn),
					rectOf("negative", l.negative), rectOf("positive", l.positive)}
				for _, tile := range append(append([]*Tile{}, l.analyteTiles...), l.methodTiles...) {
					rects = append(rects, rectOf(tile.Title, tile))
				}
				assertNoOverlap(t, what, rects)
				assertInside(t, what, window, rects)
				if rects[0].down > rects[2].top+0.5 || rects[1].down > rects[2].top+0.5 {
					t.Errorf("%s: the title %v or detail %v is not above the sample button %v", what, rects[0], rects[1], rects[2])
				}
			}
		}
	}
	check("with the notice")
	test.Tap(r.k.notice)
	check("without the notice")
}
