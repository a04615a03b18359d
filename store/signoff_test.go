package store_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// vetPIN is vet1's PIN in the sign-off tests.
const vetPIN = "482916"

// testCertificate is the product quarantine certificate number the
// tests' veterinarian enters.
const testCertificate = "1521870093"

// mustSealer returns a sealer that signs with a new Ed25519 station key
// and vet1's new SM2 inspector key under vetPIN, and the key set that
// verifies its documents.
func mustSealer(t *testing.T) (*upload.Sealer, *sign.KeySet) {
	t.Helper()
	var keys []*sign.PrivateKey
	set, err := sign.NewKeySet()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct {
		role sign.Role
		alg  sign.Algorithm
		pin  []byte
	}{{sign.RoleStation, sign.Ed25519, nil}, {sign.RoleInspector, sign.SM2, []byte(vetPIN)}} {
		pair, err := sign.GenerateKey(k.role, k.alg, k.pin)
		if err != nil {
			t.Fatal(err)
		}
		key, err := sign.ParsePrivateKey(pair.PrivatePEM)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := sign.ParsePublicKey(pair.PublicPEM)
		if err != nil {
			t.Fatal(err)
		}
		if err := set.Add(pub); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	sealer, err := upload.NewSealer(upload.Options{Domain: "trace.example.cn"}, keys[0], map[string]*sign.PrivateKey{"vet1": keys[1]})
	if err != nil {
		t.Fatal(err)
	}
	return sealer, set
}

// mustSetApproval stores the plant's approval number, which the batch
// document needs.
func mustSetApproval(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.Update(context.Background(), "admin1", func(tx *store.Tx) error {
		return tx.SetSetting(store.SettingPlantApproval, "A15250201")
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cutAndClose cuts a ready carcass into four leg packs of 22 % of its
// chilled weight each and 10 % bone, a loss of 2 %, and closes it.
func (r *stationRig) cutAndClose(c line.CarcassRecord) {
	r.t.Helper()
	if err := r.st.SelectProduct("leg_bone_in"); err != nil {
		r.t.Fatal(err)
	}
	for range 4 {
		r.weigh(packScale, c.Chilled*22/100, packDiv)
	}
	if err := r.st.SelectByproduct("bone", ""); err != nil {
		r.t.Fatal(err)
	}
	r.weigh(packScale, c.Chilled/10, packDiv)
	if _, err := r.st.CloseCarcass(context.Background(), "op7", c.Number); err != nil {
		r.t.Fatal(err)
	}
	if got, _ := r.st.Carcass(c.Number); got.State != line.CarcassClosed {
		r.t.Fatalf("carcass %s after its cutting = %s, want closed", c.Number, got.State)
	}
}

// negativeLab records a negative β-agonist result of a consignment.
func (r *stationRig) negativeLab(sample, consignment string) {
	r.t.Helper()
	_, err := r.st.RecordLabResult(context.Background(), "qa1", line.LabTest{Sample: sample, Consignment: consignment,
		Analytes: []string{"clenbuterol", "ractopamine", "salbutamol"}, Method: "rapid strip", Result: line.LabNegative})
	if err != nil {
		r.t.Fatal(err)
	}
}

// batchState returns the stored state of the rig's batch.
func (r *stationRig) batchState() line.BatchState {
	r.t.Helper()
	f, err := r.db.BatchFacts(context.Background(), r.shift.Batch.String())
	if err != nil {
		r.t.Fatal(err)
	}
	return f.State
}

func reasonsOf(refusals []line.Refusal) []line.RefusalReason {
	out := make([]line.RefusalReason, len(refusals))
	for i, r := range refusals {
		out[i] = r.Reason
	}
	return out
}

// TestStationSignOffRefusedWhileHeld checks that a held carcass stops the
// sign-off with nothing changed, and that the batch is signed and sealed
// once quality staff dealt with it, after a wrong PIN.
func TestStationSignOffRefusedWhileHeld(t *testing.T) {
	ctx := context.Background()
	sealer, keys := mustSealer(t)
	r := newRig(t, rigOptions{sealer: sealer})
	mustSetApproval(t, r.db)

	clean := r.cleanAnimals(1)[0]
	c := r.readyToCut(clean, 15000)
	r.cutAndClose(c)
	r.negativeLab("LAB-1", clean.Consignment.ID)
	// Consignment SB152522-20261203-010 was declared too late: its animal
	// is held at intake.
	late := r.tag(r.animalOf("SB152522-20261203-010").RFID)
	if late.State != line.CarcassHeld {
		t.Fatalf("late-declared carcass = %s, want held", late.State)
	}
	r.events()

	pin := []byte(vetPIN)
	_, err := r.st.SignOff(ctx, "vet1", testCertificate, pin)
	if refusal(err) != line.RefusedSignOffHeld {
		t.Fatalf("SignOff with a held carcass = %v, want %s", err, line.RefusedSignOffHeld)
	}
	if !slices.Equal(pin, make([]byte, len(vetPIN))) {
		t.Errorf("PIN after a refused sign-off = %q, want zeroed", pin)
	}
	var ref *line.RefusalError
	errors.As(err, &ref)
	for _, lang := range line.Langs {
		if text := ref.Text(lang); !strings.Contains(text, late.Number) {
			t.Errorf("refusal in %s = %q, want it to name carcass %s", lang, text, late.Number)
		}
	}
	refused := waitFor[line.SignOffRefusedEvent](r, nil)
	want := []line.RefusalReason{line.RefusedSignOffHeld, line.RefusedSignOffLab}
	if got := reasonsOf(refused.Refusals); !slices.Equal(got, want) {
		t.Errorf("SignOffRefusedEvent reasons = %v, want %v", got, want)
	}
	if state := r.batchState(); state != line.BatchOpen {
		t.Errorf("batch after a refused sign-off is %s, want open", state)
	}
	if _, err := r.db.Document(ctx, r.shift.Batch.String()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("document after a refused sign-off: %v, want not found", err)
	}

	// Quality staff block the held carcass; its consignment then needs no
	// lab result, because it yields nothing.
	if _, err := r.st.Block(ctx, "qa1", late.Number, "申报时间不足，不予放行"); err != nil {
		t.Fatal(err)
	}
	blockers, err := r.st.CheckSignOff(ctx)
	if err != nil || len(blockers) != 0 {
		t.Fatalf("CheckSignOff after the block = %v, %v, want nothing", reasonsOf(blockers), err)
	}

	// A wrong PIN leaves the batch in review, closed to the line.
	_, err = r.st.SignOff(ctx, "vet1", testCertificate, []byte("000000"))
	if refusal(err) != line.RefusedSignOffNotSigned || !errors.Is(err, sign.ErrWrongPIN) {
		t.Fatalf("SignOff with a wrong PIN = %v", err)
	}
	if state := r.batchState(); state != line.BatchReview {
		t.Errorf("batch after a wrong PIN is %s, want review", state)
	}
	if _, err := r.st.TagRead(ctx, line.TagEvent{Reader: "reader-1", TagRead: line.TagRead{RFID: r.cleanAnimals(2)[1].RFID}}); refusal(err) != line.RefusedShiftNotOpen {
		t.Errorf("tag read during review = %v, want %s", err, line.RefusedShiftNotOpen)
	}

	doc, err := r.st.SignOff(ctx, "vet1", testCertificate, []byte(vetPIN))
	if err != nil {
		t.Fatal(err)
	}
	sealed := waitFor[line.BatchSealedEvent](r, nil)
	if sealed.SHA256 != doc.SHA256() || sealed.By != "vet1" || sealed.Certificate != testCertificate {
		t.Errorf("BatchSealedEvent = %+v", sealed)
	}
	if state := r.batchState(); state != line.BatchSealed {
		t.Errorf("batch after sign-off is %s, want sealed", state)
	}
	stored, err := r.db.Document(ctx, r.shift.Batch.String())
	if err != nil {
		t.Fatal(err)
	}
	if string(stored.Body) != string(doc.Body) || stored.Format != upload.SignedFormat || stored.SealedBy != "vet1" {
		t.Errorf("stored document: format %s, sealed by %s, same body %v", stored.Format, stored.SealedBy, string(stored.Body) == string(doc.Body))
	}
	if entry, err := r.db.Outbox(ctx, r.shift.Batch.String()); err != nil || entry.State != store.OutboxPending || entry.SHA256 != doc.SHA256() {
		t.Errorf("outbox entry = %+v, %v, want pending with the document's digest", entry, err)
	}

	report, err := sign.VerifyBatch(doc.Body, keys)
	if err != nil {
		t.Fatalf("VerifyBatch: %v", err)
	}
	parsed, err := upload.Parse(report.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Batch.ProductCertificate != testCertificate || parsed.Batch.State != string(line.BatchReview) || len(parsed.Carcasses) != 2 {
		t.Errorf("signed document: certificate %q, state %s, %d carcasses", parsed.Batch.ProductCertificate, parsed.Batch.State, len(parsed.Carcasses))
	}
	if problems := upload.Check(parsed); len(problems) != 0 {
		t.Errorf("Check of the signed document: %v", problems)
	}

	if _, err := r.st.SignOff(ctx, "vet1", testCertificate, []byte(vetPIN)); refusal(err) != line.RefusedSignOffDone {
		t.Errorf("second SignOff = %v, want %s", err, line.RefusedSignOffDone)
	}
	mustVerify(t, r.db)
}

// TestStationSignOffBlockers checks each thing that keeps a batch from
// being signed off, and that sign-off needs a veterinarian.
func TestStationSignOffBlockers(t *testing.T) {
	ctx := context.Background()
	// A port nothing listens on: every label fails to print.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sealer, _ := mustSealer(t)
	r := newRig(t, rigOptions{sealer: sealer, printerAddr: addr})
	mustSetApproval(t, r.db)

	if blockers, err := r.st.CheckSignOff(ctx); err != nil || !slices.Equal(reasonsOf(blockers), []line.RefusalReason{line.RefusedSignOffEmpty}) {
		t.Errorf("CheckSignOff of an empty batch = %v, %v", reasonsOf(blockers), err)
	}

	animals := r.cleanAnimals(2)
	if _, err := r.st.OpenLot(ctx, "op7", "ROLL-1", "roll"); err != nil {
		t.Fatal(err)
	}
	cut := r.readyToCut(animals[0], 15000)
	r.cutAndClose(cut)
	pack := waitFor[line.PackAcceptedEvent](r, nil).Pack
	waitFor[line.PrintFailedEvent](r, func(e line.PrintFailedEvent) bool { return e.Job.Serial == pack.Serial })
	open := r.readyToCut(animals[1], 16000)

	blockers, err := r.st.CheckSignOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []line.RefusalReason{line.RefusedSignOffCutting, line.RefusedSignOffLotOpen, line.RefusedSignOffPrints, line.RefusedSignOffLab}
	if got := reasonsOf(blockers); !slices.Equal(got, want) {
		t.Fatalf("CheckSignOff = %v, want %v", got, want)
	}
	named := map[line.RefusalReason]string{line.RefusedSignOffCutting: open.Number, line.RefusedSignOffLotOpen: "ROLL-1",
		line.RefusedSignOffPrints: pack.Serial, line.RefusedSignOffLab: animals[0].Consignment.ID}
	for _, b := range blockers {
		for _, lang := range line.Langs {
			if text := b.Text(lang); !strings.Contains(text, named[b.Reason]) || strings.Contains(text, "station.refused") {
				t.Errorf("%s in %s = %q, want it to name %s", b.Reason, lang, text, named[b.Reason])
			}
		}
	}
	if _, err := r.st.SignOff(ctx, "", testCertificate, []byte(vetPIN)); refusal(err) != line.RefusedSignOffVet {
		t.Errorf("SignOff without a veterinarian = %v", err)
	}
	if _, err := r.st.SignOff(ctx, "vet1", "15218 70093", []byte(vetPIN)); refusal(err) != line.RefusedSignOffCertificate {
		t.Errorf("SignOff with an invalid certificate number = %v", err)
	}

	// Deal with each blocker in turn.
	r.cutAndClose(open)
	if _, err := r.st.CloseLot(ctx, "op7", "ROLL-1"); err != nil {
		t.Fatal(err)
	}
	consignments := []string{animals[0].Consignment.ID}
	if id := animals[1].Consignment.ID; id != consignments[0] {
		consignments = append(consignments, id)
	}
	for i, id := range consignments {
		r.negativeLab("LAB-"+strconv.Itoa(i+1), id)
	}
	blockers, err = r.st.CheckSignOff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := reasonsOf(blockers); !slices.Equal(got, []line.RefusalReason{line.RefusedSignOffPrints}) {
		t.Fatalf("CheckSignOff with only failed labels = %v", got)
	}
	for _, b := range blockers {
		for _, serial := range strings.Split(b.Data["labels"], ", ") {
			if err := r.st.VoidLabel(ctx, "qa1", serial, "printer off; label never printed"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if blockers, err = r.st.CheckSignOff(ctx); err != nil || len(blockers) != 0 {
		t.Fatalf("CheckSignOff after the voids = %v, %v", reasonsOf(blockers), err)
	}

	// Only a veterinarian signs off.
	if _, err := r.st.SignOff(ctx, "qa1", testCertificate, []byte(vetPIN)); err == nil || refusal(err) != "" {
		t.Errorf("SignOff by quality staff = %v, want the store's permission error", err)
	}
	if _, err := r.st.SignOff(ctx, "vet1", testCertificate, []byte(vetPIN)); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, r.db)
}

func TestStationSignOffUnavailable(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	if _, err := r.st.CheckSignOff(ctx); refusal(err) != line.RefusedSignOffUnavailable {
		t.Errorf("CheckSignOff without a sealer = %v", err)
	}
	pin := []byte(vetPIN)
	if _, err := r.st.SignOff(ctx, "vet1", testCertificate, pin); refusal(err) != line.RefusedSignOffUnavailable {
		t.Errorf("SignOff without a sealer = %v", err)
	}
	if !slices.Equal(pin, make([]byte, len(vetPIN))) {
		t.Errorf("PIN after a refused sign-off = %q, want zeroed", pin)
	}
}
