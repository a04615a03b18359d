package ui

import (
	"context"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// DefaultDebounce is how long an ActionButton ignores taps after the tap
// that started its job. Raspberry Pi touch panels have been seen to
// deliver one touch as two taps about 30 ms apart, so 400 ms leaves a wide
// margin and is still shorter than a deliberate second press.
const DefaultDebounce = 400 * time.Millisecond

// ActionTimeout bounds an ActionButton's job, so a command stuck on the
// database gives the button back with a timeout message.
const ActionTimeout = 30 * time.Second

// ActionButton is a button with a side effect, such as printing or
// closing a carcass. One tap starts its job off the fyne goroutine and
// disables the button until the job returns. It ignores taps within
// DefaultDebounce of the one that started a job, so a double-firing touch
// panel cannot run the job twice. Done, if set, receives the job's error
// on the fyne goroutine.
type ActionButton struct {
	widget.Button

	job  func(ctx context.Context) error
	Done func(err error)

	k       *Kiosk
	busy    bool
	allowed bool
	last    time.Time // when the last job started
}

// NewActionButton returns a button labelled text that runs job with the
// kiosk's context.
func NewActionButton(k *Kiosk, text string, job func(ctx context.Context) error) *ActionButton {
	b := &ActionButton{job: job, k: k, allowed: true}
	b.Text = text
	b.Importance = widget.HighImportance
	b.OnTapped = b.fire
	b.ExtendBaseWidget(b)
	return b
}

// MinSize keeps the button at least TouchTarget square.
func (b *ActionButton) MinSize() fyne.Size { return atLeastTouch(b.Button.MinSize()) }

// SetAllowed enables or disables the button for a reason of the screen,
// such as nothing being picked. A running job keeps it disabled until
// the job returns.
func (b *ActionButton) SetAllowed(ok bool) {
	b.allowed = ok
	b.sync()
}

// Busy reports whether the button's job is running.
func (b *ActionButton) Busy() bool { return b.busy }

func (b *ActionButton) fire() {
	now := b.k.now()
	if b.busy || !b.allowed || (!b.last.IsZero() && now.Sub(b.last) < DefaultDebounce) {
		return
	}
	b.k.Touched()
	b.last, b.busy = now, true
	b.sync()
	job := b.job
	b.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(b.k.ctx, ActionTimeout)
		defer cancel()
		return job(ctx)
	}, func(err error) {
		b.busy = false
		b.sync()
		if b.Done != nil {
			b.Done(err)
		}
	})
}

func (b *ActionButton) sync() {
	if b.busy || !b.allowed {
		b.Disable()
	} else {
		b.Enable()
	}
}

func atLeastTouch(s fyne.Size) fyne.Size {
	return fyne.NewSize(max(s.Width, TouchTarget), max(s.Height, TouchTarget))
}

// TouchButton is a plain button of at least TouchTarget square for
// actions without a side effect outside the screen, such as paging or
// switching the language. Each press postpones the idle lock.
type TouchButton struct {
	widget.Button
	k *Kiosk
}

// NewTouchButton returns a button that calls tapped.
func NewTouchButton(k *Kiosk, text string, icon fyne.Resource, tapped func()) *TouchButton {
	b := &TouchButton{k: k}
	b.Text, b.Icon = text, icon
	b.OnTapped = func() {
		k.Touched()
		if tapped != nil {
			tapped()
		}
	}
	b.ExtendBaseWidget(b)
	return b
}

// MinSize keeps the button at least TouchTarget square.
func (b *TouchButton) MinSize() fyne.Size { return atLeastTouch(b.Button.MinSize()) }

// Tile is a large tappable card with a title and a second line, for user
// tiles, product tiles and list rows.
type Tile struct {
	widget.BaseWidget
	Title, Detail string
	Active        bool // drawn as the picked tile
	Disabled      bool // ignores taps and is drawn faint
	OnTapped      func()

	k *Kiosk
}

// NewTile returns a tile that calls tapped.
func NewTile(k *Kiosk, title, detail string, tapped func()) *Tile {
	t := &Tile{Title: title, Detail: detail, OnTapped: tapped, k: k}
	t.ExtendBaseWidget(t)
	return t
}

// Set changes the tile's texts and state and redraws it.
func (t *Tile) Set(title, detail string, active bool) {
	t.Title, t.Detail, t.Active = title, detail, active
	t.Refresh()
}

// Tapped calls OnTapped unless the tile is disabled.
func (t *Tile) Tapped(*fyne.PointEvent) {
	if t.Disabled || t.OnTapped == nil {
		return
	}
	t.k.Touched()
	t.OnTapped()
}

// CreateRenderer draws the tile.
func (t *Tile) CreateRenderer() fyne.WidgetRenderer {
	r := &tileRenderer{t: t, bg: canvas.NewRectangle(nil), title: canvas.NewText("", nil), detail: canvas.NewText("", nil)}
	r.bg.CornerRadius = 6
	r.bg.StrokeWidth = 2
	r.title.TextStyle.Bold = true
	r.Refresh()
	return r
}

type tileRenderer struct {
	t             *Tile
	bg            *canvas.Rectangle
	title, detail *canvas.Text
}

// Layout fits the title and the detail into the tile's width: each
// shrinks down to its smallest size and is then cut with an ellipsis, so
// a long key id or method name never spills over the tile's edge.
func (r *tileRenderer) Layout(size fyne.Size) {
	pad := theme.InnerPadding()
	r.bg.Resize(size)
	width := max(size.Width-2*pad, 0)
	titleSize, detailSize := tileTextSizes()
	r.title.Text, r.title.TextSize = fitText(r.t.Title, titleSize, tileMinTitleSize(), r.title.TextStyle, width)
	r.detail.Text, r.detail.TextSize = fitText(r.t.Detail, detailSize, tileMinDetailSize(), r.detail.TextStyle, width)
	// The lines keep the heights of the full sizes, so a shrunk text stays
	// where a whole one would be.
	th := fyne.MeasureText(r.t.Title, titleSize, r.title.TextStyle).Height
	dh := fyne.MeasureText(r.t.Detail, detailSize, r.detail.TextStyle).Height
	if r.t.Detail == "" {
		dh = 0
	}
	top := (size.Height - th - dh) / 2
	r.title.Move(fyne.NewPos(pad, top))
	r.title.Resize(fyne.NewSize(width, th))
	r.detail.Move(fyne.NewPos(pad, top+th))
	r.detail.Resize(fyne.NewSize(width, dh))
	r.title.Refresh()
	r.detail.Refresh()
}

// MinSize is the size of the texts at their smallest sizes, so a tile
// with a long text does not widen the grid or list that holds it.
func (r *tileRenderer) MinSize() fyne.Size {
	pad := theme.InnerPadding()
	titleSize, detailSize := tileTextSizes()
	w := max(textWidth(r.t.Title, tileMinTitleSize(), r.title.TextStyle), textWidth(r.t.Detail, tileMinDetailSize(), r.detail.TextStyle)) + 2*pad
	h := fyne.MeasureText(r.t.Title, titleSize, r.title.TextStyle).Height + 2*pad
	if r.t.Detail != "" {
		h += fyne.MeasureText(r.t.Detail, detailSize, r.detail.TextStyle).Height
	}
	return atLeastTouch(fyne.NewSize(w, h))
}

func (r *tileRenderer) Refresh() {
	face, text, stroke := themeColor(ColorNameTile), themeColor(theme.ColorNameForeground), themeColor(theme.ColorNameSeparator)
	switch {
	case r.t.Active:
		face, text, stroke = themeColor(ColorNameTileActive), themeColor(theme.ColorNameForegroundOnPrimary), face
	case r.t.Disabled:
		text = themeColor(theme.ColorNameDisabled)
	}
	r.bg.FillColor, r.bg.StrokeColor = face, stroke
	r.title.Color = text
	r.detail.Color = text
	r.detail.Hidden = r.t.Detail == ""
	r.bg.Refresh()
	r.Layout(r.t.Size())
}

// tileTextSizes returns the full sizes of a tile's title and detail.
func tileTextSizes() (title, detail float32) { return theme.TextSize(), theme.CaptionTextSize() }

// tileMinTitleSize is the smallest size a long title shrinks to before it
// is cut: the caption size, still readable at arm's length.
func tileMinTitleSize() float32 { return theme.CaptionTextSize() }

// tileMinDetailSize is the smallest size a long detail shrinks to before
// it is cut: three quarters of the caption size.
func tileMinDetailSize() float32 { return theme.CaptionTextSize() * 3 / 4 }

func (r *tileRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.title, r.detail}
}

func (r *tileRenderer) Destroy() {}

// PagedList shows Length() items a page at a time with large up and down
// buttons. Finger drags do not scroll a desktop fyne build on a touch
// panel, so the kiosk pages instead of scrolling. Rows are made once by
// Create and filled by Update(i, row) for item i; a row beyond the last
// item is hidden.
type PagedList struct {
	widget.BaseWidget

	Length func() int
	Create func() fyne.CanvasObject
	Update func(i int, row fyne.CanvasObject)

	k          *Kiosk
	rows       []fyne.CanvasObject
	cells      []*fyne.Container // one per row, so a hidden row keeps its place
	page       int
	up, down   *TouchButton
	pageNumber *widget.Label
	content    fyne.CanvasObject
}

// NewPagedList returns a list of perPage rows per page.
func NewPagedList(k *Kiosk, perPage int, length func() int, create func() fyne.CanvasObject,
	update func(i int, row fyne.CanvasObject)) *PagedList {
	l := &PagedList{Length: length, Create: create, Update: update, k: k}
	perPage = max(perPage, 1)
	rowBox := container.New(layout.NewGridLayoutWithRows(perPage))
	for range perPage {
		row := create()
		cell := container.NewStack(row)
		l.rows = append(l.rows, row)
		l.cells = append(l.cells, cell)
		rowBox.Add(cell)
	}
	l.up = NewTouchButton(k, "", theme.MoveUpIcon(), func() { l.SetPage(l.page - 1) })
	l.down = NewTouchButton(k, "", theme.MoveDownIcon(), func() { l.SetPage(l.page + 1) })
	l.pageNumber = widget.NewLabel("")
	l.pageNumber.Alignment = fyne.TextAlignCenter
	pager := container.NewBorder(l.up, l.down, nil, nil, container.NewCenter(l.pageNumber))
	l.content = container.NewBorder(nil, nil, nil, pager, rowBox)
	l.ExtendBaseWidget(l)
	l.Reload()
	return l
}

// Pages returns the number of pages, at least 1.
func (l *PagedList) Pages() int {
	n := l.Length()
	return max(1, (n+len(l.rows)-1)/len(l.rows))
}

// Page returns the page shown, counting from 0.
func (l *PagedList) Page() int { return l.page }

// SetPage shows page p, kept within the pages there are.
func (l *PagedList) SetPage(p int) {
	l.page = min(max(p, 0), l.Pages()-1)
	l.Reload()
}

// ShowItem shows the page that holds item i.
func (l *PagedList) ShowItem(i int) { l.SetPage(i / len(l.rows)) }

// Reload fills the rows of the current page from Update, for a list whose
// items changed.
func (l *PagedList) Reload() {
	pages := l.Pages()
	l.page = min(l.page, pages-1)
	n := l.Length()
	for r, row := range l.rows {
		i := l.page*len(l.rows) + r
		if i < n {
			l.Update(i, row)
			row.Show()
		} else {
			row.Hide()
		}
		l.cells[r].Refresh()
	}
	l.pageNumber.SetText(strconv.Itoa(l.page+1) + "/" + strconv.Itoa(pages))
	if l.page > 0 {
		l.up.Enable()
	} else {
		l.up.Disable()
	}
	if l.page < pages-1 {
		l.down.Enable()
	} else {
		l.down.Disable()
	}
}

// CreateRenderer draws the rows and the pager.
func (l *PagedList) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(l.content)
}

// PINPad is a keypad for a PIN of up to MaxPIN digits, shown as dots.
// OK hands the digits to OnSubmit and clears the pad.
type PINPad struct {
	widget.BaseWidget
	OnSubmit func(pin string)

	k       *Kiosk
	digits  []byte
	dots    *canvas.Text
	keys    []*TouchButton
	ok, del *TouchButton
	content fyne.CanvasObject
}

// MaxPIN is the longest PIN the store accepts.
const MaxPIN = 8

// NewPINPad returns a keypad that calls submit with the digits entered.
func NewPINPad(k *Kiosk, submit func(pin string)) *PINPad {
	p := &PINPad{OnSubmit: submit, k: k}
	p.dots = canvas.NewText("", nil)
	p.dots.Alignment = fyne.TextAlignCenter
	p.dots.TextSize = 32
	grid := container.NewGridWithColumns(3)
	for _, d := range "123456789" {
		grid.Add(p.key(byte(d)))
	}
	p.del = NewTouchButton(k, "", theme.ContentUndoIcon(), p.Backspace)
	p.ok = NewTouchButton(k, "OK", theme.ConfirmIcon(), p.submit)
	p.ok.Importance = widget.HighImportance
	grid.Add(p.del)
	grid.Add(p.key('0'))
	grid.Add(p.ok)
	p.content = container.NewBorder(p.dots, nil, nil, nil, grid)
	p.ExtendBaseWidget(p)
	p.show()
	return p
}

func (p *PINPad) key(d byte) *TouchButton {
	b := NewTouchButton(p.k, string(d), nil, func() { p.Press(d) })
	p.keys = append(p.keys, b)
	return b
}

// Press adds a digit, ignoring digits beyond MaxPIN.
func (p *PINPad) Press(d byte) {
	if d < '0' || d > '9' || len(p.digits) >= MaxPIN {
		return
	}
	p.digits = append(p.digits, d)
	p.show()
}

// Backspace removes the last digit.
func (p *PINPad) Backspace() {
	if len(p.digits) > 0 {
		p.digits = p.digits[:len(p.digits)-1]
		p.show()
	}
}

// Clear removes every digit.
func (p *PINPad) Clear() {
	clear(p.digits)
	p.digits = p.digits[:0]
	p.show()
}

// Entered returns how many digits are entered.
func (p *PINPad) Entered() int { return len(p.digits) }

// SetEnabled enables or disables every key, such as while a PIN is
// checked or a user is locked out.
func (p *PINPad) SetEnabled(ok bool) {
	for _, b := range append(p.keys, p.ok, p.del) {
		if ok {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func (p *PINPad) submit() {
	pin := string(p.digits)
	p.Clear()
	if p.OnSubmit != nil && pin != "" {
		p.OnSubmit(pin)
	}
}

func (p *PINPad) show() {
	dots := make([]rune, 0, MaxPIN)
	for range p.digits {
		dots = append(dots, '●')
	}
	for len(dots) < 4 {
		dots = append(dots, '○')
	}
	p.dots.Text = string(dots)
	p.dots.Color = themeColor(theme.ColorNameForeground)
	p.dots.Refresh()
}

// CreateRenderer draws the keypad.
func (p *PINPad) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(p.content) }
