package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"lambtrace/devices/printer"
	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/line"
)

// errUndecodable reports input that decoding rejected; each rejected read
// was already reported on standard error.
var errUndecodable = errors.New("undecodable input")

// readingLine is the JSON form of one scale reading.
type readingLine struct {
	Grams     int64 `json:"grams"`
	Stable    bool  `json:"stable"`
	Overload  bool  `json:"overload"`
	Underload bool  `json:"underload"`
	Net       bool  `json:"net"`
}

// statusLine is the JSON form of a printer's ~HS status.
type statusLine struct {
	Ready         bool `json:"ready"`
	PaperOut      bool `json:"paper_out"`
	Paused        bool `json:"paused"`
	HeadOpen      bool `json:"head_open"`
	RibbonOut     bool `json:"ribbon_out"`
	HeadTooHot    bool `json:"head_too_hot"`
	BufferFull    bool `json:"buffer_full"`
	LabelsPending int  `json:"labels_pending"`
}

func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{key: "cli.decode_args"}
	}
	switch args[0] {
	case "tag":
		return decodeTags(args[1:], stdin, stdout, stderr)
	case "scale":
		return decodeScale(args[1:], stdin, stdout, stderr)
	case "printer-status":
		return decodePrinterStatus(args[1:], stdin, stdout, stderr)
	}
	return &usageError{key: "cli.decode_args"}
}

func parseFlags(fset *flag.FlagSet, args []string) error {
	fset.SetOutput(io.Discard)
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{key: "cli.bad_flag", data: map[string]string{"error": err.Error()}}
	}
	if fset.NArg() > 0 {
		return &usageError{key: "cli.extra_arguments", data: map[string]string{"arguments": strings.Join(fset.Args(), " ")}}
	}
	return nil
}

// reportUndecodable writes why input could not be decoded, in both
// languages: the kind of problem of a reader read or a scale frame, then
// the decoder's own message, which quotes the input.
func reportUndecodable(w io.Writer, err error) {
	var problemer line.IDProblemer
	var frameErr *scale.FrameError
	for _, lang := range line.Langs {
		data := map[string]string{"error": err.Error()}
		key := "cli.undecodable"
		switch {
		case errors.As(err, &problemer):
			key = "device.undecodable_read"
			data["problem"] = line.Translate(lang, "id."+string(problemer.IDProblem()), nil)
		case errors.As(err, &frameErr):
			key = "device.undecodable_frame"
			data["problem"] = line.Translate(lang, frameProblemKey(frameErr.Err), nil)
		}
		fmt.Fprintf(w, "tracectl: %s\n", line.Translate(lang, key, data))
	}
}

// frameProblemKey returns the catalog key that names the problem of a
// scale frame.
func frameProblemKey(err error) string {
	switch {
	case errors.Is(err, scale.ErrFrameChecksum):
		return "device.frame_problem.checksum"
	case errors.Is(err, scale.ErrFrameUnit):
		return "device.frame_problem.unit"
	case errors.Is(err, scale.ErrFrameResolution):
		return "device.frame_problem.resolution"
	case errors.Is(err, scale.ErrFrameNotWeight):
		return "device.frame_problem.not_weight"
	}
	return "device.frame_problem.syntax"
}

// deviceUsage returns a usage error with a device catalog key and its data
// given as name, value pairs.
func deviceUsage(key string, pairs ...string) error {
	data := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		data[pairs[i]] = pairs[i+1]
	}
	return &usageError{key: key, data: data}
}

// decodeTags prints one RFID number per decoded read of recorded reader
// output.
func decodeTags(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("decode tag", flag.ContinueOnError)
	formatName := fset.String("format", "auto", "reader output `format`: "+rfid.FormatNames)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	format, err := rfid.ParseFormat(*formatName)
	if err != nil {
		return deviceUsage("device.reader_format_invalid", "format", *formatName, "formats", rfid.FormatNames)
	}
	failed := false
	err = rfid.DecodeStream(stdin, format, func(r line.TagRead) {
		if r.Err != nil {
			failed = true
			reportUndecodable(stderr, r.Err)
			return
		}
		fmt.Fprintln(stdout, r.RFID)
	})
	if err != nil {
		return err
	}
	if failed {
		return errUndecodable
	}
	return nil
}

// decodeScale prints the readings in a continuous ASCII stream, or the
// reading that a profile gives for register values.
func decodeScale(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("decode scale", flag.ContinueOnError)
	formatName := fset.String("format", "", "continuous output `format`: "+scale.StreamFormatNames)
	checksum := fset.Bool("checksum", false, "Toledo frames carry a checksum byte")
	profileName := fset.String("profile", "", "Modbus register `profile` name")
	registers := fset.String("registers", "", "0-based register addresses and 16-bit words, `ADDR:HEX,…`")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	switch {
	case *profileName != "" && *formatName == "":
		profile, ok := scale.LookupProfile(*profileName)
		if !ok {
			return &usageError{key: "cli.unknown_profile", data: map[string]string{"profile": *profileName, "names": profileNames()}}
		}
		regs, err := parseRegisters(*registers)
		if err != nil {
			return err
		}
		r, err := scale.Decode(profile, regs)
		if err != nil {
			reportUndecodable(stderr, err)
			return errUndecodable
		}
		return enc.Encode(toReadingLine(r))
	case *formatName != "" && *profileName == "":
		format, err := scale.ParseStreamFormat(*formatName)
		if err != nil {
			return deviceUsage("device.scale_format_invalid", "format", *formatName, "formats", scale.StreamFormatNames)
		}
		data, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		framer := scale.NewStreamFramer(format, *checksum)
		framer.Push(data)
		failed := false
		// decodeFrame reports noise and prints the reading of one frame.
		decodeFrame := func(frame, skipped []byte) error {
			if len(skipped) > 0 {
				failed = true
				reportUndecodable(stderr, fmt.Errorf("%d bytes outside any frame: %q", len(skipped), skipped))
			}
			if len(bytes.TrimSpace(frame)) == 0 {
				return nil
			}
			r, err := scale.ParseFrame(format, frame, scale.FrameOptions{Checksum: *checksum})
			if err != nil {
				failed = true
				reportUndecodable(stderr, err)
				return nil
			}
			return enc.Encode(toReadingLine(r))
		}
		for {
			frame, skipped, ok := framer.Next()
			if err := decodeFrame(frame, skipped); err != nil {
				return err
			}
			if !ok {
				break
			}
		}
		// The end of the input also ends a frame of a format that ends a
		// frame only where the next one starts.
		if frame, skipped, _ := framer.Final(); frame != nil || skipped != nil {
			if err := decodeFrame(frame, skipped); err != nil {
				return err
			}
		}
		if failed {
			return errUndecodable
		}
		return nil
	}
	return &usageError{key: "cli.decode_scale_args"}
}

func toReadingLine(r line.Reading) readingLine {
	return readingLine{Grams: r.Grams.Grams(), Stable: r.Stable, Overload: r.Overload, Underload: r.Underload, Net: r.Net}
}

// parseRegisters reads "ADDR:HEX,…" with decimal 0-based addresses and
// 16-bit words in hex. Its errors are usage errors.
func parseRegisters(s string) (map[uint16]uint16, error) {
	out := make(map[uint16]uint16)
	if strings.TrimSpace(s) == "" {
		return nil, deviceUsage("device.registers_empty")
	}
	for _, pair := range strings.Split(s, ",") {
		addrText, wordText, ok := strings.Cut(strings.TrimSpace(pair), ":")
		if !ok {
			return nil, deviceUsage("device.register_pair_invalid", "pair", pair)
		}
		addr, err := strconv.ParseUint(addrText, 10, 16)
		if err != nil {
			return nil, deviceUsage("device.register_address_invalid", "address", addrText)
		}
		word, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(wordText), "0x"), 16, 16)
		if err != nil {
			return nil, deviceUsage("device.register_value_invalid", "address", addrText, "value", wordText)
		}
		out[uint16(addr)] = uint16(word)
	}
	return out, nil
}

// decodePrinterStatus prints the flags of a recorded ~HS reply.
func decodePrinterStatus(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("decode printer-status", flag.ContinueOnError)
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(stdin, printer.MaxStatusReply+1))
	if err != nil {
		return err
	}
	s, err := printer.ParseStatus(data)
	if err != nil {
		reportUndecodable(stderr, err)
		return errUndecodable
	}
	return json.NewEncoder(stdout).Encode(statusLine{Ready: s.Ready(), PaperOut: s.PaperOut, Paused: s.Paused,
		HeadOpen: s.HeadOpen, RibbonOut: s.RibbonOut, HeadTooHot: s.HeadTooHot, BufferFull: s.BufferFull,
		LabelsPending: s.LabelsPending})
}
