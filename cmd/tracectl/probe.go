package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/printer"
	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/line"
)

// probeLogger writes device log lines to stderr, so they do not mix with
// the readings on stdout.
func probeLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// probeContext ends on SIGINT or SIGTERM.
func probeContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func runProbe(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return &usageError{key: "cli.probe_args"}
	}
	ctx, stop := probeContext()
	defer stop()
	switch args[0] {
	case "scale":
		return probeScale(ctx, args[1:], stdout, stderr)
	case "reader":
		return probeReader(ctx, args[1:], stdout, stderr)
	case "printer":
		return probePrinter(ctx, args[1:], stdout, stderr)
	}
	return &usageError{key: "cli.probe_args"}
}

// probeScale polls a Modbus indicator and prints each reading as JSON.
func probeScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("probe scale", flag.ContinueOnError)
	target := fset.String("modbus", "", "indicator `URL`: tcp://HOST:PORT or rtu:///dev/PATH?baud=9600&parity=N&databits=8&stopbits=1")
	profileName := fset.String("profile", "", "register `profile` name")
	profileFile := fset.String("profile-file", "", "JSON `file` with a plant's own register profile")
	unit := fset.Uint("unit", 1, "Modbus unit `id`")
	count := fset.Int("count", 0, "stop after `N` readings; 0 polls until interrupted")
	interval := fset.Duration("interval", 200*time.Millisecond, "poll `interval`, such as 200ms or 1s")
	wait := fset.Duration("wait", 10*time.Second, "give up when no reading arrives within this `duration`")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	profile, err := probeProfile(*profileName, *profileFile)
	if err != nil {
		return err
	}
	if *unit > 247 {
		return deviceUsage("device.unit_invalid", "unit", strconv.FormatUint(uint64(*unit), 10))
	}
	s := &scale.ModbusScale{ID: "probe", Profile: profile, UnitID: byte(*unit), PollInterval: *interval, Logger: probeLogger(stderr)}
	if err := parseModbusTarget(*target, s); err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	enc := json.NewEncoder(stdout)
	seen := 0
	silent := time.AfterFunc(*wait, cancel)
	err = s.Run(ctx, func(r line.Reading) {
		silent.Reset(*wait)
		enc.Encode(toReadingLine(r))
		seen++
		if *count > 0 && seen >= *count {
			cancel()
		}
	})
	silent.Stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		return scaleFailure(err)
	}
	if *count > 0 && seen < *count {
		return &failure{key: "cli.no_reading", data: map[string]string{"wait": wait.String()}}
	}
	return nil
}

// printerFailure names the printer problems a fitter can act on in both
// languages; other errors pass through.
func printerFailure(addr string, err error) error {
	keys := []struct {
		err error
		key string
	}{
		{printer.ErrOffline, "cli.printer_offline"},
		{printer.ErrNeedsAttention, "cli.printer_attention"},
		{printer.ErrNotZPL, "cli.printer_not_zpl"},
	}
	for _, k := range keys {
		if errors.Is(err, k.err) {
			return &failure{key: k.key, data: map[string]string{"addr": addr, "error": err.Error()}}
		}
	}
	return err
}

// probeProfile returns the built-in profile name or the profile in the
// JSON file, exactly one of which must be given.
func probeProfile(name, file string) (scale.Profile, error) {
	switch {
	case name != "" && file != "":
		return scale.Profile{}, deviceUsage("device.profile_both")
	case file != "":
		data, err := os.ReadFile(file)
		if err != nil {
			return scale.Profile{}, deviceUsage("device.profile_file_unreadable", "file", file, "error", err.Error())
		}
		profile, err := scale.ParseProfile(data)
		if err != nil {
			return scale.Profile{}, deviceUsage("device.profile_file_invalid", "file", file, "error", err.Error())
		}
		return profile, nil
	}
	profile, ok := scale.LookupProfile(name)
	if !ok {
		return scale.Profile{}, &usageError{key: "cli.unknown_profile", data: map[string]string{"profile": name, "names": profileNames()}}
	}
	return profile, nil
}

// scaleFailure names a configuration the indicator or the line rejects in
// both languages; other errors pass through.
func scaleFailure(err error) error {
	var configErr *scale.ConfigError
	if !errors.As(err, &configErr) {
		return err
	}
	key := "device.scale_config"
	switch {
	case errors.Is(err, scale.ErrUnitUnreachable):
		key = "device.scale_unit_unreachable"
	case errors.Is(err, scale.ErrLineSettings):
		key = "device.scale_line_settings"
	}
	return &failure{key: key, data: map[string]string{"scale": configErr.Scale, "error": err.Error()}}
}

// profileNames lists the built-in scale profiles for messages.
func profileNames() string {
	var names []string
	for _, p := range scale.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// parseModbusTarget reads tcp://HOST:PORT or rtu:///dev/PATH?baud=…
// into the scale's address or serial settings. Its errors are usage
// errors.
func parseModbusTarget(target string, s *scale.ModbusScale) error {
	u, err := url.Parse(target)
	if err != nil || target == "" {
		return deviceUsage("device.modbus_target_invalid", "target", target)
	}
	switch u.Scheme {
	case "tcp":
		if u.Host == "" || u.Port() == "" {
			return deviceUsage("device.modbus_tcp_invalid", "target", target)
		}
		s.Address = u.Host
		return nil
	case "rtu":
		q := u.Query()
		number := func(name string, def int) (int, error) {
			v := q.Get(name)
			if v == "" {
				return def, nil
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return 0, deviceUsage("device.modbus_number_invalid", "name", name, "value", v)
			}
			return n, nil
		}
		baud, err := number("baud", 0)
		if err != nil {
			return err
		}
		if baud == 0 || q.Get("parity") == "" {
			return deviceUsage("device.modbus_rtu_settings", "target", target)
		}
		dataBits, err := number("databits", 8)
		if err != nil {
			return err
		}
		stopBits, err := number("stopbits", 1)
		if err != nil {
			return err
		}
		s.Serial = scale.SerialConfig{Path: u.Path, BaudRate: baud, DataBits: dataBits,
			Parity: strings.ToUpper(q.Get("parity")), StopBits: stopBits}
		return nil
	}
	return deviceUsage("device.modbus_scheme_invalid", "target", target)
}

// probeReader shows every read of a serial ear-tag reader, raw and
// decoded, repeats included.
func probeReader(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("probe reader", flag.ContinueOnError)
	port := fset.String("port", "", "serial port `path`, preferably under /dev/serial/by-id")
	formatName := fset.String("format", "auto", "reader output `format`")
	baud := fset.String("baud", "9600", "baud `rate`, or auto to detect it")
	parity := fset.String("parity", "N", "parity: N, E or O")
	count := fset.Int("count", 0, "stop after `N` reads; 0 reads until interrupted")
	var setup []string
	fset.Func("setup", "configuration `command` to send after opening the port; repeat for several", func(s string) error {
		setup = append(setup, s)
		return nil
	})
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *port == "" {
		return deviceUsage("device.flag_required", "flag", "--port")
	}
	format, err := rfid.ParseFormat(*formatName)
	if err != nil {
		return deviceUsage("device.reader_format_invalid", "format", *formatName, "formats", rfid.FormatNames)
	}
	parities := map[string]serial.Parity{"N": serial.NoParity, "E": serial.EvenParity, "O": serial.OddParity}
	p, ok := parities[strings.ToUpper(*parity)]
	if !ok {
		return deviceUsage("device.parity_invalid", "parity", *parity)
	}
	r := rfid.NewReader("probe", *port)
	r.Format = format
	r.Mode = serial.Mode{DataBits: 8, Parity: p, StopBits: serial.OneStopBit}
	if strings.EqualFold(*baud, "auto") {
		r.DetectBaud = true
		r.BaudFound = func(rate int) {
			for _, lang := range line.Langs {
				fmt.Fprintln(stdout, line.Translate(lang, "device.reader_baud_found", map[string]string{"baud": strconv.Itoa(rate)}))
			}
		}
	} else if r.Mode.BaudRate, err = strconv.Atoi(*baud); err != nil || r.Mode.BaudRate <= 0 {
		return deviceUsage("device.baud_invalid", "baud", *baud)
	}
	r.Setup = setup
	r.DedupWindow = time.Nanosecond // show every read the reader sends
	r.Logger = probeLogger(stderr)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := 0
	err = r.Run(ctx, func(e line.TagEvent) {
		if e.Err != nil {
			fmt.Fprintf(stdout, "%s  %q  %v\n", e.At.Format(time.TimeOnly), e.Raw, e.Err)
		} else {
			fmt.Fprintf(stdout, "%s  %q  %s\n", e.At.Format(time.TimeOnly), e.Raw, e.RFID)
		}
		seen++
		if *count > 0 && seen >= *count {
			cancel()
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		// Run returns early only for a configuration it rejects.
		return &failure{key: "device.reader_config", data: map[string]string{"error": err.Error()}}
	}
	return nil
}

// probePrinter requests a ZPL printer's ~HS status and shows the raw
// reply and its flags.
func probePrinter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("probe printer", flag.ContinueOnError)
	addr := fset.String("addr", "", "printer `HOST:PORT`; the port defaults to 9100")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *addr == "" {
		return deviceUsage("device.flag_required", "flag", "--addr")
	}
	p := printer.NewTCP("probe", *addr)
	p.Logger = probeLogger(stderr)
	defer p.Close()
	s, err := p.Status(ctx)
	if err != nil {
		return printerFailure(*addr, err)
	}
	fmt.Fprintf(stdout, "raw: %q\n", s.Raw)
	return json.NewEncoder(stdout).Encode(statusLine{Ready: s.Ready(), PaperOut: s.PaperOut, Paused: s.Paused,
		HeadOpen: s.HeadOpen, RibbonOut: s.RibbonOut, HeadTooHot: s.HeadTooHot, BufferFull: s.BufferFull,
		LabelsPending: s.LabelsPending})
}
