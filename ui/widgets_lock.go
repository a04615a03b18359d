package ui

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// DefaultWashdownHold is how long a finger must rest on the washdown lock
// to end it. Water running down a panel gives short touches; three
// seconds of steady pressure is a person.
const DefaultWashdownHold = 3 * time.Second

// washdownLock covers the whole window while the line is washed down. It
// swallows every tap; a press held for at least hold ends the lock when
// the finger lifts. A desktop fyne build turns a touch into mouse down
// and up events, which is what it reads.
type washdownLock struct {
	widget.BaseWidget

	k       *Kiosk
	hold    time.Duration
	down    time.Time // when the press began, zero when none is in progress
	onEnd   func()
	bg      *canvas.Rectangle
	title   *canvas.Text
	hint    *canvas.Text
	content fyne.CanvasObject
}

var (
	_ desktop.Mouseable      = (*washdownLock)(nil)
	_ fyne.Tappable          = (*washdownLock)(nil)
	_ fyne.DoubleTappable    = (*washdownLock)(nil)
	_ fyne.SecondaryTappable = (*washdownLock)(nil)
)

func newWashdownLock(k *Kiosk, hold time.Duration, onEnd func()) *washdownLock {
	l := &washdownLock{k: k, hold: hold, onEnd: onEnd}
	l.bg = canvas.NewRectangle(nil)
	l.title = canvas.NewText("", nil)
	l.title.TextStyle.Bold = true
	l.title.Alignment = fyne.TextAlignCenter
	l.hint = canvas.NewText("", nil)
	l.hint.Alignment = fyne.TextAlignCenter
	l.content = container.NewStack(l.bg, container.NewCenter(container.NewVBox(l.title, l.hint)))
	l.ExtendBaseWidget(l)
	return l
}

// Tapped ignores the tap.
func (l *washdownLock) Tapped(*fyne.PointEvent) {}

// DoubleTapped ignores the tap.
func (l *washdownLock) DoubleTapped(*fyne.PointEvent) {}

// TappedSecondary ignores the tap.
func (l *washdownLock) TappedSecondary(*fyne.PointEvent) {}

// MouseDown starts timing a press.
func (l *washdownLock) MouseDown(*desktop.MouseEvent) { l.down = l.k.now() }

// MouseUp ends the lock when the press lasted long enough.
func (l *washdownLock) MouseUp(*desktop.MouseEvent) {
	if l.down.IsZero() {
		return
	}
	held := l.k.now().Sub(l.down)
	l.down = time.Time{}
	if held >= l.hold && l.onEnd != nil {
		l.onEnd()
	}
}

// Refresh redraws the lock in the kiosk's language.
func (l *washdownLock) Refresh() {
	l.render()
	l.BaseWidget.Refresh()
}

func (l *washdownLock) render() {
	l.bg.FillColor = themeColor(ColorNameBar)
	l.title.Text = l.k.T("ui.washdown.title", nil)
	l.title.Color, l.title.TextSize = themeColor(ColorNameOnBar), themeSize(SizeNameCard)
	l.hint.Text = l.k.T("ui.washdown.hint", map[string]string{"seconds": secondsText(l.hold)})
	l.hint.Color, l.hint.TextSize = themeColor(ColorNameOnBar), themeSize(theme.SizeNameSubHeadingText)
	l.bg.Refresh()
	l.title.Refresh()
	l.hint.Refresh()
}

// CreateRenderer draws the lock.
func (l *washdownLock) CreateRenderer() fyne.WidgetRenderer {
	l.render()
	return widget.NewSimpleRenderer(l.content)
}

func secondsText(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
