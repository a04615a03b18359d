package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// BalanceBar draws the mass balance of the carcass or lot being cut: the
// input as the full width plus the tolerance, the packed and by-product
// output as filled parts, and the figures below. It turns red with the
// reason when a weighing broke the balance, or would break it.
type BalanceBar struct {
	widget.BaseWidget

	k         *Kiosk
	figures   line.MassFigures
	remaining line.Mass
	has       bool
	reason    string // the reason shown in red, empty while the balance holds

	frame                   *canvas.Rectangle
	packed, byproducts, tol *canvas.Rectangle
	bar                     *fyne.Container
	figuresText             *widget.Label
	reasonText              *widget.Label
	content                 fyne.CanvasObject
}

// NewBalanceBar returns a bar that shows no balance yet.
func NewBalanceBar(k *Kiosk) *BalanceBar {
	b := &BalanceBar{k: k}
	b.frame = canvas.NewRectangle(nil)
	b.frame.StrokeWidth = 3
	b.packed = canvas.NewRectangle(nil)
	b.byproducts = canvas.NewRectangle(nil)
	b.tol = canvas.NewRectangle(nil)
	b.bar = container.New(&balanceLayout{b: b}, b.frame, b.packed, b.byproducts, b.tol)
	b.figuresText = widget.NewLabel("")
	b.figuresText.SizeName = theme.SizeNameCaptionText
	b.reasonText = widget.NewLabel("")
	b.reasonText.Wrapping = fyne.TextWrapWord
	b.reasonText.TextStyle.Bold = true
	b.reasonText.Importance = widget.DangerImportance
	b.content = container.NewVBox(b.bar, b.figuresText)
	b.ExtendBaseWidget(b)
	b.render()
	return b
}

// Set shows a balance and how much more one weighing may add.
func (b *BalanceBar) Set(f line.MassFigures, remaining line.Mass) {
	b.figures, b.remaining, b.has = f, remaining, true
	b.render()
}

// Clear shows no balance.
func (b *BalanceBar) Clear() {
	b.has, b.reason = false, ""
	b.render()
}

// SetReason turns the bar red with reason, or back when reason is empty.
func (b *BalanceBar) SetReason(reason string) {
	if reason == b.reason {
		return
	}
	b.reason = reason
	b.render()
}

// Red reports whether the bar shows a broken balance.
func (b *BalanceBar) Red() bool { return b.reason != "" }

// Reason returns the reason shown.
func (b *BalanceBar) Reason() string { return b.reason }

// ReasonLabel returns the label that shows the reason while the bar is
// red, for a screen to place where it has room.
func (b *BalanceBar) ReasonLabel() *widget.Label { return b.reasonText }

// Figures returns the balance shown.
func (b *BalanceBar) Figures() (line.MassFigures, line.Mass) { return b.figures, b.remaining }

// Refresh redraws the bar in the kiosk's language.
func (b *BalanceBar) Refresh() {
	b.render()
	b.BaseWidget.Refresh()
}

// packedMass returns the packed output; by-products and condemned parts
// are the rest of the outputs.
func (b *BalanceBar) packedMass() line.Mass {
	for _, km := range b.figures.ByKind {
		if km.Kind == line.OutputPack {
			return km.Mass
		}
	}
	return 0
}

func (b *BalanceBar) render() {
	k := b.k
	b.frame.FillColor = themeColor(theme.ColorNameInputBackground)
	b.frame.StrokeColor = themeColor(theme.ColorNameSeparator)
	b.packed.FillColor = themeColor(theme.ColorNamePrimary)
	b.byproducts.FillColor = themeColor(ColorNameUnstable)
	b.tol.FillColor = themeColor(ColorNameStable)
	if b.reason != "" {
		b.frame.FillColor, b.frame.StrokeColor = noticeError, themeColor(ColorNameFault)
		b.packed.FillColor, b.byproducts.FillColor = themeColor(ColorNameFault), themeColor(ColorNameFault)
	}

	if !b.has {
		b.figuresText.SetText(k.T("ui.balance.none", nil))
	} else {
		packed := b.packedMass()
		b.figuresText.SetText(k.T("ui.balance.figures", map[string]string{
			"input": b.figures.Input.String(), "packed": packed.String(),
			"byproducts": (b.figures.Outputs - packed).String(),
			"remaining":  max(b.remaining, 0).String(), "tolerance": b.figures.Tolerance.String(),
		}))
	}

	b.reasonText.SetText(b.reason)
	// The reason names the figures that matter, so it takes their room.
	if b.reason == "" {
		b.reasonText.Hide()
		b.figuresText.Show()
	} else {
		b.reasonText.Show()
		b.figuresText.Hide()
	}
	b.bar.Refresh()
}

// CreateRenderer draws the bar.
func (b *BalanceBar) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.content) }

// balanceLayout sizes the parts of the bar in proportion to the input
// plus the tolerance.
type balanceLayout struct{ b *BalanceBar }

func (l *balanceLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	b := l.b
	b.frame.Move(fyne.NewPos(0, 0))
	b.frame.Resize(size)
	whole := b.figures.Input + b.figures.Tolerance
	inner := size.Width - 2*b.frame.StrokeWidth
	at := func(m line.Mass) float32 {
		if whole <= 0 || m <= 0 {
			return 0
		}
		return min(inner, inner*float32(m)/float32(whole))
	}
	x, y, h := b.frame.StrokeWidth, b.frame.StrokeWidth, size.Height-2*b.frame.StrokeWidth
	packed := b.packedMass()
	pw, bw := at(packed), at(b.figures.Outputs-packed)
	bw = min(bw, inner-pw)
	b.packed.Move(fyne.NewPos(x, y))
	b.packed.Resize(fyne.NewSize(pw, h))
	b.byproducts.Move(fyne.NewPos(x+pw, y))
	b.byproducts.Resize(fyne.NewSize(bw, h))
	// The tolerance is a strip at the right end, beyond the input.
	tw := at(b.figures.Tolerance)
	b.tol.Move(fyne.NewPos(x+inner-tw, y))
	b.tol.Resize(fyne.NewSize(tw, h))
}

func (l *balanceLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(200, 32) }

var _ fyne.Layout = (*balanceLayout)(nil)
