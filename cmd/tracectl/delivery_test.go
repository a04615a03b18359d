package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/platform"
	"lambtrace/upload/sign"
)

// TestSampleDayDelivery takes the sample day from the line to the
// platform with tracectl alone: keys new, replay --seal, upload to a
// platform on loopback and outbox. Then the platform serves a pack of
// the day at its Digital Link.
func TestSampleDayDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("records 375 carcasses")
	}
	if _, err := os.Stat(epcisSchema); errors.Is(err, os.ErrNotExist) {
		t.Skipf("the official EPCIS 2.0 schema is not at %s (../shared/reference/epcis from the repository root); the platform validates against it", epcisSchema)
	}
	keys := mustSealKeys(t, "sm2")
	dir := t.TempDir()
	if code, _, stderr := runTracectl(sealArgs(dir, keys)...); code != exitOK {
		t.Fatalf("replay --seal: exit %d\n%s", code, stderr)
	}

	// The platform registers the station key for plant A15250201 and the
	// veterinarian's key, and the station keeps the platform's receipt
	// key in DATA/platform-keys.
	registered := t.TempDir()
	for role, dst := range map[sign.Role]string{sign.RoleStation: filepath.Join(registered, "A15250201"), sign.RoleInspector: registered} {
		pem, err := os.ReadFile(keys.public[role])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(keys.public[role])), pem, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	platformDir := t.TempDir()
	code, kid, stderr := runTracectl("keys", "new", "--role", "platform", "--alg", "ed25519", "--out", platformDir)
	if code != exitOK {
		t.Fatalf("keys new --role platform: exit %d\n%s", code, stderr)
	}
	kid = strings.TrimSpace(kid)
	pem, err := os.ReadFile(filepath.Join(platformDir, kid+".pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, platformKeysDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, platformKeysDir, kid+".pem"), pem, 0o644); err != nil {
		t.Fatal(err)
	}
	server := startTestPlatform(t, registered, filepath.Join(platformDir, kid+".key"))

	code, stdout, stderr := runTracectl("--data", dir, "upload", "--platform", server.URL)
	if code != exitOK {
		t.Fatalf("upload: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if !strings.HasPrefix(stdout, "20261204-L1-1 delivered attempts=1 ") || !strings.Contains(stdout, " receipt=1") {
		t.Errorf("upload printed %q", stdout)
	}
	for _, want := range []string{"1 delivered, 0 rejected", "已送达 1 份"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("upload summary lacks %q:\n%s", want, stderr)
		}
	}
	code, stdout, _ = runTracectl("--data", dir, "outbox")
	if code != exitOK || !strings.HasPrefix(stdout, "20261204-L1-1 delivered attempts=1 ") {
		t.Errorf("outbox: exit %d, %q", code, stdout)
	}

	// A pack of the day resolves at its Digital Link.
	db, err := store.Open(context.Background(), dir, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := db.Document(context.Background(), "20261204-L1-1")
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	j, err := sign.Parse(doc.Body)
	if err != nil {
		t.Fatal(err)
	}
	batch, err := upload.Parse(j.Payload())
	if err != nil {
		t.Fatal(err)
	}
	pack := batch.Packs[len(batch.Packs)/2]
	req, err := http.NewRequest(http.MethodGet, server.URL+"/01/"+pack.GTIN+"/10/"+batch.Batch.ID+"/21/"+pack.Serial, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var view platform.PackView
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &view) != nil {
		t.Fatalf("pack %s: status %d\n%s", pack.Serial, resp.StatusCode, body)
	}
	if view.NetWeight != pack.Grams || view.ProductCertificate != "1521870093" || !view.Vet.Verified || len(view.Animals) == 0 {
		t.Errorf("pack view = %+v", view)
	}
}

// startTestPlatform serves a platform with the keys in keyDir and the
// receipt key in receiptKey on 127.0.0.1.
func startTestPlatform(t *testing.T, keyDir, receiptKey string) *httptest.Server {
	t.Helper()
	registered, err := platform.LoadKeys(keyDir)
	if err != nil {
		t.Fatal(err)
	}
	key, err := sign.ReadPrivateKeyFile(receiptKey)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := upload.LoadValidator(epcisSchema)
	if err != nil {
		t.Fatal(err)
	}
	s, err := platform.Open(context.Background(), platform.Config{
		DataDir: t.TempDir(), Keys: registered, ReceiptKey: key, Schema: schema, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		server.Close()
		s.Close()
	})
	return server
}
