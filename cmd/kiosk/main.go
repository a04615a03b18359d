// Command kiosk is the station's touchscreen application. It wires the
// line service together: the configuration, the device drivers, the
// station with its rules, labels and printers, and the station database.
//
//	kiosk [-config FILE] [-sim] [-data DIR]
//	kiosk -headless -sim -products P -registry R -linerun L [-data DIR] [-out DIR] [-speed X]
//
// Without a configuration file, or with -sim, the devices are simulated
// in the process: an ear-tag reader on a socat pty, Modbus TCP and ASCII
// scales and ZPL printers on 127.0.0.1, read by the real drivers. Given a
// line run (-linerun), the simulators play it: its tag reads, weights,
// inspections and cuts, at line pace times -speed.
//
// -headless plays a whole line run without a window into a data
// directory, importing the registry and product master first. The demo
// veterinarian then signs off the batch, which is sealed and uploaded to
// the platform, and the kiosk writes OUT/summary.json and every label
// to OUT/labels/. A data directory holding part of the day continues it.
// docs/kiosk.md describes the configuration file and the summary.
//
// Exit status: 0 on success, 2 when the command line, the configuration
// or an input file is invalid, 1 on any other failure.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2
)

// options are the command line's settings.
type options struct {
	config   string
	sim      bool
	dataDir  string
	headless bool
	products string
	registry string
	linerun  string
	out      string
	speed    float64
	logLevel slog.Level
	// cpuProfile and memProfile name the files of a CPU profile of the
	// whole run and of a heap profile at its end; empty writes none.
	cpuProfile string
	memProfile string
}

// usageError reports a wrong command line as a catalog key with its data,
// so it is printed in Chinese and English.
type usageError struct {
	key  string
	data map[string]string
}

func (e *usageError) Error() string { return line.Translate(line.LangEN, e.key, e.data) }

// configError reports a configuration that cannot be used.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the kiosk with args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout)
		return exitOK
	}
	if err == nil {
		err = runOptions(opts, stdout, stderr)
	}
	return report(err, stderr)
}

// parseFlags reads the command line.
func parseFlags(args []string) (options, error) {
	fset := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	var o options
	fset.StringVar(&o.config, "config", "", "configuration `file` (TOML); without one the kiosk runs with simulated devices")
	fset.BoolVar(&o.sim, "sim", false, "simulate every device, whatever the configuration sets")
	fset.StringVar(&o.dataDir, "data", "", "data `directory` of the station database; overrides the configuration")
	fset.BoolVar(&o.headless, "headless", false, "play the line run without a window and write a summary")
	fset.StringVar(&o.products, "products", "", "product master `file` to import (lambtrace-products/1)")
	fset.StringVar(&o.registry, "registry", "", "registry export `file` to import (lambtrace-registry/1)")
	fset.StringVar(&o.linerun, "linerun", "", "line run `file` the simulators play (lambtrace-linerun/1)")
	fset.StringVar(&o.out, "out", "", "`directory` for summary.json and labels/; the data directory by default")
	fset.Float64Var(&o.speed, "speed", -1, "line pace times `X`; 0 plays as fast as possible; the default is 0 with -headless and 1 without")
	level := fset.String("log", "warn", "log `level`: debug, info, warn or error")
	fset.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `file`")
	fset.StringVar(&o.memProfile, "memprofile", "", "write a heap profile to `file` when the kiosk stops")

	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, &usageError{key: "cli.bad_flag", data: map[string]string{"error": err.Error()}}
	}
	if fset.NArg() > 0 {
		return o, &usageError{key: "cli.extra_arguments", data: map[string]string{"arguments": strings.Join(fset.Args(), " ")}}
	}
	if err := o.logLevel.UnmarshalText([]byte(*level)); err != nil {
		return o, &usageError{key: "cli.bad_flag", data: map[string]string{"error": "-log: " + err.Error()}}
	}

	if o.headless && (o.products == "" || o.registry == "" || o.linerun == "") {
		return o, &usageError{key: "kiosk.headless_flags"}
	}
	if o.speed < 0 {
		o.speed = 1
		if o.headless {
			o.speed = 0
		}
	}
	return o, nil
}

// loadOptionsConfig returns the configuration the options name, with the
// flags that override it applied, and checks it.
func loadOptionsConfig(o options) (*Config, error) {
	cfg := DefaultConfig()
	if o.config != "" {
		var err error
		if cfg, err = LoadConfig(o.config); err != nil {
			return nil, &configError{err: err}
		}
	}
	if o.sim || o.headless {
		cfg.Simulated = true
	}
	if o.dataDir != "" {
		cfg.DataDir = o.dataDir
	}
	if err := cfg.Validate(); err != nil {
		return nil, &configError{err: err}
	}
	return cfg, nil
}

// defaultMemoryLimit is the Go soft memory limit the kiosk runs under
// unless GOMEMLIMIT sets another. The collector then keeps the heap near
// the limit instead of letting it grow to twice the live heap. After the
// sample day under Xvfb the live heap is about 35 MB, and this limit kept
// the resident memory under 200 MB, 9 MB below a 64 MiB limit. At 30
// times line pace the collector then used 5.6 % of one core (2.8 % under
// 64 MiB), so at line pace about a thirtieth of that.
// NOTE: the heap goal is then about 7 MB above the live heap. A day that
// keeps much more live makes the collector run far more often: at 48 MiB
// it used 39 % of a core at 30 times line pace. A PIN check or an
// inspector signature allocates 64 MiB for Argon2id, above the limit, and
// takes about twice as long (BenchmarkArgon2UnderMemoryLimit).
const defaultMemoryLimit = 56 << 20

// applyMemoryLimit sets defaultMemoryLimit unless the environment sets a
// limit. A soft limit never stops an allocation: above it the collector
// only runs more often.
func applyMemoryLimit(log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	log.Info("memory limit set", "bytes", defaultMemoryLimit)
}

func runOptions(o options, stdout, stderr io.Writer) error {
	cfg, err := loadOptionsConfig(o)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	applyMemoryLimit(log)
	stopProfiles, err := startProfiles(o, log)
	if err != nil {
		return err
	}
	defer stopProfiles()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	lang := line.Lang(cfg.Language)
	if !o.headless {
		return runGUI(ctx, cfg, o, log)
	}
	summary, err := runHeadless(ctx, cfg, headlessInput{products: o.products, registry: o.registry, linerun: o.linerun,
		out: o.out, speed: o.speed, progress: stderr, lang: lang}, log)
	if err != nil {
		return err
	}
	data := map[string]string{"dir": o.out}
	if o.out == "" {
		data["dir"] = cfg.DataDir
	}
	for _, l := range line.Langs {
		fmt.Fprintln(stderr, line.Translate(l, "kiosk.summary_written", data))
	}
	if !summary.JournalVerified {
		return errJournal
	}
	return nil
}

// errJournal reports a journal that did not verify after the day.
var errJournal = errors.New("the journal did not verify after the day; see the log")

// report prints err, in Chinese and English where the catalogs have it,
// and returns the exit status.
func report(err error, stderr io.Writer) int {
	var usage *usageError
	var cfgErr *configError
	var input *dayrun.InputError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "kiosk: %s\n", line.Translate(lang, "kiosk.stopped", nil))
		}
		return exitFailure
	case errors.As(err, &usage):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "kiosk: %s\n", line.Translate(lang, usage.key, usage.data))
		}
		printUsage(stderr)
		return exitInvalid
	case errors.As(err, &cfgErr):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "kiosk: %s\n", line.Translate(lang, "kiosk.config_invalid", map[string]string{"error": cfgErr.err.Error()}))
		}
		return exitInvalid
	case errors.As(err, &input):
		printInputError(stderr, input.Err)
		return exitInvalid
	default:
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "kiosk: %s\n", line.Translate(lang, "kiosk.failed", map[string]string{"error": err.Error()}))
		}
		return exitFailure
	}
}

// printInputError writes why an input file cannot be used.
func printInputError(w io.Writer, err error) {
	var v *line.ValidationError
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &v):
		name := v.File
		if name == "" {
			name = v.Format
		}
		for _, lang := range line.Langs {
			fmt.Fprintf(w, "kiosk: %s\n", line.Translate(lang, "cli.invalid_file", map[string]string{"file": name, "count": fmt.Sprint(v.Total())}))
		}
		for _, p := range v.Problems {
			fmt.Fprintf(w, "  %s\n  %s\n", p.Message(line.LangZH), p.Message(line.LangEN))
		}
	case errors.As(err, &pathErr):
		for _, lang := range line.Langs {
			fmt.Fprintf(w, "kiosk: %s\n", line.Translate(lang, "cli.read_failed", map[string]string{"file": pathErr.Path, "detail": pathErr.Err.Error()}))
		}
	default:
		fmt.Fprintf(w, "kiosk: %v\n", err)
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `usage: kiosk [-config FILE] [-sim] [-data DIR] [-products P -registry R] [-linerun L] [-speed X]
       kiosk -headless -products P -registry R -linerun L [-data DIR] [-out DIR] [-speed X]

  -config FILE   configuration file (TOML); without one every device is simulated
  -sim           simulate every device, whatever the configuration sets
  -data DIR      data directory of the station database
  -products P    product master to import (lambtrace-products/1)
  -registry R    registry export to import (lambtrace-registry/1)
  -linerun L     line run the simulators play (lambtrace-linerun/1)
  -headless      play the line run without a window; writes OUT/summary.json and OUT/labels/
  -out DIR       where -headless writes; the data directory by default
  -speed X       line pace times X; 0 plays as fast as possible (the default with -headless)
  -log LEVEL     log level: debug, info, warn (the default) or error
  -cpuprofile F  write a CPU profile of the run to F
  -memprofile F  write a heap profile to F when the kiosk stops
`)
}
