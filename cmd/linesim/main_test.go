package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// waitLimit bounds every wait for a simulator or a driver. The events
// waited for come within about 100 ms.
const waitLimit = 10 * time.Second

// lockedBuffer is a bytes.Buffer that a command writes to while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runningCommand is a subcommand that a test started in-process.
type runningCommand struct {
	endpoint string         // path or address passed to session.ready
	stdin    *io.PipeWriter // the command's stdin
	stdout   *lockedBuffer
}

// startCommand runs execute(args) on its own goroutine until the test
// ends, then cancels it and checks that it returned nil.
func startCommand(t *testing.T, args ...string) *runningCommand {
	t.Helper()
	return startLoggedCommand(t, slog.New(slog.DiscardHandler), args...)
}

// startLoggedCommand is startCommand with the command logging to logger.
func startLoggedCommand(t *testing.T, logger *slog.Logger, args ...string) *runningCommand {
	t.Helper()
	stdinReader, stdinWriter := io.Pipe()
	ready := make(chan string, 1)
	r := &runningCommand{stdin: stdinWriter, stdout: &lockedBuffer{}}
	s := &session{
		logger: logger,
		stdin:  stdinReader,
		stdout: r.stdout,
		ready:  func(endpoint string) { ready <- endpoint },
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- execute(ctx, args, s) }()
	t.Cleanup(func() {
		cancel()
		stdinWriter.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v returned %v after cancel, want nil", args, err)
			}
		case <-time.After(waitLimit):
			t.Errorf("%v did not return within %v of cancel", args, waitLimit)
		}
	})

	select {
	case r.endpoint = <-ready:
	case err := <-done:
		t.Fatalf("%v returned %v before it was ready", args, err)
	case <-time.After(waitLimit):
		t.Fatalf("%v not ready within %v", args, waitLimit)
	}
	return r
}

func requireSocat(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("socat"); err != nil {
		t.Skip("socat is not installed; install the socat package to run the pty tests")
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
	}{
		{"NoSubcommand", nil},
		{"UnknownSubcommand", []string{"conveyor"}},
		{"UnknownFlag", []string{"printer", "--colour", "red"}},
		{"ExtraArgument", []string{"printer", "extra"}},
		{"ReaderWithoutReads", []string{"reader", "--pty", dir}},
		{"ReaderTagAndLineRun", []string{"reader", "--pty", dir, "--tag", "156000011051554", "--linerun", "x.json"}},
		{"ReaderInvalidTag", []string{"reader", "--pty", dir, "--tag", "15600001105155"}},
		{"ReaderUnknownFormat", []string{"reader", "--pty", dir, "--format", "morse", "--tag", "156000011051554"}},
		{"ReaderLettersNotCustom", []string{"reader", "--pty", dir, "--format", "allflex", "--letters", "--tag", "156000011051554"}},
		{"ReaderNegativeBaud", []string{"reader", "--pty", dir, "--baud", "-1", "--tag", "156000011051554"}},
		{"ScaleTwoProfiles", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile", "w100", "--profile-file", "p.json"}},
		{"ScaleMissingProfileFile", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile-file", dir + "/missing.json"}},
		{"ScaleNoProfile", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--unit", "1:dgt4x", "--unit", "2"}},
		{"ScaleUnitProfileUnknown", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--unit", "1:nope"}},
		{"ScaleUnitRepeated", []string{"scale-rtu", "--pty", dir, "--profile", "w100", "--unit", "3", "--unit", "3:dgt4x"}},
		{"ScaleUnitNotNumber", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile", "w100", "--unit", "x"}},
		{"ScaleUnknownProfile", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile", "nope"}},
		{"ScaleBadScript", []string{"scale-tcp", "--addr", "127.0.0.1:0", "--profile", "w100", "--script", "hover:5s"}},
		{"RTUUnitZero", []string{"scale-rtu", "--pty", dir, "--profile", "w100", "--unit", "0"}},
		{"ASCIIChecksumNotToledo", []string{"scale-ascii", "--pty", dir, "--format", "and", "--checksum"}},
		{"ASCIIOverloadKeli", []string{"scale-ascii", "--pty", dir, "--format", "keli", "--script", "settle:1000,overload:200000:1s"}},
		{"ReaderMissingDir", []string{"reader", "--pty", dir + "/missing", "--tag", "156000011051554"}},
		{"ASCIIMissingDir", []string{"scale-ascii", "--pty", dir + "/missing", "--format", "and"}},
		{"PrinterMissingJobsDir", []string{"printer", "--addr", "127.0.0.1:0", "--jobs", dir + "/missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{logger: slog.New(slog.DiscardHandler), stdout: io.Discard, ready: func(string) {
				t.Error("simulator started for an invalid command line")
			}}
			err := execute(context.Background(), tt.args, s)
			var usage *usageError
			if !errors.As(err, &usage) {
				t.Errorf("execute(%q) = %v, want a usage error", tt.args, err)
			}
		})
	}
}

func TestNonLoopbackAddressRejected(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9100", ":9100", "192.0.2.10:5020", "[::]:9100", "example.com:9100"} {
		for _, name := range []string{"printer", "scale-tcp"} {
			args := []string{name, "--addr", addr, "--profile", "w100"}
			if name == "printer" {
				args = args[:3]
			}
			s := &session{logger: slog.New(slog.DiscardHandler), stdout: io.Discard, ready: func(string) {
				t.Errorf("%s listened on %s", name, addr)
			}}
			err := execute(context.Background(), args, s)
			var usage *usageError
			if !errors.As(err, &usage) {
				t.Errorf("%s --addr %s: error %v, want a usage error", name, addr, err)
			}
		}
	}
}

func TestLoopbackAddressAccepted(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:9100", "127.0.0.1:9100"},
		{"localhost:5020", "127.0.0.1:5020"},
		{"LOCALHOST:0", "127.0.0.1:0"},
		{"[::1]:9100", "[::1]:9100"},
	}
	for _, tt := range tests {
		got, err := loopbackAddress(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("loopbackAddress(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestHelpListsEverySubcommand(t *testing.T) {
	var out bytes.Buffer
	s := &session{logger: slog.New(slog.DiscardHandler), stdout: &out}
	if err := execute(context.Background(), []string{"help"}, s); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("execute(help) = %v, want flag.ErrHelp", err)
	}
	for _, name := range commandNames() {
		if !bytes.Contains(out.Bytes(), []byte("linesim "+name+":")) {
			t.Errorf("help output lacks %s:\n%s", name, out.String())
		}
	}
}
