package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
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
	f.text = fs.String("script", defaultScript, "device.linesim.flag.script")
	fs.Var(&f.noise, "noise", "device.linesim.flag.noise")
	return f
}

func (f *scriptFlags) check() error {
	parsed, err := parseScript(*f.text, f.noise)
	if err != nil {
		return err
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
	profile, ok := scale.LookupProfile(name)
	if !ok {
		return scale.Profile{}, newMessage("device.linesim.profile_unknown", "profile", name, "profiles", profileNames())
	}
	return profile, nil
}

// profileFlags are the flags that choose a Modbus indicator's register
// map: a built-in profile or a plant's own in a JSON file.
type profileFlags struct {
	name    *string
	file    *string
	profile scale.Profile
}

func addProfileFlags(fs *flag.FlagSet) *profileFlags {
	return &profileFlags{
		name: fs.String("profile", "", "device.linesim.flag.profile"),
		file: fs.String("profile-file", "", "device.linesim.flag.profile_file"),
	}
}

// check reads the profile. A unit that names its own profile needs
// neither flag, so required is false when every unit does.
func (f *profileFlags) check(required bool) error {
	switch {
	case *f.name != "" && *f.file != "":
		return newMessage("device.linesim.profile_both")
	case *f.file != "":
		data, err := os.ReadFile(*f.file)
		if err != nil {
			return newMessage("device.linesim.profile_file_unreadable", "file", *f.file, "error", err.Error())
		}
		if f.profile, err = scale.ParseProfile(data); err != nil {
			return newMessage("device.linesim.profile_file_invalid", "file", *f.file, "error", err.Error())
		}
	case *f.name != "":
		var err error
		if f.profile, err = lookupProfile(*f.name); err != nil {
			return err
		}
	case required:
		return newMessage("device.linesim.profile_missing", "profiles", profileNames())
	}
	return nil
}

// unitSpec is one --unit value: a unit id and, optionally, the built-in
// profile of the indicator at that id.
type unitSpec struct {
	id      byte
	profile string
}

// unitFlag is a repeatable --unit flag. Its values are checked by
// parse, after the flags, so that the error is a message in both
// languages.
type unitFlag []string

var _ flag.Value = (*unitFlag)(nil)

func (f *unitFlag) String() string { return strings.Join(*f, ",") }

func (f *unitFlag) Set(s string) error {
	*f = append(*f, s)
	return nil
}

// parse returns the units, with the profiles they name checked.
func (f unitFlag) parse() (unitList, error) {
	var units unitList
	for _, s := range f {
		idText, profile, _ := strings.Cut(s, ":")
		id, err := strconv.Atoi(idText)
		if err != nil || id < 1 || id > 247 {
			return nil, newMessage("device.linesim.unit_invalid", "unit", s)
		}
		for _, u := range units {
			if u.id == byte(id) {
				return nil, newMessage("device.linesim.unit_repeated", "unit", idText)
			}
		}
		if profile != "" {
			if _, err := lookupProfile(profile); err != nil {
				return nil, err
			}
		}
		units = append(units, unitSpec{id: byte(id), profile: profile})
	}
	return units, nil
}

// unitList is the units to simulate. Empty means unit 1.
type unitList []unitSpec

// needsDefaultProfile reports whether a unit takes --profile or
// --profile-file, because it names no profile of its own.
func (l unitList) needsDefaultProfile() bool {
	if len(l) == 0 {
		return true
	}
	for _, u := range l {
		if u.profile == "" {
			return true
		}
	}
	return false
}

// indicators returns one simulated indicator per unit, each with its own
// profile, or fallback, playing its own copy of script in a loop.
func (l unitList) indicators(fallback scale.Profile, script *sim.Script) (map[byte]*sim.Indicator, error) {
	units := l
	if len(units) == 0 {
		units = unitList{{id: 1}}
	}
	indicators := make(map[byte]*sim.Indicator, len(units))
	for _, u := range units {
		profile := fallback
		if u.profile != "" {
			var err error
			if profile, err = lookupProfile(u.profile); err != nil {
				return nil, err
			}
		}
		indicator, err := newIndicator(profile, script)
		if err != nil {
			return nil, err
		}
		indicators[u.id] = indicator
	}
	return indicators, nil
}

// unitLogValue lists the units and their profiles for the log.
func unitLogValue(indicators map[byte]*sim.Indicator) string {
	ids := make([]int, 0, len(indicators))
	for id := range indicators {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%d:%s", id, indicators[byte(id)].Profile().Name))
	}
	return strings.Join(parts, ",")
}

// newIndicator returns a simulated indicator playing the script in a loop.
func newIndicator(profile scale.Profile, script *sim.Script) (*sim.Indicator, error) {
	return sim.NewIndicator(profile, script, loopClock(script.Duration()))
}

func newScaleTCPCommand() *command {
	fs := newFlagSet("scale-tcp")
	addr := fs.String("addr", "127.0.0.1:5020", "device.linesim.flag.addr_modbus")
	profile := addProfileFlags(fs)
	var unitValues unitFlag
	fs.Var(&unitValues, "unit", "device.linesim.flag.unit_tcp")
	script := addScriptFlags(fs)

	var listen string
	var units unitList
	c := &command{name: "scale-tcp", flags: fs}
	c.check = func() error {
		var err error
		if listen, err = loopbackAddress(*addr); err != nil {
			return err
		}
		if units, err = unitValues.parse(); err != nil {
			return err
		}
		if err := profile.check(units.needsDefaultProfile()); err != nil {
			return err
		}
		return script.check()
	}
	c.run = func(ctx context.Context, s *session) error {
		indicators, err := units.indicators(profile.profile, script.parsed.script)
		if err != nil {
			return err
		}
		return runScaleTCP(ctx, s, listen, indicators, script.parsed.script)
	}
	return c
}

// runScaleTCP serves the indicators with the simonvetter Modbus server on
// a free loopback port, as a gateway that responds only to their unit ids,
// and relays the station's connections to it, so that each connection is
// logged.
func runScaleTCP(ctx context.Context, s *session, address string, indicators map[byte]*sim.Indicator, script *sim.Script) error {
	server, err := sim.StartTCPUnits(indicators, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer server.Close()

	log := s.logger.With(keyDevice, "scale-tcp", "units", unitLogValue(indicators))
	front, err := listenLoopback(address, log, relayTo(server.Addr))
	if err != nil {
		return fmt.Errorf("listen for modbus tcp on %s: %w", address, err)
	}
	log = log.With(keyAddr, front.Addr())
	log.Info("modbus tcp indicator started", "script_length", script.Duration())
	s.ready(front.Addr())

	err = front.Run(ctx)
	for id, indicator := range indicators {
		log.Info("modbus tcp indicator stopped", "unit", id, "reads", indicator.Reads(), "zeros", indicator.Zeros(), "tares", indicator.Tares())
	}
	return err
}

// checkPtyDir checks the --pty directory.
func checkPtyDir(dir string) error {
	switch {
	case dir == "":
		return newMessage("device.linesim.pty_missing")
	case !isDir(dir):
		return newMessage("device.linesim.pty_not_dir", "dir", dir)
	}
	return nil
}

func newScaleRTUCommand() *command {
	fs := newFlagSet("scale-rtu")
	dir := fs.String("pty", "", "device.linesim.flag.pty_scale")
	profile := addProfileFlags(fs)
	baud := fs.Int("baud", 19200, "device.linesim.flag.baud_rtu")
	var unitValues unitFlag
	fs.Var(&unitValues, "unit", "device.linesim.flag.unit_rtu")
	script := addScriptFlags(fs)

	var units unitList
	c := &command{name: "scale-rtu", flags: fs}
	c.check = func() error {
		if err := checkPtyDir(*dir); err != nil {
			return err
		}
		if *baud <= 0 {
			return newMessage("device.linesim.baud_invalid", "baud", strconv.Itoa(*baud))
		}
		var err error
		if units, err = unitValues.parse(); err != nil {
			return err
		}
		if err := profile.check(units.needsDefaultProfile()); err != nil {
			return err
		}
		return script.check()
	}
	c.run = func(ctx context.Context, s *session) error {
		indicators, err := units.indicators(profile.profile, script.parsed.script)
		if err != nil {
			return err
		}
		return runScaleRTU(ctx, s, *dir, indicators, script.parsed.script, *baud)
	}
	return c
}

func runScaleRTU(ctx context.Context, s *session, dir string, indicators map[byte]*sim.Indicator, script *sim.Script, baud int) error {
	pair, err := sim.StartPtyPair(dir, "scale")
	if err != nil {
		return err
	}
	defer pair.Close()

	log := s.logger.With(keyDevice, "scale-rtu", "units", unitLogValue(indicators), keyPath, pair.Station)
	slave, err := sim.StartRTUUnits(indicators, pair.Simulator, baud)
	if err != nil {
		return err
	}
	log.Info("modbus rtu indicator started", "baud", baud, "socat_pid", pair.Pid(), "script_length", script.Duration())
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
	for id, indicator := range indicators {
		log.Info("modbus rtu indicator stopped", "unit", id, "reads", indicator.Reads())
	}
	log.Info("modbus rtu line stopped", "crc_errors", slave.CRCErrors())
	return runErr
}

// asciiFormatsWithOverload are the stream formats that can report an
// overload.
var asciiFormatsWithOverload = map[scale.StreamFormat]bool{scale.FormatToledo: true, scale.FormatAND: true}

func newScaleASCIICommand() *command {
	fs := newFlagSet("scale-ascii")
	dir := fs.String("pty", "", "device.linesim.flag.pty_scale")
	formatName := fs.String("format", "", "device.linesim.flag.format_scale")
	checksum := fs.Bool("checksum", false, "device.linesim.flag.checksum")
	decimals := fs.Int("decimals", 2, "device.linesim.flag.decimals")
	interval := fs.Duration("interval", sim.DefaultASCIIScaleInterval, "device.linesim.flag.interval_scale")
	script := addScriptFlags(fs)

	var format scale.StreamFormat
	c := &command{name: "scale-ascii", flags: fs}
	c.check = func() error {
		var err error
		if err := checkPtyDir(*dir); err != nil {
			return err
		}
		switch {
		case *decimals < 0 || *decimals > 3:
			return newMessage("device.linesim.decimals_invalid", "decimals", strconv.Itoa(*decimals))
		case *interval <= 0:
			return newMessage("device.linesim.interval_invalid", "interval", interval.String())
		}
		if format, err = scale.ParseStreamFormat(*formatName); err != nil {
			return newMessage("device.linesim.scale_format_invalid", "format", *formatName, "formats", scale.StreamFormatNames)
		}
		if *checksum && format != scale.FormatToledo {
			return newMessage("device.linesim.checksum_not_toledo", "format", format.String())
		}
		if err := script.check(); err != nil {
			return err
		}
		if script.parsed.overload && !asciiFormatsWithOverload[format] {
			return newMessage("device.linesim.no_overload_flag", "format", format.String())
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
