package store_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lambtrace/store"
)

const crashDirEnv = "LAMBTRACE_CRASH_CHILD_DIR"

// TestCrashChildProcess is the child of TestCrashRecovery. Run on its own
// it does nothing. As a child it appends events from four goroutines at
// once, so that updates also commit in groups, and prints
// "committed <seq> <counter>" after each commit, until it is killed.
func TestCrashChildProcess(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dir, store.Options{Logger: quiet})
	if err != nil {
		fmt.Println("open failed:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	for w := range 4 {
		go func() {
			for i := w; ; i += 4 {
				var seq, counter int64
				err := db.Update(ctx, store.System, func(tx *store.Tx) error {
					var err error
					if counter, err = tx.NextCounter("pack"); err != nil {
						return err
					}
					seq, err = tx.Append("test.pack", map[string]any{"counter": counter, "filler": strings.Repeat("x", i%500)})
					return err
				})
				out.Lock()
				if err != nil {
					fmt.Println("update failed:", err)
					os.Exit(3)
				}
				// Unbuffered: the line reaches the parent before the next write.
				fmt.Printf("committed %d %d\n", seq, counter)
				out.Unlock()
			}
		}()
	}
	select {}
}

// TestCrashRecovery kills a writing child process with SIGKILL at random
// moments, many times, and checks after each restart that the journal
// verifies, that every event the child reported committed is present,
// and that the counter continues without reusing a value.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashDirEnv) != "" {
		return
	}
	rounds := 25
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	ctx := context.Background()
	var lastCounter int64
	commits := 0
	for round := range rounds {
		reported := runChildUntilKilled(t, dir, time.Duration(20+rand.IntN(180))*time.Millisecond)

		db, err := store.Open(ctx, dir, store.Options{Logger: quiet})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		report, err := db.Verify(ctx)
		if err != nil {
			db.Close()
			t.Fatalf("round %d: %v", round, err)
		}
		counter, err := db.Counter("pack")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reported {
			if r.seq > report.HeadSeq {
				t.Errorf("round %d: entry %d was reported committed but the head is %d", round, r.seq, report.HeadSeq)
			}
			if r.counter <= lastCounter {
				t.Errorf("round %d: counter value %d reused (an earlier round reached %d)", round, r.counter, lastCounter)
			}
		}
		if n := len(reported); n > 0 {
			first, last, top := reported[0].seq, reported[0].seq, reported[0].counter
			for _, r := range reported {
				first, last, top = min(first, r.seq), max(last, r.seq), max(top, r.counter)
			}
			entries, err := db.Entries(ctx, first, last)
			if err != nil {
				t.Fatal(err)
			}
			payloads := make(map[int64]string, len(entries))
			for _, e := range entries {
				payloads[e.Seq] = string(e.Payload)
			}
			for _, r := range reported {
				if !strings.Contains(payloads[r.seq], fmt.Sprintf(`"counter":%d,`, r.counter)) {
					t.Errorf("round %d: reported entry %d with counter %d is missing or differs: %s", round, r.seq, r.counter, payloads[r.seq])
				}
			}
			if counter < top {
				t.Errorf("round %d: counter %d is behind the reported %d", round, counter, top)
			}
		}
		commits += len(reported)
		lastCounter = counter
		db.Close()
	}
	if commits == 0 {
		t.Error("no child ever reported a commit")
	}
	t.Logf("%d rounds, %d commits reported, counter at %d", rounds, commits, lastCounter)
}

type committed struct{ seq, counter int64 }

func runChildUntilKilled(t *testing.T, dir string, after time.Duration) []committed {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan []committed, 1)
	go func() {
		var out []committed
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			f := strings.Fields(scanner.Text())
			if len(f) == 3 && f[0] == "committed" {
				seq, _ := strconv.ParseInt(f[1], 10, 64)
				counter, _ := strconv.ParseInt(f[2], 10, 64)
				out = append(out, committed{seq, counter})
			} else if scanner.Text() != "" && !strings.HasPrefix(scanner.Text(), "PASS") {
				t.Errorf("child: %s", scanner.Text())
			}
		}
		lines <- out
	}()
	time.Sleep(after)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	return <-lines
}
