package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

// packLabel is a print request for a pack label.
var packLabel = store.PrintRequest{
	Serial:  "010000004806",
	Kind:    store.LabelPack,
	Printer: "zebra-cut-1",
	ZPL:     []byte("^XA^CI28^FO40,40^A@N,40,40^FD羊后腿^FS^XZ"),
}

// mustQueue queues a print request and returns the job id.
func mustQueue(tb testing.TB, db *store.DB, actor store.Actor, req store.PrintRequest) int64 {
	tb.Helper()
	id, err := db.QueuePrint(context.Background(), actor, req)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// mustSetState moves a print job to state to.
func mustSetState(tb testing.TB, db *store.DB, id int64, to store.PrintJobState) {
	tb.Helper()
	failure := ""
	if to == store.PrintFailed {
		failure = "head open"
	}
	if err := db.SetPrintJobState(context.Background(), "op7", id, to, failure); err != nil {
		tb.Fatal(err)
	}
}

func TestPrintCommittedBeforeSend(t *testing.T) {
	ctx := context.Background()
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, 12, 4, 9, 30, 0, 0, cst)
	db, _ := mustOpen(t, store.Options{Now: func() time.Time { return now }})
	mustCreateStaff(t, db)

	id := mustQueue(t, db, "op7", packLabel)

	// The job must be visible outside the writer before the caller sends
	// the label: first through a read connection, then from another
	// process.
	job, err := db.PrintJob(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(packLabel.ZPL)
	if job.State != store.PrintQueued || job.Serial != packLabel.Serial || job.ZPLSHA256 != hex.EncodeToString(sum[:]) ||
		job.User != "op7" || job.ReprintOf != 0 || job.Printer != packLabel.Printer || !job.CreatedAt.Equal(now) {
		t.Errorf("queued job = %+v", job)
	}
	t.Run("OtherProcess", func(t *testing.T) {
		got := sqlite3(t, db.Path(), fmt.Sprintf("SELECT state, zpl_sha256 FROM print_jobs WHERE id = %d;", id))
		if want := "queued|" + job.ZPLSHA256; got != want {
			t.Errorf("sqlite3 sees %q, want %q", got, want)
		}
	})

	mustSetState(t, db, id, store.PrintSent)
	now = now.Add(2 * time.Second)
	mustSetState(t, db, id, store.PrintConfirmed)
	job, err = db.PrintJob(ctx, id)
	if err != nil || job.State != store.PrintConfirmed || !job.UpdatedAt.Equal(now) || !job.CreatedAt.Equal(now.Add(-2*time.Second)) {
		t.Errorf("confirmed job = %+v, %v", job, err)
	}
	if _, offset := job.UpdatedAt.Zone(); offset != 8*3600 {
		t.Errorf("updated_at zone offset = %d s, want +08:00", offset)
	}
	mustVerify(t, db)
}

func TestQueuePrintRollback(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	paperOut := errors.New("pack record rejected")
	err := db.Update(ctx, "op7", func(tx *store.Tx) error {
		if _, err := tx.QueuePrint(packLabel); err != nil {
			return err
		}
		return paperOut
	})
	if !errors.Is(err, paperOut) {
		t.Fatalf("Update = %v", err)
	}
	if jobs, err := db.PrintJobs(ctx, packLabel.Serial); len(jobs) != 0 || err != nil {
		t.Errorf("jobs after a rolled back transaction = %+v, %v", jobs, err)
	}
	// The rolled back id is not used: the counter was rolled back too.
	if id := mustQueue(t, db, "op7", packLabel); id != 1 {
		t.Errorf("first committed job id = %d, want 1", id)
	}
	mustVerify(t, db)
}

func TestPrintTransitions(t *testing.T) {
	// paths reach each state from queued.
	paths := map[store.PrintJobState][]store.PrintJobState{
		store.PrintQueued:    nil,
		store.PrintSent:      {store.PrintSent},
		store.PrintConfirmed: {store.PrintSent, store.PrintConfirmed},
		store.PrintFailed:    {store.PrintFailed},
	}
	legal := map[[2]store.PrintJobState]bool{
		{store.PrintQueued, store.PrintSent}:    true,
		{store.PrintQueued, store.PrintFailed}:  true,
		{store.PrintSent, store.PrintConfirmed}: true,
		{store.PrintSent, store.PrintFailed}:    true,
	}
	states := []store.PrintJobState{store.PrintQueued, store.PrintSent, store.PrintConfirmed, store.PrintFailed}
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	serial := int64(100)
	for _, from := range states {
		for _, to := range states {
			t.Run(string(from)+"To"+string(to), func(t *testing.T) {
				serial++
				req := packLabel
				req.Serial = fmt.Sprintf("01%010d", serial)
				id := mustQueue(t, db, "op7", req)
				for _, step := range paths[from] {
					mustSetState(t, db, id, step)
				}
				failure := ""
				if to == store.PrintFailed {
					failure = "ribbon out"
				}
				err := db.SetPrintJobState(ctx, "op7", id, to, failure)
				job, _ := db.PrintJob(ctx, id)
				if legal[[2]store.PrintJobState{from, to}] {
					if err != nil || job.State != to || (to == store.PrintFailed) != (job.Error == "ribbon out") {
						t.Errorf("%s to %s = %v, job %+v", from, to, err, job)
					}
					return
				}
				var te *line.TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("%s to %s = %v, want a TransitionError", from, to, err)
				}
				if te.ID != fmt.Sprint(id) || te.From != string(from) || te.To != string(to) {
					t.Errorf("TransitionError = %+v, want job %d from %s to %s", te, id, from, to)
				}
				if job.State != from {
					t.Errorf("job state after a rejected change = %s, want %s", job.State, from)
				}
			})
		}
	}
	mustVerify(t, db)
}

func TestPrintStateInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	id := mustQueue(t, db, "op7", packLabel)
	tests := []struct {
		name    string
		id      int64
		to      store.PrintJobState
		failure string
	}{
		{"UnknownState", id, "printed", ""},
		{"FailedWithoutError", id, store.PrintFailed, "  "},
		{"SentWithError", id, store.PrintSent, "head open"},
		{"UnknownJob", 99, store.PrintSent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := db.SetPrintJobState(ctx, "op7", tt.id, tt.to, tt.failure); err == nil {
				t.Errorf("SetPrintJobState(%d, %q, %q) succeeded", tt.id, tt.to, tt.failure)
			}
		})
	}
	if err := db.SetPrintJobState(ctx, "op7", 99, store.PrintSent, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPrintJobState of an unknown job = %v, want ErrNotFound", err)
	}
	if job, _ := db.PrintJob(ctx, id); job.State != store.PrintQueued {
		t.Errorf("job state = %s after rejected changes, want queued", job.State)
	}
	mustVerify(t, db)
}

func TestPrintRequestInvalid(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	with := func(change func(r *store.PrintRequest)) store.PrintRequest {
		r := packLabel
		change(&r)
		return r
	}
	tests := []struct {
		name string
		req  store.PrintRequest
	}{
		{"ShortPackSerial", with(func(r *store.PrintRequest) { r.Serial = "01000000480" })},
		{"PackSerialStation00", with(func(r *store.PrintRequest) { r.Serial = "000000004806" })},
		{"CarcassAsPack", with(func(r *store.PrintRequest) { r.Serial = "20261204-0031" })},
		{"BadCarcassNumber", with(func(r *store.PrintRequest) { r.Kind, r.Serial = store.LabelCarcass, "20261304-0031" })},
		{"SSCCCheckDigit", with(func(r *store.PrintRequest) { r.Kind, r.Serial = store.LabelCarton, "106141412345678909" })},
		{"SSCCLength", with(func(r *store.PrintRequest) { r.Kind, r.Serial = store.LabelCarton, "10614141234567890" })},
		{"UnknownKind", with(func(r *store.PrintRequest) { r.Kind = "pallet" })},
		{"NoPrinter", with(func(r *store.PrintRequest) { r.Printer = "" })},
		{"PrinterControl", with(func(r *store.PrintRequest) { r.Printer = "zebra\n1" })},
		{"EmptyZPL", with(func(r *store.PrintRequest) { r.ZPL = nil })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if id, err := db.QueuePrint(ctx, "op7", tt.req); err == nil || id != 0 {
				t.Errorf("QueuePrint(%+v) = %d, %v, want an error", tt.req, id, err)
			}
		})
	}
	for _, req := range []store.PrintRequest{
		with(func(r *store.PrintRequest) { r.Kind, r.Serial = store.LabelCarcass, "20261204-0031" }),
		with(func(r *store.PrintRequest) { r.Kind, r.Serial = store.LabelCarton, "106141412345678908" }),
	} {
		if _, err := db.QueuePrint(ctx, store.System, req); err != nil {
			t.Errorf("QueuePrint(%s %s) = %v", req.Kind, req.Serial, err)
		}
	}
	mustVerify(t, db)
}

func TestPrintAgain(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	first := mustQueue(t, db, "op7", packLabel)
	for _, state := range []store.PrintJobState{store.PrintQueued, store.PrintSent, store.PrintConfirmed} {
		if state != store.PrintQueued {
			mustSetState(t, db, first, state)
		}
		if _, err := db.QueuePrint(ctx, "op7", packLabel); !errors.Is(err, store.ErrAlreadyPrinted) {
			t.Errorf("second print while the first is %s = %v, want ErrAlreadyPrinted", state, err)
		}
	}

	// A label whose only jobs failed may be printed as a first print.
	other := packLabel
	other.Serial = "010000004807"
	failed := mustQueue(t, db, "op7", other)
	mustSetState(t, db, failed, store.PrintFailed)
	if _, err := db.QueuePrint(ctx, "op7", other); err != nil {
		t.Errorf("print after a failed job = %v", err)
	}
	mustVerify(t, db)
}

func TestReprint(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	first := mustQueue(t, db, "op7", packLabel)

	// While the first job is queued, even a quality user cannot reprint.
	if _, err := db.QueueReprint(ctx, "qa1", first, "zebra-cut-2", packLabel.ZPL, "smudged"); !errors.Is(err, store.ErrJobInProgress) {
		t.Errorf("reprint of a queued job = %v, want ErrJobInProgress", err)
	}
	mustSetState(t, db, first, store.PrintSent)
	mustSetState(t, db, first, store.PrintConfirmed)

	denied := []struct {
		name  string
		actor store.Actor
		role  store.Role
	}{
		{"Operator", "op7", store.RoleOperator},
		{"Vet", "vet1", store.RoleVet},
		{"InactiveQuality", "qa2", ""},
		{"System", store.System, ""},
		{"UnknownActor", "op9", ""},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.QueueReprint(ctx, tt.actor, first, "zebra-cut-1", packLabel.ZPL, "smudged")
			var pe *store.PermissionError
			if !errors.As(err, &pe) {
				t.Fatalf("reprint by %s = %v, want a PermissionError", tt.actor, err)
			}
			if pe.Actor != tt.actor || pe.Role != tt.role {
				t.Errorf("PermissionError = %+v, want actor %s role %q", pe, tt.actor, tt.role)
			}
		})
	}
	if _, err := db.QueueReprint(ctx, "qa1", first, "zebra-cut-1", packLabel.ZPL, " \t"); !errors.Is(err, store.ErrReasonRequired) {
		t.Errorf("reprint without a reason = %v, want ErrReasonRequired", err)
	}
	if _, err := db.QueueReprint(ctx, "qa1", 99, "zebra-cut-1", packLabel.ZPL, "smudged"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("reprint of an unknown job = %v, want ErrNotFound", err)
	}

	id, err := db.QueueReprint(ctx, "qa1", first, "zebra-cut-2", []byte("^XA^XZ"), " label smudged by blood ")
	if err != nil {
		t.Fatal(err)
	}
	job, _ := db.PrintJob(ctx, id)
	if job.ReprintOf != first || job.Reason != "label smudged by blood" || job.Serial != packLabel.Serial ||
		job.Kind != store.LabelPack || job.Printer != "zebra-cut-2" || job.User != "qa1" || job.State != store.PrintQueued {
		t.Errorf("reprint job = %+v", job)
	}

	// An admin may reprint too, once the quality reprint has ended.
	mustSetState(t, db, id, store.PrintFailed)
	if _, err := db.QueueReprint(ctx, "admin1", id, "zebra-cut-1", packLabel.ZPL, "jammed"); err != nil {
		t.Errorf("reprint by an admin = %v", err)
	}
	if jobs, _ := db.PrintJobs(ctx, packLabel.Serial); len(jobs) != 3 || jobs[2].ReprintOf != id {
		t.Errorf("jobs of the label = %+v", jobs)
	}
	mustVerify(t, db)
}

func TestVoidLabel(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	first := mustQueue(t, db, "op7", packLabel)
	mustSetState(t, db, first, store.PrintSent)
	mustSetState(t, db, first, store.PrintConfirmed)

	for _, actor := range []store.Actor{"op7", "vet1", "qa2", store.System} {
		var pe *store.PermissionError
		if err := db.VoidLabel(ctx, actor, packLabel.Serial, "pack dropped"); !errors.As(err, &pe) {
			t.Errorf("void by %s = %v, want a PermissionError", actor, err)
		}
	}
	if err := db.VoidLabel(ctx, "qa1", packLabel.Serial, ""); !errors.Is(err, store.ErrReasonRequired) {
		t.Errorf("void without a reason = %v, want ErrReasonRequired", err)
	}
	if err := db.VoidLabel(ctx, "qa1", "010000009999", "pack dropped"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("void of a label never printed = %v, want ErrNotFound", err)
	}
	if _, err := db.LabelVoid(ctx, packLabel.Serial); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LabelVoid before the void = %v, want ErrNotFound", err)
	}

	if err := db.VoidLabel(ctx, "qa1", packLabel.Serial, "pack dropped on the floor"); err != nil {
		t.Fatal(err)
	}
	v, err := db.LabelVoid(ctx, packLabel.Serial)
	if err != nil || v.Kind != store.LabelPack || v.Reason != "pack dropped on the floor" || v.User != "qa1" || v.At.IsZero() {
		t.Errorf("LabelVoid = %+v, %v", v, err)
	}

	if err := db.VoidLabel(ctx, "admin1", packLabel.Serial, "again"); !errors.Is(err, store.ErrLabelVoided) {
		t.Errorf("second void = %v, want ErrLabelVoided", err)
	}
	if _, err := db.QueuePrint(ctx, "op7", packLabel); !errors.Is(err, store.ErrLabelVoided) {
		t.Errorf("print of a void label = %v, want ErrLabelVoided", err)
	}
	if _, err := db.QueueReprint(ctx, "qa1", first, "zebra-cut-1", packLabel.ZPL, "smudged"); !errors.Is(err, store.ErrLabelVoided) {
		t.Errorf("reprint of a void label = %v, want ErrLabelVoided", err)
	}
	mustVerify(t, db)
}

func TestVoidQueuedJob(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	mustCreateStaff(t, db)
	id := mustQueue(t, db, "op7", packLabel)
	if err := db.VoidLabel(ctx, "admin1", packLabel.Serial, "wrong product key"); err != nil {
		t.Fatal(err)
	}
	// A job queued before the void must not reach the printer.
	if err := db.SetPrintJobState(ctx, "op7", id, store.PrintSent, ""); !errors.Is(err, store.ErrLabelVoided) {
		t.Errorf("send after the void = %v, want ErrLabelVoided", err)
	}
	if err := db.SetPrintJobState(ctx, "op7", id, store.PrintFailed, "label void"); err != nil {
		t.Errorf("fail after the void = %v", err)
	}
	mustVerify(t, db)
}
