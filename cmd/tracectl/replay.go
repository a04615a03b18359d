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

	"lambtrace/devices/scale"
	"lambtrace/line"
	"lambtrace/store"
)

// Names the replay records in the journal and gives the scales.
const (
	replayOperator  = "replay"        // device input and the operator's commands
	replayQuality   = "replay-policy" // releases under the default quality policy
	replayInspector = "replay-vet"    // inspection and lab results from the line run
	replayReason    = "released under the default quality policy of the day check"

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
	data, err := os.ReadFile(path)
	if err != nil {
		return &inputError{err: err}
	}
	src := store.SourceOf(path, data)
	last, ok, err := db.LastImport(ctx, kind)
	if err != nil {
		return err
	}
	if ok && last.SHA256 == src.SHA256 {
		return nil
	}
	switch kind {
	case store.ImportRegistry:
		reg, err := line.ParseRegistry(data, path)
		if err != nil {
			return &inputError{err: err}
		}
		return db.ImportRegistry(ctx, actor(), reg, src)
	default:
		m, err := line.ParseProducts(data, path)
		if err != nil {
			return &inputError{err: err}
		}
		return db.ImportProducts(ctx, actor(), m, src)
	}
}

// replayDay records a line run through the station service into the
// database and returns the summary of the recorded batch. It refuses a
// batch the database holds already, so a second replay on the same data
// directory changes nothing.
//
// With seal, the veterinarian replayInspector then signs off the batch,
// which is sealed into the outbox, and replayDay also returns the sealed
// document.
func replayDay(ctx context.Context, db *store.DB, dir string, run *line.LineRun, seal *sealRequest) (summaryLine, *sealedBatch, error) {
	reg, err := db.Registry(ctx)
	if err != nil {
		return summaryLine{}, nil, err
	}
	products, err := db.Products(ctx)
	if err != nil {
		return summaryLine{}, nil, err
	}
	clock := &replayClock{}
	clock.set(run.ShiftStart)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := line.StationConfig{
		Store: store.NewLineStore(db), Registry: reg, Products: products, Clock: clock,
		Plant:       line.Plant{Name: products.Plant},
		Scales:      line.ScaleRoles{Hook: hookScale, Carcass: carcassScale, Pack: packScale},
		NewWindow:   func(string) line.StabilityWindow { return &scale.Window{} },
		AutoRelease: &line.ReleasePolicy{User: replayQuality, Reason: replayReason},
		Logger:      logger,
	}
	if seal != nil {
		cfg.Sealer = seal.sealer
	}
	st, err := line.NewStation(cfg)
	if err != nil {
		return summaryLine{}, nil, err
	}
	st.SetOperator(replayOperator)

	batch := line.BatchID{Day: run.SlaughterDay, Line: 1, Shift: 1}
	counts, err := db.BatchCounts(batch.String())
	if err != nil {
		return summaryLine{}, nil, err
	}
	if counts.Carcasses > 0 || counts.Lots > 0 {
		return summaryLine{}, nil, &failure{key: "station.replay_exists", data: map[string]string{
			"batch": batch.String(), "dir": dir, "carcasses": strconv.Itoa(counts.Carcasses)}}
	}
	if seal != nil {
		if err := seal.prepare(ctx, db); err != nil {
			return summaryLine{}, nil, err
		}
	}
	sub := st.Subscribe(1 << 12)
	defer sub.Close()
	if _, err := st.Open(ctx, replayOperator, batch, run.ShiftStart); err != nil {
		return summaryLine{}, nil, err
	}

	r := &replayer{ctx: ctx, st: st, sub: sub, clock: clock, run: run}
	if err := r.day(); err != nil {
		return summaryLine{}, nil, err
	}
	if n := sub.Dropped(); n > 0 {
		return summaryLine{}, nil, fmt.Errorf("replay lost %d station events; the refused pack count is incomplete", n)
	}

	counts, err = db.BatchCounts(batch.String())
	if err != nil {
		return summaryLine{}, nil, err
	}
	decisions := make(map[string]int, len(counts.Decisions))
	for code, n := range counts.Decisions {
		decisions[string(code)] = n
	}
	summary := summaryLine{Type: "summary", Passes: len(run.Passes), Carcasses: counts.Carcasses, Accepted: counts.Accepted,
		Decisions: decisions, Packs: counts.Packs, PacksRefused: r.refused, Lots: counts.Lots}
	if seal == nil {
		return summary, nil, nil
	}
	doc, err := r.signOff(seal)
	if err != nil {
		return summaryLine{}, nil, err
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

// replayer drives the station through a line run as the devices and the
// people on the line would: tag reads, scale readings, picks at the
// cutting table, inspection and lab results.
type replayer struct {
	ctx     context.Context
	st      *line.Station
	sub     *line.Subscription
	clock   *replayClock
	run     *line.LineRun
	scaleAt time.Time // the time of the next reading, so readings never go back
	refused int       // packs not labelled
	// signOffRefusals are the blockers of the last refused sign-off.
	signOffRefusals []line.Refusal
}

// day replays the lab results, every pass and then the mixed lots, as the
// day check does.
func (r *replayer) day() error {
	for _, lot := range r.run.Lots {
		if _, err := r.st.OpenLot(r.ctx, replayOperator, lot.ID, lot.Product); err != nil {
			return err
		}
	}
	for _, t := range r.run.LabTests {
		if _, err := r.st.RecordLabResult(r.ctx, replayInspector, *t); err != nil {
			return err
		}
	}
	for _, p := range r.run.Passes {
		if err := r.pass(p); err != nil {
			return fmt.Errorf("pass %d: %w", p.Number, err)
		}
	}
	for _, lot := range r.run.Lots {
		if err := r.lot(lot); err != nil {
			return fmt.Errorf("lot %s: %w", lot.ID, err)
		}
	}
	r.drain()
	return nil
}

// pass takes one carcass from its tag read to the close of its cutting.
func (r *replayer) pass(p *line.Pass) error {
	r.clock.set(p.At)
	read := line.TagRead{Raw: readerText(p)}
	read.RFID, read.Err = decodePass(p)
	c, err := r.st.TagRead(r.ctx, line.TagEvent{Reader: "reader", At: p.At, TagRead: read})
	if err != nil {
		return err
	}
	if err := r.weigh(hookScale, p.HotWeight, r.run.CarcassScale.Division); err != nil {
		return err
	}
	in := line.InspectionInput{Carcass: c.Number, Result: p.Inspection, Reason: p.Reason}
	if p.Condemned > 0 {
		in.Condemned = &line.Reading{Scale: packScale, At: r.clock.Now(), Grams: p.Condemned,
			Division: r.run.PackScale.Division, Stable: true}
	}
	if _, err := r.st.RecordInspection(r.ctx, replayInspector, in); err != nil {
		return err
	}

	// A blocked carcass cannot be picked for cutting, so none of its cuts
	// is labelled.
	var refusal *line.RefusalError
	if err := r.st.SelectCarcass(c.Number); errors.As(err, &refusal) && refusal.Reason == line.RefusedCarcassBlocked {
		r.refused += len(p.Cuts)
		r.drain()
		return nil
	} else if err != nil {
		return err
	}
	if err := r.weigh(carcassScale, p.Chilled, r.run.CarcassScale.Division); err != nil {
		return err
	}
	for _, cut := range p.Cuts {
		if err := r.st.SelectProduct(cut.Product); err != nil {
			return err
		}
		if err := r.weigh(packScale, cut.Weight, r.run.PackScale.Division); err != nil {
			return err
		}
	}
	for _, b := range p.Byproducts {
		toLot := ""
		if b.Kind == line.LotSource {
			toLot = p.TrimToLot
		}
		if err := r.st.SelectByproduct(b.Kind, toLot); err != nil {
			return err
		}
		if err := r.weigh(packScale, b.Weight, r.run.PackScale.Division); err != nil {
			return err
		}
	}
	if _, err := r.st.CloseCarcass(r.ctx, replayOperator, c.Number); err != nil {
		return err
	}
	r.drain()
	return nil
}

// lot packs a mixed lot and closes it.
func (r *replayer) lot(lot *line.LotRun) error {
	if err := r.st.SelectLot(lot.ID); err != nil {
		return err
	}
	for _, g := range lot.Packs {
		if err := r.weigh(packScale, g, r.run.PackScale.Division); err != nil {
			return err
		}
	}
	if _, err := r.st.CloseLot(r.ctx, replayOperator, lot.ID); err != nil {
		return err
	}
	r.drain()
	return nil
}

// weigh gives the station the readings of one load on a scale: the empty
// scale, then the steady weight until the stability window accepts it.
func (r *replayer) weigh(scaleID string, grams, division line.Mass) error {
	at := r.clock.Now()
	if at.Before(r.scaleAt) {
		at = r.scaleAt
	}
	empty := line.Reading{Scale: scaleID, At: at, Grams: 0, Division: division, Stable: true}
	if err := r.st.Reading(r.ctx, empty); err != nil {
		return err
	}
	for i := 1; i <= readingsPerLoad; i++ {
		at = at.Add(readingInterval)
		reading := line.Reading{Scale: scaleID, At: at, Grams: grams, Division: division, Stable: true}
		if err := r.st.Reading(r.ctx, reading); err != nil {
			return err
		}
	}
	r.scaleAt = at.Add(readingInterval)
	return nil
}

// drain reads the events published so far and counts the refused packs.
func (r *replayer) drain() {
	for {
		select {
		case ev := <-r.sub.C:
			switch e := ev.(type) {
			case line.PackRefusedEvent:
				r.refused++
			case line.SignOffRefusedEvent:
				r.signOffRefusals = e.Refusals
			}
		default:
			return
		}
	}
}

// readerText returns what the reader sent for a pass, printable: the text
// line, or the frame as hex.
func readerText(p *line.Pass) string {
	if p.ReaderFrame != nil {
		return fmt.Sprintf("%x", p.ReaderFrame)
	}
	return strings.ToValidUTF8(p.ReaderLine, "?")
}
