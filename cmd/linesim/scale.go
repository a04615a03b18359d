package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// scriptFlags are the weight script flags that every scale subcommand has.
type scriptFlags struct {
	text   *string
	noise  line.Mass
	parsed *parsedScript
}

func addScriptFlags(fs *flag.FlagSet) *scriptFlags {
	f := &scriptFlags{}
	f.text = fs.String("script", defaultScript, "weight script: comma-separated steps settle:MASS[:DURATION], hold:DURATION, swing:AMPLITUDE:PERIOD:DURATION, spike:MASS:DURATION, drift:MASS:DURATION (per second), overload:MASS:DURATION; MASS in whole grams or with a unit (18.28kg); it loops when it ends")
	fs.Var(&f.noise, "noise", "random noise added to every weight, up to ± `MASS`, such as 5g (default 0 g)")
	return f
}

func (f *scriptFlags) check() error {
	parsed, err := parseScript(*f.text, f.noise)
	if err != nil {
		return fmt.Errorf("invalid --script: %w", err)
	}
	f.parsed = parsed
	return nil
}

// profileNames returns the names of the built-in indicator profiles.
func profileNames() string {
	var names []string
	for _, p := range scale.Profiles() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func lookupProfile(name string) (scale.Profile, error) {
	if name == "" {
		return scale.Profile{}, fmt.Errorf("missing --profile: expected one of %s", profileNames())
	}
	profile, ok := scale.LookupProfile(name)
	if !ok {
		return scale.Profile{}, fmt.Errorf("unknown --profile %q: expected one of %s", name, profileNames())
	}
	return profile, nil
}

// newIndicator returns a simulated indicator playing the script in a loop.
func newIndicator(profile scale.Profile, script *sim.Script) (*sim.Indicator, error) {
	return sim.NewIndicator(profile, script, loopClock(script.Duration()))
}

func newScaleTCPCommand() *command {
	fs := newFlagSet("scale-tcp")
	addr := fs.String("addr", "127.0.0.1:5020", "listen address host:port, on 127.0.0.1 or localhost only; port 0 picks a free port")
	profileName := fs.String("profile", "", "indicator register map, a built-in profile: "+profileNames()+" (required)")
	script := addScriptFlags(fs)

	var profile scale.Profile
	var listen string
	c := &command{
		name:    "scale-tcp",
		summary: "a Modbus TCP weighing indicator with a profile's register map, playing a weight script",
		flags:   fs,
	}
	c.check = func() error {
		var err error
		if listen, err = loopbackAddress(*addr); err != nil {
			return err
		}
		if profile, err = lookupProfile(*profileName); err != nil {
			return err
		}
		return script.check()
	}
	c.run = func(ctx context.Context, s *session) error {
		return runScaleTCP(ctx, s, listen, profile, script.parsed.script)
	}
	return c
}

// runScaleTCP serves the indicator with the simonvetter Modbus server on
// a free loopback port and relays the station's connections to it, so
// that each connection is logged.
func runScaleTCP(ctx context.Context, s *session, address string, profile scale.Profile, script *sim.Script) error {
	indicator, err := newIndicator(profile, script)
	if err != nil {
		return err
	}
	server, err := sim.StartTCP(indicator, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer server.Close()

	log := s.logger.With(keyDevice, "scale-tcp", "profile", profile.Name)
	front, err := listenLoopback(address, log, relayTo(server.Addr))
	if err != nil {
		return fmt.Errorf("listen for modbus tcp on %s: %w", address, err)
	}
	log = log.With(keyAddr, front.Addr())
	log.Info("modbus tcp indicator started", "script_length", script.Duration())
	s.ready(front.Addr())

	err = front.Run(ctx)
	log.Info("modbus tcp indicator stopped", "reads", indicator.Reads(), "zeros", indicator.Zeros(), "tares", indicator.Tares())
	return err
}

func newScaleRTUCommand() *command {
	fs := newFlagSet("scale-rtu")
	dir := fs.String("pty", "", "directory `DIR` for the pty pair; the station's Modbus RTU client opens DIR/scale (required)")
	profileName := fs.String("profile", "", "indicator register map, a built-in profile: "+profileNames()+" (required)")
	baud := fs.Int("baud", 19200, "baud rate in bit/s; a pty ignores it, but it sets the 3.5-character silence that ends an RTU frame")
	unit := fs.Int("unit", 1, "Modbus unit id (slave address) the indicator answers to, 1 to 247")
	script := addScriptFlags(fs)

	var profile scale.Profile
	c := &command{
		name:    "scale-rtu",
		summary: "a Modbus RTU weighing indicator on a socat pty pair, playing a weight script",
		flags:   fs,
	}
	c.check = func() error {
		var err error
		switch {
		case *dir == "":
			return errors.New("missing --pty DIR")
		case !isDir(*dir):
			return fmt.Errorf("--pty directory %s does not exist: create it first", *dir)
		case *baud <= 0:
			return fmt.Errorf("invalid --baud %d: expected a positive rate such as 9600 or 19200", *baud)
		case *unit < 1 || *unit > 247:
			return fmt.Errorf("invalid --unit %d: expected 1 to 247", *unit)
		}
		if profile, err = lookupProfile(*profileName); err != nil {
			return err
		}
		return script.check()
	}
	c.run = func(ctx context.Context, s *session) error {
		return runScaleRTU(ctx, s, *dir, profile, script.parsed.script, *baud, byte(*unit))
	}
	return c
}

func runScaleRTU(ctx context.Context, s *session, dir string, profile scale.Profile, script *sim.Script, baud int, unit byte) error {
	indicator, err := newIndicator(profile, script)
	if err != nil {
		return err
	}
	pair, err := sim.StartPtyPair(dir, "scale")
	if err != nil {
		return err
	}
	defer pair.Close()

	log := s.logger.With(keyDevice, "scale-rtu", "profile", profile.Name, keyPath, pair.Station)
	slave, err := sim.StartRTU(indicator, pair.Simulator, baud, unit)
	if err != nil {
		return err
	}
	log.Info("modbus rtu indicator started", "unit", unit, "baud", baud, "socat_pid", pair.Pid(), "script_length", script.Duration())
	s.ready(pair.Station)

	var runErr error
	select {
	case <-ctx.Done():
	case <-pair.Exited():
		runErr = fmt.Errorf("socat (pid %d) for %s exited", pair.Pid(), pair.Station)
	}
	if err := slave.Close(); err != nil {
		log.Warn("close rtu port failed", keyError, err)
	}
	pair.Close()
	log.Info("modbus rtu indicator stopped", "reads", indicator.Reads(), "crc_errors", slave.CRCErrors())
	return runErr
}

// asciiFormatsWithOverload are the stream formats that can report an
// overload.
var asciiFormatsWithOverload = map[scale.StreamFormat]bool{scale.FormatToledo: true, scale.FormatAND: true}

func newScaleASCIICommand() *command {
	fs := newFlagSet("scale-ascii")
	dir := fs.String("pty", "", "directory `DIR` for the pty pair; the station's scale opens DIR/scale (required)")
	formatName := fs.String("format", "", "continuous output format: toledo, yaohua, and, keli or yaohua-line (required)")
	checksum := fs.Bool("checksum", false, "end each toledo frame with its checksum byte")
	decimals := fs.Int("decimals", 2, "decimals the indicator displays in kilograms, 0 to 3; weights are rounded to that step")
	interval := fs.Duration("interval", sim.DefaultASCIIScaleInterval, "time between two frames, such as 100ms")
	script := addScriptFlags(fs)

	var format scale.StreamFormat
	c := &command{
		name:    "scale-ascii",
		summary: "a weighing indicator streaming ASCII frames continuously on a socat pty pair, playing a weight script",
		flags:   fs,
	}
	c.check = func() error {
		var err error
		switch {
		case *dir == "":
			return errors.New("missing --pty DIR")
		case !isDir(*dir):
			return fmt.Errorf("--pty directory %s does not exist: create it first", *dir)
		case *decimals < 0 || *decimals > 3:
			return fmt.Errorf("invalid --decimals %d: expected 0 to 3", *decimals)
		case *interval <= 0:
			return fmt.Errorf("invalid --interval %v: expected a positive duration such as 140ms", *interval)
		}
		if format, err = scale.ParseStreamFormat(*formatName); err != nil {
			return fmt.Errorf("invalid --format: %w", err)
		}
		if *checksum && format != scale.FormatToledo {
			return fmt.Errorf("--checksum applies only to --format toledo, not %s", format)
		}
		if err := script.check(); err != nil {
			return err
		}
		if script.parsed.overload && !asciiFormatsWithOverload[format] {
			return fmt.Errorf("the %s format has no overload flag: remove the overload step or use toledo or and", format)
		}
		return nil
	}
	c.run = func(ctx context.Context, s *session) error {
		stream := &sim.ASCIIScale{Format: format, Checksum: *checksum, Interval: *interval}
		return runScaleASCII(ctx, s, *dir, stream, script.parsed.script, *decimals)
	}
	return c
}

// scriptSamples returns a sample function for sim.ASCIIScale that plays
// script in a loop, rounding each weight to the displayed step. A weight
// that the format cannot show, such as one too wide for its digits, is
// replaced by the last one shown, as an indicator that holds its display.
func scriptSamples(format scale.StreamFormat, checksum bool, script *sim.Script, decimals int, warn func(line.Mass, error)) func(int) (sim.ScaleSample, bool) {
	clock := loopClock(script.Duration())
	start := clock()
	step := line.Mass(1)
	for range 3 - decimals {
		step *= 10
	}
	var last sim.ScaleSample
	return func(int) (sim.ScaleSample, bool) {
		load := script.At(clock().Sub(start))
		sample := sim.ScaleSample{
			Grams:    roundTo(load.Grams, step),
			Decimals: decimals,
			Stable:   load.Stable,
			Overload: load.Overload,
		}
		if _, err := sim.EncodeScaleFrame(format, sample, checksum); err != nil {
			warn(load.Grams, err)
			return last, true
		}
		last = sample
		return sample, true
	}
}

// roundTo rounds m to the nearest multiple of step, halves away from zero.
func roundTo(m, step line.Mass) line.Mass {
	if m < 0 {
		return -roundTo(-m, step)
	}
	return (m + step/2) / step * step
}

func runScaleASCII(ctx context.Context, s *session, dir string, stream *sim.ASCIIScale, script *sim.Script, decimals int) error {
	pair, err := sim.StartPtyPair(dir, "scale")
	if err != nil {
		return err
	}
	defer pair.Close()

	log := s.logger.With(keyDevice, "scale-ascii", "format", stream.Format.String(), keyPath, pair.Station)
	// The end is opened as an os.File, which Go polls, so that closing it
	// ends a write that the full pty buffer blocks.
	end, err := os.OpenFile(pair.Simulator, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("open simulator end of %s: %w", pair.Station, err)
	}

	var lastWarning time.Time
	stream.Logger = log
	stream.Sample = scriptSamples(stream.Format, stream.Checksum, script, decimals, func(grams line.Mass, err error) {
		// Rate-limited, because the same weight repeats every frame.
		if time.Since(lastWarning) >= 10*time.Second {
			lastWarning = time.Now()
			log.Warn("weight cannot be shown in this format, repeating the last frame", "grams", int64(grams), keyError, err)
		}
	})
	log.Info("ascii scale started", "checksum", stream.Checksum, "interval", stream.Interval, "socat_pid", pair.Pid(), "script_length", script.Duration())
	s.ready(pair.Station)

	done := make(chan error, 1)
	go func() { done <- stream.Run(ctx, end) }()
	var runErr error
	select {
	case runErr = <-done:
	case <-ctx.Done():
		end.Close()
		<-done
	}
	end.Close()
	pair.Close()
	log.Info("ascii scale stopped")
	if runErr != nil {
		return fmt.Errorf("scale stream on %s: %w", pair.Station, runErr)
	}
	return nil
}
