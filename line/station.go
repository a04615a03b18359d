package line

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// StabilityWindow decides when a scale's weight may be accepted: Add
// returns the reading to accept and true while the last readings are
// steady. The scale driver package's Window implements it, and the
// station keeps one per scale.
type StabilityWindow interface {
	Add(r Reading) (Reading, bool)
	Reset()
}

// ScaleRoles names, by their ids in the configuration, the scales the
// station takes weights from. One scale may have more than one role.
type ScaleRoles struct {
	Hook    string // hot carcass weights, given to the carcasses waiting for one in line order
	Carcass string // chilled weights of the carcass picked for cutting
	Pack    string // packs and by-products at the cutting table
}

// LabelPrinter is a printer and its name in the configuration, which
// print jobs record.
type LabelPrinter struct {
	Name    string
	Printer Printer
}

// ReleasePolicy releases every review hold as soon as it is made, and
// records User and Reason with the release. It never releases or makes a
// block. It is the default quality policy of the day check, for replays
// and demonstrations; a station with quality staff has none.
type ReleasePolicy struct {
	User   string
	Reason string
}

// SystemActor is the actor of changes the station makes by itself, and of
// device input while no user is signed in.
const SystemActor = "system"

// Defaults of StationConfig.
const (
	// DefaultEmptyDivisions is the load, in divisions of the scale,
	// below which a scale counts as empty. Five divisions is above the
	// drift of an unloaded scale in use and below any real load on the
	// line's scales.
	DefaultEmptyDivisions = 5
	// DefaultStatusInterval is how often an idle printer is asked for
	// its status.
	DefaultStatusInterval = 5 * time.Second
)

// StationConfig holds the parts and settings of a station. Store,
// Registry and Products are required.
type StationConfig struct {
	Store    Store
	Registry *Registry
	Products *ProductMaster
	Rules    *Rules // DefaultRules when nil
	Clock    Clock  // the system clock when nil
	Plant    Plant

	// Scales names the scales that give weights, and NewWindow makes the
	// stability window of each scale. NewWindow is required when a scale
	// has a role.
	Scales    ScaleRoles
	NewWindow func(scale string) StabilityWindow
	// EmptyDivisions is the load, in divisions of the reading, below
	// which a scale counts as empty: such a reading arms the scale for
	// its next weight, and a steady weight below it is not taken. 0 means
	// DefaultEmptyDivisions.
	EmptyDivisions int
	// ManualCapture takes a steady weight only when Capture is called,
	// for a print button. Without it every steady weight on an armed
	// scale is taken at once.
	ManualCapture bool

	// Labeler renders labels, and CarcassPrinter and PackPrinter print
	// them. A label is printed only when the labeler and its printer are
	// set, and only while Run runs.
	Labeler        Labeler
	CarcassPrinter *LabelPrinter
	PackPrinter    *LabelPrinter
	// StatusInterval is the period of Run's status requests to an idle
	// printer; 0 means DefaultStatusInterval.
	StatusInterval time.Duration

	// AutoRelease, when set, releases every review hold at once.
	AutoRelease *ReleasePolicy

	// Sealer builds and signs the batch document at sign-off. Without it
	// SignOff is refused.
	Sealer Sealer

	Logger *slog.Logger // slog.Default() when nil
}

// Cutting is the work at the cutting table: a carcass or a lot, and the
// product or by-product bin the next weight on the pack scale goes to.
type Cutting struct {
	Carcass   string // the carcass being cut, or empty
	Lot       string // the lot being packed, or empty
	Product   string // the product picked for packs
	Byproduct string // the by-product bin picked
	ToLot     string // the lot the picked trim goes on to
}

// ScaleView is the last state of one scale.
type ScaleView struct {
	ID     string
	Last   Reading // the last reading
	Steady bool    // the stability window accepts the last reading
	Armed  bool    // a steady weight would be taken
}

// Snapshot is the station's state at one moment, for a screen that
// starts or fell behind the events.
type Snapshot struct {
	Open       bool // a shift is open
	Batch      BatchID
	State      BatchState
	ShiftStart time.Time
	Operator   string
	Carcasses  []CarcassRecord // in entry order
	HookQueue  []string        // carcasses waiting for a hot weight, the next first
	Cutting    Cutting
	Lots       []LotRecord
	Scales     []ScaleView // sorted by id
	Packs      int         // packs of the shift
	Unfinished []PrintJob  // print jobs from before a restart that need a decision
	// ManualCapture is StationConfig.ManualCapture: only Capture takes a
	// weight, so every scale with a role needs a button on screen.
	ManualCapture bool
}

// Station is the line service, and it owns one shift's batch. It takes
// tag reads, scale readings and the commands of operators, quality staff
// and the veterinarian. It applies the rules and the state machines,
// records everything through the Store and publishes what happened as
// events.
//
// Its methods are safe to call from any goroutine at once, such as a UI
// goroutine and device goroutines, because they are carried out one at a
// time. Methods that record something block for one store transaction,
// and none waits for a printer.
type Station struct {
	store    Store
	reg      *Registry
	products *ProductMaster
	rules    *Rules
	clock    Clock
	plant    Plant
	roles    ScaleRoles
	window   func(string) StabilityWindow
	empty    int
	manual   bool
	labeler  Labeler
	policy   *ReleasePolicy
	sealer   Sealer
	log      *slog.Logger
	interval time.Duration
	hub      hub

	carcassQueue *printQueue // nil when carcass labels are not printed
	packQueue    *printQueue // nil when pack labels are not printed
	queues       []*printQueue

	// mu guards the fields below and makes the commands run one at a time.
	mu         sync.Mutex
	open       bool
	batch      BatchID
	batchState BatchState
	shiftStart time.Time
	operator   string
	carcasses  map[string]*CarcassRecord
	order      []string // carcass numbers in entry order
	hook       []string // carcasses waiting for a hot weight
	lots       map[string]*LotRecord
	lotOrder   []string
	labSamples map[string]bool
	positive   map[string]*LabTest // the first positive result of each consignment
	cutting    Cutting
	scales     map[string]*scaleState
	packs      int
	unfinished []PrintJob
}

// NewStation checks the configuration and builds a station. It does no
// I/O; Open opens the shift.
func NewStation(cfg StationConfig) (*Station, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("station: no store")
	case cfg.Registry == nil:
		return nil, errors.New("station: no registry")
	case cfg.Products == nil:
		return nil, errors.New("station: no product master")
	case cfg.NewWindow == nil && (cfg.Scales != ScaleRoles{}):
		return nil, errors.New("station: scales have roles but NewWindow is nil")
	case cfg.AutoRelease != nil && (cfg.AutoRelease.User == "" || cfg.AutoRelease.Reason == ""):
		return nil, errors.New("station: the release policy needs a user and a reason")
	case cfg.EmptyDivisions < 0:
		return nil, fmt.Errorf("station: empty scale threshold of %d divisions", cfg.EmptyDivisions)
	}
	s := &Station{
		store: cfg.Store, reg: cfg.Registry, products: cfg.Products, rules: cfg.Rules, clock: cfg.Clock,
		plant: cfg.Plant, roles: cfg.Scales, window: cfg.NewWindow, empty: cfg.EmptyDivisions,
		manual: cfg.ManualCapture, labeler: cfg.Labeler, policy: cfg.AutoRelease, sealer: cfg.Sealer, log: cfg.Logger,
		interval: cfg.StatusInterval, operator: SystemActor,
	}
	if s.rules == nil {
		s.rules = DefaultRules()
	}
	if s.clock == nil {
		s.clock = ClockFunc(time.Now)
	}
	if s.empty == 0 {
		s.empty = DefaultEmptyDivisions
	}
	if s.interval <= 0 {
		s.interval = DefaultStatusInterval
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.hub.log = s.log
	if err := s.setPrinters(cfg.CarcassPrinter, cfg.PackPrinter); err != nil {
		return nil, err
	}
	s.reset()
	return s, nil
}

// reset empties the shift state.
func (s *Station) reset() {
	s.open = false
	s.carcasses = make(map[string]*CarcassRecord)
	s.order, s.hook, s.lotOrder, s.unfinished = nil, nil, nil, nil
	s.lots = make(map[string]*LotRecord)
	s.labSamples = make(map[string]bool)
	s.positive = make(map[string]*LabTest)
	s.scales = make(map[string]*scaleState)
	s.cutting = Cutting{}
	s.packs = 0
}

// Open opens the shift's batch, or resumes it when the store holds it
// already: the carcasses waiting for a hot weight, the lots and the lab
// results come back, and print jobs that were queued or sent before a
// restart are listed in the ShiftOpenedEvent and the snapshot for a
// decision. No job is sent again by itself.
func (s *Station) Open(ctx context.Context, actor string, id BatchID, shiftStart time.Time) (Shift, error) {
	if err := id.Validate(); err != nil {
		return Shift{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.store.OpenShift(ctx, actor, id, shiftStart)
	if err != nil {
		return Shift{}, fmt.Errorf("open shift %s: %w", id, err)
	}

	// The shift's state comes back from the store; a carcass without a
	// hot weight waits for one again, in entry order.
	s.reset()
	s.open, s.batch, s.batchState, s.shiftStart = true, sh.Batch, sh.State, sh.ShiftStart
	for _, c := range sh.Carcasses {
		s.remember(c)
		if c.Hot == 0 {
			s.hook = append(s.hook, c.Number)
		}
	}
	for _, l := range sh.Lots {
		s.rememberLot(l)
	}
	for _, t := range sh.LabTests {
		s.rememberLab(t)
	}
	s.packs = sh.Packs
	s.unfinished = slices.Clone(sh.PrintJobs)

	resumed := len(sh.Carcasses) > 0 || len(sh.Lots) > 0 || sh.State != BatchOpen
	s.log.Info("shift opened", "batch", id.String(), "state", sh.State, "resumed", resumed,
		"carcasses", len(sh.Carcasses), "unfinished_prints", len(sh.PrintJobs))
	s.publish(ShiftOpenedEvent{At: s.clock.Now(), Batch: sh.Batch, State: sh.State, Resumed: resumed, Unfinished: slices.Clone(sh.PrintJobs)})
	return sh, nil
}

// SetOperator names the user signed in at the station. Device input is
// recorded under this user; an empty id records it as SystemActor.
func (s *Station) SetOperator(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = SystemActor
	}
	s.operator = id
}

// Subscribe returns a subscription that receives every later event. buffer
// is the capacity of its channel; a UI should read it promptly and use a
// few hundred.
func (s *Station) Subscribe(buffer int) *Subscription { return s.hub.add(buffer) }

// Snapshot returns the station's current state.
func (s *Station) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{
		Open: s.open, Batch: s.batch, State: s.batchState, ShiftStart: s.shiftStart, Operator: s.operator,
		HookQueue: slices.Clone(s.hook), Cutting: s.cutting, Packs: s.packs, Unfinished: slices.Clone(s.unfinished),
		ManualCapture: s.manual,
	}
	for _, n := range s.order {
		snap.Carcasses = append(snap.Carcasses, *s.carcasses[n])
	}
	for _, id := range s.lotOrder {
		snap.Lots = append(snap.Lots, *s.lots[id])
	}
	for id, st := range s.scales {
		snap.Scales = append(snap.Scales, ScaleView{ID: id, Last: st.last, Steady: st.steady, Armed: st.armed})
	}
	slices.SortFunc(snap.Scales, func(a, b ScaleView) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return snap
}

// Carcass returns a carcass of the shift.
func (s *Station) Carcass(number string) (CarcassRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.carcasses[number]
	if !ok {
		return CarcassRecord{}, false
	}
	return *c, true
}

// Animal returns the registry's animal with the given ear tag, for a
// carcass card.
func (s *Station) Animal(tag EarTag) (*Animal, bool) { return s.reg.AnimalByEarTag(tag) }

// Products returns the product master, for the product tiles.
func (s *Station) Products() *ProductMaster { return s.products }

// Rules returns the rules the station applies.
func (s *Station) Rules() *Rules { return s.rules }

// Decisions returns the decisions on a carcass with their releases, for
// the quality screen.
func (s *Station) Decisions(ctx context.Context, carcass string) ([]DecisionRecord, error) {
	return s.store.Decisions(ctx, carcass)
}

// Balance returns the mass figures of a carcass, or of a lot when carcass
// is empty, and how much more output one weighing on the pack scale
// accepts, for the live balance bar.
func (s *Station) Balance(ctx context.Context, carcass, lot string) (MassFigures, Mass, error) {
	b, err := s.store.Balance(ctx, carcass, lot)
	if err != nil {
		return MassFigures{}, 0, err
	}
	s.mu.Lock()
	division := Mass(0)
	if st := s.scales[s.roles.Pack]; st != nil {
		division = st.last.Division
	}
	s.mu.Unlock()
	return b.Figures(s.rules.MaxLossBP), b.Remaining(division), nil
}

// requireOpen refuses a command when no shift is open.
func (s *Station) requireOpen() error {
	if !s.open {
		return refuse(RefusedNoShift)
	}
	return nil
}

// requireOpenBatch refuses a change of the line's records once the batch
// has gone on to review.
func (s *Station) requireOpenBatch() error {
	if err := s.requireOpen(); err != nil {
		return err
	}
	if s.batchState != BatchOpen && s.batchState != BatchCutting {
		return refuse(RefusedShiftNotOpen, "batch", s.batch.String(), "state", string(s.batchState))
	}
	return nil
}

// remember stores a carcass record in memory, adding it to the entry
// order when it is new.
func (s *Station) remember(c CarcassRecord) {
	if old, ok := s.carcasses[c.Number]; ok {
		*old = c
		return
	}
	s.carcasses[c.Number] = &c
	s.order = append(s.order, c.Number)
}

func (s *Station) rememberLot(l LotRecord) {
	if old, ok := s.lots[l.ID]; ok {
		*old = l
		return
	}
	s.lots[l.ID] = &l
	s.lotOrder = append(s.lotOrder, l.ID)
}

func (s *Station) rememberLab(t LabTest) {
	s.labSamples[t.Sample] = true
	if t.Result == LabPositive && s.positive[t.Consignment] == nil {
		s.positive[t.Consignment] = &t
	}
}

// carcass returns a carcass of the shift or refuses.
func (s *Station) carcass(number string) (*CarcassRecord, error) {
	c, ok := s.carcasses[number]
	if !ok {
		return nil, refuse(RefusedUnknownCarcass, "carcass", number)
	}
	return c, nil
}

// animalOf returns the registry's animal of a carcass, nil when the tag
// was unknown.
func (s *Station) animalOf(c *CarcassRecord) *Animal {
	if c.EarTag == "" {
		return nil
	}
	a, _ := s.reg.AnimalByEarTag(c.EarTag)
	return a
}

func (s *Station) publish(ev Event) { s.hub.publish(ev) }

// fault logs an error that has no caller to return it to and publishes
// it.
func (s *Station) fault(op string, err error, attrs ...any) {
	ev := FaultEvent{At: s.clock.Now(), Op: op, Err: err}
	var ref *RefusalError
	if errors.As(err, &ref) {
		r := ref.Refusal
		ev.Refusal = &r
		s.log.Debug(op+" refused", append(attrs, "reason", r.Reason)...)
	} else {
		s.log.Error(op+" failed", append(attrs, "err", err)...)
	}
	s.publish(ev)
}
