package dayrun

import (
	"context"
	"fmt"
	"os"

	"lambtrace/line"
	"lambtrace/store"
)

// InputError reports an input file that cannot be read or is invalid:
// Err is the *fs.PathError or *line.ValidationError.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// ImportOnce imports a registry export (store.ImportRegistry) or a
// product master (store.ImportProducts) from path under actor, unless the
// last import of its kind had the same content. It reports whether it
// imported.
func ImportOnce(ctx context.Context, db *store.DB, actor store.Actor, kind, path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, &InputError{Err: err}
	}
	src := store.SourceOf(path, data)
	last, ok, err := db.LastImport(ctx, kind)
	if err != nil {
		return false, err
	}
	if ok && last.SHA256 == src.SHA256 {
		return false, nil
	}
	switch kind {
	case store.ImportRegistry:
		reg, err := line.ParseRegistry(data, path)
		if err != nil {
			return false, &InputError{Err: err}
		}
		return true, db.ImportRegistry(ctx, actor, reg, src)
	case store.ImportProducts:
		m, err := line.ParseProducts(data, path)
		if err != nil {
			return false, &InputError{Err: err}
		}
		return true, db.ImportProducts(ctx, actor, m, src)
	}
	return false, fmt.Errorf("unknown import kind %q: use %s or %s", kind, store.ImportRegistry, store.ImportProducts)
}
