package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// TextPages shows paragraphs of wrapped text a page at a time, with large
// up and down buttons like PagedList. A page holds as many whole
// paragraphs as fit its height at its width, so a long paragraph, such
// as a hold reason with dates and limits, takes the lines it needs and
// never runs over the next one. A paragraph higher than a whole page gets
// a page of its own and is cut at the page's bottom edge.
type TextPages struct {
	widget.BaseWidget

	k          *Kiosk
	texts      []string
	labels     []*widget.Label // one per paragraph, reused
	starts     []int           // the first paragraph of each page, from the last layout
	page       int
	area       *fyne.Container
	up, down   *TouchButton
	pageNumber *widget.Label
	content    fyne.CanvasObject
}

// NewTextPages returns an empty TextPages.
func NewTextPages(k *Kiosk) *TextPages {
	p := &TextPages{k: k, starts: []int{0}}
	p.area = container.New(&textPagesLayout{p: p})
	p.up = NewTouchButton(k, "", theme.MoveUpIcon(), func() { p.SetPage(p.page - 1) })
	p.down = NewTouchButton(k, "", theme.MoveDownIcon(), func() { p.SetPage(p.page + 1) })
	p.pageNumber = widget.NewLabel("")
	p.pageNumber.Alignment = fyne.TextAlignCenter
	pager := container.NewBorder(p.up, p.down, nil, nil, container.NewCenter(p.pageNumber))
	p.content = container.NewBorder(nil, nil, nil, pager, p.area)
	p.ExtendBaseWidget(p)
	p.syncPager()
	return p
}

// Set replaces the paragraphs and shows the first page.
func (p *TextPages) Set(texts []string) {
	p.texts = append(p.texts[:0], texts...)
	for len(p.labels) < len(texts) {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		p.labels = append(p.labels, l)
	}
	objects := make([]fyne.CanvasObject, len(texts))
	for i, text := range texts {
		p.labels[i].SetText(text)
		objects[i] = p.labels[i]
	}
	p.page = 0
	p.area.Objects = objects
	p.area.Refresh()
}

// Texts returns the paragraphs.
func (p *TextPages) Texts() []string { return p.texts }

// Pages returns the number of pages at the last layout, at least 1.
func (p *TextPages) Pages() int { return len(p.starts) }

// Page returns the page shown, counting from 0.
func (p *TextPages) Page() int { return p.page }

// SetPage shows page n, kept within the pages there are.
func (p *TextPages) SetPage(n int) {
	p.page = min(max(n, 0), len(p.starts)-1)
	p.area.Refresh()
}

// Shown returns the labels of the paragraphs on the page shown.
func (p *TextPages) Shown() []*widget.Label {
	var out []*widget.Label
	for _, l := range p.labels[:len(p.texts)] {
		if l.Visible() {
			out = append(out, l)
		}
	}
	return out
}

func (p *TextPages) syncPager() {
	p.pageNumber.SetText(strconv.Itoa(p.page+1) + "/" + strconv.Itoa(len(p.starts)))
	if p.page > 0 {
		p.up.Enable()
	} else {
		p.up.Disable()
	}
	if p.page < len(p.starts)-1 {
		p.down.Enable()
	} else {
		p.down.Disable()
	}
}

// CreateRenderer draws the paragraphs and the pager.
func (p *TextPages) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(p.content)
}

// textPagesLayout measures every paragraph at the area's width, breaks
// them into pages and stacks the page shown from the top.
type textPagesLayout struct{ p *TextPages }

func (l *textPagesLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	p := l.p
	gap := theme.Padding()
	heights := make([]float32, len(objects))
	for i, o := range objects {
		// A wrapped label's minimum height follows its width.
		o.Resize(fyne.NewSize(size.Width, o.Size().Height))
		heights[i] = o.MinSize().Height
	}

	p.starts = p.starts[:0]
	p.starts = append(p.starts, 0)
	var used float32
	for i, h := range heights {
		if i > p.starts[len(p.starts)-1] && used+gap+h > size.Height {
			p.starts = append(p.starts, i)
			used = 0
		}
		if i > p.starts[len(p.starts)-1] {
			used += gap
		}
		used += h
	}
	p.page = min(p.page, len(p.starts)-1)

	first, end := p.starts[p.page], len(objects)
	if p.page+1 < len(p.starts) {
		end = p.starts[p.page+1]
	}
	var y float32
	for i, o := range objects {
		if i < first || i >= end {
			o.Hide()
			continue
		}
		h := min(heights[i], size.Height-y)
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		o.Show()
		y += heights[i] + gap
	}
	p.syncPager()
}

// MinSize is one line: the area takes the height its parent gives it and
// pages what does not fit.
func (l *textPagesLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(0, fyne.MeasureText("M", theme.TextSize(), fyne.TextStyle{}).Height+2*theme.InnerPadding())
}
