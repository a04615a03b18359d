package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// The β-agonists a screening tests for, by their ids in the record, and
// the screening methods, as catalog keys.
var (
	labAnalytes = []string{"clenbuterol", "ractopamine", "salbutamol"}
	labMethods  = []string{"ui.office.method.rapid_strip", "ui.office.method.elisa", "ui.office.method.lcms"}
)

// maxSample is the longest sample id the pad takes.
const maxSample = 24

// labArgs hold the result the record buttons' jobs store.
type labArgs struct {
	actor string
	test  line.LabTest
	ok    bool
}

// labSection records the β-agonist screening result of a consignment:
// the sample id (proposed, or entered on a pad), the analytes, the method
// and the result. A positive result blocks every carcass of the
// consignment, so it is confirmed first.
type labSection struct {
	s            *QualityScreen
	consignments []*line.Consignment
	results      []line.LabResult
	picked       string
	sample       string
	analytes     map[string]bool
	method       int
	args         shared[labArgs]

	list         *PagedList
	title        *widget.Label
	detail       *widget.Label
	sampleBtn    *TouchButton
	analyteTiles []*Tile
	methodTiles  []*Tile
	negative     *ActionButton
	positive     *TouchButton
	body         fyne.CanvasObject

	pad     *padDialog     // the sample pad opened last, for tests
	confirm *confirmDialog // the confirmation of a positive result opened last, for tests
}

func newLabSection(s *QualityScreen) *labSection {
	l := &labSection{s: s, analytes: make(map[string]bool)}
	for _, a := range labAnalytes {
		l.analytes[a] = true
	}
	k := s.k
	l.list = NewPagedList(k, holdRows, func() int { return len(l.consignments) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			c := l.consignments[i]
			t := row.(*Tile)
			t.OnTapped = func() { l.pick(c.ID) }
			t.Set(c.ID, c.Owner.Name+" · "+l.resultSummary(c.ID), c.ID == l.picked)
		})
	// The title and the detail keep one line each, cut with an ellipsis,
	// so the sample button, the tiles and the record buttons below them
	// keep their places whatever the owner's name and the results.
	l.title = newTitleLabel()
	l.detail = newLineLabel()
	l.sampleBtn = NewTouchButton(k, "", theme.DocumentCreateIcon(), l.openSamplePad)
	analytes := container.NewGridWithColumns(len(labAnalytes))
	for _, a := range labAnalytes {
		t := NewTile(k, "", "", func() {
			l.analytes[a] = !l.analytes[a]
			l.render()
		})
		l.analyteTiles = append(l.analyteTiles, t)
		analytes.Add(t)
	}
	methods := container.NewGridWithColumns(len(labMethods))
	for i := range labMethods {
		t := NewTile(k, "", "", func() {
			l.method = i
			l.render()
		})
		l.methodTiles = append(l.methodTiles, t)
		methods.Add(t)
	}
	l.negative = NewActionButton(k, "", func(ctx context.Context) error { return l.record(ctx, line.LabNegative) })
	l.negative.Done = l.recorded
	l.positive = NewTouchButton(k, "", nil, l.confirmPositive)
	l.positive.Importance = widget.DangerImportance
	buttons := container.NewGridWithColumns(2, l.negative, l.positive)
	// The analyte and method rows share the height left, so while the
	// notice bar takes room they shrink rather than run under the record
	// buttons.
	detail := container.NewBorder(container.NewVBox(l.title, l.detail, l.sampleBtn), buttons, nil, nil,
		container.NewGridWithRows(2, analytes, methods))
	l.body = newListDetail(l.list, detail)
	return l
}

func (l *labSection) titleKey() string           { return "ui.office.lab.title" }
func (l *labSection) content() fyne.CanvasObject { return l.body }

func (l *labSection) show() {
	k := l.s.k
	l.negative.SetText(k.T("ui.office.lab.negative", nil))
	l.positive.SetText(k.T("ui.office.lab.positive", nil))
	l.consignments = l.s.rec.Consignments()
	if l.picked == "" && len(l.consignments) > 0 {
		l.picked = l.consignments[0].ID
	}
	var got []line.LabResult
	l.s.read(func(ctx context.Context) error {
		var err error
		got, err = l.s.rec.LabResults(ctx)
		return err
	}, func(err error) {
		if err != nil {
			k.ShowError(err)
			return
		}
		l.results = got
		l.pick(l.picked)
	})
	l.pick(l.picked)
}

func (l *labSection) handle(ev line.Event) {
	if e, ok := ev.(line.LabResultRecordedEvent); ok {
		if !slices.ContainsFunc(l.results, func(r line.LabResult) bool { return r.Sample == e.Test.Sample }) {
			l.results = append(l.results, line.LabResult{LabTest: e.Test, At: e.At})
		}
		l.sample = ""
		l.pick(l.picked)
	}
}

// resultSummary describes what was found in a consignment's samples so far.
func (l *labSection) resultSummary(id string) string {
	k := l.s.k
	var parts []string
	for _, r := range l.results {
		if r.Consignment == id {
			parts = append(parts, k.T("ui.office.lab.result."+r.Result, nil)+" "+r.Sample)
		}
	}
	if len(parts) == 0 {
		return k.T("ui.office.lab.untested", nil)
	}
	return strings.Join(parts, "，")
}

func (l *labSection) pick(id string) {
	l.picked = id
	l.list.Reload()
	l.render()
}

// proposedSample returns the next sample id of the shift's day,
// LAB-YYYYMMDD-NN, numbered after the day's results so far.
func (l *labSection) proposedSample() string {
	day := strings.ReplaceAll(l.s.k.Station().Snapshot().Batch.Day.String(), "-", "")
	prefix := "LAB-" + day + "-"
	n := 1
	for {
		id := fmt.Sprintf("%s%02d", prefix, n)
		if !slices.ContainsFunc(l.results, func(r line.LabResult) bool { return r.Sample == id }) {
			return id
		}
		n++
	}
}

func (l *labSection) render() {
	k := l.s.k
	if l.sample == "" {
		l.sample = l.proposedSample()
	}
	var c *line.Consignment
	for _, x := range l.consignments {
		if x.ID == l.picked {
			c = x
		}
	}
	if c == nil {
		l.title.SetText(k.T("ui.office.lab.none", nil))
		l.detail.SetText("")
	} else {
		l.title.SetText(k.T("ui.office.lab.consignment", map[string]string{"consignment": c.ID, "owner": c.Owner.Name}))
		l.detail.SetText(k.T("ui.layout.lab.detail", map[string]string{"animals": fmt.Sprint(len(c.Animals)),
			"results": l.resultSummary(c.ID)}))
	}
	l.sampleBtn.SetText(k.T("ui.office.lab.sample", map[string]string{"sample": l.sample}))
	for i, a := range labAnalytes {
		l.analyteTiles[i].Set(k.T("ui.office.analyte."+a, nil), "", l.analytes[a])
	}
	for i, m := range labMethods {
		l.methodTiles[i].Set(k.T(m, nil), "", i == l.method)
	}
	test, ok := l.test()
	l.args.set(labArgs{actor: k.Actor(), test: test, ok: ok})
	l.negative.SetAllowed(ok)
	if ok {
		l.positive.Enable()
	} else {
		l.positive.Disable()
	}
}

// test returns the result to record without its outcome, and whether a
// consignment, a sample and an analyte are picked.
func (l *labSection) test() (line.LabTest, bool) {
	t := line.LabTest{Sample: l.sample, Consignment: l.picked, Method: ReasonText(labMethods[l.method])}
	for _, a := range labAnalytes {
		if l.analytes[a] {
			t.Analytes = append(t.Analytes, a)
		}
	}
	return t, l.picked != "" && l.sample != "" && len(t.Analytes) > 0
}

func (l *labSection) record(ctx context.Context, result string) error {
	a := l.args.get()
	if !a.ok {
		return nil
	}
	t := a.test
	t.Result = result
	_, err := l.s.k.Station().RecordLabResult(ctx, a.actor, t)
	return err
}

func (l *labSection) recorded(err error) {
	if err != nil {
		l.s.k.ShowError(err)
		return
	}
	l.s.k.ShowNotice(Message{Key: "ui.office.lab.recorded"})
}

func (l *labSection) confirmPositive() {
	k := l.s.k
	text := k.T("ui.office.lab.confirm_positive", map[string]string{"consignment": l.picked, "sample": l.sample})
	l.confirm = openConfirmDialog(k, text, "ui.office.lab.confirm",
		func(ctx context.Context) error { return l.record(ctx, line.LabPositive) },
		func() { l.recorded(nil) })
}

func (l *labSection) openSamplePad() {
	k := l.s.k
	l.pad = openPadDialog(k, k.T("ui.office.lab.sample_title", nil), KeysCertificate, maxSample, l.sample,
		func(text string) string {
			if text == "" {
				return "ui.office.lab.sample_required"
			}
			l.sample = text
			l.render()
			return ""
		})
}
