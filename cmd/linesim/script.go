package main

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"lambtrace/devices/sim"
	"lambtrace/line"
)

// defaultSettle is the settling time of a settle step without one.
const defaultSettle = 2 * time.Second

// defaultScript is the weight script of a scale started without --script:
// a carcass settles, holds, swings and settles again.
const defaultScript = "settle:18280,hold:5s,swing:300:800ms:2s,settle:18280:1s,hold:3s"

// scriptStep describes one step kind of the --script syntax.
type scriptStep struct {
	args int // values after the step name, the optional settle time included
	add  func(s *sim.Script, values []string) error
}

var scriptSteps = map[string]scriptStep{
	"settle": {2, func(s *sim.Script, v []string) error {
		target, err := parseMass(v[0])
		if err != nil {
			return err
		}
		d := defaultSettle
		if len(v) > 1 {
			if d, err = parseDuration(v[1]); err != nil {
				return err
			}
		}
		s.Settle(target, d)
		return nil
	}},
	"hold": {1, func(s *sim.Script, v []string) error {
		d, err := parseDuration(v[0])
		if err != nil {
			return err
		}
		s.Hold(d)
		return nil
	}},
	"swing": {3, func(s *sim.Script, v []string) error {
		amplitude, err := parseMass(v[0])
		if err != nil {
			return err
		}
		period, err := parseDuration(v[1])
		if err != nil {
			return err
		}
		d, err := parseDuration(v[2])
		if err != nil {
			return err
		}
		s.Swing(amplitude, period, d)
		return nil
	}},
	"spike":    {2, massAndDuration((*sim.Script).Spike)},
	"drift":    {2, massAndDuration((*sim.Script).Drift)},
	"overload": {2, massAndDuration((*sim.Script).Overload)},
}

func massAndDuration(add func(*sim.Script, line.Mass, time.Duration) *sim.Script) func(*sim.Script, []string) error {
	return func(s *sim.Script, v []string) error {
		m, err := parseMass(v[0])
		if err != nil {
			return err
		}
		d, err := parseDuration(v[1])
		if err != nil {
			return err
		}
		add(s, m, d)
		return nil
	}
}

// parsedScript is a weight script with the facts a scale subcommand
// checks before it starts.
type parsedScript struct {
	script   *sim.Script
	overload bool // the script has an overload step
}

// parseScript parses the --script syntax described in the package
// documentation into a script with ±noise grams of noise.
func parseScript(text string, noise line.Mass) (*parsedScript, error) {
	if strings.TrimSpace(text) == "" {
		return nil, newMessage("device.linesim.script_empty")
	}
	if noise < 0 {
		return nil, newMessage("device.linesim.noise_invalid", "noise", noise.String())
	}
	parsed := &parsedScript{script: sim.NewScript(noise, 1)}
	for i, item := range strings.Split(text, ",") {
		fields := strings.Split(strings.TrimSpace(item), ":")
		name, values := strings.ToLower(fields[0]), fields[1:]
		step, ok := scriptSteps[name]
		if !ok {
			return nil, newMessage("device.linesim.script_step_unknown", "step", strconv.Itoa(i+1), "item", item, "name", name)
		}
		// Only settle has an optional value, its settling time.
		minArgs := step.args
		if name == "settle" {
			minArgs = 1
		}
		if len(values) < minArgs || len(values) > step.args {
			return nil, newMessage("device.linesim.script_step_values", "step", strconv.Itoa(i+1), "item", item, "name", name, "values", stepUsage[name])
		}
		if err := step.add(parsed.script, values); err != nil {
			m := newMessage("device.linesim.script_step_invalid", "step", strconv.Itoa(i+1), "item", item)
			if !errors.As(err, &m.detail) {
				m.detail = newMessage("device.linesim.invalid", "error", err.Error())
			}
			return nil, m
		}
		parsed.overload = parsed.overload || name == "overload"
	}
	if parsed.script.Duration() <= 0 {
		return nil, newMessage("device.linesim.script_no_duration", "script", text)
	}
	return parsed, nil
}

// stepUsage gives the values each step takes. The mass of a drift step is
// per second.
var stepUsage = map[string]string{
	"settle":   "MASS[:DURATION]",
	"hold":     "DURATION",
	"swing":    "AMPLITUDE:PERIOD:DURATION",
	"spike":    "MASS:DURATION",
	"drift":    "MASS:DURATION",
	"overload": "MASS:DURATION",
}

// parseMass reads whole grams ("18280") or a mass with a unit ("18.28kg").
func parseMass(s string) (line.Mass, error) {
	if grams, err := strconv.ParseInt(s, 10, 64); err == nil {
		if line.Mass(grams) > line.MaxMass || line.Mass(-grams) > line.MaxMass {
			return 0, newMessage("device.linesim.mass_too_large", "mass", s, "max", line.MaxMass.String())
		}
		return line.Mass(grams), nil
	}
	m, err := line.ParseMass(s)
	if err != nil {
		return 0, newMessage("device.linesim.mass_invalid", "mass", s)
	}
	return m, nil
}

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, newMessage("device.linesim.duration_invalid", "duration", s)
	}
	return d, nil
}

// loopClock returns a clock for sim.NewIndicator that plays a script of
// length period over and over: the time it returns runs from the call of
// loopClock and jumps back by period each time period has passed.
func loopClock(period time.Duration) func() time.Time {
	start := time.Now()
	return func() time.Time {
		return start.Add(time.Since(start) % period)
	}
}
