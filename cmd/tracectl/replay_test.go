package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func replayArgs(dir string) []string {
	return []string{"--data", dir, "replay", "--products", sample + ".products.json", "--registry", sample + ".registry.json",
		"--linerun", sample + ".linerun.json"}
}

// journalEntries returns the number of entries journal verify reports.
func journalEntries(t *testing.T, dir string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--data", dir, "journal", "verify"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("journal verify: exit %d\n%s", code, stderr.String())
	}
	_, after, _ := strings.Cut(stdout.String(), "Journal verified: ")
	entries, _, _ := strings.Cut(after, " ")
	return entries
}

// TestReplaySampleDay records the sample day through the station service
// and checks that its summary is the day check's, that a second replay
// changes nothing and that the journal verifies.
func TestReplaySampleDay(t *testing.T) {
	if testing.Short() {
		t.Skip("records 375 carcasses")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run(replayArgs(dir), &stdout, &stderr); code != exitOK {
		t.Fatalf("replay: exit %d\n%s", code, stderr.String())
	}
	var replayed, checked, want map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &replayed); err != nil {
		t.Fatalf("replay output %q: %v", stdout.String(), err)
	}
	data, err := os.ReadFile(sample + ".summary.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(replayed, want) {
		t.Errorf("replay summary =\n%s\nwant\n%s", stdout.String(), data)
	}
	var check bytes.Buffer
	if code := run(sampleArgs(), &check, io.Discard); code != exitOK {
		t.Fatalf("check: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(check.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &checked); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(replayed, checked) {
		t.Errorf("replay summary =\n%s\ncheck summary\n%s", stdout.String(), lines[len(lines)-1])
	}

	// A second replay is refused and leaves the journal as it was.
	entries := journalEntries(t, dir)
	stdout.Reset()
	stderr.Reset()
	if code := run(replayArgs(dir), &stdout, &stderr); code != exitFailure {
		t.Errorf("second replay: exit %d, want %d", code, exitFailure)
	}
	for _, w := range []string{"20261204-L1-1", "375", "已在", "already in the database"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("second replay stderr lacks %q:\n%s", w, stderr.String())
		}
	}
	if stdout.Len() != 0 {
		t.Errorf("second replay printed %q", stdout.String())
	}
	if again := journalEntries(t, dir); again != entries {
		t.Errorf("journal has %s entries after the second replay, %s before", again, entries)
	}
}

func TestReplayInvalidInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none.json")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"NoFlags", []string{"--data", dir, "replay"}, []string{"--products", "--linerun"}},
		{"MissingFile", []string{"--data", dir, "replay", "--products", sample + ".products.json", "--registry", missing,
			"--linerun", sample + ".linerun.json"}, []string{"none.json", "cannot read file"}},
		{"ExtraArgument", append(replayArgs(dir), "extra"), []string{"unexpected arguments: extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, &stdout, &stderr); code != exitInvalid {
				t.Errorf("exit %d, want %d", code, exitInvalid)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
	// Invalid input touches no database.
	if _, err := os.Stat(filepath.Join(dir, "lambtrace.db")); !os.IsNotExist(err) {
		t.Errorf("database created for invalid input: %v", err)
	}
}

// BenchmarkReplaySampleDay records the whole sample day through the
// station service into a fresh database: 375 carcasses, 4,806 packs.
func BenchmarkReplaySampleDay(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		if code := run(replayArgs(dir), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
