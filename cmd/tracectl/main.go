// Command tracectl holds the station's headless tools:
//
//	tracectl check --products P --registry R --linerun L
//	tracectl [--data DIR] replay --products P --registry R --linerun L [--seal ...]
//	tracectl [--data DIR] import registry FILE
//	tracectl [--data DIR] import products FILE
//	tracectl [--data DIR] journal verify
//	tracectl decode tag|scale|printer-status [flags] < CAPTURE
//	tracectl probe scale|reader|printer [flags]
//	tracectl keys new --role station|inspector|platform --alg ed25519|sm2 --out DIR [--pin-file F]
//	tracectl label pack|carcass|carton [flags] --out DIR
//	tracectl [--data DIR] batch export --batch ID --out FILE
//	tracectl batch verify FILE --keys DIR [--epcis-schema PATH]
//	tracectl [--data DIR] upload --platform URL [--platform-key F] [--cert F --key F] [--ca F] [--all]
//	tracectl [--data DIR] outbox
//
// check replays a recorded slaughter day through the rules without devices
// or a database. replay records the same day through the station service
// into the station database and prints the same summary. import loads a registry export or a product master into
// the station database, all or nothing. journal verify checks the
// database's hash chain and every journaled row against it.
//
// decode turns recorded device output (reader lines and frames, scale
// streams or registers, printer status replies) into readings, for
// commissioning; probe shows what a live device sends. label writes a
// label's ZPL and PNG preview for test prints.
//
// keys new makes a signing key for batch documents, or the platform's
// key for receipts, and prints its kid.
// replay --seal also signs off the replayed batch and seals its signed
// document into the outbox. batch export writes that document as sent.
// batch verify checks a signed document offline, as the platform does.
//
// upload makes one pass of the upload worker over the outbox; outbox
// prints one line per sealed document with its upload state.
//
// Exit status: 0 on success, 2 when the input or the command line is
// invalid, 3 when journal verify finds a mismatch, 1 on any other failure,
// including device output that decode cannot decode, a refused sign-off,
// a document that batch verify does not verify and an upload pass with a
// failed or rejected document.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"lambtrace/labels"
	"lambtrace/line"
	"lambtrace/store"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFailure  = 1
	exitInvalid  = 2
	exitMismatch = 3
)

// defaultDataDir is the data directory when neither --data nor the
// LAMBTRACE_DATA environment variable names one.
const defaultDataDir = "data"

// globals are the options that come before the command.
type globals struct {
	dataDir string
}

// usageError reports a wrong command line. The message is a catalog key
// with its data, so it can be printed in Chinese and English.
type usageError struct {
	key  string
	data map[string]string
}

func (e *usageError) Error() string { return line.Translate(line.LangEN, e.key, e.data) }

// failure reports a failure a person can act on, as a catalog key with
// its data, so it is printed in Chinese and English. It exits 1.
type failure struct {
	key  string
	data map[string]string
}

func (e *failure) Error() string { return line.Translate(line.LangEN, e.key, e.data) }

// inputError reports input files that cannot be used.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

func main() {
	os.Exit(runWithInput(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs tracectl with an empty standard input.
func run(args []string, stdout, stderr io.Writer) int {
	return runWithInput(args, strings.NewReader(""), stdout, stderr)
}

func runWithInput(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g, args, err := parseGlobals(args)
	if err == nil && len(args) == 0 {
		err = &usageError{key: "cli.no_command"}
	}
	if err == nil {
		switch args[0] {
		case "check":
			err = runCheck(args[1:], stdout, stderr)
		case "import":
			err = runImport(g, args[1:], stdout)
		case "replay":
			err = runReplay(g, args[1:], stdout, stderr)
		case "journal":
			err = runJournal(g, args[1:], stdout)
		case "decode":
			err = runDecode(args[1:], stdin, stdout, stderr)
		case "probe":
			err = runProbe(args[1:], stdout, stderr)
		case "keys":
			err = runKeys(args[1:], stdout, stderr)
		case "label":
			err = runLabel(args[1:], stdout)
		case "batch":
			err = runBatch(g, args[1:], stdout)
		case "upload":
			err = runUpload(g, args[1:], stdout, stderr)
		case "outbox":
			err = runOutbox(g, args[1:], stdout, stderr)
		case "help", "-h", "--help":
			err = flag.ErrHelp
		default:
			err = &usageError{key: "cli.unknown_command", data: map[string]string{"command": args[0]}}
		}
	}
	var usage *usageError
	var input *inputError
	var mismatch *store.VerifyError
	var fail *failure
	var openErr *store.OpenError
	var labelErr *labels.Error
	var refusals *refusalsError
	var refusal *line.RefusalError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errUndecodable), errors.Is(err, errNotVerified):
		return exitFailure
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout)
		return exitOK
	case errors.As(err, &usage):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, usage.key, usage.data))
		}
		printUsage(stderr)
		return exitInvalid
	case errors.As(err, &fail):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, fail.key, fail.data))
		}
		return exitFailure
	case errors.As(err, &refusals):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, refusals.key, refusals.data))
			for _, r := range refusals.refusals {
				fmt.Fprintf(stderr, "  %s\n", r.Text(lang))
			}
		}
		return exitFailure
	case errors.As(err, &refusal):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", refusal.Text(lang))
		}
		return exitFailure
	case errors.As(err, &input):
		printInputError(stderr, input.err)
		return exitInvalid
	case errors.As(err, &labelErr):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", labelErr.Message(lang))
		}
		return exitInvalid
	case errors.As(err, &mismatch):
		printVerifyError(stderr, mismatch)
		return exitMismatch
	case errors.As(err, &openErr):
		data := map[string]string{"path": openErr.Path, "error": openErr.Err.Error()}
		for _, lang := range line.Langs {
			data["hint"] = ""
			if cause := openErr.Cause(); cause != "" {
				data["hint"] = line.Translate(lang, "cli.open_"+cause, nil)
			}
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, "cli.open_failed", data))
		}
		return exitFailure
	default:
		fmt.Fprintf(stderr, "tracectl: %v\n", err)
		return exitFailure
	}
}

// parseGlobals reads the options before the command.
func parseGlobals(args []string) (globals, []string, error) {
	fset := flag.NewFlagSet("tracectl", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	g := globals{}
	defaultDir := os.Getenv("LAMBTRACE_DATA")
	if defaultDir == "" {
		defaultDir = defaultDataDir
	}
	fset.StringVar(&g.dataDir, "data", defaultDir, "data `directory` of the station database")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return g, nil, err
		}
		return g, nil, &usageError{key: "cli.bad_flag", data: map[string]string{"error": err.Error()}}
	}
	return g, fset.Args(), nil
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `usage: tracectl [--data DIR] <command> [flags]

--data DIR sets the data directory of the station database; the default
is $LAMBTRACE_DATA, or ./data when that is not set.

commands:
  check --products FILE --registry FILE --linerun FILE
        replay a recorded slaughter day through the rules and print one
        JSON line per decision, then a summary line
  replay --products FILE --registry FILE --linerun FILE
         [--seal --station-key FILE --inspector-key FILE --pin-file FILE
          --certificate NUMBER [--domain D] [--approval NO]]
        record a slaughter day through the station service into the
        database, importing the registry and product master unless they
        are imported already, and print the summary check prints; a day
        whose batch the database holds already is refused. With --seal
        the veterinarian replay-vet then signs off the batch with the
        product quarantine certificate NUMBER, and its document, signed
        with both keys, is sealed into the outbox; --domain is the
        platform's domain (default trace.example.cn, the demo platform)
        and --approval stores the plant's approval number, which the
        document needs
  import registry FILE
        validate a registry export and load it into the database
  import products FILE
        validate a product master and load it into the database
  journal verify
        check the journal's hash chain and every journaled row against it
  keys new --role station|inspector|platform --alg ed25519|sm2 --out DIR [--pin-file FILE]
        make a key for signing batch documents (station, inspector) or
        the platform's receipts (platform): write DIR/<kid>.key and
        DIR/<kid>.pem and print the kid; an inspector key is encrypted
        under the PIN in FILE; existing files are never replaced
  batch export --batch ID --out FILE
        write the sealed, signed document of batch ID to FILE, byte for
        byte as the outbox sends it
  batch verify FILE --keys DIR [--epcis-schema PATH]
        verify a signed batch document offline: both signatures against
        the public keys in DIR, the EPCIS part against the EPCIS 2.0 JSON
        Schema (default `+defaultEPCISSchema+`;
        skipped with a warning when that file is missing), and the
        platform's checks: mass balance, head counts, origin claims and
        uniqueness; exit 0 only when everything holds
  label pack --products FILE --product KEY --weight-g N --serial S --batch B
             --ear-tag T [--lot ID] --out DIR [label flags]
        write DIR/S.zpl and DIR/S.png for a pack; with --lot, a mixed-lot
        pack whose --ear-tag lists the lot's animals, comma-separated
  label carcass --carcass N --ear-tag T --hot-weight-g N [--owner NAME]
                [--killed-at TIME] --out DIR [label flags]
        write DIR/N.zpl and DIR/N.png for a carcass
  label carton --products FILE --product KEY --weight-g N --serial S
               --batch B [--packs N] [--gtin G] --out DIR [label flags]
        write DIR/S.zpl and DIR/S.png for a carton
  label flags: --dpi 203|300, --size WxH in mm (60x40, 100x70, 100x150),
        --registry FILE (breed, origin and grassland mark), --packed-on DATE,
        --certificate NO, --domain D, --plant NAME, --approval NO,
        --font bitmap|resident, --resident-font PATH; without --domain,
        --plant and --approval the label shows demo values
  upload --platform URL [--platform-key FILE] [--cert FILE --key FILE]
         [--ca FILE] [--all]
        post every due sealed document to the platform once and print
        the outbox line of each; receipts are verified against
        --platform-key, or the .pem files in DATA/platform-keys; --cert
        and --key give a client certificate for mutual TLS; --all also
        attempts documents waiting for a retry
  outbox
        print one line per sealed document: batch id, upload state
        (queued, sending, delivered, rejected), attempts and details

`)
	// The commissioning commands are used at the line, so their help is
	// in the catalogs, in Chinese and English.
	for _, lang := range line.Langs {
		fmt.Fprintln(w, line.Translate(lang, "device.help", nil))
	}
	fmt.Fprint(w, `exit status: 0 success; 1 failure, such as undecodable input, a device
that does not answer, a refused sign-off, a batch document that does
not verify, or an upload that failed or was rejected; 2 invalid input
file or command line; 3 journal verify found a mismatch.
`)
}
