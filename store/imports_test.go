package store_test

import (
	"context"
	"os"
	"testing"

	"lambtrace/store"
)

func TestLastImport(t *testing.T) {
	ctx := context.Background()
	db, _ := mustOpen(t, store.Options{})
	if _, ok, err := db.LastImport(ctx, store.ImportRegistry); err != nil || ok {
		t.Fatalf("LastImport on an empty database = %v, %v", ok, err)
	}
	mustImportSample(t, db)
	data, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	src, ok, err := db.LastImport(ctx, store.ImportRegistry)
	if err != nil || !ok || src != store.SourceOf("registry.json", data) {
		t.Errorf("LastImport(registry) = %+v, %v, %v", src, ok, err)
	}
	if src, ok, err := db.LastImport(ctx, store.ImportProducts); err != nil || !ok || src.Name != "products.json" {
		t.Errorf("LastImport(products) = %+v, %v, %v", src, ok, err)
	}
	if _, _, err := db.LastImport(ctx, "users"); err == nil {
		t.Error("LastImport of an unknown kind succeeded")
	}
}
