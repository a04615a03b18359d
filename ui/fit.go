package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ellipsis ends a text cut to fit its space.
const ellipsis = "…"

// textWidth returns the width of text drawn at size in style with the
// current theme's fonts.
func textWidth(text string, size float32, style fyne.TextStyle) float32 {
	return fyne.MeasureText(text, size, style).Width
}

// fitText returns the text and size that fit text into width: the text
// at size, or at a smaller size down to minSize, or cut at minSize with a
// trailing ellipsis. Text never spills over the edge of what holds it.
func fitText(text string, size, minSize float32, style fyne.TextStyle, width float32) (string, float32) {
	if text == "" || textWidth(text, size, style) <= width {
		return text, size
	}
	// Shrink by 1 unit steps: a text size is a few tens of units.
	for s := size - 1; s >= minSize; s-- {
		if textWidth(text, s, style) <= width {
			return text, s
		}
	}
	return ellipsize(text, minSize, style, width), minSize
}

// ellipsize returns the longest start of text that fits width with an
// ellipsis after it, or text when it fits whole. It returns the ellipsis
// alone when not even one character fits.
func ellipsize(text string, size float32, style fyne.TextStyle, width float32) string {
	if textWidth(text, size, style) <= width {
		return text
	}
	runes := []rune(text)
	// Binary search for the longest start that fits.
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if textWidth(string(runes[:mid])+ellipsis, size, style) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return string(runes[:lo]) + ellipsis
}

// userBadge shows the signed-in user's name over their role in the top
// bar, right-aligned against the buttons. It takes the space the
// navigation and the buttons leave, and cuts each line with an ellipsis
// when the space is short, so a long name never pushes a button off the
// screen. Its minimum width is zero for the same reason.
type userBadge struct {
	widget.BaseWidget
	name, role string

	nameText, roleText *canvas.Text
}

func newUserBadge() *userBadge {
	b := &userBadge{nameText: canvas.NewText("", nil), roleText: canvas.NewText("", nil)}
	b.nameText.TextStyle.Bold = true
	b.nameText.Alignment = fyne.TextAlignTrailing
	b.roleText.Alignment = fyne.TextAlignTrailing
	b.ExtendBaseWidget(b)
	return b
}

// Set changes the two lines. The role may be empty.
func (b *userBadge) Set(name, role string) {
	b.name, b.role = name, role
	b.Refresh()
}

// CreateRenderer draws the badge.
func (b *userBadge) CreateRenderer() fyne.WidgetRenderer {
	return &userBadgeRenderer{b: b}
}

type userBadgeRenderer struct{ b *userBadge }

func (r *userBadgeRenderer) Layout(size fyne.Size) {
	b := r.b
	pad := theme.Padding()
	width := max(size.Width-2*pad, 0)
	b.nameText.Text = ellipsize(b.name, b.nameText.TextSize, b.nameText.TextStyle, width)
	b.roleText.Text = ellipsize(b.role, b.roleText.TextSize, b.roleText.TextStyle, width)
	b.roleText.Hidden = b.role == ""
	nh, rh := b.nameText.MinSize().Height, b.roleText.MinSize().Height
	if b.roleText.Hidden {
		rh = 0
	}
	top := (size.Height - nh - rh) / 2
	b.nameText.Move(fyne.NewPos(pad, top))
	b.nameText.Resize(fyne.NewSize(width, nh))
	b.roleText.Move(fyne.NewPos(pad, top+nh))
	b.roleText.Resize(fyne.NewSize(width, rh))
	b.nameText.Refresh()
	b.roleText.Refresh()
}

func (r *userBadgeRenderer) MinSize() fyne.Size {
	b := r.b
	return fyne.NewSize(0, b.nameText.MinSize().Height+b.roleText.MinSize().Height)
}

func (r *userBadgeRenderer) Refresh() {
	b := r.b
	c := themeColor(ColorNameOnBar)
	b.nameText.Color, b.nameText.TextSize = c, theme.TextSize()
	b.roleText.Color, b.roleText.TextSize = c, theme.CaptionTextSize()
	r.Layout(b.Size())
}

func (r *userBadgeRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.b.nameText, r.b.roleText}
}

func (r *userBadgeRenderer) Destroy() {}
