package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// Preset findings of a condemnation and the phrases that may follow
// them, as catalog keys.
var (
	inspectionFindings = []string{
		"ui.office.finding.hydatidosis",
		"ui.office.finding.fascioliasis",
		"ui.office.finding.abscess",
		"ui.office.finding.bruising",
		"ui.office.finding.pneumonia",
		"ui.office.finding.jaundice",
	}
	inspectionPhrases = []string{
		"ui.office.phrase.liver_removed",
		"ui.office.phrase.lungs_removed",
		"ui.office.phrase.carcass_trimmed",
	}
)

// inspectionArgs hold the carcass and user the pass button's job records.
type inspectionArgs struct {
	actor   string
	carcass string
}

// inspectionSection records the inspection result of each carcass not
// yet inspected: a pass, a partial condemnation with the condemned parts
// weighed on a scale the user picks, or a whole condemnation.
type inspectionSection struct {
	s      *QualityScreen
	open   []line.CarcassRecord
	picked string
	scales []line.ScaleView
	scale  string // the scale the condemned parts are weighed on
	args   shared[inspectionArgs]

	list       *PagedList
	title      *widget.Label
	scaleHint  *widget.Label
	scaleBox   *fyne.Container
	scaleTiles map[string]*Tile
	pass       *ActionButton
	partial    *TouchButton
	condemned  *TouchButton
	body       fyne.CanvasObject
}

func newInspectionSection(s *QualityScreen) *inspectionSection {
	n := &inspectionSection{s: s, scaleTiles: make(map[string]*Tile)}
	k := s.k
	n.list = newCarcassList(s, holdRows, &n.open, &n.picked, func(c line.CarcassRecord) { n.pick(c.Number) })
	n.title = widget.NewLabel("")
	n.title.TextStyle.Bold = true
	n.title.Wrapping = fyne.TextWrapWord
	n.scaleHint = widget.NewLabel("")
	n.scaleHint.Wrapping = fyne.TextWrapWord
	n.scaleBox = container.NewGridWithColumns(2)
	n.pass = NewActionButton(k, "", func(ctx context.Context) error {
		a := n.args.get()
		_, err := k.Station().RecordInspection(ctx, a.actor, line.InspectionInput{Carcass: a.carcass, Result: line.InspectionPass})
		return err
	})
	n.pass.Done = n.recorded
	n.partial = NewTouchButton(k, "", nil, func() { n.openCondemn(line.InspectionPartial) })
	n.condemned = NewTouchButton(k, "", nil, func() { n.openCondemn(line.InspectionCondemned) })
	buttons := container.NewGridWithColumns(3, n.pass, n.partial, n.condemned)
	detail := container.NewBorder(n.title, buttons, nil, nil, container.NewVBox(n.scaleHint, n.scaleBox))
	n.body = newListDetail(n.list, detail)
	return n
}

func (n *inspectionSection) titleKey() string           { return "ui.office.inspection.title" }
func (n *inspectionSection) content() fyne.CanvasObject { return n.body }

func (n *inspectionSection) show() {
	k := n.s.k
	n.pass.SetText(k.T("ui.office.inspection.pass", nil))
	n.partial.SetText(k.T("ui.office.inspection.partial", nil))
	n.condemned.SetText(k.T("ui.office.inspection.condemned", nil))
	n.open = n.s.carcassesWhere(func(c line.CarcassRecord) bool {
		return c.Inspection == "" && c.State != line.CarcassBlocked
	})
	if !n.isOpen(n.picked) {
		n.picked = ""
		if len(n.open) > 0 {
			n.picked = n.open[0].Number
		}
	}
	n.scales = k.Station().Snapshot().Scales
	if n.scale == "" && len(n.scales) > 0 {
		n.scale = n.scales[0].ID
	}
	n.buildScales()
	n.pick(n.picked)
}

func (n *inspectionSection) handle(ev line.Event) {
	switch e := ev.(type) {
	case line.ScaleReadingEvent:
		n.setReading(e)
	case line.CarcassEnteredEvent, line.InspectionRecordedEvent, line.CarcassBlockedEvent:
		n.show()
	}
}

func (n *inspectionSection) isOpen(number string) bool {
	for _, c := range n.open {
		if c.Number == number {
			return true
		}
	}
	return false
}

// pickNumber picks a carcass not yet inspected by its number.
func (n *inspectionSection) pickNumber(number string) {
	for i, c := range n.open {
		if c.Number == number {
			n.list.ShowItem(i)
			n.pick(number)
			return
		}
	}
	n.s.k.ShowNotice(Message{Key: "ui.office.inspection.not_open", Data: map[string]string{"carcass": number}})
}

func (n *inspectionSection) pick(number string) {
	k := n.s.k
	n.picked = number
	n.list.Reload()
	if number == "" {
		n.title.SetText(k.T("ui.office.inspection.none", nil))
	} else {
		c, _ := k.Station().Carcass(number)
		n.title.SetText(k.T("ui.office.inspection.carcass", map[string]string{"carcass": number, "ear_tag": n.s.carcassDetail(c)}))
	}
	n.sync()
}

// buildScales makes a tile for each scale the station has heard from.
func (n *inspectionSection) buildScales() {
	k := n.s.k
	n.scaleBox.Objects = nil
	clear(n.scaleTiles)
	for _, v := range n.scales {
		id := v.ID
		t := NewTile(k, id, "", func() {
			n.scale = id
			n.renderScales()
			n.sync()
		})
		n.scaleTiles[id] = t
		n.scaleBox.Add(t)
	}
	n.scaleBox.Refresh()
	n.renderScales()
}

// setReading shows a live reading on its scale's tile.
func (n *inspectionSection) setReading(e line.ScaleReadingEvent) {
	for i := range n.scales {
		if n.scales[i].ID == e.Reading.Scale {
			n.scales[i].Last, n.scales[i].Steady = e.Reading, e.Steady
			n.renderScales()
			n.sync()
			return
		}
	}
	n.scales = append(n.scales, line.ScaleView{ID: e.Reading.Scale, Last: e.Reading, Steady: e.Steady})
	n.buildScales()
	n.sync()
}

func (n *inspectionSection) renderScales() {
	k := n.s.k
	for _, v := range n.scales {
		state := k.T("ui.weight.moving", nil)
		if v.Steady {
			state = k.T("ui.weight.steady", nil)
		}
		if t := n.scaleTiles[v.ID]; t != nil {
			t.Set(v.ID, v.Last.Grams.String()+" · "+state, v.ID == n.scale)
		}
	}
	if len(n.scales) == 0 {
		n.scaleHint.SetText(k.T("ui.office.inspection.no_scale", nil))
	} else {
		n.scaleHint.SetText(k.T("ui.office.inspection.scale_hint", nil))
	}
}

// condemnedReading returns the steady reading of the picked scale, if it
// has one with a load on it.
func (n *inspectionSection) condemnedReading() (line.Reading, bool) {
	for _, v := range n.scales {
		if v.ID == n.scale && v.Steady && v.Last.Grams > 0 {
			return v.Last, true
		}
	}
	return line.Reading{}, false
}

func (n *inspectionSection) sync() {
	picked := n.picked != ""
	n.args.set(inspectionArgs{actor: n.s.k.Actor(), carcass: n.picked})
	n.pass.SetAllowed(picked)
	_, weighed := n.condemnedReading()
	if picked && weighed {
		n.partial.Enable()
	} else {
		n.partial.Disable()
	}
	if picked {
		n.condemned.Enable()
	} else {
		n.condemned.Disable()
	}
}

// openCondemn prompts for the finding of a partial or whole condemnation.
// A partial one records the picked scale's steady weight as the weighing
// of the condemned parts, taken when the dialog opens and named in its
// title.
func (n *inspectionSection) openCondemn(result string) {
	k, number, actor := n.s.k, n.picked, n.s.k.Actor()
	data := map[string]string{"carcass": number}
	var condemned *line.Reading
	if result == line.InspectionPartial {
		r, ok := n.condemnedReading()
		if !ok {
			return
		}
		condemned = &r
		data["weight"], data["scale"] = r.Grams.String(), r.Scale
	}
	title := k.T("ui.office.inspection."+result+"_title", data)
	n.s.dialog = openReasonDialog(k, title, "ui.office.inspection.record", inspectionFindings, inspectionPhrases,
		func(ctx context.Context, reason string) error {
			in := line.InspectionInput{Carcass: number, Result: result, Reason: reason, Condemned: condemned}
			_, err := k.Station().RecordInspection(ctx, actor, in)
			return err
		}, func() { n.recorded(nil) })
}

func (n *inspectionSection) recorded(err error) {
	if err != nil {
		n.s.k.ShowError(err)
		return
	}
	n.s.k.ShowNotice(Message{Key: "ui.office.inspection.recorded"})
	n.show()
}
