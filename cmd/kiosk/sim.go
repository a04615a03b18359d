package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/devices/sim"
	"lambtrace/line"
)

// dial is the load on a simulated scale, which the simulated line sets.
// It is safe for concurrent use.
type dial struct{ grams atomic.Int64 }

func (d *dial) set(g line.Mass) { d.grams.Store(int64(g)) }
func (d *dial) get() line.Mass  { return line.Mass(d.grams.Load()) }

// dialEpoch is the script time of an empty dial. See dialIndicator.
var dialEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// dialIndicator returns a simulated Modbus indicator that shows the
// dial's load. A devices/sim Indicator plays a weight script against a
// clock. The script here rises 1 g per second of its clock, steady, and
// the indicator's clock is the dial read as seconds since dialEpoch, so
// the indicator reads the dial's weight to the gram.
// NOTE: a settable load on sim.Indicator would make this ramp
// unnecessary.
func dialIndicator(profile scale.Profile, d *dial) (*sim.Indicator, error) {
	const maxGrams = 1000 * line.Kilogram
	ramp := sim.NewScript(0, 0).Drift(1, time.Duration(maxGrams)*time.Second)
	return sim.NewIndicator(profile, ramp, func() time.Time {
		return dialEpoch.Add(time.Duration(d.get()) * time.Second)
	})
}

// rig is the set of simulators a simulated station runs on. The ear-tag
// reader writes to a socat pty. Each scale has a simulated indicator,
// on Modbus TCP on 127.0.0.1 or on a socat pty as Modbus RTU or an ASCII
// stream, and its load is a dial. Each printer is a simulated ZPL printer
// on 127.0.0.1. startRig points the configuration's devices at the
// simulators, so the real drivers read them.
type rig struct {
	dir       string // holds the pty links
	reader    *sim.ReaderSim
	readerPty *sim.Pty
	dials     map[string]*dial // by scale id
	// indicators are the simulated Modbus indicators by scale id, to
	// make them fail.
	indicators map[string]*sim.Indicator
	printers   map[string]*printerSim // by printer id

	log     *slog.Logger
	closers []func()
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// startRig starts a simulator for every device of cfg and sets the
// devices' addresses and ports to the simulators'. t gives the pace of
// the simulated indicators' output. labelsDir, when not empty, receives
// every job the simulated printers take.
func startRig(cfg *Config, t timing, labelsDir string, log *slog.Logger) (r *rig, err error) {
	dir, err := os.MkdirTemp("", "lambtrace-kiosk-")
	if err != nil {
		return nil, fmt.Errorf("simulators: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r = &rig{dir: dir, dials: make(map[string]*dial), indicators: make(map[string]*sim.Indicator), printers: make(map[string]*printerSim), log: log, cancel: cancel}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()

	// The reader: the line run's bytes go to one end of a pty pair and the
	// driver opens the other, through a link that survives a replug.
	pty, err := sim.StartPty(dir)
	if err != nil {
		return nil, fmt.Errorf("simulated reader: %w", err)
	}
	r.readerPty = pty
	r.closers = append(r.closers, func() { pty.Close() })
	r.reader = sim.NewReaderSim(pty, rfid.FormatAllflex)
	cfg.Reader.Port = pty.Path
	log.Info("simulated reader started", "reader", cfg.Reader.ID, "path", pty.Path)

	for i := range cfg.Scales {
		if err := r.startScale(ctx, &cfg.Scales[i], t); err != nil {
			return nil, fmt.Errorf("simulated scale %s: %w", cfg.Scales[i].ID, err)
		}
	}
	for i := range cfg.Printers {
		p := &cfg.Printers[i]
		ps, err := startPrinterSim(p.ID, labelsDir, log)
		if err != nil {
			return nil, fmt.Errorf("simulated printer %s: %w", p.ID, err)
		}
		r.printers[p.ID] = ps
		r.closers = append(r.closers, func() { ps.Close() })
		p.Address, p.Port = ps.Addr(), ""
		log.Info("simulated printer started", "printer", p.ID, "address", p.Address)
	}
	return r, nil
}

// startScale starts the simulated indicator of one scale.
func (r *rig) startScale(ctx context.Context, s *ScaleConfig, t timing) error {
	d := &dial{}
	r.dials[s.ID] = d
	switch s.Protocol {
	case ProtocolModbusTCP, ProtocolModbusRTU:
		profile, err := s.profile()
		if err != nil {
			return err
		}
		indicator, err := dialIndicator(profile, d)
		if err != nil {
			return err
		}
		r.indicators[s.ID] = indicator
		if s.Protocol == ProtocolModbusTCP {
			server, err := sim.StartTCP(indicator, "127.0.0.1:0")
			if err != nil {
				return err
			}
			r.closers = append(r.closers, func() { server.Close() })
			s.Address = server.Addr
			r.log.Info("simulated scale started", "scale", s.ID, "protocol", s.Protocol, "address", s.Address)
			return nil
		}
		pair, err := sim.StartPtyPair(r.dir, s.ID)
		if err != nil {
			return err
		}
		r.closers = append(r.closers, pair.Close)
		baud := s.Baud
		if baud == 0 {
			baud = 9600
		}
		slave, err := sim.StartRTU(indicator, pair.Simulator, baud, byte(max(s.UnitID, 1)))
		if err != nil {
			return err
		}
		r.closers = append(r.closers, func() { slave.Close() })
		s.Port, s.Baud = pair.Station, baud
		r.log.Info("simulated scale started", "scale", s.ID, "protocol", s.Protocol, "path", s.Port)
		return nil

	case ProtocolASCII:
		format, err := scale.ParseStreamFormat(s.Format)
		if err != nil {
			return err
		}
		pair, err := sim.StartPtyPair(r.dir, s.ID)
		if err != nil {
			return err
		}
		r.closers = append(r.closers, pair.Close)
		stream := &sim.ASCIIScale{
			Format:   format,
			Checksum: s.Checksum,
			Interval: t.wall(sim.DefaultASCIIScaleInterval),
			Sample: func(int) (sim.ScaleSample, bool) {
				return sim.ScaleSample{Grams: d.get(), Decimals: 3, Stable: true}, true
			},
			Logger: r.log,
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := stream.Serve(ctx, pair.Simulator); err != nil && ctx.Err() == nil {
				r.log.Error("simulated scale stopped", "scale", s.ID, "err", err)
			}
		}()
		s.Port = pair.Station
		if s.Baud == 0 {
			s.Baud = 9600
		}
		r.log.Info("simulated scale started", "scale", s.ID, "protocol", s.Protocol, "format", format.String(), "path", s.Port)
		return nil
	}
	return fmt.Errorf("protocol %q cannot be simulated", s.Protocol)
}

// writeTag writes what the reader sends for one read to its serial line.
func (r *rig) writeTag(b []byte) error { return r.reader.Write(b) }

// Close stops every simulator and removes the pty links.
func (r *rig) Close() error {
	r.cancel()
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	r.wg.Wait()
	return errors.Join(os.RemoveAll(r.dir))
}
