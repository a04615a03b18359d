package line_test

import (
	"errors"
	"strings"
	"testing"

	"lambtrace/line"
)

// productsWith returns a product master of one product with extra JSON
// members.
func productsWith(members string) []byte {
	return []byte(`{"format": "lambtrace-products/1", "byproducts": [], "products": [
		{"key": "leg", "name_zh": "羊后腿", "name_en": "Leg", "gtin": "96923456000011",
		 "bone_in": true, "mixed": false` + members + `}]}`)
}

// TestProductStorageDefaults checks that a product master without storage
// and shelf life, such as the sample, reads as chilled with the default
// shelf life.
func TestProductStorageDefaults(t *testing.T) {
	p, _ := mustProducts(t).Product("leg_bone_in")
	if p.Storage != "" || p.StorageCondition() != line.StorageChilled {
		t.Errorf("Storage = %q, StorageCondition() = %q, want empty and chilled", p.Storage, p.StorageCondition())
	}
	if got := p.ShelfLife(); got != line.DefaultShelfLifeChilled {
		t.Errorf("ShelfLife() = %d, want %d", got, line.DefaultShelfLifeChilled)
	}
	frozen := &line.Product{Storage: line.StorageFrozen}
	if got := frozen.ShelfLife(); got != line.DefaultShelfLifeFrozen {
		t.Errorf("frozen ShelfLife() = %d, want %d", got, line.DefaultShelfLifeFrozen)
	}
}

// TestProductStorageParsed checks the storage and shelf_life_days members.
func TestProductStorageParsed(t *testing.T) {
	m, err := line.ParseProducts(productsWith(`, "storage": "frozen", "shelf_life_days": 180`), "p.json")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := m.Product("leg")
	if p.Storage != line.StorageFrozen || p.ShelfLife() != 180 {
		t.Errorf("Storage = %q, ShelfLife() = %d; want frozen, 180", p.Storage, p.ShelfLife())
	}
}

// TestProductStorageInvalid checks that an unknown storage condition and
// a shelf life out of range are reported with the field.
func TestProductStorageInvalid(t *testing.T) {
	tests := []struct{ members, field, detail string }{
		{`, "storage": "ambient"`, "storage", "chilled, frozen"},
		{`, "shelf_life_days": 0`, "shelf_life_days", "1 to 1095 days"},
		{`, "shelf_life_days": 1096`, "shelf_life_days", "1 to 1095 days"},
		{`, "shelf_life_days": 7.5`, "shelf_life_days", "integer"},
	}
	for _, tt := range tests {
		_, err := line.ParseProducts(productsWith(tt.members), "p.json")
		var v *line.ValidationError
		if !errors.As(err, &v) || len(v.Problems) != 1 || v.Problems[0].Field != tt.field {
			t.Errorf("members %s: error = %v, want one problem with %s", tt.members, err, tt.field)
			continue
		}
		if !strings.Contains(v.Problems[0].Detail, tt.detail) {
			t.Errorf("members %s: detail %q, want it to contain %q", tt.members, v.Problems[0].Detail, tt.detail)
		}
	}
}
