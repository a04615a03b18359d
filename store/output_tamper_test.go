package store_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/store"
)

// mustOutputScenario records one of each output row: users, one with a
// PIN, a printed and voided label, a sealed document and an upload
// attempt.
func mustOutputScenario(tb testing.TB, db *store.DB) {
	tb.Helper()
	ctx := context.Background()
	mustCreateStaff(tb, db)
	if err := db.SetPIN(ctx, "admin1", "op7", "2468"); err != nil {
		tb.Fatal(err)
	}
	id := mustQueue(tb, db, "op7", packLabel)
	mustSetState(tb, db, id, store.PrintSent)
	if err := db.VoidLabel(ctx, "qa1", packLabel.Serial, "pack dropped"); err != nil {
		tb.Fatal(err)
	}
	if err := db.Seal(ctx, "vet1", batch, "batch+jws", signedDoc); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.BeginAttempt(ctx, batch); err != nil {
		tb.Fatal(err)
	}
}

// TestVerifyOutputEdits changes output rows with the sqlite3 command-line
// tool and checks that Verify names the table and row.
func TestVerifyOutputEdits(t *testing.T) {
	tests := []struct {
		name   string
		script string
		table  string
		key    string
	}{
		{"PrintJobState", "UPDATE print_jobs SET state = 'confirmed' WHERE id = 1;", "print_jobs", "id=1"},
		{"DocumentBody", "DROP TRIGGER documents_no_update; UPDATE documents SET body = replace(body, '草原羊', '舍饲羊');",
			"documents", "batch_id=" + batch},
		{"DocumentRemoved", "DROP TRIGGER documents_no_delete; PRAGMA foreign_keys = OFF; DELETE FROM documents;",
			"documents", "batch_id=" + batch},
		{"PINHash", "UPDATE users SET pin_hash = (SELECT pin_hash FROM users WHERE id = 'op7') WHERE id = 'admin1';",
			"users", "id=admin1"},
		{"Reactivated", "UPDATE users SET active = 1 WHERE id = 'qa2';", "users", "id=qa2"},
		{"VoidRemoved", "DELETE FROM label_voids;", "label_voids", "label_serial=" + packLabel.Serial},
		{"OutboxDelivered", "UPDATE outbox SET state = 'delivered', delivered_at = '2026-12-04T18:00:00+08:00', receipt = 'x';",
			"outbox", "batch_id=" + batch},
		{"AttemptStatus", "UPDATE outbox_attempts SET http_status = 200;", "outbox_attempts", "batch_id=" + batch + ",n=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, dir := mustOpen(t, store.Options{})
			mustOutputScenario(t, db)
			mustVerify(t, db)
			db.Close()

			sqlite3(t, filepath.Join(dir, store.FileName), tt.script)

			db, err := store.Open(ctx, dir, store.Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			_, err = db.Verify(ctx)
			var ve *store.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify after the edit = %v, want a VerifyError", err)
			}
			if ve.Table != tt.table || ve.Key != tt.key {
				t.Errorf("VerifyError = %v, want table %s row %s", ve, tt.table, tt.key)
			}
		})
	}
}

func TestDocumentsImmutable(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("the sqlite3 command-line tool is not installed; make deps installs it")
	}
	db, _ := mustOpen(t, store.Options{})
	mustOutputScenario(t, db)
	for _, script := range []string{
		"UPDATE documents SET sealed_by = 'qa1';",
		"DELETE FROM documents;",
	} {
		out, err := runSQLite(db.Path(), script)
		if err == nil || !strings.Contains(out, "immutable") {
			t.Errorf("sqlite3 %q = %v, %s; want the trigger to stop it", script, err, out)
		}
	}
	mustVerify(t, db)
}
