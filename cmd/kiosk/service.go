package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
)

// kiosk is the line service wired together: the station database, the
// registry and product master, the station with its rules, labels and
// printers, and the drivers of the devices.
type kiosk struct {
	cfg      *Config
	log      *slog.Logger
	db       *store.DB
	station  *line.Station
	shift    line.Shift
	devices  *deviceSet
	lots     *lotSources
	registry *line.Registry
	products *line.ProductMaster
	rules    *line.Rules
	clock    line.Clock
	links    *linkWatch // when each scale last delivered a reading

	// uploader delivers sealed batches to the platform at platformURL;
	// nil when the station uploads nothing.
	uploader    *upload.Worker
	platformURL string
}

// kioskOptions are the parts of a kiosk that the way it runs chooses.
type kioskOptions struct {
	clock  line.Clock // the station's and the drivers' clock; the wall clock when nil
	timing timing
	// day and shiftStart name the shift to open or resume; the clock's
	// day and now when zero.
	day        line.Date
	shiftStart time.Time
	// policy releases review holds at once, for a day without quality
	// staff; nil leaves them to people.
	policy *line.ReleasePolicy
	// actor opens the shift.
	actor string
	// previewDir receives PNG previews of the first labels of each
	// template, when not empty.
	previewDir string
}

// openKiosk builds the station on the open station database db and the
// drivers of cfg's devices, and opens or resumes the shift. The registry
// and the product master must have been imported. The kiosk owns db: its
// Close closes it, also when openKiosk fails.
func openKiosk(ctx context.Context, cfg *Config, db *store.DB, opts kioskOptions, log *slog.Logger) (k *kiosk, err error) {
	clock := opts.clock
	if clock == nil {
		clock = line.ClockFunc(time.Now)
	}
	k = &kiosk{cfg: cfg, log: log, db: db, clock: clock, links: &linkWatch{}}
	// Each failure returns a nil kiosk, so the deferred close keeps its
	// own reference.
	opened := k
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()

	if k.registry, err = db.Registry(ctx); err != nil {
		return nil, fmt.Errorf("load the registry: %w", err)
	}
	if k.products, err = db.Products(ctx); err != nil {
		return nil, fmt.Errorf("load the product master: %w", err)
	}
	if len(k.products.Products) == 0 {
		return nil, errNoProducts
	}
	if k.rules, err = cfg.rules(); err != nil {
		return nil, err
	}
	if k.devices, err = newDeviceSet(cfg, opts.timing, clock.Now, log); err != nil {
		return nil, err
	}
	if err := syncPlantSettings(ctx, db, cfg); err != nil {
		return nil, err
	}
	sealer, err := newSealer(cfg, k.rules)
	if err != nil {
		return nil, err
	}

	plant := line.Plant{Name: cfg.Plant.Name, Approval: cfg.Plant.Approval}
	if plant.Name == "" {
		plant.Name = k.products.Plant
	}
	k.lots = newLotSources(store.NewLineStore(db))
	lab, err := k.newLabeler(opts.previewDir)
	if err != nil {
		return nil, err
	}
	windows := make(map[string]ScaleConfig)
	for _, s := range cfg.Scales {
		windows[s.ID] = s
	}
	stationCfg := line.StationConfig{
		Store: k.lots, Registry: k.registry, Products: k.products, Rules: k.rules, Clock: clock, Plant: plant,
		Scales:         k.roles(),
		NewWindow:      func(id string) line.StabilityWindow { return windows[id].window() },
		Labeler:        lab,
		CarcassPrinter: k.devices.labelPrinter(RoleCarcass),
		PackPrinter:    k.devices.labelPrinter(RolePack),
		AutoRelease:    opts.policy,
		ManualCapture:  cfg.Station.ManualCapture,
		Logger:         log,
	}
	if sealer != nil {
		stationCfg.Sealer = sealer
	}
	k.station, err = line.NewStation(stationCfg)
	if err != nil {
		return nil, err
	}

	day, start := opts.day, opts.shiftStart
	if start.IsZero() {
		start = clock.Now()
	}
	if day.IsZero() {
		day = line.DateOf(start)
	}
	batch, err := cfg.batch(day)
	if err != nil {
		return nil, err
	}
	actor := opts.actor
	if actor == "" {
		actor = line.SystemActor
	}
	if k.shift, err = k.station.Open(ctx, actor, batch, start); err != nil {
		return nil, err
	}
	// Lot pack labels name the animals of trim stored before a restart
	// too.
	if len(k.shift.Lots) > 0 {
		facts, err := db.BatchFacts(ctx, batch.String())
		if err != nil {
			return nil, err
		}
		k.lots.seed(facts.Lots)
	}
	return k, nil
}

// errNoProducts reports a data directory without a product master.
var errNoProducts = errors.New("the data directory has no product master: import one first")

// newLabeler builds the labels adapter with the printers' stocks.
func (k *kiosk) newLabeler(previewDir string) (*labeler, error) {
	lab := &labeler{rules: k.rules, registry: k.registry, lots: k.lots, previewDir: previewDir, log: k.log}
	for _, p := range k.cfg.Printers {
		stock, err := p.layout(placeholderPlant, k.cfg.Platform.Domain)
		if err != nil {
			return nil, fmt.Errorf("printer %s: %w", p.ID, err)
		}
		switch p.Role {
		case RoleCarcass:
			lab.carcass = stock
		case RolePack:
			lab.pack = stock
		}
	}
	return lab, nil
}

// roles returns the configured scales' roles.
func (k *kiosk) roles() line.ScaleRoles {
	var roles line.ScaleRoles
	for _, s := range k.cfg.Scales {
		switch s.Role {
		case RoleHook:
			roles.Hook = s.ID
		case RoleCarcass:
			roles.Carcass = s.ID
		case RolePack:
			roles.Pack = s.ID
		}
	}
	return roles
}

// labelRef names a label: what it goes on and its serial.
type labelRef struct {
	kind   line.LabelKind
	serial string
}

// unqueuedLabels returns the labels of the shift that have no print job at
// all: a carcass or pack stored just before a crash whose label job was
// never committed. The station lists only jobs left queued or sent, so
// these come back here. Blocked carcasses, whose labels are never
// printed, and voided pack labels are left out.
// NOTE: line.Station.Open could list these with the unfinished jobs.
func (k *kiosk) unqueuedLabels(ctx context.Context) ([]labelRef, error) {
	facts, err := k.db.BatchFacts(ctx, k.shift.Batch.String())
	if err != nil {
		return nil, err
	}
	var refs []labelRef
	for _, c := range facts.Carcasses {
		if c.State == line.CarcassBlocked {
			continue
		}
		jobs, err := k.lots.PrintJobs(ctx, c.Number)
		if err != nil {
			return nil, err
		}
		if len(jobs) == 0 {
			refs = append(refs, labelRef{kind: line.LabelCarcass, serial: c.Number})
		}
	}
	for _, p := range facts.Packs {
		if len(p.Prints) == 0 && p.Void == nil {
			refs = append(refs, labelRef{kind: line.LabelPack, serial: p.Serial})
		}
	}
	return refs, nil
}

// run runs the station's printing and the drivers until ctx is done.
// Tag reads and readings go through tag and reading when they are set,
// which must hand them on to the station.
func (k *kiosk) run(ctx context.Context, tag func(line.TagEvent), reading func(line.Reading)) {
	if tag == nil {
		tag = k.station.DeliverTag
	}
	if reading == nil {
		reading = k.station.DeliverReading
	}
	reading = k.links.deliverReading(reading)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		k.station.Run(ctx)
	}()
	go func() {
		defer wg.Done()
		k.devices.run(ctx, tag, reading, k.log)
	}()
	wg.Wait()
}

// runUploads runs the upload worker until ctx is done, waking it as soon
// as a batch is sealed. It does nothing without a worker.
func (k *kiosk) runUploads(ctx context.Context) {
	if k.uploader == nil {
		return
	}
	sub := k.station.Subscribe(64)
	defer sub.Close()
	go func() {
		for ev := range sub.C {
			if _, ok := ev.(line.BatchSealedEvent); ok {
				k.uploader.Wake()
			}
		}
	}()
	if err := k.uploader.Run(ctx); err != nil && ctx.Err() == nil {
		k.log.Error("upload worker stopped", "err", err)
	}
}

// Close closes the printers and the database.
func (k *kiosk) Close() error {
	if k.devices != nil {
		k.devices.Close()
	}
	if k.db != nil {
		return k.db.Close()
	}
	return nil
}
