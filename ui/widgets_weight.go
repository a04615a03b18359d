package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// WeightDisplay shows a weight in large digits, in kilograms with the
// decimals of the scale, and beside it whether the weight is steady.
type WeightDisplay struct {
	widget.BaseWidget

	k       *Kiosk
	digits  *canvas.Text
	unit    *canvas.Text
	lamp    *canvas.Circle
	state   *canvas.Text
	content fyne.CanvasObject

	reading line.Reading
	steady  bool
	has     bool
	size    float32 // text size of the digits; 0 means SizeNameWeight
}

// NewWeightDisplay returns a display that shows no weight yet.
func NewWeightDisplay(k *Kiosk) *WeightDisplay {
	w := &WeightDisplay{k: k}
	w.digits = canvas.NewText("", nil)
	w.digits.TextStyle.Bold = true
	w.digits.Alignment = fyne.TextAlignTrailing
	w.unit = canvas.NewText("kg", nil)
	w.lamp = canvas.NewCircle(nil)
	w.state = canvas.NewText("", nil)
	lamp := container.New(layout.NewGridWrapLayout(fyne.NewSize(36, 36)), w.lamp)
	status := container.NewVBox(layout.NewSpacer(), container.NewHBox(lamp, w.state), layout.NewSpacer())
	w.content = container.NewBorder(nil, nil, nil, container.NewHBox(container.NewVBox(layout.NewSpacer(), w.unit), status), w.digits)
	w.ExtendBaseWidget(w)
	w.show()
	return w
}

// Set shows a reading; steady is the station's judgement that the weight
// stopped moving. A reading that differs from the one shown only in its
// time changes nothing on screen, so a scale polled ten times a second
// under a constant load does not repaint the window.
func (w *WeightDisplay) Set(r line.Reading, steady bool) {
	shown := w.reading
	shown.At = r.At
	if w.has && r == shown && steady == w.steady {
		return
	}
	w.reading, w.steady, w.has = r, steady, true
	w.show()
}

// SetDigitSize sets the text size of the digits, for a screen with less
// room than the theme's SizeNameWeight needs.
func (w *WeightDisplay) SetDigitSize(size float32) {
	w.size = size
	w.show()
}

// Clear shows no weight.
func (w *WeightDisplay) Clear() {
	w.has = false
	w.show()
}

// Text returns the digits and the state shown, for tests and the
// accessibility of screenshots.
func (w *WeightDisplay) Text() string { return w.digits.Text + " kg " + w.state.Text }

// Refresh redraws the display in the kiosk's language.
func (w *WeightDisplay) Refresh() {
	w.show()
	w.BaseWidget.Refresh()
}

func (w *WeightDisplay) show() {
	lang := w.k.Lang()
	fg := themeColor(theme.ColorNameForeground)
	lampColor, state := themeColor(theme.ColorNameDisabled), line.Translate(lang, "ui.weight.none", nil)
	digits := "--.---"
	switch {
	case !w.has:
	case w.reading.Overload:
		digits, lampColor, state = "^^^^^", themeColor(ColorNameFault), line.Translate(lang, "ui.weight.overload", nil)
	case w.reading.Underload:
		digits, lampColor, state = "vvvvv", themeColor(ColorNameFault), line.Translate(lang, "ui.weight.underload", nil)
	case w.steady:
		digits, lampColor, state = FormatKilograms(w.reading), themeColor(ColorNameStable), line.Translate(lang, "ui.weight.steady", nil)
	default:
		digits, lampColor, state = FormatKilograms(w.reading), themeColor(ColorNameUnstable), line.Translate(lang, "ui.weight.moving", nil)
	}
	size := w.size
	if size <= 0 {
		size = themeSize(SizeNameWeight)
	}
	w.digits.Text, w.digits.Color, w.digits.TextSize = digits, fg, size
	w.unit.Color, w.unit.TextSize = fg, themeSize(theme.SizeNameSubHeadingText)
	w.state.Text, w.state.Color, w.state.TextSize = state, lampColor, themeSize(theme.SizeNameSubHeadingText)
	w.state.TextStyle.Bold = true
	w.lamp.FillColor = lampColor
	w.digits.Refresh()
	w.unit.Refresh()
	w.state.Refresh()
	w.lamp.Refresh()
}

// CreateRenderer draws the display.
func (w *WeightDisplay) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(w.content)
}

// FormatKilograms formats a reading in kilograms with the decimals the
// scale's indicator shows, three when it states none: "23.45" for 23450 g
// on an indicator with two decimals. Digits beyond the indicator's are
// cut, as the indicator does, never rounded up.
func FormatKilograms(r line.Reading) string {
	return formatMass(r.Grams, r.Decimals)
}

func formatMass(m line.Mass, decimals int) string {
	if decimals <= 0 || decimals > 3 {
		decimals = 3
	}
	g := int64(m)
	sign := ""
	if g < 0 {
		sign, g = "-", -g
	}
	frac := g % 1000
	for range 3 - decimals {
		frac /= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, g/1000, decimals, frac)
}
