package platform

import (
	"bytes"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lambtrace/line"
)

//go:embed templates/pack.html
var templateFiles embed.FS

// packPage is the consumer page of a pack. Its text comes from the
// translation catalogs, keys "platform.page.*", through the function t.
var packPage = template.Must(template.New("pack.html").Funcs(template.FuncMap{
	"t":   func(lang line.Lang, key string) string { return line.Translate(lang, key, nil) },
	"kg":  func(lang line.Lang, m line.Mass) string { return massText(lang, m) },
	"day": func(d line.Date) string { return d.String() },
	"at": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format("2006-01-02 15:04")
	},
	"mu": func(n int64) string { return strconv.FormatInt(n, 10) },
}).ParseFS(templateFiles, "templates/pack.html"))

// pageData is the data of the pack page template.
type pageData struct {
	Lang line.Lang
	View *PackView

	// LabelWeight is the net weight the QR code states (AI 3103), when
	// it differs from the recorded weight; zero otherwise.
	LabelWeight line.Mass
	NotFound    bool
	Link        string
}

// handlePack serves a pack's Digital Link: GET
// /01/{gtin}/10/{batch}/21/{serial}. A request that accepts
// application/json gets the PackView as JSON, any other the page, in
// English when the first language it accepts is English and in Chinese
// otherwise.
func (s *Server) handlePack(w http.ResponseWriter, r *http.Request) {
	gtin, batch, serial := r.PathValue("gtin"), r.PathValue("batch"), r.PathValue("serial")
	noteRequest(r.Context(), "gtin", gtin, "batch", batch, "serial", serial)
	wantJSON := acceptsJSON(r.Header.Get("Accept"))
	lang := pageLang(r.Header.Get("Accept-Language"))

	// Parse the whole link, so that the weight the label states can be
	// compared with the recorded one.
	link, linkErr := line.ParseDigitalLink("https://" + r.Host + r.URL.RequestURI())
	view, err := s.db.packView(r.Context(), gtin, batch, serial)
	if errors.Is(err, sql.ErrNoRows) || linkErr != nil {
		if wantJSON {
			writeRejection(w, r, batch, reject(http.StatusNotFound, problemNotFound, newReason(ReasonPackNotFound, serial, map[string]string{"gtin": gtin, "batch": batch})))
			return
		}
		s.renderPage(w, r, http.StatusNotFound, pageData{Lang: lang, NotFound: true, Link: r.URL.Path})
		return
	}
	if err != nil {
		s.fail(w, r, "read the pack", err)
		return
	}
	if wantJSON {
		data, err := json.Marshal(view)
		if err != nil {
			s.fail(w, r, "encode the pack", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
		return
	}

	page := pageData{Lang: lang, View: view, Link: r.URL.Path}
	if link.NetWeight != 0 && link.NetWeight != view.NetWeight {
		page.LabelWeight = link.NetWeight
		noteRequest(r.Context(), "label_weight_g", int64(link.NetWeight), "recorded_weight_g", int64(view.NetWeight))
	}
	s.renderPage(w, r, http.StatusOK, page)
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, data pageData) {
	var b bytes.Buffer
	if err := packPage.Execute(&b, data); err != nil {
		s.fail(w, r, "render the pack page", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", string(data.Lang))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// acceptsJSON reports whether an Accept header lists application/json.
func acceptsJSON(accept string) bool {
	for member := range strings.SplitSeq(accept, ",") {
		media, params, err := mime.ParseMediaType(strings.TrimSpace(member))
		if err == nil && media == "application/json" && params["q"] != "0" {
			return true
		}
	}
	return false
}

// pageLang returns English when the first language of an Accept-Language
// header is English, and Chinese otherwise.
func pageLang(acceptLanguage string) line.Lang {
	first, _, _ := strings.Cut(acceptLanguage, ",")
	first, _, _ = strings.Cut(strings.TrimSpace(first), ";")
	if tag := strings.ToLower(first); tag == "en" || strings.HasPrefix(tag, "en-") {
		return line.LangEN
	}
	return line.LangZH
}

// massText writes a mass in kilograms with the unit of lang.
func massText(lang line.Lang, m line.Mass) string {
	if lang == line.LangZH {
		return m.StringZH()
	}
	return m.String()
}
