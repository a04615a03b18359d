package ui

import (
	"context"
	"errors"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// signOffStage is the part of the sign-off the screen shows.
type signOffStage int

const (
	stageSummary     signOffStage = iota // the batch summary
	stageCertificate                     // the certificate number on a pad
	stagePIN                             // the PIN and the sign button
	stageProgress                        // the steps of the sign-off and its outcome
)

// signOffArgs hold the request the sign button's job sends.
type signOffArgs struct {
	req SignOffRequest
	ok  bool
}

// SignOffScreen is the veterinarian's screen for signing the shift's
// batch: the batch summary (head counts in and out, decisions and
// releases, inspection and lab results, mass balance outliers), then the
// product certificate number on a digit and letter pad, then the PIN,
// and the sign-off with its progress. A refusal shows its reason, and
// the veterinarian goes back to the summary to fix it.
type SignOffScreen struct {
	k        *Kiosk
	svc      SignOffService
	shown    bool
	stage    signOffStage
	summary  *BatchSummary
	blockers []Explanation
	pin      string
	args     shared[signOffArgs]

	// Summary.
	figures   *widget.Label
	attention *PagedList
	notes     []string
	reload    *TouchButton
	next      *TouchButton

	// Certificate.
	certTitle   *widget.Label // the prompt, or why the number was not taken
	certProblem bool
	certPad     *CharPad
	certBack    *TouchButton
	certNext    *TouchButton

	// PIN.
	pinTitle *widget.Label
	pinPad   *PINPad
	pinBack  *TouchButton
	sign     *ActionButton

	// Progress and outcome.
	steps   []*widget.Label
	outcome *widget.Label
	current SignOffStep
	done    bool
	failed  bool
	// The outcome's facts, kept so a language switch renders it again.
	outcomeErr   error
	outcomeBatch line.BatchID
	progBack     *TouchButton

	panels  []fyne.CanvasObject
	body    *fyne.Container
	content fyne.CanvasObject
}

var (
	_ Screen       = (*SignOffScreen)(nil)
	_ EventHandler = (*SignOffScreen)(nil)
)

// NewSignOffScreen returns the sign-off screen of the kiosk.
func NewSignOffScreen(k *Kiosk, svc SignOffService) *SignOffScreen {
	s := &SignOffScreen{k: k, svc: svc}

	// Summary: the figures on the left, what needs attention on the right.
	s.figures = widget.NewLabel("")
	s.figures.Wrapping = fyne.TextWrapWord
	s.attention = NewPagedList(k, 3, func() int { return len(s.notes) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i int, row fyne.CanvasObject) { row.(*widget.Label).SetText(s.notes[i]) })
	s.reload = NewTouchButton(k, "", nil, s.load)
	s.next = NewTouchButton(k, "", nil, func() { s.setStage(stageCertificate) })
	s.next.Importance = widget.HighImportance
	summary := container.NewBorder(nil, container.NewGridWithColumns(2, s.reload, s.next), nil, nil,
		container.NewGridWithColumns(2, s.figures, s.attention))

	// Certificate number: the buttons beside the pad, so the pad's four
	// rows keep their touch height on a 600-unit panel.
	s.certTitle = newTitleLabel()
	s.certPad = NewCharPad(k, KeysCertificate, line.MaxProductCertificateLen)
	s.certPad.OnChange = func(string) { s.certProblem = false; s.render() }
	s.certBack = NewTouchButton(k, "", nil, func() { s.setStage(stageSummary) })
	s.certNext = NewTouchButton(k, "", nil, s.acceptCertificate)
	s.certNext.Importance = widget.HighImportance
	certificate := container.NewBorder(s.certTitle, nil, nil, container.NewVBox(s.certNext, s.certBack), s.certPad)

	// PIN and the sign button.
	s.pinTitle = widget.NewLabel("")
	s.pinTitle.Wrapping = fyne.TextWrapWord
	s.pinTitle.TextStyle.Bold = true
	s.pinPad = NewPINPad(k, s.enterPIN)
	s.pinBack = NewTouchButton(k, "", nil, func() { s.setStage(stageCertificate) })
	s.sign = NewActionButton(k, "", s.signOff)
	s.sign.Done = s.signed
	left := container.NewBorder(nil, container.NewGridWithColumns(2, s.pinBack, s.sign), nil, nil, s.pinTitle)
	pin := container.NewGridWithColumns(2, left, s.pinPad)

	// Progress.
	stepBox := container.NewVBox()
	for range SignOffSteps {
		l := widget.NewLabel("")
		s.steps = append(s.steps, l)
		stepBox.Add(l)
	}
	s.outcome = widget.NewLabel("")
	s.outcome.Wrapping = fyne.TextWrapWord
	s.outcome.TextStyle.Bold = true
	s.progBack = NewTouchButton(k, "", nil, func() { s.setStage(stageSummary); s.load() })
	progress := container.NewBorder(nil, s.progBack, nil, nil, container.NewGridWithColumns(2, stepBox, s.outcome))

	s.panels = []fyne.CanvasObject{summary, certificate, pin, progress}
	s.body = container.NewStack(summary)
	s.content = s.body
	return s
}

// Name returns "signoff".
func (s *SignOffScreen) Name() string { return "signoff" }

// TitleKey returns the navigation button's key.
func (s *SignOffScreen) TitleKey() string { return "ui.office.signoff.title" }

// Roles returns the veterinarian.
func (s *SignOffScreen) Roles() []Role { return []Role{RoleVet} }

// Content returns the screen.
func (s *SignOffScreen) Content() fyne.CanvasObject { return s.content }

// Show sets the texts and, on the summary, reads the batch afresh.
func (s *SignOffScreen) Show() {
	s.shown = true
	s.render()
	if s.stage == stageSummary {
		s.load()
	}
}

// Hide forgets an entered PIN, so nobody else can sign with it.
func (s *SignOffScreen) Hide() {
	s.shown = false
	s.pin = ""
	s.pinPad.Clear()
	if s.stage == stagePIN {
		s.setStage(stageCertificate)
	}
}

// HandleEvent reads the summary again when a decision or result changes
// it while the summary is shown.
func (s *SignOffScreen) HandleEvent(ev line.Event) {
	if !s.shown || s.stage != stageSummary {
		return
	}
	switch ev.(type) {
	case line.CarcassHeldEvent, line.CarcassReleasedEvent, line.CarcassBlockedEvent, line.InspectionRecordedEvent,
		line.LabResultRecordedEvent, line.CarcassClosedEvent:
		s.load()
	}
}

func (s *SignOffScreen) batch() line.BatchID { return s.k.Station().Snapshot().Batch }

// load reads the batch's facts and summarizes them.
func (s *SignOffScreen) load() {
	k := s.k
	batch := s.batch()
	maxLoss := k.Station().Rules().MaxLossBP
	var summary BatchSummary
	var blockers []Explanation
	s.reload.Disable()
	k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(k.ctx, readTimeout)
		defer cancel()
		f, err := s.svc.BatchFacts(ctx, batch)
		if err != nil {
			return err
		}
		summary = SummarizeBatch(f, maxLoss)
		blockers, err = s.svc.Blockers(ctx, batch)
		return err
	}, func(err error) {
		s.reload.Enable()
		if err != nil {
			k.ShowError(err)
			return
		}
		s.summary, s.blockers = &summary, blockers
		if s.certPad.Text() == "" && summary.Certificate != "" {
			s.certPad.SetText(summary.Certificate)
		}
		s.render()
	})
}

func (s *SignOffScreen) setStage(st signOffStage) {
	s.stage = st
	if st != stagePIN {
		s.pin = ""
		s.pinPad.Clear()
	}
	s.body.Objects = []fyne.CanvasObject{s.panels[st]}
	s.body.Refresh()
	s.render()
}

func (s *SignOffScreen) acceptCertificate() {
	if !line.ValidProductCertificate(s.certPad.Text()) {
		s.certProblem = true
		s.render()
		return
	}
	s.setStage(stagePIN)
}

func (s *SignOffScreen) enterPIN(pin string) {
	s.pin = pin
	s.render()
}

// render sets every text of the stage shown in the language on screen.
func (s *SignOffScreen) render() {
	k := s.k
	batch := s.batch().String()
	s.reload.SetText(k.T("ui.office.signoff.reload", nil))
	s.next.SetText(k.T("ui.office.signoff.next", nil))
	s.certBack.SetText(k.T("ui.office.back", nil))
	s.certNext.SetText(k.T("ui.office.next", nil))
	if s.certProblem {
		s.certTitle.Importance = widget.DangerImportance
		s.certTitle.SetText(k.T("ui.office.signoff.certificate_invalid", map[string]string{
			"min": strconv.Itoa(line.MinProductCertificateLen), "max": strconv.Itoa(line.MaxProductCertificateLen)}))
	} else {
		s.certTitle.Importance = widget.MediumImportance
		s.certTitle.SetText(k.T("ui.office.signoff.certificate_title", map[string]string{"batch": batch}))
	}
	s.pinBack.SetText(k.T("ui.office.back", nil))
	s.sign.SetText(k.T("ui.office.signoff.sign", nil))
	s.progBack.SetText(k.T("ui.office.signoff.back_to_summary", nil))
	s.certPad.Relabel()

	s.renderSummary()
	data := map[string]string{"batch": batch, "certificate": s.certPad.Text()}
	if s.pin == "" {
		s.pinTitle.SetText(k.T("ui.office.signoff.pin_prompt", data))
	} else {
		s.pinTitle.SetText(k.T("ui.office.signoff.pin_entered", data))
	}
	u, _ := k.User()
	s.args.set(signOffArgs{req: SignOffRequest{Batch: s.batch(), Vet: u.ID, Certificate: s.certPad.Text(), PIN: s.pin},
		ok: s.pin != "" && line.ValidProductCertificate(s.certPad.Text())})
	s.sign.SetAllowed(s.pin != "")
	s.renderProgress()
}

func (s *SignOffScreen) renderSummary() {
	k := s.k
	sum := s.summary
	if sum == nil {
		s.figures.SetText(k.T("ui.office.signoff.loading", nil))
		s.notes = nil
		s.attention.Reload()
		return
	}
	n := strconv.Itoa
	s.figures.SetText(k.T("ui.office.signoff.figures", map[string]string{
		"batch": sum.Batch.String(), "state": k.T("ui.office.batch_state."+string(sum.State), nil),
		"declared": n(sum.Declared), "received": n(sum.Received), "carcasses": n(sum.Carcasses), "unidentified": n(sum.Unidentified),
		"passed": n(sum.Passed), "held": n(sum.Held), "blocked": n(sum.Blocked),
		"packs": n(sum.Packs), "pack_mass": sum.PackGrams.String(), "voided": n(sum.Voided),
		"decisions": n(sum.Decisions), "blocking": n(sum.Blocking), "released": n(sum.Released), "unreleased": n(sum.Unreleased),
		"pass": n(sum.InspectedPass), "partial": n(sum.InspectedPartial), "condemned": n(sum.InspectedCondemned),
		"condemned_mass": sum.CondemnedGrams.String(), "not_inspected": n(len(sum.NotInspected)),
		"lab": n(len(sum.LabResults)), "outliers": n(len(sum.Outliers)),
	}))
	s.notes = s.attentionNotes(sum)
	s.attention.Reload()
}

// attentionNotes lists what the veterinarian should look at: what keeps
// the batch from being signed first (the service's blockers, or the held
// carcasses when it gives none), then positive lab results, mass balance
// outliers, carcasses not inspected and the head counts of each
// consignment.
func (s *SignOffScreen) attentionNotes(sum *BatchSummary) []string {
	k := s.k
	var notes []string
	for _, b := range s.blockers {
		notes = append(notes, k.T("ui.office.signoff.note.blocker", map[string]string{"reason": b.Text(k.Lang())}))
	}
	if len(s.blockers) == 0 {
		for _, c := range sum.OpenHolds {
			notes = append(notes, k.T("ui.office.signoff.note.held", map[string]string{"carcass": c}))
		}
	}
	for _, r := range sum.LabResults {
		if r.Result == line.LabPositive {
			notes = append(notes, k.T("ui.office.signoff.note.positive", map[string]string{"sample": r.Sample, "consignment": r.Consignment}))
		}
	}
	for _, o := range sum.Outliers {
		data := map[string]string{"carcass": o.Carcass, "lot": o.Lot, "loss": o.Figures.Loss.String(), "input": o.Figures.Input.String(),
			"loss_bp": strconv.FormatInt(o.Figures.LossBP, 10), "max_bp": strconv.FormatInt(o.Figures.MaxLossBP, 10)}
		notes = append(notes, k.T("ui.office.signoff.note.outlier", data))
	}
	for _, c := range sum.NotInspected {
		notes = append(notes, k.T("ui.office.signoff.note.not_inspected", map[string]string{"carcass": c}))
	}
	for _, c := range sum.Consignments {
		notes = append(notes, k.T("ui.office.signoff.note.heads", map[string]string{"consignment": c.ID, "owner": c.Owner,
			"declared": strconv.Itoa(c.Declared), "received": strconv.Itoa(c.Received),
			"slaughtered": strconv.Itoa(c.Slaughtered), "blocked": strconv.Itoa(c.Blocked)}))
	}
	if len(notes) == 0 {
		notes = append(notes, k.T("ui.office.signoff.note.none", nil))
	}
	return notes
}

// signOff runs the sign-off on the job's goroutine and shows each step
// as the service reports it.
func (s *SignOffScreen) signOff(ctx context.Context) error {
	a := s.args.get()
	if !a.ok {
		return nil
	}
	_, err := s.svc.SignOff(ctx, a.req, func(p SignOffProgress) {
		s.k.do(func() { s.progress(p.Step) })
	})
	return err
}

func (s *SignOffScreen) progress(step SignOffStep) {
	if s.stage != stageProgress {
		s.current, s.done, s.failed, s.outcomeErr = "", false, false, nil
		s.outcome.SetText("")
		s.setStage(stageProgress)
	}
	s.current = step
	s.renderProgress()
}

// signed shows the outcome: the batch sealed and queued, or the refusal
// or failure with its reason.
func (s *SignOffScreen) signed(err error) {
	k := s.k
	s.pin = ""
	s.pinPad.Clear()
	if s.stage != stageProgress {
		s.setStage(stageProgress)
	}
	s.done, s.failed = err == nil, err != nil
	s.outcomeErr, s.outcomeBatch = err, s.batch()
	if err != nil {
		var texter interface{ Text(line.Lang) string }
		if !errors.As(err, &texter) {
			k.log.Error("sign-off failed", "batch", s.batch().String(), "user", k.Actor(), "err", err)
		}
	} else {
		k.log.Info("batch signed and sealed", "batch", s.batch().String(), "user", k.Actor())
	}
	s.renderProgress()
}

// renderOutcome sets the outcome's text in the language on screen.
func (s *SignOffScreen) renderOutcome() {
	k := s.k
	switch {
	case s.failed:
		s.outcome.Importance = widget.DangerImportance
		s.outcome.SetText(k.T("ui.office.signoff.refused", map[string]string{"reason": errorText(k, s.outcomeErr)}))
	case s.done:
		s.outcome.Importance = widget.SuccessImportance
		s.outcome.SetText(k.T("ui.office.signoff.sealed", map[string]string{"batch": s.outcomeBatch.String()}))
	}
}

func (s *SignOffScreen) renderProgress() {
	k := s.k
	reached := -1
	for i, st := range SignOffSteps {
		if st == s.current {
			reached = i
		}
	}
	for i, st := range SignOffSteps {
		// The marks are in GB2312, which the bundled font covers.
		mark := "○"
		switch {
		case i < reached || s.done:
			mark = "√"
		case i == reached && s.failed:
			mark = "×"
		case i == reached:
			mark = "→"
		}
		s.steps[i].SetText(mark + " " + k.T("ui.office.signoff.step."+string(st), nil))
	}
	s.renderOutcome()
}
