package ui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"lambtrace/line"
)

// ImportKind is the kind of file the first start imports.
type ImportKind string

// Import kinds, with the format tags of their files.
const (
	ImportProducts ImportKind = "products" // a product master, line.ProductsFormat
	ImportRegistry ImportKind = "registry" // a registry export, line.RegistryFormat
)

// Format returns the format tag of the kind's files.
func (k ImportKind) Format() string {
	if k == ImportRegistry {
		return line.RegistryFormat
	}
	return line.ProductsFormat
}

// DefaultImportRoots are the glob patterns of the directories the file
// picker searches: where udisks mounts a USB stick on a desktop Linux
// (/media/USER/LABEL, /run/media/USER/LABEL) and the mount points a plain
// fstab or usbmount setup uses (/mnt/NAME).
var DefaultImportRoots = []string{"/media/*/*", "/run/media/*/*", "/mnt/*"}

// Bounds of the search for import files.
const (
	// importDepth is how many directory levels below a root are searched:
	// a file in the stick's top directory or two folders down is found.
	importDepth = 3
	// maxImportFiles bounds the files listed, in case a root is a large
	// disk instead of a stick.
	maxImportFiles = 200
	// MaxImportSize is the largest file the picker lists and describes.
	// The sample registry of 372 animals is 316 KB, so 64 MiB leaves room
	// for an export about 200 times as large.
	MaxImportSize = 64 << 20
)

// ImportFile is a candidate file the picker found.
type ImportFile struct {
	Path string
	// Root is the directory searched that holds the file, such as the
	// stick's mount point /media/admin/LAMB-USB.
	Root    string
	Size    int64
	ModTime time.Time
	// Format is the file's format tag, empty when the file is not valid
	// JSON. Such a file is listed, because it may be the right one
	// damaged, and describing it shows why it cannot be imported.
	Format string
}

// Name returns the file's base name.
func (f ImportFile) Name() string { return filepath.Base(f.Path) }

// Place returns the folder of the file below the root's parent, such as
// LAMB-USB/exports: the stick's name and the folders on it.
func (f ImportFile) Place() string {
	rel, err := filepath.Rel(filepath.Dir(f.Root), filepath.Dir(f.Path))
	if err != nil {
		return filepath.Dir(f.Path)
	}
	return rel
}

// FindImportFiles searches the directories that match the glob patterns
// in roots for JSON files of kind, up to importDepth levels down and
// maxImportFiles files. A JSON file with another format tag or none is
// left out. Directories that cannot be read, such as a stick pulled
// during the search, are skipped. The files are sorted newest first.
func FindImportFiles(roots []string, kind ImportKind) ([]ImportFile, error) {
	var dirs []string
	for _, pattern := range roots {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("import root %q: %w", pattern, err)
		}
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && info.IsDir() && !slices.Contains(dirs, m) {
				dirs = append(dirs, m)
			}
		}
	}

	var found []ImportFile
	seen := make(map[string]bool)
	for _, dir := range dirs {
		_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				// An unreadable directory is skipped; the rest is searched.
				return nil
			}
			depth := strings.Count(strings.TrimPrefix(path, dir), string(filepath.Separator))
			if d.IsDir() {
				if path != dir && (depth >= importDepth || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.EqualFold(filepath.Ext(path), ".json") || seen[path] {
				return nil
			}
			seen[path] = true
			f, ok := examineImportFile(path, kind)
			if ok {
				f.Root = dir
				found = append(found, f)
			}
			if len(found) >= maxImportFiles {
				return filepath.SkipAll
			}
			return nil
		})
	}
	slices.SortStableFunc(found, func(a, b ImportFile) int { return b.ModTime.Compare(a.ModTime) })
	return found, nil
}

// examineImportFile reads the file's format tag and reports whether the
// picker lists the file for kind.
func examineImportFile(path string, kind ImportKind) (ImportFile, bool) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Size() > MaxImportSize {
		return ImportFile{}, false
	}
	f := ImportFile{Path: path, Size: info.Size(), ModTime: info.ModTime()}
	r, err := os.Open(path)
	if err != nil {
		return ImportFile{}, false
	}
	defer r.Close()
	format, err := peekFormat(r)
	switch {
	case errors.Is(err, errNotJSON):
		return f, true
	case err != nil || format != kind.Format():
		return ImportFile{}, false
	}
	f.Format = format
	return f, true
}

// errNotJSON reports a file that is not a JSON object.
var errNotJSON = errors.New("not a JSON object")

// errNoFormat reports a JSON object without a format member.
var errNoFormat = errors.New("no format member")

// peekFormat returns the string value of the top-level "format" member of
// the JSON object r holds. It reads tokens only up to that member, so a
// large export that starts with its format tag is not read in full. A
// leading UTF-8 byte-order mark is skipped, as the parsers skip it.
func peekFormat(r io.Reader) (string, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", errNotJSON
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return "", errNotJSON
		}
		if key == "format" {
			var format any
			if err := dec.Decode(&format); err != nil {
				return "", errNotJSON
			}
			s, ok := format.(string)
			if !ok {
				return "", errNoFormat
			}
			return s, nil
		}
		if err := skipValue(dec); err != nil {
			return "", errNotJSON
		}
	}
	return "", errNoFormat
}

// skipValue reads one JSON value token by token.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// ImportSummary is the contents of an import file, shown before the
// import so the person at the kiosk can check them.
type ImportSummary struct {
	Kind   ImportKind
	Format string

	// Of a product master.
	Plant      string
	Products   int
	Byproducts int

	// Of a registry export.
	Source       string
	ExportedAt   time.Time // zero when the export does not say
	Consignments int
	Animals      int
}

// DescribeImportFile reads and checks a file of kind with the parser the
// import uses and summarises it. A file with problems returns a
// *line.ValidationError, whose problems have texts in every language. A
// file larger than MaxImportSize is not read.
func DescribeImportFile(path string, kind ImportKind) (ImportSummary, error) {
	info, err := os.Stat(path)
	if err != nil {
		return ImportSummary{}, err
	}
	if info.Size() > MaxImportSize {
		return ImportSummary{}, fmt.Errorf("file %s is too large: %d bytes, and an import file has at most %d", path, info.Size(), MaxImportSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ImportSummary{}, err
	}
	s := ImportSummary{Kind: kind, Format: kind.Format()}
	switch kind {
	case ImportProducts:
		m, err := line.ParseProducts(data, filepath.Base(path))
		if err != nil {
			return ImportSummary{}, err
		}
		s.Plant, s.Products, s.Byproducts = m.Plant, len(m.Products), len(m.Byproducts)
	case ImportRegistry:
		reg, err := line.ParseRegistry(data, filepath.Base(path))
		if err != nil {
			return ImportSummary{}, err
		}
		s.Source, s.ExportedAt, s.Consignments = reg.Source, reg.ExportedAt, len(reg.Consignments)
		for _, c := range reg.Consignments {
			s.Animals += len(c.Animals)
		}
	default:
		return ImportSummary{}, fmt.Errorf("unknown import kind %q: use %s or %s", kind, ImportProducts, ImportRegistry)
	}
	return s, nil
}
