package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lambtrace/line"
)

// cuttingRig is a kiosk with the entry and cutting screens and an
// operator signed in.
func cuttingRig(t testing.TB, opts rigOptions) (*rig, *CuttingScreen) {
	t.Helper()
	r := newRig(t, opts)
	cut := NewCuttingScreen(r.k, CuttingScales{Carcass: carcassScale, Pack: packScale})
	r.start(NewEntryScreen(r.k, hookScale), cut)
	r.signIn("op7", testPIN)
	if !r.k.ShowScreen("cutting") {
		t.Fatal("the operator cannot open the cutting screen")
	}
	r.work.runAll()
	return r, cut
}

// tapOutput taps the tile of a product or by-product bin.
func tapOutput(t testing.TB, r *rig, cut *CuttingScreen, product, byproduct string) {
	t.Helper()
	for i, o := range cut.outputs {
		if o.product == product && o.byproduct == byproduct && o.toLot == "" {
			cut.products.ShowItem(i / 2)
			row := cut.products.rows[(i/2)%len(cut.products.rows)]
			test.Tap(row.(*fyne.Container).Objects[i%2].(*Tile))
			r.work.runAll()
			r.k.pump()
			r.work.runAll()
			return
		}
	}
	t.Fatalf("no tile for product %q or by-product %q among %+v", product, byproduct, cut.outputs)
}

func TestCuttingRefusesPackOverBalance(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	c := r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	if got := cut.source.Text; !strings.Contains(got, c.Number) {
		t.Fatalf("source after scanning %s = %q", c.Number, got)
	}
	tapOutput(t, r, cut, "leg_bone_in", "")
	if got := r.st.Snapshot().Cutting.Product; got != "leg_bone_in" {
		t.Fatalf("product after the tap = %q", got)
	}

	r.weigh(packScale, 6000, packDiv)
	figures, remaining := cut.Balance().Figures()
	if figures.Input != 10000 || figures.Outputs != 6000 || remaining != 4024 {
		t.Errorf("balance after a 6 kg pack = %+v, remaining %d", figures, remaining)
	}
	if cut.Balance().Red() {
		t.Errorf("balance red after an accepted pack: %s", cut.Balance().Reason())
	}
	if got := cut.lastPack.Text; !strings.Contains(got, "6.000 kg") || !strings.Contains(got, "羊后腿") {
		t.Errorf("last pack = %q", got)
	}

	// 5 kg more would bring the outputs above input plus tolerance.
	r.weigh(packScale, 5000, packDiv)
	if !cut.Balance().Red() {
		t.Fatal("balance not red after a refused pack")
	}
	reason := cut.Balance().Reason()
	if !strings.Contains(reason, "5.000 kg") || !strings.Contains(reason, "不予贴标") {
		t.Errorf("reason = %q, want the refused weight and that it gets no label", reason)
	}
	if cut.balance.ReasonLabel().Hidden || cut.balance.ReasonLabel().Text != reason {
		t.Errorf("reason label hidden=%v text=%q", cut.balance.ReasonLabel().Hidden, cut.balance.ReasonLabel().Text)
	}
	if n := r.st.Snapshot().Packs; n != 1 {
		t.Errorf("packs = %d, want 1", n)
	}
	decisions, err := r.st.Decisions(r.k.ctx, c.Number)
	if err != nil || len(decisions) != 1 || decisions[0].Code != line.CodeMassExcess {
		t.Errorf("decisions = %+v, %v; want one mass.excess", decisions, err)
	}

	// Taking the load off the scale clears the alarm.
	r.readings(packScale, 0, packDiv, 1)
	r.k.pump()
	if cut.Balance().Red() {
		t.Errorf("balance still red on an empty scale: %s", cut.Balance().Reason())
	}
}

func TestCuttingWarnsBeforeManualPrint(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{station: func(c *line.StationConfig) { c.ManualCapture = true }})
	r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	tapOutput(t, r, cut, "leg_bone_in", "")

	r.weigh(packScale, 6000, packDiv)
	test.Tap(cut.print)
	r.work.runAll()
	r.k.pump()
	if n := r.st.Snapshot().Packs; n != 1 {
		t.Fatalf("packs after printing 6 kg = %d", n)
	}

	// A steady 5 kg is more than the 4.024 kg the balance still accepts:
	// the bar is red before anyone presses print.
	r.clock.Advance(time.Second)
	r.weigh(packScale, 5000, packDiv)
	if !cut.Balance().Red() || !strings.Contains(cut.Balance().Reason(), "多 0.976 kg") {
		t.Fatalf("balance before print: red=%v reason=%q", cut.Balance().Red(), cut.Balance().Reason())
	}
	test.Tap(cut.print)
	r.work.runAll()
	r.k.pump()
	if n := r.st.Snapshot().Packs; n != 1 {
		t.Errorf("packs after printing an excess = %d, want 1", n)
	}
	if got := cut.Balance().Reason(); !strings.Contains(got, "不予贴标") {
		t.Errorf("reason after the refused print = %q, want the station's", got)
	}
}

func TestPrintDoubleTapPrintsOnce(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{printer: true, station: func(c *line.StationConfig) { c.ManualCapture = true }})
	r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	r.waitPrinted(1) // the carcass label
	tapOutput(t, r, cut, "leg_bone_in", "")
	r.weigh(packScale, 6000, packDiv)

	// One touch delivered as two taps 30 ms apart.
	test.Tap(cut.print)
	r.clock.Advance(30 * time.Millisecond)
	test.Tap(cut.print)
	if n := len(r.work.jobs); n != 1 {
		t.Fatalf("%d print jobs started by a double tap, want 1", n)
	}
	if !cut.print.Disabled() || !cut.print.Busy() {
		t.Error("print button enabled while its job runs")
	}
	r.work.runAll()
	r.k.pump()
	if cut.print.Disabled() {
		t.Error("print button disabled after its job")
	}

	// A tap within the debounce time after the job ends is ignored too.
	r.clock.Advance(30 * time.Millisecond)
	test.Tap(cut.print)
	if n := len(r.work.jobs); n != 0 {
		t.Errorf("%d jobs started by a tap %s after the first", n, 60*time.Millisecond)
	}

	// A deliberate press later finds the load taken: the station rejects it.
	r.clock.Advance(DefaultDebounce)
	test.Tap(cut.print)
	r.work.runAll()
	want := line.Translate(line.LangZH, "station.refused.already_captured", map[string]string{"scale": packScale})
	if got := r.k.notice.Text(); got != want {
		t.Errorf("notice after pressing print again = %q, want %q", got, want)
	}

	r.waitPrinted(2)
	if n := r.st.Snapshot().Packs; n != 1 {
		t.Errorf("packs = %d, want 1", n)
	}
	if n := r.packJobs(); n != 1 {
		t.Errorf("pack labels printed = %d, want 1", n)
	}
}

func TestCuttingClosesCarcass(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	c := r.readyToCut(cut, r.cleanAnimals(1)[0], 10000)
	tapOutput(t, r, cut, "leg_bone_in", "")
	r.weigh(packScale, 6000, packDiv)
	tapOutput(t, r, cut, "", "bone")
	r.weigh(packScale, 3800, packDiv)

	test.Tap(cut.closeBtn)
	r.work.runAll()
	r.k.pump()
	if got, _ := r.st.Carcass(c.Number); got.Stage != line.CarcassClosed {
		t.Fatalf("carcass after close = %+v", got)
	}
	if got := r.k.notice.Text(); got != "分割已结束" {
		t.Errorf("notice = %q", got)
	}
	if got := cut.source.Text; !strings.Contains(got, "请选择胴体") {
		t.Errorf("source after close = %q", got)
	}
	if !cut.closeBtn.Disabled() || !cut.print.Disabled() {
		t.Error("close or print enabled with nothing picked")
	}
	for _, n := range cut.cuttable {
		if n == c.Number {
			t.Errorf("closed carcass %s still offered for cutting", n)
		}
	}
}

func TestCuttingOpensMixedLot(t *testing.T) {
	r, cut := cuttingRig(t, rigOptions{})
	test.Tap(cut.lotBtn)
	if cut.mode != modeLot || len(cut.lotTiles) != 1 || cut.lotTiles[0].product != "roll" {
		t.Fatalf("lot picker = mode %d, tiles %+v", cut.mode, cut.lotTiles)
	}
	test.Tap(cut.lotPL.rows[0].(*Tile))
	r.work.runAll()
	r.k.pump()
	r.work.runAll()
	snap := r.st.Snapshot()
	if len(snap.Lots) != 1 || snap.Cutting.Lot != snap.Lots[0].ID || snap.Cutting.Product != "roll" {
		t.Fatalf("after opening a lot: lots %+v, cutting %+v", snap.Lots, snap.Cutting)
	}
	if got := cut.source.Text; !strings.Contains(got, snap.Lots[0].ID) || !strings.Contains(got, "羊肉卷") {
		t.Errorf("source = %q", got)
	}
	if len(cut.outputs) != 1 || cut.outputs[0].product != "roll" {
		t.Errorf("a lot offers %+v, want only its product", cut.outputs)
	}
}
