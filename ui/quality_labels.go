package ui

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// Preset reasons of a reprint and of a void, and the phrases that may
// follow them, as catalog keys.
var (
	reprintReasons = []string{
		"ui.office.reason.reprint.damaged",
		"ui.office.reason.reprint.lost",
		"ui.office.reason.reprint.unreadable",
		"ui.office.reason.reprint.jammed",
	}
	voidReasons = []string{
		"ui.office.reason.void.wrong_product",
		"ui.office.reason.void.wrong_weight",
		"ui.office.reason.void.pack_damaged",
		"ui.office.reason.void.duplicate",
		"ui.office.reason.void.carcass_blocked",
	}
	labelPhrases = []string{
		"ui.office.phrase.old_label_removed",
		"ui.office.phrase.old_label_destroyed",
		"ui.office.phrase.supervisor_informed",
	}
)

// packSerialLength is the number of digits of a pack serial.
const packSerialLength = 12

// labelsSection reprints or voids the label of a carcass, picked from the
// shift's carcasses or scanned, or of a pack, entered on a pad or
// scanned. It shows the label's print jobs first.
type labelsSection struct {
	s         *QualityScreen
	carcasses []line.CarcassRecord
	serial    string
	jobs      []line.PrintJob

	serialBtn *TouchButton
	list      *PagedList
	title     *widget.Label
	history   *PagedList
	reprint   *TouchButton
	void      *TouchButton
	body      fyne.CanvasObject

	pad *padDialog // the serial pad opened last, for tests
}

func newLabelsSection(s *QualityScreen) *labelsSection {
	l := &labelsSection{s: s}
	k := s.k
	l.serialBtn = NewTouchButton(k, "", nil, l.openSerialPad)
	l.list = newCarcassList(s, holdRows-1, &l.carcasses, &l.serial, func(c line.CarcassRecord) { l.pick(c.Number) })
	l.title = widget.NewLabel("")
	l.title.TextStyle.Bold = true
	l.title.Wrapping = fyne.TextWrapWord
	l.history = NewPagedList(k, 3, func() int { return len(l.jobs) },
		func() fyne.CanvasObject {
			t := widget.NewLabel("")
			t.Wrapping = fyne.TextWrapWord
			return t
		},
		func(i int, row fyne.CanvasObject) { row.(*widget.Label).SetText(l.jobText(l.jobs[i])) })
	l.reprint = NewTouchButton(k, "", nil, l.openReprint)
	l.void = NewTouchButton(k, "", nil, l.openVoid)
	l.void.Importance = widget.DangerImportance
	left := container.NewBorder(l.serialBtn, nil, nil, nil, l.list)
	detail := container.NewBorder(l.title, container.NewGridWithColumns(2, l.reprint, l.void), nil, nil, l.history)
	l.body = newListDetail(left, detail)
	return l
}

func (l *labelsSection) titleKey() string           { return "ui.office.labels.title" }
func (l *labelsSection) content() fyne.CanvasObject { return l.body }

func (l *labelsSection) show() {
	k := l.s.k
	l.serialBtn.SetText(k.T("ui.office.labels.enter_serial", nil))
	l.reprint.SetText(k.T("ui.office.labels.reprint", nil))
	l.void.SetText(k.T("ui.office.labels.void", nil))
	l.carcasses = l.s.carcassesWhere(func(line.CarcassRecord) bool { return true })
	l.pick(l.serial)
}

func (l *labelsSection) handle(ev line.Event) {
	switch e := ev.(type) {
	case line.CarcassEnteredEvent:
		l.carcasses = append(l.carcasses, e.Carcass)
		l.list.Reload()
	case line.PrintQueuedEvent, line.PrintSentEvent, line.PrintsConfirmedEvent, line.PrintFailedEvent:
		l.pick(l.serial)
	}
}

// scanned picks the label of a scanned code: a pack label's Digital
// Link, a carcass number or a pack serial.
func (l *labelsSection) scanned(code string) { l.pick(scannedCarcass(code)) }

// pick shows the print jobs of a label, or a prompt for one when serial
// is empty.
func (l *labelsSection) pick(serial string) {
	k := l.s.k
	l.serial = serial
	l.jobs = nil
	l.list.Reload()
	l.history.Reload()
	l.reprint.Disable()
	l.void.Disable()
	if serial == "" {
		l.title.SetText(k.T("ui.office.labels.none", nil))
		return
	}
	l.title.SetText(k.T("ui.office.labels.label", map[string]string{"serial": serial}))
	var got []line.PrintJob
	l.s.read(func(ctx context.Context) error {
		var err error
		got, err = l.s.rec.PrintJobs(ctx, serial)
		return err
	}, func(err error) {
		if l.serial != serial {
			return
		}
		if err != nil {
			k.ShowError(err)
			return
		}
		l.jobs = got
		l.history.SetPage(max(0, l.history.Pages()-1))
		if len(got) == 0 {
			l.title.SetText(k.T("ui.office.labels.never_printed", map[string]string{"serial": serial}))
			return
		}
		if l.s.mayDecide() {
			l.reprint.Enable()
			l.void.Enable()
		}
	})
}

// jobText is one print job of the label: number, state, printer, time
// and why it was printed again or failed.
func (l *labelsSection) jobText(j line.PrintJob) string {
	k := l.s.k
	data := map[string]string{"job": strconv.FormatInt(j.ID, 10), "state": k.T("ui.office.print."+string(j.State), nil),
		"printer": j.Printer, "at": j.CreatedAt.Format("15:04:05"), "user": j.User, "reason": j.Reason, "error": j.Error}
	switch {
	case j.State == line.PrintFailed:
		return k.T("ui.office.labels.job_failed", data)
	case j.ReprintOf != 0:
		return k.T("ui.office.labels.job_reprint", data)
	}
	return k.T("ui.office.labels.job", data)
}

func (l *labelsSection) openSerialPad() {
	k := l.s.k
	l.pad = openPadDialog(k, k.T("ui.office.labels.serial_title", nil), KeysDigits, packSerialLength, "",
		func(text string) string {
			if _, _, err := line.ParsePackSerial(text); err != nil {
				return "ui.office.labels.serial_invalid"
			}
			l.pick(text)
			return ""
		})
}

func (l *labelsSection) openReprint() {
	k, serial, actor := l.s.k, l.serial, l.s.k.Actor()
	title := k.T("ui.office.labels.reprint_title", map[string]string{"serial": serial})
	l.s.dialog = openReasonDialog(k, title, "ui.office.labels.confirm_reprint", reprintReasons, labelPhrases,
		func(ctx context.Context, reason string) error {
			_, err := k.Station().Reprint(ctx, actor, serial, reason)
			return err
		}, func() {
			k.ShowNotice(Message{Key: "ui.office.labels.reprinted", Data: map[string]string{"serial": serial}})
			l.pick(serial)
		})
}

func (l *labelsSection) openVoid() {
	k, serial, actor := l.s.k, l.serial, l.s.k.Actor()
	title := k.T("ui.office.labels.void_title", map[string]string{"serial": serial})
	l.s.dialog = openReasonDialog(k, title, "ui.office.labels.confirm_void", voidReasons, labelPhrases,
		func(ctx context.Context, reason string) error {
			return k.Station().VoidLabel(ctx, actor, serial, reason)
		}, func() {
			k.ShowNotice(Message{Key: "ui.office.labels.voided", Data: map[string]string{"serial": serial}})
			l.pick(serial)
		})
}
