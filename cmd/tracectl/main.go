// Command tracectl holds the station's headless tools. Today it has one:
//
//	tracectl check --products P --registry R --linerun L
//
// replays a recorded slaughter day through the intake, inspection, lab and
// mass rules without devices or a database, and prints one JSON line per
// decision and a summary line.
//
// Exit status: 0 when the day was processed, 2 when the input is invalid
// or the command line is wrong, 1 on any other failure.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"lambtrace/line"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2
)

// usageError reports a wrong command line. The message is a catalog key
// with its data, so it can be printed in Chinese and English.
type usageError struct {
	key  string
	data map[string]string
}

func (e *usageError) Error() string { return line.Translate(line.LangEN, e.key, e.data) }

// inputError reports input files that cannot be used.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitInvalid
	}
	var err error
	switch args[0] {
	case "check":
		err = runCheck(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		printUsage(stdout)
		return exitOK
	default:
		err = &usageError{key: "cli.unknown_command", data: map[string]string{"command": args[0]}}
	}
	var usage *usageError
	var input *inputError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		printUsage(stdout)
		return exitOK
	case errors.As(err, &usage):
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, usage.key, usage.data))
		}
		printUsage(stderr)
		return exitInvalid
	case errors.As(err, &input):
		printInputError(stderr, input.err)
		return exitInvalid
	default:
		fmt.Fprintf(stderr, "tracectl: %v\n", err)
		return exitFailure
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `usage: tracectl <command> [flags]

commands:
  check --products FILE --registry FILE --linerun FILE
        replay a recorded slaughter day through the rules and print one
        JSON line per decision, then a summary line
`)
}
