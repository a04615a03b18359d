package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Key sets of a CharPad.
const (
	KeysDigits      = "0123456789"
	KeysCertificate = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
	KeysURL         = "0123456789abcdefghijklmnopqrstuvwxyz.:/-_"
	KeysUserID      = "0123456789abcdefghijklmnopqrstuvwxyz._-"
	KeysName        = "ABCDEFGHIJKLMNOPQRSTUVWXYZ "
)

// A CharPad has at least charPadColumns keys in a row, ten keys of
// TouchTarget width for an 800-unit panel, and more for a large key set,
// so the keys take at most charPadRows rows.
const (
	charPadColumns = 10
	charPadRows    = 4
)

// CharPad is an on-screen keypad for codes such as a certificate number,
// a sample id or a pack serial, shown above the keys. It takes the
// characters of its key set only, up to its maximum length, so the floor
// never needs a keyboard. OnChange, if set, receives the text after every
// key.
type CharPad struct {
	widget.BaseWidget
	OnChange func(text string)

	k       *Kiosk
	max     int
	text    []rune
	display *canvas.Text
	keys    map[rune]*TouchButton
	del     *TouchButton
	clear   *TouchButton
	content fyne.CanvasObject
}

// NewCharPad returns a keypad with a key for each character of keys that
// takes at most max characters.
func NewCharPad(k *Kiosk, keys string, maxLen int) *CharPad {
	p := &CharPad{k: k, max: maxLen, keys: make(map[rune]*TouchButton)}
	p.display = canvas.NewText("", nil)
	p.display.TextSize = themeSize(SizeNameBarText) * 1.6
	n := len([]rune(keys)) + 2
	grid := container.NewGridWithColumns(max(charPadColumns, (n+charPadRows-1)/charPadRows))
	for _, c := range keys {
		b := NewTouchButton(k, string(c), nil, func() { p.Press(c) })
		p.keys[c] = b
		grid.Add(b)
	}
	p.del = NewTouchButton(k, "", theme.ContentUndoIcon(), p.Backspace)
	p.clear = NewTouchButton(k, "", theme.ContentClearIcon(), p.Clear)
	grid.Add(p.del)
	grid.Add(p.clear)
	bg := canvas.NewRectangle(themeColor(theme.ColorNameInputBackground))
	bg.StrokeColor, bg.StrokeWidth = themeColor(theme.ColorNameInputBorder), 2
	p.content = container.NewBorder(container.NewStack(bg, container.NewPadded(p.display)), nil, nil, nil, grid)
	p.ExtendBaseWidget(p)
	p.show()
	return p
}

// Press adds a character of the key set, unless the text is full.
func (p *CharPad) Press(c rune) {
	if _, ok := p.keys[c]; !ok || len(p.text) >= p.max {
		return
	}
	p.text = append(p.text, c)
	p.changed()
}

// Type presses the key of each character of s, for a code scanned while
// the pad is shown. Characters outside the key set are dropped.
func (p *CharPad) Type(s string) {
	for _, c := range s {
		p.Press(c)
	}
}

// Backspace removes the last character.
func (p *CharPad) Backspace() {
	if len(p.text) > 0 {
		p.text = p.text[:len(p.text)-1]
		p.changed()
	}
}

// Clear removes every character.
func (p *CharPad) Clear() {
	p.text = p.text[:0]
	p.changed()
}

// SetText replaces the text with the characters of s that the key set
// has, up to the maximum.
func (p *CharPad) SetText(s string) {
	p.text = p.text[:0]
	for _, c := range s {
		if _, ok := p.keys[c]; ok && len(p.text) < p.max {
			p.text = append(p.text, c)
		}
	}
	p.changed()
}

// Text returns the characters entered.
func (p *CharPad) Text() string { return string(p.text) }

func (p *CharPad) changed() {
	p.show()
	if p.OnChange != nil {
		p.OnChange(p.Text())
	}
}

func (p *CharPad) show() {
	// The cursor shows where the next character goes.
	p.display.Text = string(p.text) + "_"
	p.display.Color = themeColor(theme.ColorNameForeground)
	p.display.Refresh()
}

// Relabel sets the texts of keys that have words in the language on
// screen.
func (p *CharPad) Relabel() {
	if b, ok := p.keys[' ']; ok {
		b.SetText(p.k.T("ui.office.pad.space", nil))
	}
}

// CreateRenderer draws the pad.
func (p *CharPad) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.content) }

// padDialog asks for a code on a CharPad over the window.
type padDialog struct {
	pad     *CharPad
	ok      *TouchButton
	cancel  *TouchButton
	problem *widget.Label // the title, or why the text was not taken
	pop     *widget.PopUp
}

// openPadDialog shows a CharPad with the title above it. OK hands the
// text to accept, which returns a message key when the text is not
// acceptable, shown in the dialog, or "" to close it.
func openPadDialog(k *Kiosk, title, keys string, maxLen int, text string, accept func(text string) (problemKey string)) *padDialog {
	d := &padDialog{pad: NewCharPad(k, keys, maxLen)}
	d.pad.Relabel()
	d.pad.SetText(text)
	// The heading turns into the problem when the text is not taken, and
	// the buttons stand beside the pad, so its rows keep their touch
	// height on a 600-unit panel.
	d.problem = newTitleLabel()
	d.problem.SetText(title)
	d.pad.OnChange = func(string) {
		d.problem.Importance = widget.MediumImportance
		d.problem.SetText(title)
	}
	d.ok = NewTouchButton(k, k.T("ui.office.ok", nil), theme.ConfirmIcon(), func() {
		if key := accept(d.pad.Text()); key != "" {
			d.problem.Importance = widget.DangerImportance
			d.problem.SetText(k.T(key, nil))
			return
		}
		d.pop.Hide()
	})
	d.ok.Importance = widget.HighImportance
	d.cancel = NewTouchButton(k, k.T("ui.office.cancel", nil), nil, func() { d.pop.Hide() })
	content := container.NewBorder(d.problem, nil, nil, container.NewVBox(d.ok, d.cancel), d.pad)
	bg := canvas.NewRectangle(themeColor(ColorNameTile))
	d.pop = widget.NewModalPopUp(container.NewStack(bg, container.NewPadded(content)), k.win.Canvas())
	d.pop.Show()
	d.pop.Resize(dialogSize(k, d.pop.MinSize()))
	return d
}
