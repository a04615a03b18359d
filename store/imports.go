package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Import kinds, as LastImport takes them.
const (
	ImportRegistry = "registry"
	ImportProducts = "products"
)

// LastImport returns the file of the last import of kind, ImportRegistry
// or ImportProducts, as its journal entry names it, and false when
// nothing of that kind was imported.
func (db *DB) LastImport(ctx context.Context, kind string) (Source, bool, error) {
	if kind != ImportRegistry && kind != ImportProducts {
		return Source{}, false, fmt.Errorf("unknown import kind %q: use %s or %s", kind, ImportRegistry, ImportProducts)
	}
	var payload string
	err := db.reader.QueryRowContext(ctx, "SELECT payload FROM journal WHERE type = ? ORDER BY seq DESC LIMIT 1",
		kind+".imported").Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return Source{}, false, nil
	}
	if err != nil {
		return Source{}, false, err
	}
	var src struct {
		File   string `json:"file"`
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal([]byte(payload), &src); err != nil {
		return Source{}, false, fmt.Errorf("journal entry of the last %s import: %w", kind, err)
	}
	return Source{Name: src.File, SHA256: src.SHA256}, true, nil
}
