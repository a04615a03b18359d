package upload_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// clientZone is the plant's time zone in the client tests.
var clientZone = time.FixedZone("CST", 8*3600)

// quietLogger drops the log lines of the code under test.
var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// platformKey is the platform's receipt key of the client tests, made
// once because every test needs one.
var platformKey = sync.OnceValues(func() (*sign.KeyPair, error) {
	return sign.GenerateKey(sign.RolePlatform, sign.Ed25519, nil)
})

// mustPlatformKeys returns the platform's private key and a key set
// registering its public key.
func mustPlatformKeys(tb testing.TB) (*sign.PrivateKey, *sign.KeySet) {
	tb.Helper()
	pair, err := platformKey()
	if err != nil {
		tb.Fatal(err)
	}
	return mustKeyPairFiles(tb, pair)
}

// mustKeyPairFiles parses the two files of pair.
func mustKeyPairFiles(tb testing.TB, pair *sign.KeyPair) (*sign.PrivateKey, *sign.KeySet) {
	tb.Helper()
	private, err := sign.ParsePrivateKey(pair.PrivatePEM)
	if err != nil {
		tb.Fatal(err)
	}
	public, err := sign.ParsePublicKey(pair.PublicPEM)
	if err != nil {
		tb.Fatal(err)
	}
	set, err := sign.NewKeySet(public)
	if err != nil {
		tb.Fatal(err)
	}
	return private, set
}

// mustClient returns a client of the platform at url that verifies
// receipts against keys.
func mustClient(tb testing.TB, url string, keys *sign.KeySet) *upload.Client {
	tb.Helper()
	c, err := upload.NewClient(upload.ClientConfig{Platform: url, ReceiptKeys: keys, Timeout: 10 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// signReceipt makes the platform's receipt for a body.
func signReceipt(tb testing.TB, key *sign.PrivateKey, id int64, batchID string, body []byte) []byte {
	tb.Helper()
	sum := sha256.Sum256(body)
	payload, err := json.Marshal(upload.Receipt{
		Format: upload.ReceiptFormat, ID: id, Plant: "3500/15001", BatchID: batchID,
		DocumentSHA256: hex.EncodeToString(sum[:]),
		ReceivedAt:     time.Date(2026, 12, 4, 19, 0, 0, 0, clientZone),
		Signatures:     []upload.ReceiptSignature{},
		Checks:         []string{"signatures"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	jws, err := sign.Sign(payload, time.Date(2026, 12, 4, 19, 0, 0, 0, clientZone), sign.Signer{Key: key})
	if err != nil {
		tb.Fatal(err)
	}
	return jws
}

// scriptedPlatform is an HTTP server whose response to each upload the
// test chooses, for the failures the reference platform does not make on
// demand: 5xx, Retry-After, foreign receipts. By default it returns 201
// with a receipt signed by the platform key.
type scriptedPlatform struct {
	*httptest.Server
	tb  testing.TB
	key *sign.PrivateKey

	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
	respond  func(n int, r *http.Request, body []byte) (int, http.Header, []byte) // nil: a receipt
}

func newScriptedPlatform(tb testing.TB) *scriptedPlatform {
	key, _ := mustPlatformKeys(tb)
	p := &scriptedPlatform{tb: tb, key: key}
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(p.Close)
	return p
}

func (p *scriptedPlatform) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.requests = append(p.requests, r)
	p.bodies = append(p.bodies, body)
	n := len(p.requests)
	respond := p.respond
	p.mu.Unlock()

	if respond == nil {
		w.Header().Set("Content-Type", upload.ContentTypeJWS)
		w.WriteHeader(http.StatusCreated)
		w.Write(signReceipt(p.tb, p.key, int64(n), r.Header.Get(upload.HeaderBatchID), body))
		return
	}
	status, header, response := respond(n, r, body)
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write(response)
}

// count returns the number of requests served.
func (p *scriptedPlatform) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

// setRespond replaces the response function.
func (p *scriptedPlatform) setRespond(f func(n int, r *http.Request, body []byte) (int, http.Header, []byte)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.respond = f
}

// problem returns a rejection response with one reason.
func problem(status int, code, subject string) (int, http.Header, []byte) {
	body, _ := json.Marshal(upload.Rejection{
		Type: "urn:lambtrace:problem:rejected", Title: "batch rejected", Status: status,
		Reasons: []upload.Reason{{Code: code, Subject: subject, Message: map[line.Lang]string{line.LangEN: "reason " + code, line.LangZH: "原因 " + code}}},
	})
	return status, http.Header{"Content-Type": {upload.ContentTypeProblem}}, body
}

// openOutboxStore opens a station database in dir.
func openOutboxStore(tb testing.TB, dir string, now func() time.Time) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), dir, store.Options{Logger: quietLogger, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// sealJSON seals a small JSON body as the document of batch. The
// client and worker send sealed bytes as they are, so the body need not
// be a batch document.
func sealJSON(tb testing.TB, db *store.DB, batch string) []byte {
	tb.Helper()
	body := []byte(`{"payload":"` + hex.EncodeToString([]byte(batch)) + `","signatures":[]}`)
	if err := db.Seal(context.Background(), "vet1", batch, "batch+jws", body); err != nil {
		tb.Fatal(err)
	}
	return body
}
