package ui

import (
	"context"
	"slices"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lambtrace/line"
)

// CuttingScales names the scales of the cutting table by their ids:
// line.ScaleRoles.Carcass and line.ScaleRoles.Pack.
type CuttingScales struct {
	Carcass string // chilled carcass weights
	Pack    string // packs and by-products
}

// cuttingMode selects the list on the right half of the cutting screen.
type cuttingMode int

const (
	modeProducts cuttingMode = iota // product and by-product tiles
	modeCarcass                     // carcasses to pick
	modeLot                         // mixed lots to pick or open
)

// outputTile is one product or by-product tile.
type outputTile struct {
	product   string // product key, or empty for a by-product
	byproduct string // by-product bin
	toLot     string // the lot trim goes on to
}

// lotTile is one tile of the lot picker: an open lot or a mixed product
// to open a new lot of.
type lotTile struct {
	lot     string
	product string
}

// CuttingScreen runs the cutting table: pick the carcass (scan its label
// or pick it from the list) or a mixed lot, pick a product or by-product
// bin, watch the live weight and the mass balance, print, and close the
// carcass. A weighing that would break the balance turns the bar red
// with the reason, and the station does not pack it.
type CuttingScreen struct {
	k      *Kiosk
	scales CuttingScales

	carcasses map[string]line.CarcassRecord
	order     []string
	lots      []line.LotRecord
	cutting   line.Cutting
	mode      cuttingMode
	refusal   *line.Refusal // the last refusal of the load on the pack scale
	live      line.Reading  // the last pack-scale reading
	steady    bool          // the station judges live steady
	armed     bool          // the load on the pack scale is not taken yet
	packs     int

	outputs   []outputTile
	cuttable  []string
	lotTiles  []lotTile
	source    *widget.Label
	chilled   *widget.Label
	weight    *WeightDisplay
	balance   *BalanceBar
	lastPack  *widget.Label
	print     *ActionButton
	chill     *ActionButton // takes the carcass scale's weight with ManualCapture
	manual    bool          // the station takes weights only on Capture
	closeBtn  *ActionButton
	pickBtn   *TouchButton
	lotBtn    *TouchButton
	listTitle *widget.Label
	products  *PagedList
	carcassPL *PagedList
	lotPL     *PagedList
	lists     *fyne.Container
	content   fyne.CanvasObject
}

var (
	_ Screen       = (*CuttingScreen)(nil)
	_ EventHandler = (*CuttingScreen)(nil)
	_ Scanner      = (*CuttingScreen)(nil)
)

// NewCuttingScreen builds the cutting screen for the table's scales.
func NewCuttingScreen(k *Kiosk, scales CuttingScales) *CuttingScreen {
	s := &CuttingScreen{k: k, scales: scales, carcasses: make(map[string]line.CarcassRecord)}
	s.source = boldLabel()
	s.source.Truncation = fyne.TextTruncateEllipsis
	s.chilled = boldLabel()
	s.chilled.Wrapping = fyne.TextWrapWord
	s.weight = NewWeightDisplay(k)
	s.weight.SetDigitSize(60)
	s.balance = NewBalanceBar(k)
	s.lastPack = widget.NewLabel("")
	s.lastPack.SizeName = theme.SizeNameCaptionText
	s.lastPack.Wrapping = fyne.TextWrapWord

	s.print = NewActionButton(k, "", func(ctx context.Context) error { return k.st.Capture(ctx, s.scales.Pack) })
	s.print.Done = s.done
	s.closeBtn = NewActionButton(k, "", s.closeJob)
	s.closeBtn.Done = s.closed
	s.closeBtn.Importance = widget.WarningImportance
	s.pickBtn = NewTouchButton(k, "", nil, func() { s.setMode(modeCarcass) })
	s.lotBtn = NewTouchButton(k, "", nil, func() { s.setMode(modeLot) })
	s.chill = NewActionButton(k, "", func(ctx context.Context) error { return k.st.Capture(ctx, s.scales.Carcass) })
	s.chill.Done = s.done
	// The chilled weight's button takes the print button's place while
	// the carcass cut has no chilled weight.
	buttons := container.NewGridWithColumns(2, container.NewStack(s.print, s.chill), s.closeBtn)
	// The reason of a red balance takes the place of the last pack's line.
	// The chilled weight still to take takes the place of the last pack.
	message := container.NewStack(s.lastPack, s.chilled, s.balance.ReasonLabel())
	left := container.NewBorder(container.NewVBox(s.source, s.weight, s.balance), buttons, nil, nil, message)

	s.products = NewPagedList(k, 3, func() int { return (len(s.outputs) + 1) / 2 },
		func() fyne.CanvasObject {
			return container.NewGridWithColumns(2, NewTile(k, "", "", nil), NewTile(k, "", "", nil))
		},
		func(i int, row fyne.CanvasObject) {
			for j, o := range row.(*fyne.Container).Objects {
				s.fillOutput(2*i+j, o.(*Tile))
			}
		})
	s.carcassPL = NewPagedList(k, 3, func() int { return len(s.cuttable) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) { s.fillCarcass(i, row.(*Tile)) })
	s.lotPL = NewPagedList(k, 3, func() int { return len(s.lotTiles) },
		func() fyne.CanvasObject { return NewTile(k, "", "", nil) },
		func(i int, row fyne.CanvasObject) { s.fillLot(i, row.(*Tile)) })
	s.listTitle = boldLabel()
	s.lists = container.NewStack(s.products, s.carcassPL, s.lotPL)
	right := container.NewBorder(s.listTitle, container.NewGridWithColumns(2, s.pickBtn, s.lotBtn), nil, nil, s.lists)

	s.content = container.NewPadded(container.New(&splitLayout{share: 0.47}, left, right))
	return s
}

// Name returns "cutting".
func (s *CuttingScreen) Name() string { return "cutting" }

// TitleKey returns the key of the navigation button.
func (s *CuttingScreen) TitleKey() string { return "ui.cut.title" }

// Roles returns the roles that run the cutting table.
func (s *CuttingScreen) Roles() []Role { return []Role{RoleOperator} }

// Content returns the screen.
func (s *CuttingScreen) Content() fyne.CanvasObject { return s.content }

// Balance returns the balance bar, for tests.
func (s *CuttingScreen) Balance() *BalanceBar { return s.balance }

// Show reads the shift afresh and draws the screen in the kiosk's
// language.
func (s *CuttingScreen) Show() {
	snap := s.k.st.Snapshot()
	clear(s.carcasses)
	s.order = s.order[:0]
	for _, c := range snap.Carcasses {
		s.remember(c)
	}
	s.lots = slices.Clone(snap.Lots)
	s.cutting = snap.Cutting
	s.packs = snap.Packs
	s.manual = snap.ManualCapture
	for _, sc := range snap.Scales {
		if sc.ID == s.scales.Pack {
			s.live, s.steady, s.armed = sc.Last, sc.Steady, sc.Armed
			s.weight.Set(sc.Last, sc.Steady)
		}
	}
	if s.cutting.Carcass == "" && s.cutting.Lot == "" && s.mode == modeProducts {
		s.mode = modeCarcass
	}
	s.fetchBalance()
	s.render()
}

// Hide does nothing.
func (s *CuttingScreen) Hide() {}

// HandleEvent follows the cutting table, its scales and the carcasses.
func (s *CuttingScreen) HandleEvent(ev line.Event) {
	switch e := ev.(type) {
	case line.ScaleReadingEvent:
		s.reading(e)
		return
	case line.ShiftOpenedEvent:
		s.Show()
		return
	case line.CuttingChangedEvent:
		s.cutting = e.Cutting
		s.refusal = nil
		if e.Cutting.Carcass != "" || e.Cutting.Lot != "" {
			s.mode = modeProducts
		} else {
			s.mode = modeCarcass // the carcass or lot was closed: pick the next
		}
		s.fetchBalance()
	case line.PackAcceptedEvent:
		// The reading that gave the pack was published armed; the load is
		// taken now.
		s.refusal, s.armed = nil, false
		s.packs++
		s.balance.Set(e.Balance, e.Remaining)
		name := e.Pack.Product
		if p, ok := s.k.st.Products().Product(e.Pack.Product); ok {
			name = productName(p, s.k.Lang())
		}
		s.lastPack.SetText(s.k.T("ui.cut.last_pack", map[string]string{
			"product": name, "weight": e.Pack.Grams.String(), "serial": e.Pack.Serial, "count": strconv.Itoa(s.packs)}))
	case line.ByproductAcceptedEvent:
		s.refusal, s.armed = nil, false
		s.balance.Set(e.Balance, e.Remaining)
	case line.PackRefusedEvent:
		r := e.Refusal
		s.refusal = &r
	case line.ByproductRefusedEvent:
		r := e.Refusal
		s.refusal = &r
	case line.WeightAcceptedEvent:
		s.remember(e.Carcass)
		if e.Stage == line.StageChilled && e.Carcass.Number == s.cutting.Carcass {
			s.fetchBalance()
		}
	case line.CarcassEnteredEvent:
		s.remember(e.Carcass)
	case line.CarcassHeldEvent:
		s.remember(e.Carcass)
	case line.CarcassBlockedEvent:
		s.remember(e.Carcass)
	case line.CarcassReleasedEvent:
		s.remember(e.Carcass)
	case line.CarcassClosedEvent:
		s.remember(e.Carcass)
	case line.InspectionRecordedEvent:
		s.remember(e.Carcass)
	case line.LotOpenedEvent:
		s.rememberLot(e.Lot)
	case line.LotClosedEvent:
		s.rememberLot(e.Lot)
	default:
		return
	}
	s.render()
}

// Scanned picks a scanned carcass for cutting.
func (s *CuttingScreen) Scanned(code string) {
	if _, _, err := line.ParseCarcassNumber(code); err != nil {
		s.k.ShowNotice(Message{Key: "ui.scan.not_carcass", Data: map[string]string{"code": code}})
		return
	}
	s.pickCarcass(code)
}

// reading shows a pack-scale reading and judges a steady load against
// the balance before the station does, so the bar turns red while the
// load is still on the scale. It redraws only what changed, because
// readings come ten times a second.
func (s *CuttingScreen) reading(e line.ScaleReadingEvent) {
	if e.Reading.Scale == s.scales.Carcass {
		if c, ok := s.carcasses[s.cutting.Carcass]; ok && c.Chilled == 0 {
			if text := s.k.T("ui.cut.chilled_live", map[string]string{"weight": FormatKilograms(e.Reading)}); text != s.chilled.Text {
				s.chilled.SetText(text)
			}
			s.updateReason()
		}
		return
	}
	if e.Reading.Scale != s.scales.Pack {
		return
	}
	s.live, s.steady, s.armed = e.Reading, e.Steady, e.Armed
	s.weight.Set(e.Reading, e.Steady)
	empty := line.Mass(line.DefaultEmptyDivisions) * max(e.Reading.Division, 1)
	if s.refusal != nil && e.Reading.Grams < empty {
		// NOTE: this uses the station's default empty threshold; a
		// station configured with another only clears the message at a
		// different load.
		s.refusal = nil
	}
	s.updateReason()
}

// reason returns why the balance bar is red: the station's refusal of
// the load on the scale, or a steady load not yet taken that is larger
// than the balance accepts.
func (s *CuttingScreen) reason() string {
	if s.refusal != nil {
		return s.refusal.Text(s.k.Lang())
	}
	_, remaining := s.balance.Figures()
	if s.balance.has && s.steady && s.armed && s.outputPicked() && s.live.Grams > remaining && s.live.Division > 0 {
		return s.k.T("ui.cut.over_balance", map[string]string{
			"weight": s.live.Grams.String(), "remaining": max(remaining, 0).String(), "excess": (s.live.Grams - remaining).String()})
	}
	return ""
}

// updateReason turns the balance bar red or back, and shows the reason in
// place of the last pack's line.
// updateReason shows the balance bar's reason, or else the live chilled
// weight or the last pack. It changes a label's visibility only when the
// label is to change, because each change repaints the window and this
// runs for every reading.
func (s *CuttingScreen) updateReason() {
	s.balance.SetReason(s.reason())
	red := s.balance.Red()
	setVisible(s.chilled, !red && s.chilled.Text != "")
	setVisible(s.lastPack, !red && s.chilled.Text == "")
}

func setVisible(o fyne.CanvasObject, visible bool) {
	switch {
	case visible && !o.Visible():
		o.Show()
	case !visible && o.Visible():
		o.Hide()
	}
}

func (s *CuttingScreen) outputPicked() bool {
	return (s.cutting.Carcass != "" || s.cutting.Lot != "") && (s.cutting.Product != "" || s.cutting.Byproduct != "")
}

func (s *CuttingScreen) remember(c line.CarcassRecord) {
	if _, ok := s.carcasses[c.Number]; !ok {
		s.order = append(s.order, c.Number)
	}
	s.carcasses[c.Number] = c
}

func (s *CuttingScreen) rememberLot(l line.LotRecord) {
	for i := range s.lots {
		if s.lots[i].ID == l.ID {
			s.lots[i] = l
			return
		}
	}
	s.lots = append(s.lots, l)
}

// fetchBalance reads the balance of the carcass or lot being cut off the
// fyne goroutine.
func (s *CuttingScreen) fetchBalance() {
	c := s.cutting
	if c.Carcass == "" && c.Lot == "" {
		s.balance.Clear()
		return
	}
	var figures line.MassFigures
	var remaining line.Mass
	s.k.work.Go(func() error {
		var err error
		figures, remaining, err = s.k.st.Balance(s.k.ctx, c.Carcass, c.Lot)
		return err
	}, func(err error) {
		if s.cutting.Carcass != c.Carcass || s.cutting.Lot != c.Lot {
			return // the table moved on while the balance was read
		}
		if err != nil {
			s.k.ShowError(err)
			return
		}
		s.balance.Set(figures, remaining)
		s.updateReason()
	})
}

func (s *CuttingScreen) setMode(m cuttingMode) {
	if s.mode == m {
		m = modeProducts
	}
	s.mode = m
	s.render()
}

func (s *CuttingScreen) pickCarcass(number string) {
	s.k.work.Go(func() error { return s.k.st.SelectCarcass(number) }, func(err error) {
		if err != nil {
			s.k.ShowError(err)
			return
		}
		s.mode = modeProducts
		s.render()
	})
}

func (s *CuttingScreen) pickOutput(o outputTile) {
	s.k.work.Go(func() error {
		if o.product != "" {
			return s.k.st.SelectProduct(o.product)
		}
		return s.k.st.SelectByproduct(o.byproduct, o.toLot)
	}, s.done)
}

func (s *CuttingScreen) pickLot(t lotTile) {
	if t.lot != "" {
		s.k.work.Go(func() error { return s.k.st.SelectLot(t.lot) }, s.done)
		return
	}
	id := s.k.st.Snapshot().Batch.String() + "-M" + strconv.Itoa(len(s.lots)+1)
	actor := s.k.Actor()
	s.k.work.Go(func() error {
		if _, err := s.k.st.OpenLot(s.k.ctx, actor, id, t.product); err != nil {
			return err
		}
		return s.k.st.SelectLot(id)
	}, s.done)
}

func (s *CuttingScreen) closeJob(ctx context.Context) error {
	actor := s.k.Actor()
	if lot := s.cutting.Lot; lot != "" {
		_, err := s.k.st.CloseLot(ctx, actor, lot)
		return err
	}
	_, err := s.k.st.CloseCarcass(ctx, actor, s.cutting.Carcass)
	return err
}

func (s *CuttingScreen) closed(err error) {
	if err != nil {
		s.k.ShowError(err)
		return
	}
	s.k.ShowNotice(Message{Key: "ui.cut.closed"})
}

// done shows the error of a command, if any.
func (s *CuttingScreen) done(err error) {
	if err != nil {
		s.k.ShowError(err)
	}
}

func (s *CuttingScreen) render() {
	k := s.k
	s.renderSource()
	s.print.SetText(k.T("ui.cut.print", nil))
	s.print.SetAllowed(s.outputPicked())
	s.chill.SetText(k.T("ui.layout.cut.capture_chilled", nil))
	waiting := s.manual && s.cutting.Carcass != "" && s.carcasses[s.cutting.Carcass].Chilled == 0
	s.chill.Hidden, s.print.Hidden = !waiting, waiting
	s.closeBtn.SetText(k.T("ui.cut.close", nil))
	s.closeBtn.SetAllowed(s.cutting.Carcass != "" || s.cutting.Lot != "")
	s.pickBtn.SetText(k.T("ui.cut.pick_carcass", nil))
	s.lotBtn.SetText(k.T("ui.cut.pick_lot", nil))
	if s.lastPack.Text == "" {
		s.lastPack.SetText(k.T("ui.cut.no_pack", nil))
	}
	s.updateReason()
	s.balance.Refresh()
	s.weight.Refresh()

	s.products.Hide()
	s.carcassPL.Hide()
	s.lotPL.Hide()
	switch s.mode {
	case modeCarcass:
		s.listTitle.SetText(k.T("ui.cut.list.carcasses", nil))
		s.cuttable = s.cuttable[:0]
		for _, n := range s.order {
			c := s.carcasses[n]
			if c.State != line.CarcassBlocked && c.Stage != line.CarcassClosed {
				s.cuttable = append(s.cuttable, n)
			}
		}
		s.carcassPL.Reload()
		s.carcassPL.Show()
	case modeLot:
		s.listTitle.SetText(k.T("ui.cut.list.lots", nil))
		s.lotTiles = s.lotTiles[:0]
		for _, l := range s.lots {
			if l.State == line.LotOpen {
				s.lotTiles = append(s.lotTiles, lotTile{lot: l.ID, product: l.Product})
			}
		}
		for _, p := range k.st.Products().Products {
			if p.Mixed {
				s.lotTiles = append(s.lotTiles, lotTile{product: p.Key})
			}
		}
		s.lotPL.Reload()
		s.lotPL.Show()
	default:
		s.listTitle.SetText(k.T("ui.cut.list.products", nil))
		s.outputs = s.outputTiles()
		s.products.Reload()
		s.products.Show()
	}
	// A container lays out children whose size changed only when
	// refreshed; the GL driver does it at every frame, the test driver not.
	s.content.Refresh()
}

func (s *CuttingScreen) renderSource() {
	k := s.k
	c := s.cutting
	switch {
	case c.Lot != "":
		name := c.Product
		if p, ok := k.st.Products().Product(c.Product); ok {
			name = productName(p, k.Lang())
		}
		s.source.SetText(k.T("ui.cut.source.lot", map[string]string{"lot": c.Lot, "product": name}))
		s.chilled.SetText("")
	case c.Carcass != "":
		rec := s.carcasses[c.Carcass]
		tag := string(rec.EarTag)
		if rec.EarTag != "" {
			tag = rec.EarTag.Dashed()
		}
		s.source.SetText(k.T("ui.cut.source.carcass", map[string]string{"carcass": c.Carcass, "tag": tag}))
		if rec.Chilled > 0 {
			s.chilled.SetText("")
		} else {
			s.chilled.SetText(k.T("ui.cut.chilled_waiting", nil))
		}
	default:
		s.source.SetText(k.T("ui.cut.source.none", nil))
		s.chilled.SetText("")
	}
}

// outputTiles lists the outputs the table may weigh for the carcass or lot
// being cut. A lot packs only its own product. A carcass packs the
// products that are not mixed and fills the by-product bins, and its trim
// may also go on to each open lot.
func (s *CuttingScreen) outputTiles() []outputTile {
	var out []outputTile
	pm := s.k.st.Products()
	switch {
	case s.cutting.Lot != "":
		out = append(out, outputTile{product: s.cutting.Product})
	case s.cutting.Carcass != "":
		for _, p := range pm.Products {
			if !p.Mixed {
				out = append(out, outputTile{product: p.Key})
			}
		}
		for _, b := range pm.Byproducts {
			out = append(out, outputTile{byproduct: b.Key})
			if b.Key != line.LotSource {
				continue
			}
			for _, l := range s.lots {
				if l.State == line.LotOpen {
					out = append(out, outputTile{byproduct: b.Key, toLot: l.ID})
				}
			}
		}
	}
	return out
}

func (s *CuttingScreen) fillOutput(i int, t *Tile) {
	if i >= len(s.outputs) {
		t.Hide()
		return
	}
	t.Show()
	o := s.outputs[i]
	k := s.k
	var title, detail string
	active := false
	if o.product != "" {
		title, detail = o.product, ""
		if p, ok := k.st.Products().Product(o.product); ok {
			title = productName(p, k.Lang())
			if k.Lang() == line.LangZH {
				detail = p.NameEN
			}
		}
		active = s.cutting.Product == o.product
	} else {
		title = line.Translate(k.Lang(), "output."+o.byproduct, nil)
		detail = k.T("ui.cut.byproduct", nil)
		if o.toLot != "" {
			detail = k.T("ui.cut.to_lot", map[string]string{"lot": o.toLot})
		}
		active = s.cutting.Byproduct == o.byproduct && s.cutting.ToLot == o.toLot
	}
	t.OnTapped = func() { s.pickOutput(o) }
	t.Set(title, detail, active)
}

func (s *CuttingScreen) fillCarcass(i int, t *Tile) {
	k := s.k
	c := s.carcasses[s.cuttable[i]]
	detail := k.T("ui.carcass.state."+string(c.State), nil)
	if c.EarTag != "" {
		detail = c.EarTag.Dashed() + " · " + detail
	}
	if c.Chilled > 0 {
		detail += " · " + c.Chilled.String()
	}
	number := c.Number
	t.OnTapped = func() { s.pickCarcass(number) }
	t.Set(c.Number, detail, c.Number == s.cutting.Carcass)
}

func (s *CuttingScreen) fillLot(i int, t *Tile) {
	k := s.k
	lt := s.lotTiles[i]
	name := lt.product
	if p, ok := k.st.Products().Product(lt.product); ok {
		name = productName(p, k.Lang())
	}
	if lt.lot != "" {
		t.Set(k.T("ui.cut.lot", map[string]string{"lot": lt.lot}), name, lt.lot == s.cutting.Lot)
	} else {
		t.Set(k.T("ui.cut.open_lot", nil), name, false)
	}
	t.OnTapped = func() { s.pickLot(lt) }
}

// productName returns the product's name in lang.
func productName(p *line.Product, lang line.Lang) string {
	if lang == line.LangEN && p.NameEN != "" {
		return p.NameEN
	}
	return p.NameZH
}

// splitLayout puts two objects side by side, the first taking share of
// the width.
type splitLayout struct{ share float32 }

func (l *splitLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := float32(8)
	w := (size.Width - pad) * l.share
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w+pad, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w-pad, size.Height))
}

func (l *splitLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	a, b := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(a.Width+b.Width+8, max(a.Height, b.Height))
}
