package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload/sign"
)

// newSignOffRig signs vet1 in at a kiosk with the sign-off screen, over a
// station with a clean carcass and a held one, and a sign-off service
// over the store with fresh keys.
func newSignOffRig(t *testing.T) (*rig, *SignOffScreen, *storeSignOff, line.CarcassRecord) {
	t.Helper()
	r := newRig(t, rigOptions{})
	err := r.db.Update(context.Background(), store.System, func(tx *store.Tx) error {
		return tx.SetSetting(store.SettingPlantApproval, "A15250201")
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := newStoreSignOff(t, r)
	s := NewSignOffScreen(r.k, svc)
	r.start(s)
	r.enter(officeRFIDClean)
	held := r.enter(officeRFIDFeedlot)
	r.signIn("vet1", testPIN)
	if r.k.Current() != s {
		t.Fatal("vet1 does not see the sign-off screen")
	}
	r.settle()
	return r, s, svc, held
}

// signThrough enters the certificate and the PIN and taps the sign
// button.
func signThrough(t *testing.T, r *rig, s *SignOffScreen, certificate, pin string) {
	t.Helper()
	test.Tap(s.next)
	s.certPad.Clear()
	for _, c := range certificate {
		test.Tap(s.certPad.keys[c])
	}
	test.Tap(s.certNext)
	if s.stage != stagePIN {
		t.Fatalf("stage after the certificate %q = %d, want the PIN", certificate, s.stage)
	}
	for _, d := range pin {
		s.pinPad.Press(byte(d))
	}
	test.Tap(s.pinPad.ok)
	test.Tap(s.sign)
	test.Tap(s.sign)
	if n := r.work.runAll(); n != 1 {
		t.Errorf("the double tap on sign ran %d jobs, want 1", n)
	}
	r.k.pump()
}

func TestSignOffSummary(t *testing.T) {
	r, s, _, held := newSignOffRig(t)
	sum := s.summary
	if sum == nil {
		t.Fatal("no summary after the screen was shown")
	}
	if sum.Carcasses != 2 || sum.Held != 1 || sum.Passed != 1 || sum.Blocked != 0 {
		t.Errorf("summary counts %d carcasses, %d held, %d passed, %d blocked; want 2, 1, 1, 0",
			sum.Carcasses, sum.Held, sum.Passed, sum.Blocked)
	}
	if len(sum.OpenHolds) != 1 || sum.OpenHolds[0] != held.Number {
		t.Errorf("open holds = %v, want [%s]", sum.OpenHolds, held.Number)
	}
	if len(sum.NotInspected) != 2 {
		t.Errorf("not inspected = %v, want both carcasses", sum.NotInspected)
	}
	containsAll(t, "figures", s.figures.Text, "入线胴体 2 头", "扣留 1", "待处理 1")
	if len(s.notes) == 0 {
		t.Fatal("no notes")
	}
	containsAll(t, "first note", s.notes[0], "不能签发", held.Number, "扣留")
	r.assertScreen("signoff_summary_zh.png")
}

func TestSignOffRefusedWhileHeld(t *testing.T) {
	r, s, _, held := newSignOffRig(t)
	signThrough(t, r, s, "1521870093", testPIN)
	if s.stage != stageProgress || !s.failed {
		t.Fatalf("stage %d, failed %v; want the progress with a refusal", s.stage, s.failed)
	}
	containsAll(t, "outcome", s.outcome.Text, "未签发", "1 头胴体被扣留", held.Number)
	containsAll(t, "check step", s.steps[0].Text, "×")
	if _, err := r.db.Outbox(context.Background(), officeBatch.String()); err == nil {
		t.Error("the refused batch is in the outbox")
	}
	r.assertScreen("signoff_refused_zh.png")

	// Back at the summary the PIN is gone.
	test.Tap(s.progBack)
	r.settle()
	if s.stage != stageSummary || s.pin != "" {
		t.Errorf("stage %d with PIN %q after going back", s.stage, s.pin)
	}
}

func TestSignOffWrongPIN(t *testing.T) {
	r, s, _, held := newSignOffRig(t)
	if _, err := r.st.Release(context.Background(), "qa1", held.Number, "饲养记录已核实 (feeding record checked)"); err != nil {
		t.Fatal(err)
	}
	r.settle()
	signThrough(t, r, s, "1521870093", "9999")
	containsAll(t, "outcome", s.outcome.Text, "密码错误")
	if _, err := r.db.Outbox(context.Background(), officeBatch.String()); err == nil {
		t.Error("a batch signed with a wrong PIN is in the outbox")
	}
}

func TestSignOffSealsBatch(t *testing.T) {
	r, s, svc, held := newSignOffRig(t)
	if _, err := r.st.Release(context.Background(), "qa1", held.Number, "饲养记录已核实 (feeding record checked)"); err != nil {
		t.Fatal(err)
	}
	r.settle()
	if len(s.summary.OpenHolds) != 0 {
		t.Fatalf("open holds after the release = %v", s.summary.OpenHolds)
	}

	// An invalid certificate number is refused on the pad.
	test.Tap(s.next)
	s.certPad.SetText("12")
	test.Tap(s.certNext)
	if s.stage != stageCertificate {
		t.Fatalf("stage %d after a 2-character certificate, want the certificate pad", s.stage)
	}
	containsAll(t, "certificate prompt", s.certTitle.Text, "编号应为 10 到 32 位")
	test.Tap(s.certBack)

	signThrough(t, r, s, "1521870093", testPIN)
	if !s.done || s.failed {
		t.Fatalf("sign-off not done: outcome %q", s.outcome.Text)
	}
	containsAll(t, "outcome", s.outcome.Text, officeBatch.String(), "已签名封存")
	for i, step := range s.steps {
		containsAll(t, "step "+string(SignOffSteps[i]), step.Text, "√")
	}

	// The sealed document is queued for upload, states the certificate
	// and carries valid signatures of the station and the veterinarian.
	ctx := context.Background()
	entry, err := r.db.Outbox(ctx, officeBatch.String())
	if err != nil {
		t.Fatal(err)
	}
	if entry.State != store.OutboxPending {
		t.Errorf("outbox entry is %s, want pending", entry.State)
	}
	doc, err := r.db.Document(ctx, officeBatch.String())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := sign.NewKeySet(svc.publicKeys(t)...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign.VerifyBatch(doc.Body, keys); err != nil {
		t.Errorf("sealed document does not verify: %v", err)
	}
	f, err := r.db.BatchFacts(ctx, officeBatch.String())
	if err != nil {
		t.Fatal(err)
	}
	if f.State != line.BatchSealed || f.ProductCertificate != "1521870093" {
		t.Errorf("batch is %s with certificate %q, want sealed with 1521870093", f.State, f.ProductCertificate)
	}
}

// The outcome of a sign-off is rendered again when the language switches
// after signing, like every other text of the screen.
func TestSignOffOutcomeFollowsLanguage(t *testing.T) {
	r, s, _, held := newSignOffRig(t)
	signThrough(t, r, s, "1521870093", testPIN)
	if !s.failed {
		t.Fatalf("sign-off with a held carcass not refused: %q", s.outcome.Text)
	}
	r.k.SetLang(line.LangEN)
	containsAll(t, "refusal in English", s.outcome.Text, "Not signed", "still held", held.Number)
	r.k.SetLang(line.LangZH)
	containsAll(t, "refusal in Chinese", s.outcome.Text, "未签发", held.Number)

	test.Tap(s.progBack)
	r.settle()
	if _, err := r.st.Release(context.Background(), "qa1", held.Number, "饲养记录已核实 (feeding record checked)"); err != nil {
		t.Fatal(err)
	}
	r.settle()
	r.clock.Advance(time.Second) // past the sign button's debounce
	signThrough(t, r, s, "1521870093", testPIN)
	if !s.done {
		t.Fatalf("sign-off not done: %q", s.outcome.Text)
	}
	r.k.SetLang(line.LangEN)
	containsAll(t, "outcome in English", s.outcome.Text, "Batch "+officeBatch.String()+" is signed and sealed")
	r.k.SetLang(line.LangZH)
	containsAll(t, "outcome in Chinese", s.outcome.Text, officeBatch.String(), "已签名封存")
}
