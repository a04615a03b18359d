package platform_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/platform"
)

var quietLogger = slog.New(slog.DiscardHandler)

// sealSigned opens a station store in dir and seals signed documents
// into its outbox.
func sealSigned(tb testing.TB, dir string, docs ...[]byte) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), dir, store.Options{Station: "line1", Logger: quietLogger})
	if err != nil {
		tb.Fatal(err)
	}
	for i, body := range docs {
		batch := []string{"20261204-L1-1", "20261204-L1-2", "20261204-L1-3"}[i]
		if err := db.Seal(context.Background(), "vet1", batch, "batch+jws", body); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// stationWorker returns an upload worker of db that retries quickly.
func stationWorker(tb testing.TB, db *store.DB, cfg upload.ClientConfig) *upload.Worker {
	tb.Helper()
	client, err := upload.NewClient(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	w, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: client, RetryBase: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		PollInterval: time.Second, Logger: quietLogger,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// freeAddr returns a loopback address that nobody listens on.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// waitUntil polls cond until it holds or timeout passes.
func waitUntil(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDeliveredAfterPlatformWasDown(t *testing.T) {
	k := mustTestKeys(t)
	doc := smallBatch(t, 1)
	body := mustSign(t, k, doc)
	db := sealSigned(t, t.TempDir(), body)
	defer db.Close()

	// The platform is down: nobody listens on its address.
	addr := freeAddr(t)
	w := stationWorker(t, db, upload.ClientConfig{Platform: "http://" + addr, ReceiptKeys: k.receiptKeys(t)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	waitUntil(t, time.Minute, "three failed attempts", func() bool {
		items, err := upload.ReadOutbox(ctx, db)
		return err == nil && items[0].Attempts >= 3
	})

	// The platform comes up on that address.
	s, err := platform.Open(context.Background(), platformConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	server := &httptest.Server{Listener: l, Config: &http.Server{Handler: s.Handler()}}
	server.Start()
	defer server.Close()

	waitUntil(t, time.Minute, "delivery", func() bool {
		items, err := upload.ReadOutbox(ctx, db)
		return err == nil && items[0].State == upload.OutboxDelivered
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}

	items, err := upload.ReadOutbox(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if r := items[0].Receipt; r == nil || r.BatchID != doc.Batch.ID || r.Plant != plantApproval {
		t.Errorf("stored receipt = %+v", r)
	}
	entry, err := db.Outbox(context.Background(), doc.Batch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := upload.VerifyReceipt([]byte(entry.Receipt), k.receiptKeys(t), doc.Batch.ID, entry.SHA256); err != nil {
		t.Errorf("the stored receipt does not verify: %v", err)
	}
	attempts, err := db.OutboxAttempts(context.Background(), doc.Batch.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := attempts[len(attempts)-1]
	if len(attempts) < 4 || attempts[0].HTTPStatus != 0 || last.HTTPStatus != http.StatusCreated {
		t.Errorf("attempts = %+v, want failures without a response, then 201", attempts)
	}
}

func TestWorkerResumesAfterStationRestart(t *testing.T) {
	k := mustTestKeys(t)
	dir := t.TempDir()
	first := smallBatch(t, 1)
	second := buildBatch(t, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 2}, animals: sampleAnimals(t, 5, 5), packs: 3, firstPack: 101})
	db := sealSigned(t, dir, mustSign(t, k, first), mustSign(t, k, second))
	p := startPlatform(t, platformConfig(t))
	cfg := upload.ClientConfig{Platform: p.URL, ReceiptKeys: k.receiptKeys(t)}

	// The station sends both batches and loses power before it records
	// either response: the platform received the first, not the second.
	doc, err := db.Document(context.Background(), first.Batch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if status, resp, _ := p.post(t, doc.Body, nil); status != http.StatusCreated {
		t.Fatalf("first upload: status %d, body %s", status, resp)
	}
	if _, err := db.BeginAttempt(context.Background(), first.Batch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.BeginAttempt(context.Background(), second.Batch.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// After the restart the worker on the reopened store delivers both:
	// the first again, which the platform takes as a repeat.
	db, err = store.Open(context.Background(), dir, store.Options{Station: "line1", Logger: quietLogger})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	report, err := stationWorker(t, db, cfg).Pass(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 2 {
		t.Fatalf("pass = %+v, want both documents", report)
	}
	for i, status := range []int{http.StatusOK, http.StatusCreated} {
		if res := report.Results[i]; res.State != store.OutboxDelivered || res.N != 2 || res.Status != status {
			t.Errorf("result %d = %+v, want delivered on attempt 2 with status %d", i, res, status)
		}
	}
	items, err := upload.ReadOutbox(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range items {
		if !strings.HasPrefix(item.Line(), item.BatchID+" delivered attempts=2 ") {
			t.Errorf("outbox line = %s", item.Line())
		}
	}
}

func TestWorkerRecordsRejection(t *testing.T) {
	k := mustTestKeys(t)
	doc := buildBatch(t, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}, animals: sampleAnimals(t, 0, 3), packs: 3, overweight: true})
	db := sealSigned(t, t.TempDir(), mustSign(t, k, doc))
	defer db.Close()
	p := startPlatform(t, platformConfig(t))

	report, err := stationWorker(t, db, upload.ClientConfig{Platform: p.URL, ReceiptKeys: k.receiptKeys(t)}).Pass(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Results) != 1 || report.Results[0].State != store.OutboxRejected || report.Results[0].Status != http.StatusUnprocessableEntity {
		t.Fatalf("pass = %+v", report)
	}
	items, err := upload.ReadOutbox(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	line := items[0].Line()
	if !strings.HasPrefix(line, "20261204-L1-1 rejected attempts=1 ") || !strings.Contains(line, upload.ProblemMassExcess+"("+doc.Carcasses[0].Number+")") {
		t.Errorf("outbox line = %s", line)
	}
	var found bool
	for _, reason := range items[0].Rejection.Reasons {
		found = found || reason.Code == upload.ProblemMassExcess && strings.Contains(reason.Text("zh-CN"), doc.Carcasses[0].Number)
	}
	if !found {
		t.Errorf("stored reasons lack the Chinese message of %s: %+v", upload.ProblemMassExcess, items[0].Rejection.Reasons)
	}
}

func TestMutualTLS(t *testing.T) {
	k := mustTestKeys(t)
	dir := t.TempDir()
	ca := newTestCA(t)
	serverCert := ca.issue(t, "platform", true)
	clientCert, clientKey := ca.writeLeaf(t, dir, "station", false)
	caFile := filepath.Join(dir, "ca.pem")
	mustWrite(t, caFile, ca.certPEM)

	s, err := platform.Open(context.Background(), platformConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	server := httptest.NewUnstartedServer(s.Handler())
	server.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool, MinVersion: tls.VersionTLS12}
	server.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes the test fails on purpose
	server.StartTLS()
	defer server.Close()
	body := mustSign(t, k, smallBatch(t, 1))

	// With the station's certificate the document goes in.
	c, err := upload.NewClient(upload.ClientConfig{Platform: server.URL, ReceiptKeys: k.receiptKeys(t),
		CertFile: clientCert, KeyFile: clientKey, CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Deliver(context.Background(), "20261204-L1-1", body)
	if err != nil {
		t.Fatalf("Deliver with a client certificate: %v", err)
	}
	if d.Status != http.StatusCreated {
		t.Errorf("status = %d", d.Status)
	}

	// Without one the handshake fails, and the attempt is one to retry.
	c, err = upload.NewClient(upload.ClientConfig{Platform: server.URL, ReceiptKeys: k.receiptKeys(t), CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Deliver(context.Background(), "20261204-L1-1", body)
	var attempt *upload.AttemptError
	if !errors.As(err, &attempt) || attempt.Status != 0 {
		t.Errorf("Deliver without a client certificate = %v, want an attempt without a response", err)
	}

	// A client that does not trust the platform's CA refuses it.
	c, err = upload.NewClient(upload.ClientConfig{Platform: server.URL, ReceiptKeys: k.receiptKeys(t), CertFile: clientCert, KeyFile: clientKey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Deliver(context.Background(), "20261204-L1-1", body); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Deliver to an untrusted platform = %v, want a certificate error", err)
	}
}

// testCA is a certificate authority for the mutual TLS tests.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM []byte
	pool    *x509.CertPool
}

func newTestCA(tb testing.TB) *testCA {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lambtrace test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	return ca
}

// leaf makes a certificate for 127.0.0.1 (server) or a client.
func (ca *testCA) leaf(tb testing.TB, name string, server bool) ([]byte, []byte) {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

func (ca *testCA) issue(tb testing.TB, name string, server bool) tls.Certificate {
	tb.Helper()
	certPEM, keyPEM := ca.leaf(tb, name, server)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		tb.Fatal(err)
	}
	return cert
}

// writeLeaf writes a certificate and its key into dir and returns their
// paths.
func (ca *testCA) writeLeaf(tb testing.TB, dir, name string, server bool) (string, string) {
	tb.Helper()
	certPEM, keyPEM := ca.leaf(tb, name, server)
	certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	mustWrite(tb, certFile, certPEM)
	mustWrite(tb, keyFile, keyPEM)
	return certFile, keyFile
}
