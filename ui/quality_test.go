package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/line"
)

// newQualityRig signs qa1 in at a kiosk whose one screen is the quality
// screen, with a clean carcass and a held one entered.
func newQualityRig(t *testing.T, opts rigOptions, user string) (*rig, *QualityScreen, line.CarcassRecord) {
	t.Helper()
	r := newRig(t, opts)
	q := NewQualityScreen(r.k, newStoreRecords(t, r))
	r.start(q)
	r.enter(officeRFIDClean)
	held := r.enter(officeRFIDFeedlot)
	if held.State != line.CarcassHeld {
		t.Fatalf("carcass of the feedlot tag is %s, want held", held.State)
	}
	r.signIn(user, testPIN)
	if r.k.Current() != q {
		t.Fatalf("%s does not see the quality screen", user)
	}
	r.settle()
	return r, q, held
}

func TestQualityShowsHeldCarcassReasons(t *testing.T) {
	r, q, held := newQualityRig(t, rigOptions{}, "qa1")
	h := q.holds
	if len(h.held) != 1 || h.picked != held.Number {
		t.Fatalf("holds list %+v, picked %q; want only %s", h.held, h.picked, held.Number)
	}
	containsAll(t, "title", h.title.Text+" "+h.subtitle.Text, held.Number, "315252300357971")
	if len(h.decisions) == 0 {
		t.Fatal("no decisions shown for the held carcass")
	}
	var want []string
	for _, d := range h.decisions {
		want = append(want, d.Reason(line.LangZH))
	}
	for i, d := range h.decisions {
		containsAll(t, "decision row", h.decisionText(d), "待处理", want[i])
	}
	if h.release.Disabled() || h.block.Disabled() {
		t.Error("release and block are disabled for quality staff")
	}
	r.assertScreen("quality_holds_zh.png")
}

func TestQualityReleaseWithReason(t *testing.T) {
	r, q, held := newQualityRig(t, rigOptions{}, "qa1")
	test.Tap(q.holds.release)
	d := q.dialog
	if !d.confirm.Disabled() {
		t.Error("confirm is enabled before a reason is picked")
	}
	pickReason(t, d, 0, 0)
	want := "饲养记录已核实；已电话联系畜主 (feeding record checked; owner phoned)"
	if got := d.Reason(); got != want {
		t.Fatalf("reason = %q, want %q", got, want)
	}
	containsAll(t, "preview", d.preview.Text, want)

	// A double tap releases once: the second tap finds the button busy.
	test.Tap(d.confirm)
	test.Tap(d.confirm)
	if n := r.work.runAll(); n != 1 {
		t.Errorf("the double tap ran %d jobs, want 1", n)
	}
	r.k.pump()

	c, _ := r.st.Carcass(held.Number)
	if c.State == line.CarcassHeld || c.State == line.CarcassBlocked {
		t.Fatalf("carcass %s is %s after the release", held.Number, c.State)
	}
	decisions, err := r.st.Decisions(context.Background(), held.Number)
	if err != nil {
		t.Fatal(err)
	}
	for _, dec := range decisions {
		if dec.ReleasedBy != "qa1" || dec.ReleaseReason != want {
			t.Errorf("decision %s released by %q with %q, want qa1 with %q", dec.Code, dec.ReleasedBy, dec.ReleaseReason, want)
		}
	}
	if !d.pop.Hidden {
		t.Error("the dialog is still open after the release")
	}
	containsAll(t, "notice", r.k.notice.Text(), held.Number, "已放行")
	r.settle()
	if len(q.holds.held) != 0 {
		t.Errorf("holds list still shows %+v", q.holds.held)
	}
}

func TestQualityBlockWithReason(t *testing.T) {
	r, q, held := newQualityRig(t, rigOptions{}, "qa1")
	test.Tap(q.holds.block)
	pickReason(t, q.dialog, 1)
	test.Tap(q.dialog.confirm)
	r.settle()

	c, _ := r.st.Carcass(held.Number)
	if c.State != line.CarcassBlocked {
		t.Fatalf("carcass %s is %s after the block, want blocked", held.Number, c.State)
	}
	decisions, err := r.st.Decisions(context.Background(), held.Number)
	if err != nil {
		t.Fatal(err)
	}
	last := decisions[len(decisions)-1]
	if last.Code != line.CodeQualityBlocked || last.Facts["user"] != "qa1" || last.Facts["reason"] != "耳标可疑 (ear tag doubtful)" {
		t.Errorf("last decision = %s %v, want quality.blocked by qa1 for the doubtful tag", last.Code, last.Facts)
	}

	// A blocked carcass cannot be released: the station refuses and the
	// list no longer offers it.
	if len(q.holds.held) != 0 {
		t.Errorf("holds list still shows %+v", q.holds.held)
	}
	if _, err := r.st.Release(context.Background(), "qa1", held.Number, "test"); err == nil {
		t.Error("the station released a blocked carcass")
	}
}

func TestQualityVetCannotRelease(t *testing.T) {
	_, q, _ := newQualityRig(t, rigOptions{}, "vet1")
	if !q.holds.release.Disabled() || !q.holds.block.Disabled() {
		t.Error("release or block is enabled for the veterinarian")
	}
}

// officeWeigh puts a load on a scale: an empty reading, then six steady
// readings 100 ms apart, enough for the stability window's defaults.
func (r *rig) officeWeigh(scaleID string, g, division line.Mass) {
	r.t.Helper()
	ctx := context.Background()
	read := func(grams line.Mass) {
		r.scaleAt = r.scaleAt.Add(100 * time.Millisecond)
		err := r.st.Reading(ctx, line.Reading{Scale: scaleID, At: r.scaleAt, Grams: grams, Division: division, Decimals: 3, Stable: true})
		var ref *line.RefusalError
		if err != nil && !errors.As(err, &ref) {
			r.t.Fatal(err)
		}
	}
	read(0)
	for range 6 {
		read(g)
	}
	r.k.pump()
}

func TestQualityInspectionPass(t *testing.T) {
	r, q, _ := newQualityRig(t, rigOptions{}, "vet1")
	test.Tap(q.nav.buttons[1])
	n := q.inspection
	first := n.picked
	if len(n.open) != 2 || first == "" {
		t.Fatalf("inspection list %+v, picked %q; want both carcasses", n.open, first)
	}
	test.Tap(n.pass)
	r.settle()
	c, _ := r.st.Carcass(first)
	if c.Inspection != line.InspectionPass {
		t.Fatalf("carcass %s inspection = %q, want pass", first, c.Inspection)
	}
	if len(n.open) != 1 || n.picked == first {
		t.Errorf("after the pass the list is %+v with %q picked", n.open, n.picked)
	}
}

func TestQualityInspectionPartialWeighsCondemnedParts(t *testing.T) {
	r, q, _ := newQualityRig(t, rigOptions{}, "vet1")
	test.Tap(q.nav.buttons[1])
	n := q.inspection
	number := n.picked
	if !n.partial.Disabled() {
		t.Error("partial is enabled before a scale has a steady weight")
	}
	r.officeWeigh(packScale, 800, packDiv)
	test.Tap(n.scaleTiles[packScale])
	if n.partial.Disabled() {
		t.Fatalf("partial is disabled with a steady 800 g on %s: scales %+v", packScale, n.scales)
	}
	test.Tap(n.partial)
	containsAll(t, "dialog title", q.dialog.heading.Text, number, "0.800 kg", packScale)
	pickReason(t, q.dialog, 1, 0)
	test.Tap(q.dialog.confirm)
	r.settle()

	c, _ := r.st.Carcass(number)
	if c.Inspection != line.InspectionPartial {
		t.Fatalf("carcass %s inspection = %q, want partial", number, c.Inspection)
	}
	f, err := r.db.BatchFacts(context.Background(), officeBatch.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, cf := range f.Carcasses {
		if cf.Number != number {
			continue
		}
		if cf.Inspection == nil || cf.Inspection.Condemned != 800 || cf.Inspection.Reason != "肝片吸虫病；肝脏已摘除 (fascioliasis; liver removed)" || cf.Inspection.Inspector != "vet1" {
			t.Errorf("inspection of %s = %+v, want 800 g of fascioliasis by vet1", number, cf.Inspection)
		}
	}
}

func TestQualityLabResults(t *testing.T) {
	r, q, _ := newQualityRig(t, rigOptions{}, "qa1")
	test.Tap(q.nav.buttons[2])
	l := q.lab
	r.settle()
	const consignment = "SB152502-20261203-001" // the clean carcass's
	for i, c := range l.consignments {
		if c.ID == consignment {
			l.list.ShowItem(i)
			test.Tap(l.list.rows[i%len(l.list.rows)].(*Tile))
		}
	}
	if l.picked != consignment {
		t.Fatalf("picked consignment %q, want %s", l.picked, consignment)
	}
	if l.sample != "LAB-20261204-01" {
		t.Errorf("proposed sample = %q, want LAB-20261204-01", l.sample)
	}

	// A negative result is recorded at once with the analytes and method.
	test.Tap(l.negative)
	r.settle()
	results, err := q.rec.LabResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Result != line.LabNegative || results[0].Sample != "LAB-20261204-01" ||
		len(results[0].Analytes) != 3 || results[0].Method != "胶体金快速检测卡 (rapid strip)" || results[0].RecordedBy != "qa1" {
		t.Fatalf("lab results = %+v", results)
	}
	if l.sample != "LAB-20261204-02" {
		t.Errorf("next proposed sample = %q, want LAB-20261204-02", l.sample)
	}

	// A positive result blocks the consignment's carcass, but only once
	// confirmed; the sample id comes from the pad.
	test.Tap(l.sampleBtn)
	l.pad.pad.SetText("")
	l.pad.pad.Type("QA-7")
	test.Tap(l.pad.ok)
	if l.sample != "QA-7" {
		t.Fatalf("sample after the pad = %q, want QA-7", l.sample)
	}
	test.Tap(l.analyteTiles[2]) // salbutamol off
	test.Tap(l.positive)
	if l.confirm == nil || l.confirm.pop.Hidden {
		t.Fatal("a positive result is not confirmed first")
	}
	if n := r.work.runAll(); n != 0 {
		t.Fatalf("%d jobs ran before the confirmation", n)
	}
	test.Tap(l.confirm.confirm)
	r.settle()
	clean := r.st.Snapshot().Carcasses[0]
	if clean.State != line.CarcassBlocked {
		t.Errorf("carcass %s of the positive consignment is %s, want blocked", clean.Number, clean.State)
	}
	containsAll(t, "consignment tile", l.resultSummary(consignment), "阴性 LAB-20261204-01", "阳性 QA-7")
}

func TestQualityReprintAndVoid(t *testing.T) {
	sim, station := withPrinter(t)
	r, q, _ := newQualityRig(t, rigOptions{station: station}, "qa1")
	runStation(t, r.st)
	number := r.st.Snapshot().Carcasses[0].Number
	r.waitPrintState(number, line.PrintConfirmed)
	r.k.pump()

	test.Tap(q.nav.buttons[3])
	l := q.labels
	test.Tap(l.list.rows[0].(*Tile))
	r.settle()
	if l.serial != number || len(l.jobs) != 1 {
		t.Fatalf("labels section shows %q with jobs %+v, want %s with its first print", l.serial, l.jobs, number)
	}
	if l.reprint.Disabled() || l.void.Disabled() {
		t.Fatal("reprint or void is disabled for a printed label")
	}

	// Reprint with a reason: one new job, printed.
	r.waitPrintState(r.st.Snapshot().Carcasses[1].Number, line.PrintConfirmed)
	printed := sim.JobCount()
	test.Tap(l.reprint)
	pickReason(t, q.dialog, 0, 0)
	test.Tap(q.dialog.confirm)
	test.Tap(q.dialog.confirm)
	r.settle()
	jobs := r.waitPrintState(number, line.PrintConfirmed)
	if len(jobs) != 2 || jobs[1].ReprintOf != jobs[0].ID || jobs[1].Reason != "标签损坏；旧标签已揭下 (label damaged; old label removed)" || jobs[1].User != "qa1" {
		t.Fatalf("jobs after the reprint = %+v", jobs)
	}
	if n := sim.JobCount(); n != printed+1 {
		t.Errorf("the printer got %d jobs, want %d and one reprint", n, printed)
	}
	r.k.pump()
	r.settle()
	if len(l.jobs) != 2 {
		t.Errorf("history shows %d jobs, want 2", len(l.jobs))
	}
	containsAll(t, "reprint row", l.jobText(l.jobs[1]), "重打", "标签损坏", "qa1")

	// Void with a reason: the label can no longer be printed.
	test.Tap(l.void)
	pickReason(t, q.dialog, 3)
	test.Tap(q.dialog.confirm)
	r.settle()
	void, err := r.db.LabelVoid(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	if void.Reason != "重复贴标 (labelled twice)" || void.User != "qa1" {
		t.Errorf("void = %+v", void)
	}
	test.Tap(l.reprint)
	pickReason(t, q.dialog, 0)
	test.Tap(q.dialog.confirm)
	r.settle()
	if q.dialog.pop.Hidden || q.dialog.problem.Hidden {
		t.Error("a reprint of a void label closed the dialog without showing the refusal")
	}
	if n := sim.JobCount(); n != printed+1 {
		t.Errorf("the printer got %d jobs after the void, want %d", n, printed+1)
	}
}

func TestQualityScannedCarcass(t *testing.T) {
	r, q, held := newQualityRig(t, rigOptions{}, "qa1")
	clean := r.st.Snapshot().Carcasses[0].Number

	// In the labels section a scanned carcass number picks its label.
	test.Tap(q.nav.buttons[3])
	r.k.Scan(clean)
	r.settle()
	if q.labels.serial != clean {
		t.Errorf("labels section picked %q after scanning %s", q.labels.serial, clean)
	}

	// In the holds section only a held carcass can be picked.
	test.Tap(q.nav.buttons[0])
	r.settle()
	r.k.Scan(clean)
	if q.holds.picked != held.Number {
		t.Errorf("holds section picked %q after scanning the carcass that is not held", q.holds.picked)
	}
	containsAll(t, "notice", r.k.notice.Text(), clean, "未被扣留")
}
