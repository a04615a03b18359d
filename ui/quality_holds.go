package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// Preset reasons of a release and of a block, and the phrases that may
// follow them, as catalog keys.
var (
	releaseReasons = []string{
		"ui.office.reason.release.records_checked",
		"ui.office.reason.release.owner_confirmed",
		"ui.office.reason.release.vet_approved",
		"ui.office.reason.release.weight_rechecked",
		"ui.office.reason.release.loss_explained",
		"ui.office.reason.release.no_grassland_claim",
	}
	blockReasons = []string{
		"ui.office.reason.block.origin_unproven",
		"ui.office.reason.block.tag_doubtful",
		"ui.office.reason.block.residue_suspected",
		"ui.office.reason.block.vet_order",
		"ui.office.reason.block.contaminated",
		"ui.office.reason.block.records_missing",
	}
	decisionPhrases = []string{
		"ui.office.phrase.owner_phoned",
		"ui.office.phrase.certificate_seen",
		"ui.office.phrase.supervisor_informed",
	}
)

// holdRows is the number of carcass tiles on a page of the holds list.
const holdRows = 4

// holdsSection lists the held carcasses and shows every decision on the
// one picked, with its release, for a release or a block.
type holdsSection struct {
	s         *QualityScreen
	held      []line.CarcassRecord
	picked    string
	decisions []line.DecisionRecord

	list     *PagedList
	title    *widget.Label
	subtitle *widget.Label
	reasons  *TextPages
	release  *TouchButton
	block    *TouchButton
	body     fyne.CanvasObject
}

func newHoldsSection(s *QualityScreen) *holdsSection {
	h := &holdsSection{s: s}
	k := s.k
	h.list = newCarcassList(s, holdRows, &h.held, &h.picked, func(c line.CarcassRecord) { h.pick(c.Number) })
	h.title = newTitleLabel()
	h.subtitle = newLineLabel()
	h.reasons = NewTextPages(k)
	h.release = NewTouchButton(k, "", nil, h.openRelease)
	h.block = NewTouchButton(k, "", nil, h.openBlock)
	buttons := container.NewGridWithColumns(2, h.release, h.block)
	detail := container.NewBorder(container.NewVBox(h.title, h.subtitle), buttons, nil, nil, h.reasons)
	h.body = newListDetail(h.list, detail)
	return h
}

func (h *holdsSection) titleKey() string           { return "ui.office.holds.title" }
func (h *holdsSection) content() fyne.CanvasObject { return h.body }

func (h *holdsSection) show() {
	k := h.s.k
	h.release.SetText(k.T("ui.office.holds.release", nil))
	h.block.SetText(k.T("ui.office.holds.block", nil))
	h.held = h.s.carcassesWhere(func(c line.CarcassRecord) bool { return c.State == line.CarcassHeld })
	h.list.Reload()
	if !h.isHeld(h.picked) {
		h.picked = ""
		if len(h.held) > 0 {
			h.picked = h.held[0].Number
		}
	}
	h.pick(h.picked)
}

func (h *holdsSection) handle(ev line.Event) {
	switch ev.(type) {
	case line.CarcassHeldEvent, line.CarcassReleasedEvent, line.CarcassBlockedEvent, line.LabResultRecordedEvent,
		line.InspectionRecordedEvent, line.CarcassClosedEvent:
		h.show()
	}
}

func (h *holdsSection) isHeld(number string) bool {
	for _, c := range h.held {
		if c.Number == number {
			return true
		}
	}
	return false
}

// pickNumber picks a held carcass by its number, such as a scanned one.
func (h *holdsSection) pickNumber(number string) {
	for i, c := range h.held {
		if c.Number == number {
			h.list.ShowItem(i)
			h.pick(number)
			return
		}
	}
	h.s.k.ShowNotice(Message{Key: "ui.office.holds.not_held", Data: map[string]string{"carcass": number}})
}

// pick shows the decisions on a carcass; an empty number shows that
// nothing is held.
func (h *holdsSection) pick(number string) {
	k := h.s.k
	h.picked = number
	h.decisions = nil
	h.list.Reload()
	h.showDecisions()
	allowed := number != "" && h.s.mayDecide()
	h.release.Disable()
	h.block.Disable()
	if number == "" {
		h.title.SetText(k.T("ui.office.holds.none", nil))
		h.subtitle.SetText("")
		return
	}
	c, _ := k.Station().Carcass(number)
	h.title.SetText(k.T("ui.office.holds.carcass", map[string]string{"carcass": c.Number,
		"stage": k.T("ui.office.stage."+string(c.Stage), nil)}))
	h.subtitle.SetText(h.carcassOrigin(c))
	var got []line.DecisionRecord
	h.s.read(func(ctx context.Context) error {
		var err error
		got, err = k.Station().Decisions(ctx, number)
		return err
	}, func(err error) {
		if h.picked != number {
			return
		}
		if err != nil {
			k.ShowError(err)
			return
		}
		h.decisions = got
		h.showDecisions()
		if allowed {
			h.release.Enable()
			h.block.Enable()
		}
	})
}

// carcassOrigin names a carcass's ear tag and owner.
func (h *holdsSection) carcassOrigin(c line.CarcassRecord) string {
	k := h.s.k
	if c.EarTag == "" {
		return h.s.carcassDetail(c)
	}
	data := map[string]string{"ear_tag": string(c.EarTag)}
	if a, ok := k.Station().Animal(c.EarTag); ok && a.Consignment != nil {
		data["owner"] = a.Consignment.Owner.Name
	}
	return k.T("ui.office.holds.origin", data)
}

// showDecisions shows every decision on the carcass picked, from the
// first page.
func (h *holdsSection) showDecisions() {
	texts := make([]string, len(h.decisions))
	for i, d := range h.decisions {
		texts[i] = h.decisionText(d)
	}
	h.reasons.Set(texts)
}

// decisionText is one decision with what became of it.
func (h *holdsSection) decisionText(d line.DecisionRecord) string {
	k := h.s.k
	data := map[string]string{"reason": d.Reason(k.Lang()), "by": d.ReleasedBy, "release": d.ReleaseReason}
	switch {
	case d.Blocks():
		return k.T("ui.office.decision.block", data)
	case d.ReleasedBy != "":
		return k.T("ui.office.decision.released", data)
	}
	return k.T("ui.office.decision.review", data)
}

func (h *holdsSection) openRelease() {
	k, number, actor := h.s.k, h.picked, h.s.k.Actor()
	title := k.T("ui.office.holds.release_title", map[string]string{"carcass": number})
	h.s.dialog = openReasonDialog(k, title, "ui.office.holds.confirm_release", releaseReasons, decisionPhrases,
		func(ctx context.Context, reason string) error {
			_, err := k.Station().Release(ctx, actor, number, reason)
			return err
		}, func() {
			k.ShowNotice(Message{Key: "ui.office.holds.released", Data: map[string]string{"carcass": number}})
			h.show()
		})
}

func (h *holdsSection) openBlock() {
	k, number, actor := h.s.k, h.picked, h.s.k.Actor()
	title := k.T("ui.office.holds.block_title", map[string]string{"carcass": number})
	h.s.dialog = openReasonDialog(k, title, "ui.office.holds.confirm_block", blockReasons, decisionPhrases,
		func(ctx context.Context, reason string) error {
			_, err := k.Station().Block(ctx, actor, number, reason)
			return err
		}, func() {
			k.ShowNotice(Message{Key: "ui.office.holds.blocked", Data: map[string]string{"carcass": number}})
			h.show()
		})
}
