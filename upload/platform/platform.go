// Package platform is the reference receiver of batch uploads: what the
// league platform runs to take signed batch documents from the plants'
// stations, check them without trusting the plant, and serve what it
// received.
//
// A Server handles three kinds of request:
//
//   - POST /api/v1/batches takes a signed batch document. It verifies the
//     signatures against the registered keys and validates the EPCIS
//     part against the official schema. It repeats the station's checks
//     (mass balance, head counts, origin claims, uniqueness), and checks
//     that no pack serial or ear tag arrived in an earlier batch. It stores
//     the batch in SQLite and returns a receipt signed with the
//     platform's key: 201 for a new batch, 200 with the same receipt for
//     an identical repeat. A batch id that arrived with other content
//     gets 409, and anything else wrong a 4xx with machine-readable
//     reasons.
//   - GET /api/v1/registry serves the registry exports of a league.
//   - GET /01/{gtin}/10/{batch}/21/{serial}, the GS1 Digital Link of a
//     pack, serves a consumer page in Chinese, or JSON.
//
// docs/platform.md specifies the endpoints, status codes, reason codes
// and the receipt.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// DefaultMaxBodySize is the largest batch document the platform takes
// when Config.MaxBodySize is zero. A batch of 400 carcasses and 5,000
// packs is about 4.6 MB once signed.
const DefaultMaxBodySize = 64 << 20

// Config configures a Server.
type Config struct {
	// DataDir holds the platform's database, DBFileName.
	DataDir string

	// Keys are the registered station and inspector keys.
	Keys *Keys

	// ReceiptKey signs the receipts; its role must be platform.
	ReceiptKey *sign.PrivateKey

	// Schema validates the EPCIS part of each document. When nil the
	// EPCIS part is not validated, and receipts do not list the
	// epcis_schema check.
	Schema *upload.Validator

	// Rules gives the pastoral counties and forage feeding systems that
	// origin claims are judged by; line.DefaultRules() when nil.
	Rules *line.Rules

	// Domain, when set, is the platform domain every document must name,
	// so that the packs' QR codes resolve here.
	Domain string

	// MaxBodySize bounds an upload's body in bytes; DefaultMaxBodySize
	// when zero.
	MaxBodySize int64

	// Registries are the registry exports served by league, the league's
	// GB/T 2260 code (such as 152500 for Xilingol League) mapped to the
	// path of a lambtrace-registry/1 file.
	Registries map[string]string

	Logger *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
}

// Server is the platform's receiver. Its methods are safe for concurrent
// use.
type Server struct {
	cfg        Config
	db         *db
	log        *slog.Logger
	registries map[string]*registryExport
	mux        *http.ServeMux
}

// Open checks cfg, opens or creates the database in cfg.DataDir and
// loads the registry files.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	switch {
	case cfg.DataDir == "":
		return nil, errors.New("platform: no data directory given")
	case cfg.Keys == nil:
		return nil, errors.New("platform: no registered keys given")
	case cfg.ReceiptKey == nil:
		return nil, errors.New("platform: no receipt key given")
	case cfg.ReceiptKey.Role() != sign.RolePlatform:
		return nil, fmt.Errorf("platform: receipt key %s is a %s key, want a platform key", cfg.ReceiptKey.KID(), cfg.ReceiptKey.Role())
	case cfg.ReceiptKey.Encrypted():
		return nil, fmt.Errorf("platform: receipt key %s is encrypted; a platform key signs unattended", cfg.ReceiptKey.KID())
	}
	if cfg.Rules == nil {
		cfg.Rules = line.DefaultRules()
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}

	s := &Server{cfg: cfg, log: cfg.Logger, registries: make(map[string]*registryExport)}
	for league, path := range cfg.Registries {
		export, err := loadRegistryExport(league, path)
		if err != nil {
			return nil, err
		}
		s.registries[league] = export
	}
	var err error
	if s.db, err = openDB(ctx, cfg.DataDir); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST "+upload.BatchesPath, s.handleBatch)
	s.mux.HandleFunc("GET /api/v1/registry", s.handleRegistry)
	s.mux.HandleFunc("GET /01/{gtin}/10/{batch}/21/{serial}", s.handlePack)
	return s, nil
}

// Close closes the database.
func (s *Server) Close() error { return s.db.Close() }

// Handler returns the server's HTTP handler, which logs every request's
// outcome.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		note := &requestNote{}
		s.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), requestNoteKey{}, note)))

		attrs := append([]any{
			"method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr,
		}, note.attrs...)
		level := slog.LevelInfo
		switch {
		case rec.status >= 500:
			level = slog.LevelError
		case rec.status >= 400:
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "request", attrs...)
	})
}

// requestNote collects the attributes a handler adds to its request's
// log line, such as the batch id and the reason codes.
type requestNote struct{ attrs []any }

type requestNoteKey struct{}

// noteRequest adds attributes to the log line of the request of ctx.
func noteRequest(ctx context.Context, attrs ...any) {
	if n, ok := ctx.Value(requestNoteKey{}).(*requestNote); ok {
		n.attrs = append(n.attrs, attrs...)
	}
}

// statusRecorder records the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
