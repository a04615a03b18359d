package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

const sampleRegistry = "../../testdata/xilingol-2026-12-04.registry.json"

// schemaFile is the official EPCIS 2.0 JSON Schema, which lives next to
// the repository and is never copied into it.
var schemaFile = filepath.Join("..", "..", "..", "shared", "reference", "epcis", "EPCIS-JSON-Schema.json")

// syncBuffer is a bytes.Buffer safe for platformd's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// platformFiles writes the key directory and the receipt key that
// platformd needs and returns the flags that name them.
func platformFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(schemaFile); errors.Is(err, os.ErrNotExist) {
		t.Skipf("the official EPCIS 2.0 schema is not at %s (../shared/reference/epcis from the repository root); platformd needs it", schemaFile)
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	station, err := sign.GenerateKey(sign.RoleStation, sign.Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := station.WriteFiles(filepath.Join(keys, "A15250201")); err != nil {
		t.Fatal(err)
	}
	receipt, err := sign.GenerateKey(sign.RolePlatform, sign.Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := receipt.WriteFiles(filepath.Join(dir, "platform")); err != nil {
		t.Fatal(err)
	}
	return []string{"-data", filepath.Join(dir, "data"), "-keys", keys,
		"-receipt-key", receipt.PrivatePath(filepath.Join(dir, "platform")), "-epcis-schema", schemaFile}
}

// startPlatformd runs platformd with args until the test ends and
// returns its address and its log.
func startPlatformd(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := &syncBuffer{}
	ready := make(chan string, 1)
	exit := make(chan int, 1)
	go func() { exit <- run(ctx, append(args, "-listen", "127.0.0.1:0"), log, ready) }()
	t.Cleanup(func() {
		cancel()
		if code := <-exit; code != exitOK {
			t.Errorf("platformd exited %d\n%s", code, log)
		}
		if !strings.Contains(log.String(), "platformd stopped") {
			t.Errorf("platformd did not log its stop:\n%s", log)
		}
	})
	select {
	case addr := <-ready:
		return addr, log
	case code := <-exit:
		t.Fatalf("platformd exited %d before it listened\n%s", code, log)
	case <-time.After(20 * time.Second):
		t.Fatalf("platformd did not listen within 20 s\n%s", log)
	}
	return "", nil
}

func TestPlatformdServes(t *testing.T) {
	args := append(platformFiles(t), "-registry", "152500="+sampleRegistry, "-max-body", "1048576")
	addr, log := startPlatformd(t, args...)
	base := "http://" + addr

	resp, err := http.Get(base + "/api/v1/registry?league=152500")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("registry: status %d\n%s", resp.StatusCode, body)
	}
	if _, err := line.ParseRegistry(body, "response"); err != nil {
		t.Errorf("registry export: %v", err)
	}

	// A body that is no signed document is rejected with reasons.
	resp, err = http.Post(base+upload.BatchesPath, upload.ContentTypeJWS, strings.NewReader(`{"payload":"e30"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var r upload.Rejection
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &r) != nil || len(r.Reasons) == 0 || r.Reasons[0].Code != "jws.malformed" {
		t.Errorf("unsigned body: status %d\n%s", resp.StatusCode, body)
	}

	// -max-body applies.
	resp, err = http.Post(base+upload.BatchesPath, upload.ContentTypeJWS, bytes.NewReader(make([]byte, 2<<20)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: status %d, want 413", resp.StatusCode)
	}

	for _, want := range []string{"platformd started", "path=/api/v1/registry status=200", "path=/api/v1/batches status=400", "reasons=[jws.malformed]", "status=413"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestPlatformdMutualTLS(t *testing.T) {
	dir := t.TempDir()
	caCert, caKey := makeCA(t)
	serverCert, serverKey := writeLeaf(t, dir, "server", caCert, caKey, true)
	clientCert, clientKey := writeLeaf(t, dir, "client", caCert, caKey, false)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(platformFiles(t), "-registry", "152500="+sampleRegistry,
		"-tls-cert", serverCert, "-tls-key", serverKey, "-client-ca", caFile)
	addr, _ := startPlatformd(t, args...)

	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	cert, err := tls.LoadX509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	resp, err := client.Get("https://" + addr + "/api/v1/registry?league=152500")
	if err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("with a client certificate: status %d", resp.StatusCode)
	}

	anonymous := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if resp, err := anonymous.Get("https://" + addr + "/api/v1/registry?league=152500"); err == nil {
		resp.Body.Close()
		t.Errorf("without a client certificate: status %d, want a failed handshake", resp.StatusCode)
	}
}

func TestPlatformdFlags(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"NoFlags", nil, exitInvalid, "missing -data, -keys, -receipt-key, -epcis-schema"},
		{"BadRegistry", []string{"-registry", "152500"}, exitInvalid, "want LEAGUE=FILE"},
		{"TLSKeyAlone", []string{"-data", "d", "-keys", "k", "-receipt-key", "r", "-epcis-schema", "s", "-tls-key", "k.pem"}, exitInvalid, "go together"},
		{"ClientCAWithoutTLS", []string{"-data", "d", "-keys", "k", "-receipt-key", "r", "-epcis-schema", "s", "-client-ca", "ca.pem"}, exitInvalid, "-client-ca needs -tls-cert"},
		{"Extra", []string{"-data", "d", "-keys", "k", "-receipt-key", "r", "-epcis-schema", "s", "now"}, exitInvalid, "unexpected arguments: now"},
		{"MissingKeyDir", []string{"-data", t.TempDir(), "-keys", filepath.Join(t.TempDir(), "none"), "-receipt-key", "r", "-epcis-schema", "s"}, exitFailure, "read key directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stderr, nil)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
		})
	}
}

func makeCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "platformd test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// writeLeaf writes a certificate signed by the CA, for 127.0.0.1 when
// server, and its key, and returns their paths.
func writeLeaf(t *testing.T, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, server bool) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
