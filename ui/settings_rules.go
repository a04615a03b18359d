package ui

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// ruleField is one threshold of the rules that the admin steps up or
// down, as an integer in its unit.
type ruleField struct {
	key      string // catalog key suffix of its name: ui.office.rules.<key>
	unit     string // days, hours or bp; the value's catalog key is ui.office.rules.unit.<unit>
	step     int64
	min, max int64
	get      func(*line.Rules) int64
	set      func(*line.Rules, int64)
}

// ruleFields are the thresholds the settings screen changes. The bounds
// keep a slip of the finger from making a rule meaningless; they are
// wider than any plant's policy.
var ruleFields = []ruleField{
	{key: "tagging_age", unit: "days", step: 1, min: 1, max: 60,
		get: func(r *line.Rules) int64 { return int64(r.MaxTaggingAgeDays) },
		set: func(r *line.Rules, v int64) { r.MaxTaggingAgeDays = int(v) }},
	{key: "tag_lead", unit: "days", step: 1, min: 0, max: 365,
		get: func(r *line.Rules) int64 { return int64(r.MinTagLeadDays) },
		set: func(r *line.Rules, v int64) { r.MinTagLeadDays = int(v) }},
	{key: "declaration_lead", unit: "hours", step: 1, min: 0, max: 72,
		get: func(r *line.Rules) int64 { return int64(r.MinDeclarationLead / time.Hour) },
		set: func(r *line.Rules, v int64) { r.MinDeclarationLead = time.Duration(v) * time.Hour }},
	{key: "dressing_min", unit: "bp", step: 50, min: 2000, max: 8000,
		get: func(r *line.Rules) int64 { return r.DressingMinBP },
		set: func(r *line.Rules, v int64) { r.DressingMinBP = v }},
	{key: "dressing_max", unit: "bp", step: 50, min: 2000, max: 8000,
		get: func(r *line.Rules) int64 { return r.DressingMaxBP },
		set: func(r *line.Rules, v int64) { r.DressingMaxBP = v }},
	{key: "max_loss", unit: "bp", step: 10, min: 0, max: 2000,
		get: func(r *line.Rules) int64 { return r.MaxLossBP },
		set: func(r *line.Rules, v int64) { r.MaxLossBP = v }},
}

// rulesArgs hold what the save button's job stores.
type rulesArgs struct {
	actor string
	rules line.Rules
	ok    bool
}

// rulesSection changes the thresholds the station judges by. They are
// saved for the next start of the station.
type rulesSection struct {
	s     *SettingsScreen
	rules *line.Rules // the thresholds with unsaved changes; nil until read
	args  shared[rulesArgs]

	names  []*widget.Label
	values []*widget.Label
	minus  []*TouchButton
	plus   []*TouchButton
	hint   *widget.Label
	save   *ActionButton
	grid   *fyne.Container
	body   fyne.CanvasObject
}

func newRulesSection(s *SettingsScreen) *rulesSection {
	r := &rulesSection{s: s}
	k := s.k
	grid := container.NewGridWithColumns(2)
	r.grid = grid
	for i := range ruleFields {
		name := widget.NewLabel("")
		value := widget.NewLabel("")
		value.Alignment = fyne.TextAlignCenter
		value.TextStyle.Bold = true
		minus := NewTouchButton(k, "", theme.ContentRemoveIcon(), func() { r.change(i, -1) })
		plus := NewTouchButton(k, "", theme.ContentAddIcon(), func() { r.change(i, +1) })
		r.names, r.values, r.minus, r.plus = append(r.names, name), append(r.values, value), append(r.minus, minus), append(r.plus, plus)
		grid.Add(container.NewBorder(nil, nil, name, nil, container.NewBorder(nil, nil, minus, plus, value)))
	}
	r.hint = widget.NewLabel("")
	r.hint.Wrapping = fyne.TextWrapWord
	r.save = NewActionButton(k, "", func(ctx context.Context) error {
		a := r.args.get()
		if !a.ok {
			return nil
		}
		return s.set.SaveRules(ctx, a.actor, a.rules)
	})
	r.save.Done = s.saved
	r.body = container.NewBorder(nil, container.NewBorder(nil, nil, nil, r.save, r.hint), nil, nil, grid)
	return r
}

func (r *rulesSection) titleKey() string           { return "ui.office.settings.rules" }
func (r *rulesSection) content() fyne.CanvasObject { return r.body }

func (r *rulesSection) show() {
	k := r.s.k
	r.save.SetText(k.T("ui.office.settings.save", nil))
	var got line.Rules
	r.s.read(func(ctx context.Context) error {
		var err error
		got, err = r.s.set.Rules(ctx)
		return err
	}, func(err error) {
		if err != nil {
			k.ShowError(err)
			return
		}
		r.rules = &got
		r.render()
	})
	r.render()
}

func (r *rulesSection) change(i int, direction int64) {
	if r.rules == nil {
		return
	}
	f := ruleFields[i]
	v := min(max(f.get(r.rules)+direction*f.step, f.min), f.max)
	f.set(r.rules, v)
	r.render()
}

// valid reports whether the thresholds make sense together.
func (r *rulesSection) valid() bool {
	return r.rules != nil && r.rules.DressingMinBP < r.rules.DressingMaxBP
}

func (r *rulesSection) render() {
	k := r.s.k
	for i, f := range ruleFields {
		r.names[i].SetText(k.T("ui.office.rules."+f.key, nil))
		if r.rules == nil {
			r.values[i].SetText("…")
			continue
		}
		v := f.get(r.rules)
		r.values[i].SetText(k.T("ui.office.rules.unit."+f.unit, map[string]string{"value": strconv.FormatInt(v, 10)}))
	}
	switch {
	case r.rules == nil:
		r.hint.SetText("")
	case !r.valid():
		r.hint.Importance = widget.DangerImportance
		r.hint.SetText(k.T("ui.office.rules.dressing_order", nil))
	default:
		r.hint.Importance = widget.MediumImportance
		r.hint.SetText(k.T("ui.office.rules.next_start", nil))
	}
	var rules line.Rules
	if r.rules != nil {
		rules = *r.rules
	}
	r.args.set(rulesArgs{actor: k.Actor(), rules: rules, ok: r.valid()})
	r.save.SetAllowed(r.valid())
	// The texts changed the widths, which the cells lay out only when
	// refreshed.
	r.grid.Refresh()
}

// maxPlatformURL is the longest platform URL the pad takes.
const maxPlatformURL = 200

// platformArgs hold what the save button's job stores.
type platformArgs struct {
	actor string
	url   string
}

// platformSection changes the URL of the platform that batches are
// uploaded to.
type platformSection struct {
	s     *SettingsScreen
	saved string // the URL stored
	url   string // the URL with unsaved changes
	args  shared[platformArgs]

	current *widget.Label
	change  *TouchButton
	save    *ActionButton
	body    fyne.CanvasObject
}

func newPlatformSection(s *SettingsScreen) *platformSection {
	p := &platformSection{s: s}
	k := s.k
	p.current = widget.NewLabel("")
	p.current.Wrapping = fyne.TextWrapBreak
	p.change = NewTouchButton(k, "", nil, p.openPad)
	p.save = NewActionButton(k, "", func(ctx context.Context) error {
		a := p.args.get()
		return s.set.SetPlatformURL(ctx, a.actor, a.url)
	})
	p.save.Done = s.saved
	p.body = container.NewBorder(nil, container.NewGridWithColumns(2, p.change, p.save), nil, nil, p.current)
	return p
}

func (p *platformSection) titleKey() string           { return "ui.office.settings.platform" }
func (p *platformSection) content() fyne.CanvasObject { return p.body }

func (p *platformSection) show() {
	k := p.s.k
	p.change.SetText(k.T("ui.office.settings.change_url", nil))
	p.save.SetText(k.T("ui.office.settings.save", nil))
	var got string
	p.s.read(func(ctx context.Context) error {
		var err error
		got, err = p.s.set.PlatformURL(ctx)
		return err
	}, func(err error) {
		if err != nil {
			k.ShowError(err)
			return
		}
		p.saved, p.url = got, got
		p.render()
	})
	p.render()
}

func (p *platformSection) render() {
	k := p.s.k
	p.current.SetText(k.T("ui.office.settings.url", map[string]string{"url": p.url, "saved": p.saved}))
	p.args.set(platformArgs{actor: k.Actor(), url: p.url})
	p.save.SetAllowed(p.url != p.saved && ValidPlatformURL(p.url))
}

func (p *platformSection) openPad() {
	k := p.s.k
	p.s.pad = openPadDialog(k, k.T("ui.office.settings.url_title", nil), KeysURL, maxPlatformURL, p.url,
		func(text string) string {
			if !ValidPlatformURL(text) {
				return "ui.office.settings.url_invalid"
			}
			p.url = text
			p.render()
			return ""
		})
}

// ValidPlatformURL reports whether s is an absolute http or https URL
// with a host, as the upload client needs. Plain http is allowed for a
// platform on the plant's own network.
func ValidPlatformURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		!strings.ContainsAny(s, " \t") && u.User == nil
}
