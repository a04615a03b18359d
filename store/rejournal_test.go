package store

import (
	"context"
	"errors"
	"testing"
)

// TestRejournalAfterAddedColumn writes product rows as a store before
// migration 4 did, without the columns that migration adds, then marks
// the table as that migration does and reopens the database.
func TestRejournalAfterAddedColumn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, "qa1", func(tx *Tx) error {
		return tx.Put("products", Row{
			"key": "leg_bone_in", "name_zh": "带骨羊腿", "name_en": "Bone-in leg", "unece_cut": nil,
			"gtin": "96923456000011", "bone_in": true, "mixed": false, "typical_share_ppm": 160000,
			"pieces_per_carcass": 2,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Verify(ctx)
	var verr *VerifyError
	if !errors.As(err, &verr) || verr.Code != VerifyRowDiffers {
		t.Fatalf("verify before rejournaling: %v, want a row that differs", err)
	}

	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := markRejournal(ctx, tx, []string{"products"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Verify(ctx); err != nil {
		t.Fatalf("verify after reopening: %v", err)
	}
	var pending int
	if err := db.writer.QueryRowContext(ctx, "SELECT count(*) FROM meta WHERE key = 'rejournal'").Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Error("the rejournal mark is still set after reopening")
	}
}

func TestMigrationRejournalList(t *testing.T) {
	migrations, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	m := migrations[3]
	if m.name != "0004_product_storage.sql" || len(m.rejournal) != 1 || m.rejournal[0] != "products" {
		t.Errorf("migration 4 = %s, rejournal %v; want products", m.name, m.rejournal)
	}
}
