package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportAndVerify(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--data", dir, "import", "registry", sample + ".registry.json"},
		{"--data", dir, "import", "products", sample + ".products.json"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "journal head") || !strings.Contains(stdout.String(), "日志最新条目") {
			t.Errorf("%v: stdout %q", args, stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--data", dir, "journal", "verify"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("verify: exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "Journal verified: 1664 entries") || !strings.Contains(stdout.String(), "日志校验通过") {
		t.Errorf("verify stdout %q", stdout.String())
	}

	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("the sqlite3 command-line tool is not installed; make deps installs it")
	}
	edit := "UPDATE treatments SET withdrawal_days = 0 WHERE drug = '伊维菌素注射液';"
	if out, err := exec.Command("sqlite3", filepath.Join(dir, "lambtrace.db"), edit).CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"--data", dir, "journal", "verify"}, &stdout, &stderr); code != exitMismatch {
		t.Fatalf("verify after an edit: exit %d, want %d\n%s", code, exitMismatch, stderr.String())
	}
	for _, want := range []string{"table treatments, row ear_tag=", "changed outside the station", "表 treatments"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestImportInvalidStoresNothing(t *testing.T) {
	dir := t.TempDir()
	registry, err := os.ReadFile(sample + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "registry.json")
	broken := strings.Replace(string(registry), `"born_on": "2026-05-06"`, `"born_on": "2026-05-36"`, 1)
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run([]string{"--data", dir, "import", "registry", bad}, io.Discard, &stderr); code != exitInvalid {
		t.Fatalf("exit %d, want %d", code, exitInvalid)
	}
	if !strings.Contains(stderr.String(), "born_on") {
		t.Errorf("stderr does not name the field:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "lambtrace.db")); !os.IsNotExist(err) {
		t.Errorf("a database was created for an invalid file: %v", err)
	}
}

func TestDatabaseUsage(t *testing.T) {
	for _, args := range [][]string{{"import"}, {"import", "cattle", "x.json"}, {"journal"}, {"journal", "repair"}, {"--nope", "journal", "verify"}} {
		var stderr bytes.Buffer
		if code := run(args, io.Discard, &stderr); code != exitInvalid {
			t.Errorf("%v: exit %d, want %d", args, code, exitInvalid)
		}
	}
}
