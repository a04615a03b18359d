package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"

	"lambtrace/line"
)

// registryExport is one league's registry file: its consignments as
// written in the file, each with its declaration time for the since
// filter.
type registryExport struct {
	league       string
	source       string
	consignments []json.RawMessage
	declaredAt   []time.Time
}

// loadRegistryExport reads and validates a lambtrace-registry/1 file.
func loadRegistryExport(league, path string) (*registryExport, error) {
	if len(league) != 6 || !isDigits(league) {
		return nil, fmt.Errorf("registry %s: league %q is not a 6-digit GB/T 2260 code, such as 152500", path, league)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry of league %s: %w", league, err)
	}
	reg, err := line.ParseRegistry(data, path)
	if err != nil {
		return nil, fmt.Errorf("registry of league %s: %w", league, err)
	}
	var raw struct {
		Consignments []json.RawMessage `json:"consignments"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("registry of league %s: %w", league, err)
	}
	if len(raw.Consignments) != len(reg.Consignments) {
		return nil, fmt.Errorf("registry of league %s: the file has %d consignments, but %d were read", league, len(raw.Consignments), len(reg.Consignments))
	}
	export := &registryExport{league: league, source: reg.Source, consignments: raw.Consignments}
	for _, c := range reg.Consignments {
		export.declaredAt = append(export.declaredAt, c.DeclaredAt)
	}
	return export, nil
}

// handleRegistry serves a league's registry export: GET
// /api/v1/registry?league=152500&since=2026-12-03T00:00:00+08:00. The
// response is a lambtrace-registry/1 document with the consignments
// declared at or after since, or all of them without since.
func (s *Server) handleRegistry(w http.ResponseWriter, r *http.Request) {
	league := r.URL.Query().Get("league")
	sinceText := r.URL.Query().Get("since")
	noteRequest(r.Context(), "league", league, "since", sinceText)
	if league == "" {
		writeRejection(w, r, "", reject(http.StatusBadRequest, problemRequest, newReason(ReasonLeagueMissing, "", nil)))
		return
	}
	var since time.Time
	if sinceText != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, sinceText); err != nil {
			writeRejection(w, r, "", reject(http.StatusBadRequest, problemRequest, newReason(ReasonSinceInvalid, sinceText, nil)))
			return
		}
	}
	export, ok := s.registries[league]
	if !ok {
		writeRejection(w, r, "", reject(http.StatusNotFound, problemNotFound, newReason(ReasonLeagueUnknown, league, nil)))
		return
	}

	out := struct {
		Format       string            `json:"format"`
		Source       string            `json:"source"`
		ExportedAt   time.Time         `json:"exported_at"`
		Consignments []json.RawMessage `json:"consignments"`
	}{Format: line.RegistryFormat, Source: export.source, ExportedAt: s.cfg.Now(), Consignments: []json.RawMessage{}}
	for i, c := range export.consignments {
		if since.IsZero() || !export.declaredAt[i].Before(since) {
			out.Consignments = append(out.Consignments, c)
		}
	}
	noteRequest(r.Context(), "consignments", len(out.Consignments))

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		s.fail(w, r, "encode the registry export", err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
