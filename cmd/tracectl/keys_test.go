package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/upload/sign"
)

// runKeysNew runs tracectl keys new with args and returns the exit
// status, standard output and standard error.
func runKeysNew(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"keys", "new"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestKeysNewStation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := runKeysNew(t, "--role", "station", "--alg", "ed25519", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	kid := strings.TrimSuffix(stdout, "\n")
	if len(kid) != 32 || strings.Contains(kid, "\n") {
		t.Fatalf("stdout = %q, want the kid alone on one line", stdout)
	}
	for _, want := range []string{"Wrote the station key " + kid + " (EdDSA)", "已生成工位密钥 " + kid, filepath.Join(dir, kid+".key")} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	key, err := sign.ReadPrivateKeyFile(filepath.Join(dir, kid+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if key.KID() != kid || key.Role() != sign.RoleStation || key.Algorithm() != sign.Ed25519 || key.Encrypted() {
		t.Errorf("key file holds %s %s %s encrypted=%v", key.KID(), key.Role(), key.Algorithm(), key.Encrypted())
	}

	// Ensure a second run adds a new key and leaves the first alone.
	before, _ := os.ReadFile(filepath.Join(dir, kid+".key"))
	code, stdout, stderr = runKeysNew(t, "--role", "station", "--alg", "sm2", "--out", dir)
	if code != exitOK {
		t.Fatalf("second run: exit %d\n%s", code, stderr)
	}
	if second := strings.TrimSpace(stdout); second == kid {
		t.Error("second run printed the same kid")
	}
	if after, _ := os.ReadFile(filepath.Join(dir, kid+".key")); !bytes.Equal(before, after) {
		t.Error("second run changed the first key file")
	}
	set, err := sign.LoadKeySet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(set.Keys()); n != 2 {
		t.Errorf("key directory holds %d public keys, want 2", n)
	}
}

func TestKeysNewInspector(t *testing.T) {
	dir := t.TempDir()
	pinFile := filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte("482916\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runKeysNew(t, "--role", "inspector", "--alg", "sm2", "--out", dir, "--pin-file", pinFile)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "482916") {
		t.Error("output shows the PIN")
	}
	kid := strings.TrimSpace(stdout)
	key, err := sign.ReadPrivateKeyFile(filepath.Join(dir, kid+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if !key.Encrypted() || key.Role() != sign.RoleInspector || key.Algorithm() != sign.SM2 {
		t.Fatalf("key file holds %s %s encrypted=%v, want an encrypted SM2 inspector key", key.Role(), key.Algorithm(), key.Encrypted())
	}
	priv, _ := os.ReadFile(filepath.Join(dir, kid+".key"))
	if !bytes.Contains(priv, []byte("KDF: argon2id,v=19,m=65536,t=3,p=2")) {
		t.Errorf("key file lacks the default KDF parameters:\n%s", priv)
	}

	// Ensure the PIN from the file, without its line break, unlocks the key.
	set, err := sign.LoadKeySet(dir)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := sign.Sign([]byte("{}"), time.Now(), sign.Signer{Key: key, PIN: []byte("482916")})
	if err != nil {
		t.Fatalf("Sign with the PIN from the file: %v", err)
	}
	report, err := sign.Verify(jws, set)
	if err != nil || !report.Verified(sign.RoleInspector) {
		t.Fatalf("Verify: %v %v", err, report.Results)
	}
}

func TestKeysNewPlatform(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	code, stdout, stderr := runKeysNew(t, "--role", "platform", "--alg", "sm2", "--out", dir)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	kid := strings.TrimSpace(stdout)
	for _, want := range []string{"Wrote the platform key " + kid, "已生成平台密钥 " + kid, "Give the public key to every plant"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	key, err := sign.ReadPrivateKeyFile(filepath.Join(dir, kid+".key"))
	if err != nil {
		t.Fatal(err)
	}
	if key.Role() != sign.RolePlatform || key.Encrypted() {
		t.Errorf("key file holds a %s key, encrypted=%v; want an unencrypted platform key", key.Role(), key.Encrypted())
	}

	pin := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(pin, []byte("482916\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runKeysNew(t, "--role", "platform", "--alg", "sm2", "--out", dir, "--pin-file", pin)
	if code != exitInvalid || !strings.Contains(stderr, "a platform key signs without a person present") || !strings.Contains(stderr, "平台密钥在无人值守时签名") {
		t.Errorf("platform key with --pin-file: exit %d\n%s", code, stderr)
	}
}

func TestKeysNewRejects(t *testing.T) {
	dir := t.TempDir()
	goodPIN := filepath.Join(dir, "pin")
	if err := os.WriteFile(goodPIN, []byte("482916\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badPIN := filepath.Join(dir, "bad-pin")
	if err := os.WriteFile(badPIN, []byte("48 29 16\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	twoLines := filepath.Join(dir, "two-lines")
	if err := os.WriteFile(twoLines, []byte("482916\n482916\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "keys")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"NoSubcommand", []string{"keys"}, "keys new --role"},
		{"OtherSubcommand", []string{"keys", "list"}, "keys new --role"},
		{"NoRole", []string{"keys", "new", "--alg", "sm2", "--out", out}, "--role must be station, inspector or platform"},
		{"UnknownRole", []string{"keys", "new", "--role", "vet", "--alg", "sm2", "--out", out}, "not vet"},
		{"UnknownAlg", []string{"keys", "new", "--role", "station", "--alg", "rsa", "--out", out}, "--alg 只能是 ed25519 或 sm2，不能是 rsa"},
		{"NoOut", []string{"keys", "new", "--role", "station", "--alg", "sm2"}, "--out DIR is required"},
		{"InspectorWithoutPIN", []string{"keys", "new", "--role", "inspector", "--alg", "sm2", "--out", out}, "--pin-file FILE"},
		{"StationWithPIN", []string{"keys", "new", "--role", "station", "--alg", "sm2", "--out", out, "--pin-file", goodPIN}, "leave out --pin-file"},
		{"InvalidPIN", []string{"keys", "new", "--role", "inspector", "--alg", "ed25519", "--out", out, "--pin-file", badPIN}, "must be 4 to 32 digits"},
		{"TwoLinePIN", []string{"keys", "new", "--role", "inspector", "--alg", "ed25519", "--out", out, "--pin-file", twoLines}, "must be 4 to 32 digits"},
		{"MissingPINFile", []string{"keys", "new", "--role", "inspector", "--alg", "ed25519", "--out", out, "--pin-file", filepath.Join(dir, "none")}, "no such file"},
		{"ExtraArgument", []string{"keys", "new", "--role", "station", "--alg", "sm2", "--out", out, "extra"}, "unexpected arguments: extra"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", code, exitInvalid, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "48 29 16") {
				t.Error("stderr shows the PIN")
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a rejected command created %s", out)
	}
}
