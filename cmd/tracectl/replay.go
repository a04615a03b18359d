package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"lambtrace/cmd/internal/dayrun"
	"lambtrace/devices/scale"
	"lambtrace/line"
	"lambtrace/store"
)

// Names the replay records in the journal and gives the scales.
const (
	replayOperator  = "replay"        // device input and the operator's commands
	replayQuality   = "replay-policy" // releases under the default quality policy
	replayInspector = "replay-vet"    // inspection and lab results from the line run

	hookScale    = "hook"    // hot carcass weights
	carcassScale = "carcass" // chilled carcass weights
	packScale    = "pack"    // packs, by-products and condemned parts
)

// readingInterval and readingsPerLoad shape the readings replay gives the
// station for one weight: an empty scale, then the weight often enough
// and for long enough that the scale driver's stability window with its
// default settings accepts it.
const (
	readingInterval = 100 * time.Millisecond
	readingsPerLoad = scale.DefaultWindowSamples + 1
)

// replayActors are the users replay records in the journal.
var replayActors = dayrun.Actors{Operator: replayOperator, Quality: replayQuality, Inspector: replayInspector}

func runReplay(g globals, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("replay", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	productsPath := fset.String("products", "", "product master `file` (lambtrace-products/1)")
	registryPath := fset.String("registry", "", "registry export `file` (lambtrace-registry/1)")
	runPath := fset.String("linerun", "", "line run `file` (lambtrace-linerun/1)")
	var so sealOptions
	so.register(fset)
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
		return &usageError{key: "station.replay_flags"}
	}
	// The keys and the PIN are checked before anything is replayed: a
	// batch is replayed once, so a sign-off that fails afterwards cannot
	// be tried again with tracectl.
	seal, err := so.request(fset)
	if err != nil {
		return err
	}
	if seal != nil {
		defer clear(seal.pin)
	}

	// The files are checked against each other as check does, before the
	// database is touched.
	day, err := loadDay(*productsPath, *registryPath, *runPath)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	if seal != nil {
		if err := seal.checkApproval(db); err != nil {
			return err
		}
	}
	if err := importOnce(ctx, db, store.ImportProducts, *productsPath); err != nil {
		return err
	}
	if err := importOnce(ctx, db, store.ImportRegistry, *registryPath); err != nil {
		return err
	}

	summary, doc, err := replayDay(ctx, db, g.dataDir, day.Run, seal)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(summary); err != nil {
		return err
	}
	if doc != nil {
		data := map[string]string{"batch": doc.batch, "bytes": strconv.Itoa(len(doc.Body)), "sha256": doc.SHA256(),
			"certificate": seal.certificate, "dir": g.dataDir}
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, "seal.sealed", data))
		}
	}
	return nil
}

// importOnce imports a registry or product master file unless the last
// import of its kind had the same content.
func importOnce(ctx context.Context, db *store.DB, kind, path string) error {
	_, err := dayrun.ImportOnce(ctx, db, actor(), kind, path)
	var input *dayrun.InputError
	if errors.As(err, &input) {
		return &inputError{err: input.Err}
	}
	return err
}

// replayDay records a line run through the station service into the
// database and returns the summary of the recorded batch. It refuses a
// batch the database holds already, so a second replay on the same data
// directory changes nothing.
//
// With seal, the veterinarian replayInspector then signs off the batch,
// which is sealed into the outbox, and replayDay also returns the sealed
// document.
func replayDay(ctx context.Context, db *store.DB, dir string, run *line.LineRun, seal *sealRequest) (dayrun.Summary, *sealedBatch, error) {
	reg, err := db.Registry(ctx)
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	products, err := db.Products(ctx)
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	clock := &replayClock{}
	clock.set(run.ShiftStart)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	roles := line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale}
	cfg := line.StationConfig{
		Store: store.NewLineStore(db), Registry: reg, Products: products, Clock: clock,
		Plant:       line.Plant{Name: products.Plant},
		Scales:      roles,
		NewWindow:   func(string) line.StabilityWindow { return &scale.Window{} },
		AutoRelease: replayActors.Policy(),
		Logger:      logger,
	}
	if seal != nil {
		cfg.Sealer = seal.sealer
	}
	st, err := line.NewStation(cfg)
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	st.SetOperator(replayOperator)

	batch := line.BatchID{Day: run.SlaughterDay, Line: 1, Shift: 1}
	counts, err := db.BatchCounts(batch.String())
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	if counts.Carcasses > 0 || counts.Lots > 0 {
		return dayrun.Summary{}, nil, &failure{key: "station.replay_exists", data: map[string]string{
			"batch": batch.String(), "dir": dir, "carcasses": strconv.Itoa(counts.Carcasses)}}
	}
	if seal != nil {
		if err := seal.prepare(ctx, db); err != nil {
			return dayrun.Summary{}, nil, err
		}
	}
	sub := st.Subscribe(1 << 12)
	defer sub.Close()
	if _, err := st.Open(ctx, replayOperator, batch, run.ShiftStart); err != nil {
		return dayrun.Summary{}, nil, err
	}

	r := &replayer{ctx: ctx, st: st, sub: sub, clock: clock}
	day := &dayrun.Line{Station: st, Run: run, Scales: roles, Actors: replayActors, Weigh: r.weigh, Now: clock.Now}
	if err := r.day(day); err != nil {
		return dayrun.Summary{}, nil, err
	}
	summary, err := dayrun.Summarize(ctx, db, batch, run)
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	if seal == nil {
		return summary, nil, nil
	}
	doc, err := r.signOff(seal)
	if err != nil {
		return dayrun.Summary{}, nil, err
	}
	return summary, &sealedBatch{SealedDocument: doc, batch: batch.String()}, nil
}

// replayClock is the station's clock during a replay: the time of the
// line run's event being replayed.
type replayClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *replayClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *replayClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// replayer gives the station the tag reads and scale readings of a line
// run directly, without devices, and signs off the batch.
type replayer struct {
	ctx     context.Context
	st      *line.Station
	sub     *line.Subscription
	clock   *replayClock
	scaleAt time.Time // the time of the next reading, so readings never go back
	// signOffRefusals are the blockers of the last refused sign-off.
	signOffRefusals []line.Refusal
}

// day replays the lab results, every pass and then the mixed lots, as the
// day check does.
func (r *replayer) day(day *dayrun.Line) error {
	if err := day.Prepare(r.ctx, nil); err != nil {
		return err
	}
	for _, p := range day.Run.Passes {
		if err := r.pass(day, p); err != nil {
			return fmt.Errorf("pass %d: %w", p.Number, err)
		}
		r.drain()
	}
	for _, lot := range day.Run.Lots {
		if err := day.PackLot(r.ctx, lot, dayrun.LotPlan{}); err != nil {
			return err
		}
	}
	r.drain()
	return nil
}

// pass takes one carcass from its tag read to the close of its cutting.
func (r *replayer) pass(day *dayrun.Line, p *line.Pass) error {
	r.clock.set(p.At)
	read := line.TagRead{Raw: dayrun.ReaderText(p)}
	read.RFID, read.Err = dayrun.DecodePass(p)
	c, err := r.st.TagRead(r.ctx, line.TagEvent{Reader: "reader", At: p.At, TagRead: read})
	if err != nil {
		return err
	}
	if err := r.weigh(r.ctx, hookScale, p.HotWeight, day.Run.CarcassScale.Division); err != nil {
		return err
	}
	if err := day.Inspect(r.ctx, p, c.Number); err != nil {
		return err
	}
	_, err = day.Cut(r.ctx, p, c.Number, dayrun.PassPlan{})
	return err
}

// weigh gives the station the readings of one load on a scale: the empty
// scale, then the steady weight until the stability window accepts it.
func (r *replayer) weigh(ctx context.Context, scaleID string, grams, division line.Mass) error {
	at := r.clock.Now()
	if at.Before(r.scaleAt) {
		at = r.scaleAt
	}
	empty := line.Reading{Scale: scaleID, At: at, Grams: 0, Division: division, Stable: true}
	if err := r.st.Reading(ctx, empty); err != nil {
		return err
	}
	for i := 1; i <= readingsPerLoad; i++ {
		at = at.Add(readingInterval)
		reading := line.Reading{Scale: scaleID, At: at, Grams: grams, Division: division, Stable: true}
		if err := r.st.Reading(ctx, reading); err != nil {
			return err
		}
	}
	r.scaleAt = at.Add(readingInterval)
	return nil
}

// drain reads the events published so far, keeping the blockers of a
// refused sign-off, so the subscription never fills up.
func (r *replayer) drain() {
	for {
		select {
		case ev := <-r.sub.C:
			if e, ok := ev.(line.SignOffRefusedEvent); ok {
				r.signOffRefusals = e.Refusals
			}
		default:
			return
		}
	}
}
