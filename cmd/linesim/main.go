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
//	linesim reader --pty /tmp/line --format allflex-custom --letters --no-leading-zeros --baud 19200 --echo --tag 036000982000123
//	linesim reader --pty /tmp/line --linerun testdata/xilingol-2026-12-04.linerun.json --repeat 0
//	linesim scale-tcp --addr 127.0.0.1:5020 --profile id551pn --script settle:18280:2s,hold:5s,swing:400:800ms:3s
//	linesim scale-tcp --addr 127.0.0.1:5020 --profile-file plant-hook.json --unit 3
//	linesim scale-rtu --pty /tmp/line --profile dgt4x --baud 19200 --unit 1 --unit 2:id551pn --script settle:21000,hold:4s
//	linesim scale-ascii --pty /tmp/line --format toledo --checksum --script settle:18.28kg,hold:5s
//	linesim printer --addr 127.0.0.1:9100 --jobs /tmp/labels
//
// scale-tcp acts as a Modbus TCP gateway: it responds only to the unit ids
// given with --unit (1 by default) and exception 11, "gateway target
// device failed to respond", for any other. scale-rtu puts one indicator
// per --unit on one simulated RS-485 line. A unit written ID:PROFILE has
// its own built-in profile, the others use --profile or --profile-file.
// Help and messages for the person at the line are in Chinese and
// English, from the devices catalog.
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

	"lambtrace/devices/scale"
	"lambtrace/line"
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

// command is one subcommand with its own flag set. The usage text of each
// flag is a catalog key, so help is printed in Chinese and English.
type command struct {
	name  string
	flags *flag.FlagSet

	// check validates the parsed flags. Its error is a usage error.
	check func() error
	run   func(ctx context.Context, s *session) error
}

// message is an error that a person at the line reads: a catalog key and
// its data, printed in Chinese and English. A detail message, when set,
// is rendered in the same language into the data key "detail".
type message struct {
	key    string
	data   map[string]string
	detail *message
}

// newMessage returns the message for key with data given as name, value
// pairs.
func newMessage(key string, pairs ...string) *message {
	data := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		data[pairs[i]] = pairs[i+1]
	}
	return &message{key: key, data: data}
}

func (m *message) Error() string { return m.text(line.LangEN) }

func (m *message) text(lang line.Lang) string {
	if m.detail == nil {
		return line.Translate(lang, m.key, m.data)
	}
	data := make(map[string]string, len(m.data)+1)
	for k, v := range m.data {
		data[k] = v
	}
	data["detail"] = m.detail.text(lang)
	return line.Translate(lang, m.key, data)
}

// usageError is an invalid command line, for which linesim exits 2.
type usageError struct{ msg *message }

func (e *usageError) Error() string { return e.msg.Error() }

// usage returns a usage error for key with data given as name, value
// pairs.
func usage(key string, pairs ...string) error {
	return &usageError{newMessage(key, pairs...)}
}

// asUsage turns the error of a check into a usage error, keeping its
// message when it has one.
func asUsage(err error) error {
	var m *message
	if errors.As(err, &m) {
		return &usageError{m}
	}
	return usage("device.linesim.invalid", "error", err.Error())
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
	var invalid *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &invalid):
		for _, lang := range line.Langs {
			fmt.Fprintf(os.Stderr, "linesim: %s\n", invalid.msg.text(lang))
		}
		for _, lang := range line.Langs {
			fmt.Fprintln(os.Stderr, line.Translate(lang, "device.linesim.help_hint", nil))
		}
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
		return usage("device.linesim.no_command", "commands", strings.Join(commandNames(), ", "))
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
		return usage("device.linesim.unknown_command", "command", name, "commands", strings.Join(commandNames(), ", "))
	}

	if err := cmd.flags.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(s.stdout, cmd)
			return err
		}
		return usage("device.linesim.bad_flag", "command", name, "error", err.Error())
	}
	if cmd.flags.NArg() > 0 {
		return usage("device.linesim.extra_argument", "command", name, "argument", cmd.flags.Arg(0))
	}
	if err := cmd.check(); err != nil {
		return asUsage(err)
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
// their flags, in Chinese and English.
func printHelp(w io.Writer, topics []string) {
	for _, lang := range line.Langs {
		fmt.Fprintln(w, line.Translate(lang, "device.linesim.help", nil))
	}
	for _, c := range commands() {
		if len(topics) > 0 && !contains(topics, c.name) {
			continue
		}
		fmt.Fprintln(w)
		printCommandHelp(w, c)
	}
}

// helpData is the data of the help templates in lang.
func helpData(lang line.Lang) map[string]string {
	return map[string]string{
		"profiles":         profileNames(),
		"reader_formats":   strings.Join(readerFormats, ", "),
		"scale_formats":    scale.StreamFormatNames,
		"printer_commands": line.Translate(lang, "device.linesim.printer.commands", nil),
	}
}

// printCommandHelp prints the summary of c and each flag with its value
// placeholder, its default and its help in every language.
func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "linesim %s:\n", c.name)
	for _, lang := range line.Langs {
		fmt.Fprintf(w, "  %s\n", line.Translate(lang, "device.linesim."+c.name+".summary", helpData(lang)))
	}
	c.flags.VisitAll(func(f *flag.Flag) {
		heading := "  --" + f.Name
		if placeholder := flagPlaceholders[f.Name]; placeholder != "" {
			heading += " " + placeholder
		}
		if f.DefValue != "" && f.DefValue != "false" {
			heading += fmt.Sprintf("   (%s / %s: %s)", line.Translate(line.LangZH, "device.linesim.default", nil),
				line.Translate(line.LangEN, "device.linesim.default", nil), f.DefValue)
		}
		fmt.Fprintln(w, heading)
		for _, lang := range line.Langs {
			fmt.Fprintf(w, "        %s\n", line.Translate(lang, f.Usage, helpData(lang)))
		}
	})
}

// flagPlaceholders names the value of each flag that takes one.
var flagPlaceholders = map[string]string{
	"addr": "HOST:PORT", "baud": "RATE", "checksum": "", "decimals": "N", "format": "NAME",
	"interval": "DURATION", "jobs": "DIR", "linerun": "FILE", "noise": "MASS", "profile": "NAME",
	"profile-file": "FILE", "pty": "DIR", "repeat": "N", "script": "STEPS", "tag": "RFID",
	"unit": "ID[:PROFILE]",
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
		return "", newMessage("device.linesim.addr_invalid", "addr", address)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", newMessage("device.linesim.addr_not_loopback", "addr", address)
	}
	return net.JoinHostPort(host, port), nil
}
