package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.bug.st/serial"

	"lambtrace/devices/printer"
	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/tap"
	"lambtrace/line"
)

// timing relates the line clock to the wall clock for the drivers: a
// line clock at rate runs rate times as fast as the wall clock. The
// drivers stamp readings and reads with line time, and the windows that
// judge them (a steady weight's span, the reader's duplicate window) are
// line time too. Waits that guard the wire (polling periods, a stream's
// silence before a reopen, a partial line's timeout) keep their wall
// length, so they are converted. The zero timing is the wall clock.
type timing struct{ rate float64 }

// minWallInterval bounds a polling period converted to wall time, so a
// very fast line clock does not make the drivers spin.
const minWallInterval = 100 * time.Microsecond

// wall returns the wall time that line time d takes.
func (t timing) wall(d time.Duration) time.Duration {
	if t.rate <= 0 {
		return d
	}
	return max(time.Duration(float64(d)/t.rate), minWallInterval)
}

// line returns the line time that passes in wall time d.
func (t timing) line(d time.Duration) time.Duration {
	if t.rate <= 0 {
		return d
	}
	return time.Duration(float64(d) * t.rate)
}

// deviceSet holds the drivers of the configured devices.
type deviceSet struct {
	reader   *rfid.Reader
	scales   []line.Scale
	modbus   map[string]*scale.ModbusScale // Modbus scales by id, for zero and tare
	printers map[string]*printer.Printer   // by role
	names    map[string]string             // printer id by role
	// taps keep the last bytes exchanged with each device, by device id,
	// for the devices screen.
	taps map[string]*tap.Recorder
}

// newDeviceSet builds a driver for every device of cfg, each with a tap
// of the bytes it exchanges. The reader and the scales stamp their input
// and their chunks with now. The printers stamp their chunks with the
// wall clock, because their Now also paces their log lines, which must
// keep their wall length.
func newDeviceSet(cfg *Config, t timing, now func() time.Time, log *slog.Logger) (*deviceSet, error) {
	d := &deviceSet{modbus: make(map[string]*scale.ModbusScale), printers: make(map[string]*printer.Printer),
		names: make(map[string]string), taps: make(map[string]*tap.Recorder)}

	format, err := readerFormat(cfg.Reader.Format)
	if err != nil {
		return nil, err
	}
	r := rfid.NewReader(cfg.Reader.ID, cfg.Reader.Port)
	r.Format = format
	r.Mode = serial.Mode{BaudRate: cfg.Reader.Baud}
	r.DedupWindow = time.Duration(cfg.Reader.DedupWindowMS) * time.Millisecond
	r.LineTimeout = t.line(rfid.DefaultLineTimeout)
	r.Now, r.Logger = now, log
	r.Tap = d.newTap(cfg.Reader.ID)
	d.reader = r

	for _, s := range cfg.Scales {
		drv, err := newScale(s, t, now, log, d.newTap(s.ID))
		if err != nil {
			return nil, fmt.Errorf("scale %s: %w", s.ID, err)
		}
		d.scales = append(d.scales, drv)
		if m, ok := drv.(*scale.ModbusScale); ok {
			d.modbus[s.ID] = m
		}
	}

	for _, p := range cfg.Printers {
		var drv *printer.Printer
		if p.Address != "" {
			drv = printer.NewTCP(p.ID, p.Address)
		} else {
			baud := p.Baud
			if baud == 0 {
				baud = 9600
			}
			drv = printer.NewSerial(p.ID, p.Port, serial.Mode{BaudRate: baud, DataBits: 8})
		}
		drv.Logger = log
		drv.Tap = d.newTap(p.ID)
		d.printers[p.Role], d.names[p.Role] = drv, p.ID
	}
	return d, nil
}

// newTap makes a tap with the default limits for the device id and keeps
// it in d.taps.
func (d *deviceSet) newTap(id string) *tap.Recorder {
	rec := tap.New(tap.Limits{})
	d.taps[id] = rec
	return rec
}

// newScale builds the driver of one scale, which copies the bytes it
// exchanges to rec.
func newScale(s ScaleConfig, t timing, now func() time.Time, log *slog.Logger, rec *tap.Recorder) (line.Scale, error) {
	switch s.Protocol {
	case ProtocolModbusTCP, ProtocolModbusRTU:
		profile, err := s.profile()
		if err != nil {
			return nil, err
		}
		poll := scale.DefaultPollInterval
		if s.PollIntervalMS > 0 {
			poll = time.Duration(s.PollIntervalMS) * time.Millisecond
		}
		m := &scale.ModbusScale{ID: s.ID, Profile: profile, UnitID: byte(s.UnitID), PollInterval: t.wall(poll),
			Now: now, Logger: log, Tap: rec}
		if s.Protocol == ProtocolModbusTCP {
			m.Address = s.Address
		} else {
			baud := s.Baud
			if baud == 0 {
				baud = 9600
			}
			m.Serial = scale.SerialConfig{Path: s.Port, BaudRate: baud, DataBits: 8, Parity: "N", StopBits: 1}
		}
		return m, nil
	case ProtocolASCII:
		format, err := scale.ParseStreamFormat(s.Format)
		if err != nil {
			return nil, err
		}
		baud := s.Baud
		if baud == 0 {
			baud = 9600
		}
		st := scale.NewStreamScale(s.ID, s.Port, serial.Mode{BaudRate: baud, DataBits: 8}, format)
		st.Options = scale.FrameOptions{Checksum: s.Checksum, Division: line.Mass(s.DivisionG)}
		st.Silence = t.line(scale.DefaultStreamSilence)
		st.LogInterval = t.line(scale.DefaultStreamLogInterval)
		st.Now, st.Logger, st.Tap = now, log, rec
		return st, nil
	}
	return nil, fmt.Errorf("protocol %q: expected modbus-tcp, modbus-rtu or ascii", s.Protocol)
}

// labelPrinter returns the station's printer of a role, or nil.
func (d *deviceSet) labelPrinter(role string) *line.LabelPrinter {
	p, ok := d.printers[role]
	if !ok {
		return nil
	}
	return &line.LabelPrinter{Name: d.names[role], Printer: p}
}

// run runs every input driver until ctx is done, handing tag reads to
// tag and readings to reading, and returns when all have stopped. A
// driver that stops on its own, which only a configuration its device
// rejects makes it do, is logged.
func (d *deviceSet) run(ctx context.Context, tag func(line.TagEvent), reading func(line.Reading), log *slog.Logger) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := d.reader.Run(ctx, tag); err != nil && ctx.Err() == nil {
			log.Error("reader stopped", "reader", d.reader.ID, "err", err)
		}
	}()
	for _, s := range d.scales {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx, reading); err != nil && ctx.Err() == nil {
				log.Error("scale stopped", "err", err)
			}
		}()
	}
	wg.Wait()
}

// Close closes the printers' connections.
func (d *deviceSet) Close() {
	for _, p := range d.printers {
		p.Close()
	}
}
