package ui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// readTimeout bounds the store reads of the office screens.
const readTimeout = 10 * time.Second

// QualityScreen is the screen of quality staff and the veterinarian. Its
// sections, picked on a rail at the left, are the held carcasses with
// every reason (release or block), the inspection results, the β-agonist
// results of the consignments, and the reprint and void of labels.
//
// Release, block, reprint and void are quality staff's: the station
// does not check the role of a release or block, so the screen offers
// them to RoleQuality only. The veterinarian records inspections and lab
// results.
type QualityScreen struct {
	k     *Kiosk
	rec   Records
	shown bool

	holds      *holdsSection
	inspection *inspectionSection
	lab        *labSection
	labels     *labelsSection
	nav        *sectionRail[qualitySection]

	// dialog is the reason dialog opened last, for tests.
	dialog *reasonDialog
}

// qualitySection is one section of the quality screen.
type qualitySection interface {
	railSection
	handle(ev line.Event)
}

var (
	_ Screen       = (*QualityScreen)(nil)
	_ EventHandler = (*QualityScreen)(nil)
	_ Scanner      = (*QualityScreen)(nil)
)

// NewQualityScreen returns the quality screen of the kiosk.
func NewQualityScreen(k *Kiosk, rec Records) *QualityScreen {
	s := &QualityScreen{k: k, rec: rec}
	s.holds = newHoldsSection(s)
	s.inspection = newInspectionSection(s)
	s.lab = newLabSection(s)
	s.labels = newLabelsSection(s)
	s.nav = newSectionRail(k, []qualitySection{s.holds, s.inspection, s.lab, s.labels})
	return s
}

// Name returns "quality".
func (s *QualityScreen) Name() string { return "quality" }

// TitleKey returns the navigation button's key.
func (s *QualityScreen) TitleKey() string { return "ui.office.quality.title" }

// Roles returns quality staff and the veterinarian.
func (s *QualityScreen) Roles() []Role { return []Role{RoleQuality, RoleVet} }

// Content returns the screen.
func (s *QualityScreen) Content() fyne.CanvasObject { return s.nav.layout }

// Show reads the state afresh and shows the current section.
func (s *QualityScreen) Show() {
	s.shown = true
	s.nav.open(s.nav.current)
}

// Hide stops following events on screen.
func (s *QualityScreen) Hide() { s.shown = false }

// HandleEvent updates the section shown.
func (s *QualityScreen) HandleEvent(ev line.Event) {
	if s.shown {
		s.nav.current.handle(ev)
	}
}

// Scanned takes a carcass label, a pack label or a carcass number into
// the labels section, and a carcass number into the holds or inspection
// section shown.
func (s *QualityScreen) Scanned(code string) {
	switch s.nav.current {
	case s.labels:
		s.labels.scanned(code)
	case s.holds:
		s.holds.pickNumber(scannedCarcass(code))
	case s.inspection:
		s.inspection.pickNumber(scannedCarcass(code))
	}
}

// mayDecide reports whether the signed-in user may release, block,
// reprint and void.
func (s *QualityScreen) mayDecide() bool {
	u, ok := s.k.User()
	return ok && u.Role == RoleQuality
}

// read runs a store read off the fyne goroutine and hands its error to
// done on it.
func (s *QualityScreen) read(job func(ctx context.Context) error, done func(error)) {
	s.k.work.Go(func() error {
		ctx, cancel := context.WithTimeout(s.k.ctx, readTimeout)
		defer cancel()
		return job(ctx)
	}, done)
}

// carcassesWhere returns the shift's carcasses that keep returns true
// for, in entry order.
func (s *QualityScreen) carcassesWhere(keep func(line.CarcassRecord) bool) []line.CarcassRecord {
	all := s.k.Station().Snapshot().Carcasses
	return slices.DeleteFunc(all, func(c line.CarcassRecord) bool { return !keep(c) })
}

// carcassDetail is the second line of a carcass tile: the ear tag, or
// that the tag is unknown.
func (s *QualityScreen) carcassDetail(c line.CarcassRecord) string {
	if c.EarTag == "" {
		return s.k.T("ui.office.carcass.no_tag", map[string]string{"raw": c.RawRead})
	}
	return string(c.EarTag)
}

// scannedCarcass returns the carcass number of a scanned code: the code
// itself, or the serial of a carcass label's Digital Link.
func scannedCarcass(code string) string {
	if dl, err := line.ParseDigitalLink(code); err == nil && dl.Serial != "" {
		return dl.Serial
	}
	return code
}

// newCarcassList returns a paged list of carcass tiles over items, which
// calls pick with the carcass tapped.
func newCarcassList(s *QualityScreen, rows int, items *[]line.CarcassRecord, picked *string, pick func(line.CarcassRecord)) *PagedList {
	return NewPagedList(s.k, rows, func() int { return len(*items) },
		func() fyne.CanvasObject { return NewTile(s.k, "", "", nil) },
		func(i int, row fyne.CanvasObject) {
			c := (*items)[i]
			t := row.(*Tile)
			t.OnTapped = func() { pick(c) }
			t.Set(c.Number, s.carcassDetail(c), c.Number == *picked)
		})
}

// listShare is the share of an office section's width its list takes,
// with the list's pager. The detail beside it gets the rest, which keeps
// three buttons in a row wide enough for their English texts.
const listShare = 0.4

// newListDetail puts a section's list and its detail side by side.
func newListDetail(list, detail fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&splitLayout{share: listShare}, list, detail)
}

// newTitleLabel returns a bold one-line label that cuts a long text with
// an ellipsis, so it never grows over the widgets below it.
func newTitleLabel() *widget.Label {
	l := newLineLabel()
	l.TextStyle.Bold = true
	return l
}

// newLineLabel returns a one-line label that cuts a long text with an
// ellipsis.
func newLineLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}
