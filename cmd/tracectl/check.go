package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"syscall"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/line"
)

// decisionLine is one decision of the day check's output.
type decisionLine struct {
	Type        string `json:"type"`
	Code        string `json:"code"`
	Severity    string `json:"severity"`
	RFID        string `json:"rfid"`
	EarTag      string `json:"ear_tag"`
	Consignment string `json:"consignment"`
	Carcass     string `json:"carcass,omitempty"`
	Lot         string `json:"lot,omitempty"`
	ReasonZH    string `json:"reason_zh"`
	ReasonEN    string `json:"reason_en"`
}

func runCheck(args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("check", flag.ContinueOnError)
	// run prints the error and the usage once, in both languages.
	fset.SetOutput(io.Discard)
	productsPath := fset.String("products", "", "product master `file` (lambtrace-products/1)")
	registryPath := fset.String("registry", "", "registry export `file` (lambtrace-registry/1)")
	runPath := fset.String("linerun", "", "line run `file` (lambtrace-linerun/1)")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{key: "cli.bad_flag", data: map[string]string{"error": err.Error()}}
	}
	if fset.NArg() > 0 {
		return &usageError{key: "cli.extra_arguments", data: map[string]string{"arguments": strings.Join(fset.Args(), " ")}}
	}
	if *productsPath == "" || *registryPath == "" || *runPath == "" {
		return &usageError{key: "cli.check_flags"}
	}

	day, err := loadDay(*productsPath, *registryPath, *runPath)
	if err != nil {
		return err
	}
	result, err := day.Replay(dayrun.DecodePass)
	if err != nil {
		return &inputError{err: withFile(err, *runPath)}
	}
	return writeResult(stdout, result)
}

// loadDay reads and cross-checks the three input files.
func loadDay(productsPath, registryPath, runPath string) (*line.Day, error) {
	products, err := line.ReadProductsFile(productsPath)
	if err != nil {
		return nil, &inputError{err: err}
	}
	reg, err := line.ReadRegistryFile(registryPath)
	if err != nil {
		return nil, &inputError{err: err}
	}
	run, err := line.ReadLineRunFile(runPath)
	if err != nil {
		return nil, &inputError{err: err}
	}
	day, err := line.NewDay(products, reg, run, nil, runPath)
	if err != nil {
		return nil, &inputError{err: err}
	}
	return day, nil
}

// withFile names the file in a validation error that lacks it.
func withFile(err error, file string) error {
	var v *line.ValidationError
	if errors.As(err, &v) && v.File == "" {
		v.File = file
	}
	return err
}

func writeResult(w io.Writer, result *line.DayResult) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, d := range result.Decisions {
		if err := enc.Encode(decisionLine{
			Type: "decision", Code: string(d.Code), Severity: string(d.Severity),
			RFID: string(d.RFID), EarTag: string(d.EarTag), Consignment: d.Consignment,
			Carcass: d.Carcass, Lot: d.Lot,
			ReasonZH: d.Reason(line.LangZH), ReasonEN: d.Reason(line.LangEN),
		}); err != nil {
			return err
		}
	}
	return enc.Encode(dayrun.SummaryOf(result.Summary))
}

// printInputError writes why the input cannot be used, in Chinese first
// and then in English, one problem per line.
func printInputError(w io.Writer, err error) {
	var v *line.ValidationError
	if !errors.As(err, &v) {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			for _, lang := range line.Langs {
				data := map[string]string{"file": pathErr.Path, "detail": osErrorText(lang, pathErr.Err)}
				fmt.Fprintf(w, "tracectl: %s\n", line.Translate(lang, "cli.read_failed", data))
			}
			return
		}
		fmt.Fprintf(w, "tracectl: %v\n", err)
		return
	}
	name := v.File
	if name == "" {
		name = v.Format
	}
	data := map[string]string{"file": name, "count": strconv.Itoa(v.Total())}
	for _, lang := range line.Langs {
		fmt.Fprintf(w, "tracectl: %s\n", line.Translate(lang, "cli.invalid_file", data))
	}
	// The header above is shared by check and import; neither uses any
	// part of a file with problems.
	for _, p := range v.Problems {
		fmt.Fprintf(w, "  %s\n  %s\n", p.Message(line.LangZH), p.Message(line.LangEN))
	}
	if v.Dropped > 0 {
		more := map[string]string{"count": strconv.Itoa(v.Dropped)}
		for _, lang := range line.Langs {
			fmt.Fprintf(w, "  %s\n", line.Translate(lang, "cli.more_problems", more))
		}
	}
}

// osErrorText names the common reasons a file cannot be read in lang, and
// falls back to the system's English text for the rest.
func osErrorText(lang line.Lang, err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return line.Translate(lang, "cli.not_exist", nil)
	case errors.Is(err, fs.ErrPermission):
		return line.Translate(lang, "cli.permission", nil)
	case errors.Is(err, syscall.EISDIR):
		return line.Translate(lang, "cli.is_directory", nil)
	}
	return err.Error()
}
