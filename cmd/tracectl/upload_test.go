package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/store"
	"lambtrace/upload/sign"
)

// sealForUpload creates a station database in dir with the sealed
// documents of batches, sealed in order.
func sealForUpload(t *testing.T, dir string, batches ...string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, b := range batches {
		if err := db.Seal(ctx, "vet1", b, "batch+jws", []byte(`{"payload":"e30","signatures":[]}`)); err != nil {
			t.Fatal(err)
		}
	}
}

// writeKey makes a key in role and writes its files into dir.
func writeKey(t *testing.T, dir string, role sign.Role) *sign.KeyPair {
	t.Helper()
	pair, err := sign.GenerateKey(role, sign.Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pair.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	return pair
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestOutboxLines(t *testing.T) {
	dir := t.TempDir()
	sealForUpload(t, dir, "20261204-L1-1", "20261204-L1-2")

	code, stdout, stderr := runTracectl("--data", dir, "outbox")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("stdout has %d lines, want 2:\n%s", len(lines), stdout)
	}
	for i, batch := range []string{"20261204-L1-1", "20261204-L1-2"} {
		if !strings.HasPrefix(lines[i], batch+" queued attempts=0 sealed=") {
			t.Errorf("line %d = %q, want %s queued first", i+1, lines[i], batch)
		}
	}
}

func TestOutboxEmptyAndMissing(t *testing.T) {
	dir := t.TempDir()
	sealForUpload(t, dir)
	code, stdout, stderr := runTracectl("--data", dir, "outbox")
	if code != exitOK || stdout != "" {
		t.Errorf("empty outbox: exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "待上传队列为空") || !strings.Contains(stderr, "the outbox is empty") {
		t.Errorf("empty outbox: stderr = %q", stderr)
	}

	missing := filepath.Join(dir, "none")
	code, _, stderr = runTracectl("--data", missing, "outbox")
	if code != exitInvalid || !strings.Contains(stderr, "does not exist") {
		t.Errorf("missing data directory: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("outbox created the missing data directory")
	}

	code, _, stderr = runTracectl("--data", dir, "outbox", "extra")
	if code != exitInvalid || !strings.Contains(stderr, "takes no arguments") {
		t.Errorf("extra argument: exit %d\n%s", code, stderr)
	}
}

func TestUploadUsage(t *testing.T) {
	dir := t.TempDir()
	sealForUpload(t, dir, "20261204-L1-1")
	keys := t.TempDir()
	station := writeKey(t, keys, sign.RoleStation)

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"NoPlatform", []string{"--data", dir, "upload"}, "--platform URL is required"},
		{"NoPlatformKey", []string{"--data", dir, "upload", "--platform", "http://127.0.0.1:8440"}, filepath.Join(dir, "platform-keys")},
		{"StationKey", []string{"--data", dir, "upload", "--platform", "http://127.0.0.1:8440", "--platform-key", station.PublicPath(keys)}, "is a station key, not the platform's receipt key"},
		{"MissingKeyFile", []string{"--data", dir, "upload", "--platform", "http://127.0.0.1:8440", "--platform-key", filepath.Join(keys, "none.pem")}, "no such file"},
		{"MissingDataDir", []string{"--data", filepath.Join(dir, "none"), "upload", "--platform", "http://127.0.0.1:8440"}, "does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runTracectl(tt.args...)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}

	// A URL the client cannot use is a failure, named in both languages.
	platform := writeKey(t, filepath.Join(dir, "platform-keys"), sign.RolePlatform)
	_ = platform
	code, _, stderr := runTracectl("--data", dir, "upload", "--platform", "ftp://127.0.0.1")
	if code != exitFailure || !strings.Contains(stderr, "无法准备上传") || !strings.Contains(stderr, "is invalid") {
		t.Errorf("ftp URL: exit %d\n%s", code, stderr)
	}
}

func TestUploadPlatformDown(t *testing.T) {
	dir := t.TempDir()
	sealForUpload(t, dir, "20261204-L1-1", "20261204-L1-2")
	writeKey(t, filepath.Join(dir, "platform-keys"), sign.RolePlatform)

	code, stdout, stderr := runTracectl("--data", dir, "upload", "--platform", "http://"+closedPort(t))
	if code != exitFailure {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailure, stderr)
	}
	// The first document fails and the second waits for the next pass.
	if !strings.HasPrefix(stdout, "20261204-L1-1 queued attempts=1 ") || !strings.Contains(stdout, "connection refused") {
		t.Errorf("stdout = %q", stdout)
	}
	if strings.Contains(stdout, "20261204-L1-2") {
		t.Errorf("stdout names the document that was not attempted: %q", stdout)
	}
	for _, want := range []string{"0 delivered, 0 rejected by the platform, 1 failed; the other queued documents wait", "失败 1 份"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// A new process tries once more: the second document, because the
	// first waits for its retry. Then nothing is due, and --all attempts
	// the first again.
	code, stdout, _ = runTracectl("--data", dir, "upload", "--platform", "http://"+closedPort(t))
	if code != exitFailure || !strings.HasPrefix(stdout, "20261204-L1-2 queued attempts=1 ") {
		t.Errorf("second pass: exit %d, stdout %q", code, stdout)
	}
	code, stdout, stderr = runTracectl("--data", dir, "upload", "--platform", "http://"+closedPort(t))
	if code != exitOK || stdout != "" || !strings.Contains(stderr, "no queued document is due") {
		t.Errorf("third pass: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runTracectl("--data", dir, "upload", "--all", "--platform", "http://"+closedPort(t))
	if code != exitFailure || !strings.HasPrefix(stdout, "20261204-L1-1 queued attempts=2 ") {
		t.Errorf("pass with --all: exit %d, stdout %q", code, stdout)
	}
}
