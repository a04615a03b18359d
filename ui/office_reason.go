package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// reasonColumns is the number of reason tiles in a row of the reason
// dialog.
const reasonColumns = 3

// ReasonText returns the text stored for a reason picked from catalog
// keys: the Chinese text with the English in brackets, such as
// "饲养记录已核实；已电话联系畜主 (feeding record checked; owner phoned)",
// so the record reads the same whatever language the screen showed. The
// extras follow the reason, each after a semicolon.
func ReasonText(reason string, extras ...string) string {
	compose := func(lang line.Lang, sep string) string {
		parts := []string{line.Translate(lang, reason, nil)}
		for _, e := range extras {
			parts = append(parts, line.Translate(lang, e, nil))
		}
		return strings.Join(parts, sep)
	}
	return compose(line.LangZH, "；") + " (" + compose(line.LangEN, "; ") + ")"
}

// reasonDialog prompts for the reason of a release, block, reprint or void
// without a keyboard: one reason from preset tiles and any of the preset
// phrases as extras. Its confirm button runs the action with the composed
// reason; on success the dialog closes, and a refusal or failure stays in
// it so the person sees why.
type reasonDialog struct {
	k       *Kiosk
	reasons []string // catalog keys
	phrases []string // catalog keys
	picked  int      // index in reasons, -1 for none
	extras  []bool   // by index in phrases

	heading     *widget.Label
	reasonTiles []*Tile
	phraseTiles []*Tile
	preview     *widget.Label
	problem     *widget.Label
	confirm     *ActionButton
	cancel      *TouchButton
	pop         *widget.PopUp
}

// openReasonDialog shows the dialog over the window. run gets the
// composed reason; done, if set, is called on the fyne goroutine after
// run succeeded and the dialog closed.
func openReasonDialog(k *Kiosk, title, confirmKey string, reasons, phrases []string,
	run func(ctx context.Context, reason string) error, done func()) *reasonDialog {
	d := &reasonDialog{k: k, reasons: reasons, phrases: phrases, picked: -1, extras: make([]bool, len(phrases))}

	d.heading = widget.NewLabel(title)
	d.heading.TextStyle.Bold = true
	d.heading.Wrapping = fyne.TextWrapWord
	reasonGrid := container.NewGridWithColumns(reasonColumns)
	for i, key := range reasons {
		t := NewTile(k, k.T(key, nil), "", func() { d.pick(i) })
		d.reasonTiles = append(d.reasonTiles, t)
		reasonGrid.Add(t)
	}
	phraseGrid := container.NewGridWithColumns(reasonColumns)
	for i, key := range phrases {
		t := NewTile(k, "+ "+k.T(key, nil), "", func() { d.toggle(i) })
		d.phraseTiles = append(d.phraseTiles, t)
		phraseGrid.Add(t)
	}
	d.preview = widget.NewLabel("")
	d.preview.Wrapping = fyne.TextWrapWord
	d.problem = widget.NewLabel("")
	d.problem.Wrapping = fyne.TextWrapWord
	d.problem.Importance = widget.DangerImportance
	d.problem.Hide()

	d.confirm = NewActionButton(k, k.T(confirmKey, nil), func(ctx context.Context) error {
		return run(ctx, d.Reason())
	})
	d.confirm.Done = func(err error) {
		if err != nil {
			d.showProblem(err)
			return
		}
		d.close()
		if done != nil {
			done()
		}
	}
	d.cancel = NewTouchButton(k, k.T("ui.office.cancel", nil), nil, d.close)

	parts := []fyne.CanvasObject{d.heading, widget.NewLabel(k.T("ui.office.reason.pick", nil)), reasonGrid}
	if len(phrases) > 0 {
		parts = append(parts, widget.NewLabel(k.T("ui.office.reason.extras", nil)), phraseGrid)
	}
	parts = append(parts, d.preview, d.problem)
	buttons := container.NewGridWithColumns(2, d.cancel, d.confirm)
	content := container.NewBorder(nil, buttons, nil, nil, container.NewVBox(parts...))

	bg := canvas.NewRectangle(themeColor(ColorNameTile))
	d.pop = widget.NewModalPopUp(container.NewStack(bg, container.NewPadded(content)), k.win.Canvas())
	d.sync()
	d.pop.Show()
	d.pop.Resize(dialogSize(k, d.pop.MinSize()))
	return d
}

// errorText returns what to tell a person about a failed command: an
// error with its own text for people, such as a SignOffRefusal, in the
// language on screen, and otherwise what Kiosk.ErrorText says.
func errorText(k *Kiosk, err error) string {
	var texter interface{ Text(line.Lang) string }
	if errors.As(err, &texter) {
		return texter.Text(k.Lang())
	}
	return k.ErrorText(err)
}

// dialogSize makes a dialog nearly as large as the window, and never
// smaller than its content.
func dialogSize(k *Kiosk, min fyne.Size) fyne.Size {
	win := k.win.Canvas().Size()
	return fyne.NewSize(max(min.Width, win.Width-40), max(min.Height, win.Height-40))
}

// Reason returns the composed reason, empty while none is picked.
func (d *reasonDialog) Reason() string {
	if d.picked < 0 {
		return ""
	}
	var extras []string
	for i, on := range d.extras {
		if on {
			extras = append(extras, d.phrases[i])
		}
	}
	return ReasonText(d.reasons[d.picked], extras...)
}

func (d *reasonDialog) pick(i int) {
	d.picked = i
	d.sync()
}

func (d *reasonDialog) toggle(i int) {
	d.extras[i] = !d.extras[i]
	d.sync()
}

func (d *reasonDialog) sync() {
	for i, t := range d.reasonTiles {
		t.Active = i == d.picked
		t.Refresh()
	}
	for i, t := range d.phraseTiles {
		t.Active = d.extras[i]
		t.Refresh()
	}
	if d.picked < 0 {
		d.preview.SetText(d.k.T("ui.office.reason.none", nil))
	} else {
		d.preview.SetText(d.k.T("ui.office.reason.preview", map[string]string{"reason": d.Reason()}))
	}
	d.problem.Hide()
	d.confirm.SetAllowed(d.picked >= 0)
}

func (d *reasonDialog) showProblem(err error) {
	d.problem.SetText(errorText(d.k, err))
	d.problem.Show()
}

func (d *reasonDialog) close() { d.pop.Hide() }

// confirmDialog prompts a person to confirm an action that cannot be taken
// back, such as a positive lab result that blocks carcasses.
type confirmDialog struct {
	confirm *ActionButton
	cancel  *TouchButton
	problem *widget.Label
	pop     *widget.PopUp
}

// openConfirmDialog shows text with a cancel button and a confirm button
// that runs run; done, if set, is called after run succeeded and the
// dialog closed.
func openConfirmDialog(k *Kiosk, text, confirmKey string, run func(ctx context.Context) error, done func()) *confirmDialog {
	d := &confirmDialog{}
	message := widget.NewLabel(text)
	message.Wrapping = fyne.TextWrapWord
	message.TextStyle.Bold = true
	d.problem = widget.NewLabel("")
	d.problem.Wrapping = fyne.TextWrapWord
	d.problem.Importance = widget.DangerImportance
	d.problem.Hide()
	d.confirm = NewActionButton(k, k.T(confirmKey, nil), run)
	d.confirm.Importance = widget.DangerImportance
	d.confirm.Done = func(err error) {
		if err != nil {
			d.problem.SetText(errorText(k, err))
			d.problem.Show()
			return
		}
		d.pop.Hide()
		if done != nil {
			done()
		}
	}
	d.cancel = NewTouchButton(k, k.T("ui.office.cancel", nil), nil, func() { d.pop.Hide() })
	content := container.NewBorder(nil, container.NewGridWithColumns(2, d.cancel, d.confirm), nil, nil,
		container.NewVBox(message, d.problem))
	bg := canvas.NewRectangle(themeColor(ColorNameTile))
	d.pop = widget.NewModalPopUp(container.NewStack(bg, container.NewPadded(content)), k.win.Canvas())
	d.pop.Show()
	size := k.win.Canvas().Size()
	d.pop.Resize(fyne.NewSize(max(d.pop.MinSize().Width, size.Width*2/3), d.pop.MinSize().Height))
	return d
}
