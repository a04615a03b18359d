package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// railSection is one section of a screen with a section rail.
type railSection interface {
	titleKey() string
	content() fyne.CanvasObject
	// show reads the state afresh and sets every text.
	show()
}

// sectionRail is a column of buttons at the left of a screen that picks
// which of its sections fills the rest. The quality and settings screens
// use it.
type sectionRail[S railSection] struct {
	k        *Kiosk
	sections []S
	current  S
	buttons  []*TouchButton
	body     *fyne.Container
	layout   *fyne.Container // the rail and the body
}

// newSectionRail returns a rail over sections with the first one current.
func newSectionRail[S railSection](k *Kiosk, sections []S) *sectionRail[S] {
	r := &sectionRail[S]{k: k, sections: sections, current: sections[0]}
	column := container.NewVBox()
	for _, sec := range sections {
		b := NewTouchButton(k, "", nil, func() { r.open(sec) })
		r.buttons = append(r.buttons, b)
		column.Add(b)
	}
	r.body = container.NewStack()
	r.layout = container.NewBorder(nil, nil, column, nil, r.body)
	return r
}

// open makes sec current, marks its button and shows it read afresh.
func (r *sectionRail[S]) open(sec S) {
	r.current = sec
	for i, b := range r.buttons {
		b.SetText(r.k.T(r.sections[i].titleKey(), nil))
		b.Importance = widget.MediumImportance
		if any(r.sections[i]) == any(sec) {
			b.Importance = widget.HighImportance
		}
		b.Refresh()
	}
	r.body.Objects = []fyne.CanvasObject{sec.content()}
	r.body.Refresh()
	sec.show()
	// The button texts set the rail's width. A container lays out again
	// only when refreshed, which the GL driver does at every frame and the
	// test driver does not.
	r.layout.Refresh()
}
