// Command linesim runs the station's device simulators from the command
// line, for commissioning practice and demos. Each simulator speaks the
// real protocol, so the station's own drivers talk to it as to the
// device: an ear-tag reader on a pseudo-terminal, a Modbus weighing
// indicator over TCP or RTU, a scale streaming ASCII frames and a ZPL
// label printer on raw TCP.
//
// Usage:
//
//	linesim help
//	linesim reader --pty /tmp/line --format allflex --tag 156000011051554 --tag 156000011051555 --interval 2s
//	linesim reader --pty /tmp/line --linerun testdata/xilingol-2026-12-04.linerun.json --repeat 0
//	linesim scale-tcp --addr 127.0.0.1:5020 --profile id551pn --script settle:18280:2s,hold:5s,swing:400:800ms:3s
//	linesim scale-rtu --pty /tmp/line --profile dgt4x --baud 19200 --unit 1 --script settle:21000,hold:4s
//	linesim scale-ascii --pty /tmp/line --format toledo --checksum --script settle:18.28kg,hold:5s
//	linesim printer --addr 127.0.0.1:9100 --jobs /tmp/labels
//
// The reader's pty is DIR/reader and the scales' pty is DIR/scale: the
// station opens that path. The other end of each pair belongs to the
// simulator. Each subcommand prints the path or address the station
// should use on stdout, logs to stderr, and runs until SIGINT or SIGTERM.
// It then stops what it started, socat included, and exits 0. Invalid
// flags exit 2, and failures at run time exit 1.
//
// Unlike a serial line, a pty pair keeps what the simulator writes while
// the station has the port closed, about 37 kB as measured on Linux 6.18,
// and the station reads it in a burst when it opens the port. The reader
// therefore sends its first read one --interval after the start. Start
// the station soon after a scale simulator when stale weights would
// matter.
//
// # Weight scripts
//
// A script is a comma-separated list of steps that follow each other.
// Masses are whole grams ("18280") or a number with a unit ("18.28kg").
// Durations use Go's syntax ("800ms", "5s", "1m").
//
//	settle:MASS[:DURATION]           lower a load onto the hook, settling on MASS (default 2s)
//	hold:DURATION                    keep the weight, stable
//	swing:AMPLITUDE:PERIOD:DURATION  swing by up to ±AMPLITUDE, reported unstable
//	spike:MASS:DURATION              show MASS briefly with the stable flag set, then return
//	drift:MASS:DURATION              creep by MASS per second while reported stable
//	overload:MASS:DURATION           report MASS with the overload flag
//
// When the script ends it starts again from 0 g, as when the carcass is
// taken off and the next one is hung.
//
// # Printer commands
//
// The printer subcommand reads commands from stdin, one a line, that set
// what the printer reports to ~HS: paper-out, head-open, pause, silent
// (no reply at all, as a Zebra printer with a media fault), text-mode
// (a reply that is not ZPL), ok (clear all of these) and jobs (list the
// jobs received).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Log attribute keys.
const (
	keyDevice = "device" // simulated device: reader, scale-tcp, scale-rtu, scale-ascii or printer
	keyPath   = "path"   // pty link the station opens
	keyAddr   = "addr"   // address the simulator listens on
	keyClient = "client" // address of a connected station
	keyError  = "err"
)

// session is the logger, standard streams and ready callback that a
// subcommand uses in place of the process-wide ones.
type session struct {
	logger *slog.Logger
	stdin  io.Reader
	stdout io.Writer

	// ready is called once the simulator can be reached at endpoint, the
	// path or address to configure on the station.
	ready func(endpoint string)
}

// command is one subcommand with its own flag set.
type command struct {
	name    string
	summary string
	flags   *flag.FlagSet

	// check validates the parsed flags. Its error is a usage error.
	check func() error
	run   func(ctx context.Context, s *session) error
}

// usageError is an invalid command line, for which linesim exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// commands returns fresh subcommands, each with unparsed flags.
func commands() []*command {
	return []*command{
		newReaderCommand(),
		newScaleTCPCommand(),
		newScaleRTUCommand(),
		newScaleASCIICommand(),
		newPrinterCommand(),
	}
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := &session{
		logger: logger,
		stdin:  os.Stdin,
		stdout: os.Stdout,
		ready:  func(endpoint string) { fmt.Println(endpoint) },
	}
	err := execute(ctx, os.Args[1:], s)
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintf(os.Stderr, "linesim: %v\nRun 'linesim help' for the subcommands and their flags.\n", err)
		os.Exit(2)
	default:
		logger.Error("linesim failed", keyError, err)
		os.Exit(1)
	}
}

// execute runs the subcommand named by args[0] until ctx is done. It
// returns a *usageError for an invalid command line, flag.ErrHelp after
// printing help, and the subcommand's error otherwise.
func execute(ctx context.Context, args []string, s *session) error {
	if len(args) == 0 {
		return usagef("missing subcommand: expected one of %s", strings.Join(commandNames(), ", "))
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		printHelp(s.stdout, args[1:])
		return flag.ErrHelp
	}

	var cmd *command
	for _, c := range commands() {
		if c.name == name {
			cmd = c
		}
	}
	if cmd == nil {
		return usagef("unknown subcommand %q: expected one of %s", name, strings.Join(commandNames(), ", "))
	}

	if err := cmd.flags.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(s.stdout, cmd)
			return err
		}
		return usagef("%s: %v", name, err)
	}
	if cmd.flags.NArg() > 0 {
		return usagef("%s: unexpected argument %q: every value is given with a flag", name, cmd.flags.Arg(0))
	}
	if err := cmd.check(); err != nil {
		return usagef("%s: %v", name, err)
	}
	return cmd.run(ctx, s)
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// printHelp lists every subcommand, or the ones named in topics, with
// their flags.
func printHelp(w io.Writer, topics []string) {
	fmt.Fprintln(w, "linesim runs a device simulator until interrupted. Subcommands:")
	for _, c := range commands() {
		if len(topics) > 0 && !contains(topics, c.name) {
			continue
		}
		fmt.Fprintln(w)
		printCommandHelp(w, c)
	}
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "linesim %s: %s\n", c.name, c.summary)
	c.flags.SetOutput(w)
	c.flags.PrintDefaults()
	c.flags.SetOutput(io.Discard)
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

// loopbackAddress checks that address is host:port with a loopback host
// and returns it with "localhost" replaced by 127.0.0.1, so the listener
// never binds another interface, whatever the resolver returns.
func loopbackAddress(address string) (string, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return "", fmt.Errorf("invalid listen address %q: expected host:port, such as 127.0.0.1:9100", address)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("listen address %q is not a loopback address: the simulators listen only on 127.0.0.1 or localhost", address)
	}
	return net.JoinHostPort(host, port), nil
}
