package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

func TestLineStoreOpenShiftResumes(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustImportSample(t, db)
	ls := store.NewLineStore(db)
	id := line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}

	sh, err := ls.OpenShift(ctx, "op7", id, shift)
	if err != nil {
		t.Fatal(err)
	}
	if sh.State != line.BatchOpen || len(sh.Carcasses) != 0 || !sh.ShiftStart.Equal(shift) {
		t.Fatalf("new shift = %+v", sh)
	}
	reg, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules := line.DefaultRules()
	a := reg.Consignments[0].Animals[0]
	read := line.TagRead{Raw: string(a.RFID), RFID: a.RFID}
	c, _, err := ls.EnterCarcass(ctx, "op7", id, read, shift.Add(time.Minute), func(h line.History) line.Intake {
		return rules.Intake(reg, h, read, id.Day, shift)
	})
	if err != nil {
		t.Fatal(err)
	}
	test := line.LabTest{Sample: "LAB-1", Consignment: a.Consignment.ID, Analytes: []string{"ractopamine"}, Result: line.LabNegative}
	if _, err := ls.RecordLabResult(ctx, "qa1", test, shift, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.RecordLabResult(ctx, "qa1", test, shift, nil); err == nil {
		t.Error("a lab sample was recorded twice")
	}
	job, err := ls.QueuePrint(ctx, "op7", line.PrintRequest{Serial: c.Number, Kind: line.LabelCarcass, Printer: "zebra-1", Data: []byte("^XA^XZ")})
	if err != nil {
		t.Fatal(err)
	}

	// A later start an hour on keeps the stored shift start.
	again, err := ls.OpenShift(ctx, "op7", id, shift.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !again.ShiftStart.Equal(shift) || len(again.Carcasses) != 1 || again.Carcasses[0].Number != c.Number ||
		len(again.LabTests) != 1 || again.LabTests[0].Analytes[0] != "ractopamine" ||
		len(again.PrintJobs) != 1 || again.PrintJobs[0].ID != job.ID || again.PrintJobs[0].State != line.PrintQueued {
		t.Errorf("resumed shift = %+v", again)
	}
}

func TestLineStoreRefusesOutputOfHeldCarcass(t *testing.T) {
	ctx := context.Background()
	db, reg, batch := mustBatch(t)
	ls := store.NewLineStore(db)
	id, _ := line.ParseBatchID(batch)
	var late *line.Animal
	for _, c := range reg.Consignments {
		if c.ID == "SB152522-20261203-010" {
			late = c.Animals[0]
		}
	}
	held, _ := enter(t, db, reg, batch, late.RFID)
	product := &line.Product{Key: "rack", GTIN: "96901234000019"}
	_, err := ls.AddOutput(ctx, "op7", line.OutputRequest{Batch: id, Product: product,
		Weighing: line.Weighing{Carcass: held.Number, Stage: line.StagePack, Kind: "rack",
			Reading: line.Reading{Grams: 900, Division: 2, Stable: true, At: shift}}})
	if err == nil {
		t.Fatal("a pack of a held carcass was stored")
	}
	if _, err := ls.BlockCarcass(ctx, "qa1", line.Decision{Code: line.CodeTagLate, Severity: line.SeverityReview, Carcass: held.Number}, shift); err == nil {
		t.Error("BlockCarcass accepted a review decision")
	}
	if _, err := ls.Pack(ctx, "010000000001"); !errors.Is(err, line.ErrNotFound) {
		t.Errorf("Pack(unknown) = %v, want line.ErrNotFound", err)
	}
}

func TestLineStoreConfirmPrintsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	ls := store.NewLineStore(db)
	sent := mustQueue(t, db, "op7", packLabel)
	mustSetState(t, db, sent, store.PrintSent)
	other := packLabel
	other.Serial = "010000004807"
	queued := mustQueue(t, db, "op7", other)

	if err := ls.ConfirmPrints(ctx, line.SystemActor, []int64{sent, queued}); err == nil {
		t.Fatal("a queued job was confirmed")
	}
	if j, _ := db.PrintJob(ctx, sent); j.State != store.PrintSent {
		t.Errorf("job %d is %s after a failed confirmation, want sent", sent, j.State)
	}
	if err := ls.ConfirmPrints(ctx, line.SystemActor, []int64{sent}); err != nil {
		t.Fatal(err)
	}
	if j, _ := db.PrintJob(ctx, sent); j.State != store.PrintConfirmed {
		t.Errorf("job %d is %s, want confirmed", sent, j.State)
	}
}
