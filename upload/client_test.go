package upload_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"lambtrace/upload"
	"lambtrace/upload/sign"
)

const clientBatch = "20261204-L1-1"

func TestDeliverReceipt(t *testing.T) {
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, p.URL, keys)
	body := []byte(`{"payload":"e30","signatures":[]}`)

	d, err := c.Deliver(context.Background(), clientBatch, body)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if d.Status != http.StatusCreated {
		t.Errorf("status = %d, want 201", d.Status)
	}
	if d.Receipt.BatchID != clientBatch || d.Receipt.ID != 1 {
		t.Errorf("receipt = %+v", d.Receipt)
	}
	sum := sha256.Sum256(body)
	if d.Receipt.DocumentSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("receipt digest = %s, want %x", d.Receipt.DocumentSHA256, sum)
	}

	// Ensure the request carries the document and the idempotency headers.
	r := p.requests[0]
	if r.Method != http.MethodPost || r.URL.Path != upload.BatchesPath {
		t.Errorf("request = %s %s, want POST %s", r.Method, r.URL.Path, upload.BatchesPath)
	}
	if !bytes.Equal(p.bodies[0], body) {
		t.Errorf("request body = %q, want the document", p.bodies[0])
	}
	if got := r.Header.Get(upload.HeaderBatchID); got != clientBatch {
		t.Errorf("%s = %q", upload.HeaderBatchID, got)
	}
	if got, err := upload.ParseContentDigest(r.Header.Get("Content-Digest")); err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("Content-Digest = %q (%v), want the body's SHA-256", r.Header.Get("Content-Digest"), err)
	}
	if got := r.Header.Get("Content-Type"); got != upload.ContentTypeJWS {
		t.Errorf("Content-Type = %q", got)
	}
}

func TestDeliverPathPrefix(t *testing.T) {
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, p.URL+"/league/", keys)
	if c.Endpoint() != p.URL+"/league"+upload.BatchesPath {
		t.Errorf("Endpoint = %s", c.Endpoint())
	}
	if _, err := c.Deliver(context.Background(), clientBatch, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := p.requests[0].URL.Path; got != "/league"+upload.BatchesPath {
		t.Errorf("request path = %s", got)
	}
}

func TestDeliverInvalidReceipt(t *testing.T) {
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, p.URL, keys)
	otherPair, err := sign.GenerateKey(sign.RolePlatform, sign.SM2, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := mustKeyPairFiles(t, otherPair)
	body := []byte(`{"payload":"e30","signatures":[]}`)

	for _, tt := range []struct {
		name    string
		receipt func() []byte
		want    string
	}{
		{"UnregisteredKey", func() []byte { return signReceipt(t, otherKey, 1, clientBatch, body) }, "unknown kid"},
		{"OtherDocument", func() []byte { return signReceipt(t, p.key, 1, clientBatch, []byte(`{}`)) }, "acknowledges a document with SHA-256"},
		{"OtherBatch", func() []byte { return signReceipt(t, p.key, 1, "20261204-L1-2", body) }, "acknowledges batch 20261204-L1-2"},
		{"NotJWS", func() []byte { return []byte(`{"id":1}`) }, "malformed JWS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			receipt := tt.receipt()
			p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
				return http.StatusCreated, http.Header{"Content-Type": {upload.ContentTypeJWS}}, receipt
			})
			_, err := c.Deliver(context.Background(), clientBatch, body)
			var attempt *upload.AttemptError
			if !errors.As(err, &attempt) {
				t.Fatalf("Deliver error = %v, want an *AttemptError", err)
			}
			if !errors.Is(err, upload.ErrInvalidReceipt) {
				t.Errorf("error = %v, want ErrInvalidReceipt", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			if attempt.Status != http.StatusCreated {
				t.Errorf("status = %d, want 201", attempt.Status)
			}
		})
	}
}

func TestDeliverRejection(t *testing.T) {
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, p.URL, keys)
	p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
		return problem(http.StatusUnprocessableEntity, "signature.unknown_kid", "3f2a9c0d41e87b6655c0a1f9e2d4b718")
	})

	_, err := c.Deliver(context.Background(), clientBatch, []byte(`{}`))
	var rejected *upload.RejectionError
	if !errors.As(err, &rejected) {
		t.Fatalf("Deliver error = %v, want a *RejectionError", err)
	}
	if rejected.Status != http.StatusUnprocessableEntity {
		t.Errorf("status = %d", rejected.Status)
	}
	codes := rejected.Rejection.Codes()
	if len(codes) != 1 || codes[0] != "signature.unknown_kid(3f2a9c0d41e87b6655c0a1f9e2d4b718)" {
		t.Errorf("codes = %q", codes)
	}
	if got := rejected.Rejection.Reasons[0].Text("zh-CN"); got != "原因 signature.unknown_kid" {
		t.Errorf("Chinese text = %q", got)
	}
}

func TestDeliverRetryableFailures(t *testing.T) {
	p := newScriptedPlatform(t)
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, p.URL, keys)
	html := http.Header{"Content-Type": {"text/html"}}

	for _, tt := range []struct {
		name       string
		status     int
		header     http.Header
		body       string
		retryAfter time.Duration
	}{
		{"Unavailable", http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}}, "down for maintenance", 7 * time.Second},
		{"InternalError", http.StatusInternalServerError, nil, "", 0},
		{"TooManyRequests", http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, "", 30 * time.Second},
		{"ForbiddenWithoutReasons", http.StatusForbidden, html, "<html>forbidden</html>", 0},
		{"NotFound", http.StatusNotFound, html, "404 page not found", 0},
		{"ProblemWithoutReasons", http.StatusBadRequest, http.Header{"Content-Type": {upload.ContentTypeProblem}}, `{"type":"about:blank","status":400,"reasons":[]}`, 0},
		{"ReasonsAsPlainJSON", http.StatusUnprocessableEntity, http.Header{"Content-Type": {"application/json"}}, `{"reasons":[{"code":"x"}]}`, 0},
		{"Accepted", http.StatusAccepted, nil, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p.setRespond(func(int, *http.Request, []byte) (int, http.Header, []byte) {
				return tt.status, tt.header, []byte(tt.body)
			})
			_, err := c.Deliver(context.Background(), clientBatch, []byte(`{}`))
			var attempt *upload.AttemptError
			if !errors.As(err, &attempt) {
				t.Fatalf("Deliver error = %v, want an *AttemptError", err)
			}
			if attempt.Status != tt.status {
				t.Errorf("status = %d, want %d", attempt.Status, tt.status)
			}
			if attempt.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %s, want %s", attempt.RetryAfter, tt.retryAfter)
			}
			if tt.body != "" && !strings.Contains(err.Error(), strings.Fields(tt.body)[0]) {
				t.Errorf("error = %v, want the start of the body", err)
			}
		})
	}
}

func TestDeliverNoPlatform(t *testing.T) {
	// A port nobody listens on: take a free one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, keys := mustPlatformKeys(t)
	c := mustClient(t, "http://"+addr, keys)

	_, err = c.Deliver(context.Background(), clientBatch, []byte(`{}`))
	var attempt *upload.AttemptError
	if !errors.As(err, &attempt) {
		t.Fatalf("Deliver error = %v, want an *AttemptError", err)
	}
	if attempt.Status != 0 {
		t.Errorf("status = %d, want 0 for no response", attempt.Status)
	}
	if !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error = %v, want connection refused", err)
	}
}

func TestNewClientRejects(t *testing.T) {
	_, keys := mustPlatformKeys(t)
	stationPair, err := sign.GenerateKey(sign.RoleStation, sign.Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, stationKeys := mustKeyPairFiles(t, stationPair)
	for _, tt := range []struct {
		name string
		cfg  upload.ClientConfig
		want string
	}{
		{"NoScheme", upload.ClientConfig{Platform: "platform.example.cn", ReceiptKeys: keys}, "is invalid"},
		{"FTP", upload.ClientConfig{Platform: "ftp://platform.example.cn", ReceiptKeys: keys}, "is invalid"},
		{"Query", upload.ClientConfig{Platform: "https://platform.example.cn/?x=1", ReceiptKeys: keys}, "is invalid"},
		{"NoReceiptKey", upload.ClientConfig{Platform: "https://platform.example.cn"}, "no platform receipt key"},
		{"StationKeyForReceipts", upload.ClientConfig{Platform: "https://platform.example.cn", ReceiptKeys: stationKeys}, "want platform"},
		{"CertWithoutKey", upload.ClientConfig{Platform: "https://platform.example.cn", ReceiptKeys: keys, CertFile: "station.crt"}, "both the client certificate file and its key file"},
		{"MissingCAFile", upload.ClientConfig{Platform: "https://platform.example.cn", ReceiptKeys: keys, CAFile: "/nonexistent/ca.pem"}, "read CA file"},
		{"TLSFilesOverHTTP", upload.ClientConfig{Platform: "http://platform.example.cn", ReceiptKeys: keys, CAFile: "/dev/null"}, "holds no PEM certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := upload.NewClient(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewClient error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseContentDigest(t *testing.T) {
	body := []byte("lambtrace")
	sum := sha256.Sum256(body)
	want := hex.EncodeToString(sum[:])
	if got, err := upload.ParseContentDigest(upload.ContentDigest(body)); err != nil || got != want {
		t.Errorf("round trip = %s, %v; want %s", got, err, want)
	}
	if got, err := upload.ParseContentDigest("sha-512=:AAAA:, sha-256=" + strings.TrimPrefix(upload.ContentDigest(body), "sha-256=")); err != nil || got != want {
		t.Errorf("with another algorithm first = %s, %v; want %s", got, err, want)
	}
	for _, bad := range []string{"", "sha-512=:AAAA:", "sha-256=AAAA", "sha-256=:AAAA:", "sha-256=:!!!:"} {
		if got, err := upload.ParseContentDigest(bad); err == nil {
			t.Errorf("ParseContentDigest(%q) = %s, want an error", bad, got)
		}
	}
}
