package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

func TestStationEntersAndPrintsCarcassLabel(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{printer: true})
	a := r.cleanAnimals(1)[0]

	c := r.tag(a.RFID)
	if c.State != line.CarcassEntered || c.EarTag != a.EarTag || c.Number != "20261204-0001" {
		t.Fatalf("entered carcass = %+v", c)
	}
	entered := waitFor[line.CarcassEnteredEvent](r, nil)
	if entered.Carcass.Number != c.Number || len(entered.Decisions) != 0 {
		t.Errorf("CarcassEnteredEvent = %+v", entered)
	}

	// The job is committed before its bytes reach the printer, and what
	// the printer got is what the job records.
	queued := waitFor[line.PrintQueuedEvent](r, nil)
	if queued.Job.Serial != c.Number || queued.Job.Kind != line.LabelCarcass || queued.Job.State != line.PrintQueued {
		t.Errorf("PrintQueuedEvent = %+v", queued.Job)
	}
	waitFor[line.PrintSentEvent](r, func(e line.PrintSentEvent) bool { return e.Job.ID == queued.Job.ID })
	waitFor[line.PrintsConfirmedEvent](r, func(e line.PrintsConfirmedEvent) bool { return slices.Contains(e.Jobs, queued.Job.ID) })
	jobs := r.sim.Jobs()
	if len(jobs) != 1 || !bytes.Contains(jobs[0], []byte("CARCASS "+c.Number)) {
		t.Fatalf("printer got %q", jobs)
	}
	sum := sha256.Sum256(jobs[0])
	stored, err := r.db.PrintJobs(ctx, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 || stored[0].ZPLSHA256 != hex.EncodeToString(sum[:]) || stored[0].State != store.PrintConfirmed {
		t.Errorf("stored jobs = %+v, want one confirmed job with the printed bytes' digest", stored)
	}

	r.weigh(hookScale, 19226, carcassDiv)
	hot := waitFor[line.WeightAcceptedEvent](r, nil)
	if hot.Stage != line.StageHot || hot.Carcass.Hot != 19226 || hot.Carcass.Stage != line.CarcassWeighed {
		t.Errorf("WeightAcceptedEvent = %+v", hot)
	}
	if snap := r.st.Snapshot(); len(snap.HookQueue) != 0 || len(snap.Carcasses) != 1 {
		t.Errorf("snapshot hook queue %v, %d carcasses", snap.HookQueue, len(snap.Carcasses))
	}
	mustVerify(t, r.db)
}

func TestStationHeldTagAndRelease(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	// Consignment SB152522-20261203-010 was declared too late.
	a := r.animalOf("SB152522-20261203-010")

	c := r.tag(a.RFID)
	held := waitFor[line.CarcassHeldEvent](r, nil)
	if c.State != line.CarcassHeld || held.Carcass.Number != c.Number || len(held.Decisions) != 1 ||
		held.Decisions[0].Code != line.CodeConsignmentLateDeclaration {
		t.Fatalf("held = %+v", held)
	}
	for _, lang := range line.Langs {
		if reason := held.Decisions[0].Reason(lang); reason == "" || strings.HasPrefix(reason, "decision.") {
			t.Errorf("reason in %s = %q", lang, reason)
		}
	}

	// The hook scale weighs the carcass while it is held; the stage
	// follows once it is released.
	hot := a.LiveWeight / 2
	r.weigh(hookScale, hot, carcassDiv)
	if got, _ := r.st.Carcass(c.Number); got.Hot != hot || got.State != line.CarcassHeld || got.Stage != line.CarcassEntered {
		t.Errorf("held carcass after hot weight = %+v", got)
	}
	if _, err := r.st.Release(ctx, "qa1", c.Number, "  "); refusal(err) != line.RefusedReasonRequired {
		t.Errorf("release without a reason = %v", err)
	}
	rec, err := r.st.Release(ctx, "qa1", c.Number, "申报晚，经核实放行")
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != line.CarcassWeighed || rec.Stage != line.CarcassWeighed {
		t.Errorf("released carcass = %s at %s, want weighed", rec.State, rec.Stage)
	}
	released := waitFor[line.CarcassReleasedEvent](r, nil)
	if released.By != "qa1" || released.Reason != "申报晚，经核实放行" {
		t.Errorf("CarcassReleasedEvent = %+v", released)
	}
	if _, err := r.st.Release(ctx, "qa1", c.Number, "again"); refusal(err) != line.RefusedNotHeld {
		t.Errorf("second release = %v, want %s", err, line.RefusedNotHeld)
	}
	decisions, err := r.st.Decisions(ctx, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(decisions) != 1 || decisions[0].ReleasedBy != "qa1" {
		t.Errorf("decisions = %+v", decisions)
	}
}

func TestStationBlockedCarcass(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{printer: true})

	unknown := r.tag("156000099999999")
	blocked := waitFor[line.CarcassBlockedEvent](r, nil)
	if unknown.State != line.CarcassBlocked || blocked.Decisions[0].Code != line.CodeTagUnknown {
		t.Fatalf("unknown tag: %+v, %+v", unknown, blocked)
	}
	if err := r.st.SelectCarcass(unknown.Number); refusal(err) != line.RefusedCarcassBlocked {
		t.Errorf("SelectCarcass(blocked) = %v", err)
	}
	if _, err := r.st.Release(ctx, "qa1", unknown.Number, "looks fine"); refusal(err) != line.RefusedCarcassBlocked {
		t.Errorf("Release(blocked) = %v", err)
	}

	// Quality staff block a clean carcass with a reason.
	c := r.tag(r.cleanAnimals(1)[0].RFID)
	if _, err := r.st.Block(ctx, "qa1", c.Number, ""); refusal(err) != line.RefusedReasonRequired {
		t.Errorf("Block without a reason = %v", err)
	}
	rec, err := r.st.Block(ctx, "qa1", c.Number, "耳标与检疫证明不符")
	if err != nil {
		t.Fatal(err)
	}
	ev := waitFor[line.CarcassBlockedEvent](r, func(e line.CarcassBlockedEvent) bool { return e.Carcass.Number == c.Number })
	if rec.State != line.CarcassBlocked || ev.Decisions[0].Code != line.CodeQualityBlocked ||
		!strings.Contains(ev.Decisions[0].Reason(line.LangZH), "耳标与检疫证明不符") {
		t.Errorf("quality block: %+v, %+v", rec, ev.Decisions)
	}

	// Only the clean carcass got a label: a blocked carcass gets none.
	waitConfirmed(t, r.db, c.Number)
	if jobs, _ := r.db.PrintJobs(ctx, unknown.Number); len(jobs) != 0 {
		t.Errorf("blocked carcass has print jobs %+v", jobs)
	}
	if n := r.sim.JobCount(); n != 1 {
		t.Errorf("printer got %d jobs, want 1", n)
	}
	for _, number := range []string{unknown.Number, c.Number} {
		if _, err := r.st.PrintLabel(ctx, "op7", line.LabelCarcass, number); refusal(err) != line.RefusedCarcassBlocked {
			t.Errorf("PrintLabel(%s) of a blocked carcass = %v", number, err)
		}
	}
}

func TestStationPackRefusedByMassBalance(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{printer: true})
	c := r.readyToCut(r.cleanAnimals(1)[0], 10000)

	if err := r.st.SelectProduct("leg_bone_in"); err != nil {
		t.Fatal(err)
	}
	r.weigh(packScale, 6000, packDiv)
	accepted := waitFor[line.PackAcceptedEvent](r, nil)
	if accepted.Pack.Carcass != c.Number || accepted.Pack.Grams != 6000 || !accepted.Pack.Grassland ||
		accepted.Balance.Input != 10000 || accepted.Balance.Outputs != 6000 {
		t.Errorf("PackAcceptedEvent = %+v", accepted)
	}
	// The balance accepts input + tolerance of the weighings so far + one
	// more division: 10000 + 20 + 2 + 2 - 6000.
	if accepted.Remaining != 4024 {
		t.Errorf("Remaining = %d, want 4024", accepted.Remaining)
	}

	r.weigh(packScale, 5000, packDiv)
	refused := waitFor[line.PackRefusedEvent](r, nil)
	d := refused.Refusal.Decision
	if refused.Refusal.Reason != line.RefusedMassExcess || d == nil || d.Code != line.CodeMassExcess || d.Carcass != c.Number {
		t.Fatalf("PackRefusedEvent = %+v", refused)
	}
	for _, lang := range line.Langs {
		if text := refused.Refusal.Text(lang); !strings.Contains(text, "5.000") {
			t.Errorf("refusal in %s = %q, want the refused weight", lang, text)
		}
	}
	// The load stays on the scale: it is refused once, not again.
	r.readings(packScale, 5000, packDiv, true, 10)
	if n := len(only[line.PackRefusedEvent](r.events())); n != 0 {
		t.Errorf("%d more refusals of the same load", n)
	}

	if err := r.st.SelectByproduct("bone", ""); err != nil {
		t.Fatal(err)
	}
	r.weigh(packScale, 3000, packDiv)
	waitFor[line.ByproductAcceptedEvent](r, nil)

	// 10 % loss is above the 3 % the rules allow: the carcass is held,
	// and the refused pack's decision does not keep it from release.
	figures, err := r.st.CloseCarcass(ctx, "op7", "")
	if err != nil {
		t.Fatal(err)
	}
	if figures.Loss != 1000 || figures.Decision != line.CodeMassLoss {
		t.Errorf("close figures = %+v", figures)
	}
	waitFor[line.CarcassHeldEvent](r, func(e line.CarcassHeldEvent) bool { return e.Decisions[0].Code == line.CodeMassLoss })
	if snap := r.st.Snapshot(); snap.Cutting != (line.Cutting{}) {
		t.Errorf("cutting after close = %+v, want nothing picked", snap.Cutting)
	}
	rec, err := r.st.Release(ctx, "qa1", c.Number, "bone-in trim weighed into the wrong bin")
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != line.CarcassReleased || rec.Stage != line.CarcassClosed {
		t.Errorf("released = %s at %s", rec.State, rec.Stage)
	}
	decisions, _ := r.st.Decisions(ctx, c.Number)
	for _, d := range decisions {
		if (d.Code == line.CodeMassExcess) != (d.ReleasedBy == "") {
			t.Errorf("decision %s released by %q", d.Code, d.ReleasedBy)
		}
	}

	counts, err := r.db.BatchCounts(r.shift.Batch.String())
	if err != nil {
		t.Fatal(err)
	}
	if counts.Packs != 1 || counts.Decisions[line.CodeMassExcess] != 1 || counts.Decisions[line.CodeMassLoss] != 1 {
		t.Errorf("counts = %+v", counts)
	}
	// The carcass label and the one accepted pack are printed, not the
	// refused pack.
	waitConfirmed(t, r.db, accepted.Pack.Serial)
	if n := r.sim.JobCount(); n != 2 {
		t.Errorf("printer got %d jobs, want 2", n)
	}
	mustVerify(t, r.db)
}

func TestStationOneWeighingPerLoad(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.readyToCut(r.cleanAnimals(1)[0], 15000)
	if err := r.st.SelectProduct("roll"); refusal(err) != line.RefusedMixedProduct {
		t.Errorf("SelectProduct(mixed) on a carcass = %v", err)
	}
	if err := r.st.SelectProduct("rack"); err != nil {
		t.Fatal(err)
	}
	r.events()

	// A load that stays steady gives one pack.
	r.weigh(packScale, 1034, packDiv)
	r.readings(packScale, 1034, packDiv, true, 30)
	// Readings without the stable flag give none.
	r.readings(packScale, 0, packDiv, false, 1)
	r.readings(packScale, 900, packDiv, false, 30)
	// The same weight again after the scale was emptied is a new pack.
	r.weigh(packScale, 1034, packDiv)
	if n := len(only[line.PackAcceptedEvent](r.events())); n != 2 {
		t.Errorf("%d packs, want 2", n)
	}

	// A reading without a division cannot enter the balance.
	r.readings(packScale, 0, 0, true, 1)
	r.readings(packScale, 700, 0, true, 10)
	evs := r.events()
	refused := only[line.WeightRefusedEvent](evs)
	if len(refused) != 1 || refused[0].Refusal.Reason != line.RefusedNoDivision || len(only[line.PackAcceptedEvent](evs)) != 0 {
		t.Errorf("readings without a division: refusals %+v", refused)
	}
	live := only[line.ScaleReadingEvent](evs)
	if len(live) != 11 {
		t.Errorf("%d live readings published, want 11", len(live))
	}
}

func TestStationManualCapture(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{manual: true})
	a := r.cleanAnimals(1)[0]
	c := r.tag(a.RFID)

	r.readings(hookScale, 0, carcassDiv, true, 1)
	r.readings(hookScale, 19000, carcassDiv, true, 2)
	if err := r.st.Capture(ctx, hookScale); refusal(err) != line.RefusedNotSteady {
		t.Errorf("Capture before steady = %v", err)
	}
	r.readings(hookScale, 19000, carcassDiv, true, 10)
	if got, _ := r.st.Carcass(c.Number); got.Hot != 0 {
		t.Fatalf("hot weight %d taken without Capture", got.Hot)
	}
	if err := r.st.Capture(ctx, hookScale); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.st.Carcass(c.Number); got.Hot != 19000 {
		t.Errorf("hot weight = %d after Capture", got.Hot)
	}
	if err := r.st.Capture(ctx, hookScale); refusal(err) != line.RefusedAlreadyCaptured {
		t.Errorf("second Capture = %v", err)
	}
	if err := r.st.Capture(ctx, "scale-9"); refusal(err) != line.RefusedUnknownScale {
		t.Errorf("Capture of an unknown scale = %v", err)
	}
}

func TestStationInspection(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{policy: true})
	animals := r.cleanAnimals(2)
	partial := r.tag(animals[0].RFID)

	tests := []struct {
		name string
		in   line.InspectionInput
	}{
		{"PartialWithoutWeight", line.InspectionInput{Carcass: partial.Number, Result: line.InspectionPartial, Reason: "liver"}},
		{"PartialWithoutReason", line.InspectionInput{Carcass: partial.Number, Result: line.InspectionPartial,
			Condemned: &line.Reading{Grams: 1450, Division: packDiv}}},
		{"PassWithWeight", line.InspectionInput{Carcass: partial.Number, Result: line.InspectionPass,
			Condemned: &line.Reading{Grams: 10, Division: packDiv}}},
		{"UnknownResult", line.InspectionInput{Carcass: partial.Number, Result: "fine"}},
	}
	for _, tt := range tests {
		if _, err := r.st.RecordInspection(ctx, "vet1", tt.in); refusal(err) != line.RefusedInspection {
			t.Errorf("%s: %v", tt.name, err)
		}
	}

	in := line.InspectionInput{Carcass: partial.Number, Result: line.InspectionPartial, Reason: "肝片吸虫病",
		Condemned: &line.Reading{Scale: packScale, At: shift, Grams: 1450, Division: packDiv, Stable: true}}
	if _, err := r.st.RecordInspection(ctx, "vet1", in); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.RecordInspection(ctx, "vet1", in); refusal(err) != line.RefusedAlreadyInspected {
		t.Errorf("second inspection = %v", err)
	}
	r.weigh(hookScale, animals[0].LiveWeight/2, carcassDiv)
	if err := r.st.SelectCarcass(partial.Number); err != nil {
		t.Fatal(err)
	}
	r.weigh(carcassScale, 18585, carcassDiv)
	figures, _, err := r.st.Balance(ctx, partial.Number, "")
	if err != nil {
		t.Fatal(err)
	}
	if figures.Input != 18585 || figures.Outputs != 1450 {
		t.Errorf("balance = %+v, want the condemned 1.450 kg out of 18.585 kg", figures)
	}

	condemned := r.tag(animals[1].RFID)
	rec, err := r.st.RecordInspection(ctx, "vet1", line.InspectionInput{Carcass: condemned.Number,
		Result: line.InspectionCondemned, Reason: "棘球蚴病"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != line.CarcassBlocked {
		t.Errorf("condemned carcass is %s", rec.State)
	}
}

func TestStationLabResultBlocksConsignment(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	animals := r.cleanAnimals(3)
	consignment := animals[0].Consignment
	if animals[1].Consignment != consignment {
		t.Fatal("the first clean animals are of different consignments")
	}
	first, second := r.tag(animals[0].RFID), r.tag(animals[1].RFID)

	positive := line.LabTest{Sample: "LAB-T-1", Consignment: consignment.ID, Analytes: []string{"clenbuterol"},
		Method: "rapid strip", Result: line.LabPositive}
	blocked, err := r.st.RecordLabResult(ctx, "qa1", positive)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(blocked, []string{first.Number, second.Number}) {
		t.Errorf("blocked = %v", blocked)
	}
	for _, n := range blocked {
		if c, _ := r.st.Carcass(n); c.State != line.CarcassBlocked {
			t.Errorf("carcass %s is %s", n, c.State)
		}
	}
	if _, err := r.st.RecordLabResult(ctx, "qa1", positive); refusal(err) != line.RefusedLabSampleRecorded {
		t.Errorf("same sample again = %v", err)
	}
	unknown := positive
	unknown.Sample, unknown.Consignment = "LAB-T-2", "SB-NONE"
	if _, err := r.st.RecordLabResult(ctx, "qa1", unknown); refusal(err) != line.RefusedUnknownConsignment {
		t.Errorf("unknown consignment = %v", err)
	}

	// A carcass of the consignment entered later is blocked at entry.
	if animals[2].Consignment != consignment {
		t.Fatal("the first three clean animals are of different consignments")
	}
	later := r.tag(animals[2].RFID)
	if later.State != line.CarcassBlocked {
		t.Errorf("later carcass of the consignment is %s", later.State)
	}
}

func TestStationMixedLot(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	if _, err := r.st.OpenLot(ctx, "op7", "ROLL-9", "rack"); refusal(err) != line.RefusedLotProduct {
		t.Errorf("OpenLot of a product that is not mixed = %v", err)
	}
	if _, err := r.st.OpenLot(ctx, "op7", "ROLL-9", "roll"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.st.OpenLot(ctx, "op7", "ROLL-9", "roll"); refusal(err) != line.RefusedLotExists {
		t.Errorf("second OpenLot = %v", err)
	}

	r.readyToCut(r.cleanAnimals(1)[0], 15000)
	if err := r.st.SelectByproduct("bone", "ROLL-9"); refusal(err) != line.RefusedNotLotSource {
		t.Errorf("bone to a lot = %v", err)
	}
	if err := r.st.SelectByproduct(line.LotSource, "ROLL-9"); err != nil {
		t.Fatal(err)
	}
	r.weigh(packScale, 500, packDiv)

	if err := r.st.SelectLot("ROLL-9"); err != nil {
		t.Fatal(err)
	}
	if err := r.st.SelectProduct("rack"); refusal(err) != line.RefusedLotProduct {
		t.Errorf("SelectProduct(rack) on a lot = %v", err)
	}
	r.weigh(packScale, 480, packDiv)
	pack := waitFor[line.PackAcceptedEvent](r, nil)
	if pack.Pack.Lot != "ROLL-9" || pack.Pack.Carcass != "" || pack.Pack.Grassland || pack.Balance.Input != 500 {
		t.Errorf("lot pack = %+v", pack)
	}

	// 20 g of 500 g is a 4 % loss, above the 3 % allowed.
	figures, err := r.st.CloseLot(ctx, "op7", "ROLL-9")
	if err != nil {
		t.Fatal(err)
	}
	closed := waitFor[line.LotClosedEvent](r, nil)
	if figures.LossBP != 400 || len(closed.Decisions) != 1 || closed.Decisions[0].Code != line.CodeMassLoss {
		t.Errorf("closed lot: %+v, %+v", figures, closed.Decisions)
	}
	if err := r.st.SelectLot("ROLL-9"); refusal(err) != line.RefusedLotClosed {
		t.Errorf("SelectLot(closed) = %v", err)
	}
	if err := r.st.ReleaseLot(ctx, "qa1", "ROLL-9", "trim dried on the belt"); err != nil {
		t.Fatal(err)
	}
	if err := r.st.ReleaseLot(ctx, "qa1", "ROLL-9", "again"); err == nil {
		t.Error("a lot with nothing left to release was released again")
	}
	mustVerify(t, r.db)
}

func TestStationPrintFailureIsNotResent(t *testing.T) {
	ctx := context.Background()
	// A port nothing listens on: the printer is off.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := newRig(t, rigOptions{printerAddr: addr})

	c := r.tag(r.cleanAnimals(1)[0].RFID)
	failed := waitFor[line.PrintFailedEvent](r, nil)
	if failed.Job.Serial != c.Number || failed.Error == "" {
		t.Errorf("PrintFailedEvent = %+v", failed)
	}
	time.Sleep(100 * time.Millisecond) // several status intervals
	jobs, err := r.db.PrintJobs(ctx, c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].State != store.PrintFailed || jobs[0].Error == "" {
		t.Errorf("jobs = %+v, want one failed job", jobs)
	}
	if views := r.st.Printers(); len(views) != 1 || views[0].Err == nil || views[0].Pending != 0 {
		t.Errorf("printers = %+v", views)
	}

	// A person prints it again; that fails the same way, as a new job.
	if _, err := r.st.PrintLabel(ctx, "op7", line.LabelCarcass, c.Number); err != nil {
		t.Fatal(err)
	}
	waitFor[line.PrintFailedEvent](r, nil)
	if jobs, _ := r.db.PrintJobs(ctx, c.Number); len(jobs) != 2 {
		t.Errorf("%d jobs after one print by hand, want 2", len(jobs))
	}
	if _, err := r.st.Reprint(ctx, "qa1", "20261204-0099", "lost"); refusal(err) != line.RefusedLabelNotPrinted {
		t.Errorf("reprint of a label never printed = %v", err)
	}
}

func TestStationRestartContinuesShift(t *testing.T) {
	ctx := context.Background()
	first := newRig(t, rigOptions{printer: true, noRun: true})
	animals := first.cleanAnimals(2)
	weighed := first.tag(animals[0].RFID)
	first.weigh(hookScale, 19000, carcassDiv)
	waiting := first.tag(animals[1].RFID)
	queued := only[line.PrintQueuedEvent](first.events())
	if len(queued) != 2 {
		t.Fatalf("%d jobs queued, want 2", len(queued))
	}
	first.stop()

	// The station stops before it sends the jobs, and starts again on the
	// same database.
	second := newRig(t, rigOptions{db: first.db, printer: true})
	opened := waitFor[line.ShiftOpenedEvent](second, nil)
	if !opened.Resumed || len(opened.Unfinished) != 2 || opened.Unfinished[0].ID != queued[0].Job.ID {
		t.Fatalf("ShiftOpenedEvent = %+v", opened)
	}
	snap := second.st.Snapshot()
	if !slices.Equal(snap.HookQueue, []string{waiting.Number}) || len(snap.Carcasses) != 2 || len(snap.Unfinished) != 2 {
		t.Errorf("snapshot after restart: hook %v, %d carcasses, %d unfinished", snap.HookQueue, len(snap.Carcasses), len(snap.Unfinished))
	}
	if second.sim.JobCount() != 0 {
		t.Error("a job from before the restart was sent by itself")
	}

	// Someone saw the first label come out and the second not.
	if err := second.st.ResolvePrint(ctx, "qa1", queued[0].Job.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := second.st.ResolvePrint(ctx, "qa1", queued[1].Job.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := second.st.ResolvePrint(ctx, "qa1", queued[1].Job.ID, false); refusal(err) != line.RefusedUnknownPrintJob {
		t.Errorf("second decision on a job = %v", err)
	}
	if _, err := second.st.PrintLabel(ctx, "op7", line.LabelCarcass, waiting.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := second.st.Reprint(ctx, "qa1", weighed.Number, "label torn"); err != nil {
		t.Fatal(err)
	}
	waitConfirmed(t, second.db, waiting.Number)
	waitConfirmed(t, second.db, weighed.Number)
	if n := second.sim.JobCount(); n != 2 {
		t.Errorf("printer got %d jobs after the restart, want 2", n)
	}

	second.weigh(hookScale, 18000, carcassDiv)
	if got, _ := second.st.Carcass(waiting.Number); got.Hot != 18000 {
		t.Errorf("hot weight after restart went to %+v", got)
	}
	if got, _ := second.st.Carcass(weighed.Number); got.Hot != 19000 {
		t.Errorf("carcass weighed before the restart = %+v", got)
	}
	next := second.tag(second.cleanAnimals(3)[2].RFID)
	if next.Number != "20261204-0003" {
		t.Errorf("next carcass number after restart = %s", next.Number)
	}
	mustVerify(t, second.db)
}

// TestStationConcurrentUse drives the station from a reader, a hook
// scale, a cutting-table scale and a UI goroutine at once; run with
// -race it shows the station is safe for that use.
func TestStationConcurrentUse(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{printer: true, policy: true})
	animals := r.cleanAnimals(20)
	base := shift.Add(time.Hour)
	reading := func(scaleID string, i int, g line.Mass) line.Reading {
		return line.Reading{Scale: scaleID, At: base.Add(time.Duration(i) * 100 * time.Millisecond), Grams: g,
			Division: carcassDiv, Stable: true}
	}
	concurrently(
		func() {
			for _, a := range animals {
				r.st.DeliverTag(line.TagEvent{Reader: "reader-1", At: base, TagRead: line.TagRead{RFID: a.RFID}})
			}
		},
		func() {
			for i := 0; i < 20*8; i++ {
				g := line.Mass(19000)
				if i%8 == 0 {
					g = 0
				}
				r.st.DeliverReading(reading(hookScale, i, g))
			}
		},
		func() {
			for i := range 100 {
				r.st.DeliverReading(reading(packScale, i, line.Mass(500+i%3)))
			}
		},
		func() {
			for i := range 50 {
				_ = r.st.SelectProduct("rack")
				_ = r.st.SelectByproduct("bone", "")
				snap := r.st.Snapshot()
				for _, c := range snap.Carcasses {
					if c.Hot > 0 && slices.Contains(snap.HookQueue, c.Number) {
						t.Errorf("snapshot %d: weighed carcass %s still waits for a hot weight", i, c.Number)
					}
				}
				_ = r.st.Printers()
			}
		},
		func() {
			for range 200 {
				select {
				case <-r.sub.C:
				case <-time.After(time.Second):
					return
				}
			}
		},
	)
	snap := r.st.Snapshot()
	hot := 0
	for _, c := range snap.Carcasses {
		if c.Hot > 0 {
			hot++
		}
	}
	if len(snap.Carcasses) != 20 || hot+len(snap.HookQueue) != 20 {
		t.Errorf("%d carcasses, %d weighed, %d waiting", len(snap.Carcasses), hot, len(snap.HookQueue))
	}
	for _, ev := range r.events() {
		if f, ok := ev.(line.FaultEvent); ok && f.Refusal == nil {
			t.Errorf("fault: %v", f.Err)
		}
	}
	if _, err := r.db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
}

// waitConfirmed waits until the last print job of a label is confirmed,
// or fails the test after 10 s.
func waitConfirmed(t *testing.T, db *store.DB, serial string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		jobs, err := db.PrintJobs(context.Background(), serial)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) > 0 && jobs[len(jobs)-1].State == store.PrintConfirmed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs of label %s = %+v, want the last confirmed within 10 s", serial, jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
