package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
)

// childEnv makes the test binary run the kiosk's main with its arguments
// instead of the tests, so a test can kill a real kiosk process.
const childEnv = "LAMBTRACE_KIOSK_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startChild starts the kiosk in a child process, in a process group of
// its own with the socat processes of its simulators.
func startChild(t *testing.T, args []string, stderr *bytes.Buffer) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// killGroup kills a child started by startChild and every process of its
// group with SIGKILL, so the socat processes of its simulators, which a
// killed kiosk cannot stop, end with it.
func killGroup(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// countPackLabels counts the pack label jobs in a labels directory, whose
// names, unlike carcass numbers, have no dash.
func countPackLabels(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".zpl") && !strings.Contains(e.Name(), "-") {
			n++
		}
	}
	return n
}

// TestRestartAfterKill kills the kiosk with SIGKILL in the middle of
// cutting and starts it again on the same data directory. The day
// continues: the summary is the day check's, every pack has a printed
// label with its own serial, and the journal verifies.
func TestRestartAfterKill(t *testing.T) {
	needSocat(t)
	dir := t.TempDir()
	runPath := shortLineRun(t, dir, 12, 3)
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	args := append(headlessArgs(runPath, data, out), "-log", "info")

	var first bytes.Buffer
	child := startChild(t, args, &first)
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	labels := filepath.Join(out, "labels")
	deadline := time.Now().Add(2 * time.Minute)
	for countPackLabels(labels) < 40 {
		select {
		case err := <-exited:
			t.Fatalf("the kiosk ended before 40 packs were labelled: %v\n%s", err, first.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			killGroup(child)
			t.Fatalf("no 40 pack labels within 2 minutes\n%s", first.String())
		}
	}
	if err := killGroup(child); err != nil {
		t.Fatal(err)
	}
	<-exited
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
		t.Fatal("the day was finished before the kill: nothing was left to continue")
	}

	var second bytes.Buffer
	restarted := startChild(t, args, &second)
	if err := restarted.Wait(); err != nil {
		t.Fatalf("restarted kiosk: %v\n%s", err, second.String())
	}
	got := readSummary(t, out)
	if want := checkSummary(t, runPath); !reflect.DeepEqual(got.Summary, want) {
		t.Errorf("summary after a restart =\n%+v\nwant the day check's\n%+v", got.Summary, want)
	}
	if !got.JournalVerified {
		t.Error("journal_verified is false after a restart")
	}

	// Every pack has a confirmed print job and a label at the printer
	// that carries its serial; a label printed twice is the same label.
	db, err := store.Open(context.Background(), data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	day, _ := line.ParseDate("2026-12-04")
	facts, err := db.BatchFacts(context.Background(), line.BatchID{Day: day, Line: 1, Shift: 1}.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range facts.Packs {
		confirmed := false
		for _, j := range p.Prints {
			if j.State == string(line.PrintConfirmed) {
				confirmed = true
			}
		}
		if !confirmed {
			t.Errorf("pack %s has no confirmed print job: %+v", p.Serial, p.Prints)
		}
		job, err := os.ReadFile(filepath.Join(labels, p.Serial+".zpl"))
		if err != nil {
			t.Errorf("pack %s: %v", p.Serial, err)
			continue
		}
		if again, err := os.ReadFile(filepath.Join(labels, p.Serial+"-2.zpl")); err == nil && !bytes.Equal(again, job) {
			t.Errorf("pack %s was printed again with other content", p.Serial)
		}
	}
	if !strings.Contains(second.String(), "shift opened") || !strings.Contains(second.String(), "resumed=true") {
		t.Errorf("the restarted kiosk did not resume the shift:\n%s", second.String())
	}
}
