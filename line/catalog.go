package line

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"text/template"
)

// Lang is a locale of the translation catalogs. Simplified Chinese is the
// station's first language and English the second.
type Lang string

// Supported locales.
const (
	LangZH Lang = "zh-CN"
	LangEN Lang = "en"
)

// Langs lists the supported locales, the default first.
var Langs = []Lang{LangZH, LangEN}

// A locale's catalog is the union of the flat JSON objects, message key to
// text/template string, in translations/<locale>/*.json: one file per part
// of the station, so each part keeps its own texts. A key defined in two
// files of one locale is an error.
//
//go:embed translations/*/*.json
var catalogFiles embed.FS

type catalog struct {
	templates map[string]*template.Template
}

var (
	catalogsOnce sync.Once
	catalogs     map[Lang]*catalog
	catalogErr   error
)

func loadCatalogs() {
	catalogs = make(map[Lang]*catalog)
	for _, lang := range Langs {
		c, err := parseCatalog(lang)
		if err != nil {
			catalogErr = err
			slog.Error("load translation catalog", "lang", lang, "err", err)
			continue
		}
		catalogs[lang] = c
	}
}

func parseCatalog(lang Lang) (*catalog, error) {
	dir := "translations/" + string(lang)
	files, err := fs.ReadDir(catalogFiles, dir)
	if err != nil {
		return nil, err
	}
	texts := make(map[string]string)
	from := make(map[string]string)
	for _, f := range files {
		data, err := catalogFiles.ReadFile(dir + "/" + f.Name())
		if err != nil {
			return nil, err
		}
		var part map[string]string
		if err := json.Unmarshal(data, &part); err != nil {
			return nil, fmt.Errorf("catalog %s/%s: %w", lang, f.Name(), err)
		}
		for key, text := range part {
			if prev, dup := from[key]; dup {
				return nil, fmt.Errorf("catalog %s: key %s is in both %s and %s", lang, key, prev, f.Name())
			}
			texts[key], from[key] = text, f.Name()
		}
	}
	c := &catalog{templates: make(map[string]*template.Template, len(texts))}
	for key, text := range texts {
		t, err := template.New(key).Option("missingkey=zero").Funcs(templateFuncs).Parse(text)
		if err != nil {
			return nil, fmt.Errorf("catalog %s, key %s: %w", lang, key, err)
		}
		c.templates[key] = t
	}
	return c, nil
}

// templateFuncs format facts inside messages: kg formats grams as
// kilograms, pct formats basis points as a percentage.
var templateFuncs = template.FuncMap{
	"kg": func(grams string) string {
		var g int64
		if _, err := fmt.Sscan(grams, &g); err != nil {
			return grams
		}
		return Mass(g).String()
	},
	"pct": func(basisPoints string) string {
		var bp int64
		if _, err := fmt.Sscan(basisPoints, &bp); err != nil {
			return basisPoints
		}
		sign := ""
		if bp < 0 {
			sign, bp = "-", -bp
		}
		return fmt.Sprintf("%s%d.%02d%%", sign, bp/100, bp%100)
	},
}

// Translate renders the message key in lang with data. An unknown locale
// falls back to Chinese, and an unknown key renders as the key itself so
// a gap shows on screen instead of an empty line.
func Translate(lang Lang, key string, data map[string]string) string {
	catalogsOnce.Do(loadCatalogs)
	c := catalogs[lang]
	if c == nil {
		c = catalogs[LangZH]
	}
	if c == nil {
		return key
	}
	t := c.templates[key]
	if t == nil {
		return key
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		slog.Error("render message", "lang", lang, "key", key, "err", err)
		return key
	}
	return b.String()
}

// CatalogKeys returns the message keys of lang, for tests that check the
// catalogs cover each other.
func CatalogKeys(lang Lang) ([]string, error) {
	catalogsOnce.Do(loadCatalogs)
	if catalogErr != nil {
		return nil, catalogErr
	}
	c := catalogs[lang]
	if c == nil {
		return nil, fmt.Errorf("no catalog for %s", lang)
	}
	keys := make([]string, 0, len(c.templates))
	for k := range c.templates {
		keys = append(keys, k)
	}
	return keys, nil
}
