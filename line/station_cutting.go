package line

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LotSource is the by-product bin whose contents may go on to a mixed
// lot.
const LotSource = "trim"

// scaleState is the station's view of one scale.
type scaleState struct {
	id      string
	window  StabilityWindow
	last    Reading // the last reading
	steady  bool    // the window accepts the last reading
	current Reading // the reading the window accepted
	// armed is set by a reading of the empty scale and cleared when a
	// weight is taken, so one load gives one weighing: the scale must be
	// emptied before it gives the next.
	armed bool
	// noticed is set once a refusal of the current load was published,
	// so a load that stays on the scale is refused once, not at every
	// reading.
	noticed bool
}

// Reading takes a reading from a scale, which screens show as the live
// weight. When the scale's stability window accepts the reading and the
// scale was emptied since the last weight it gave, the station takes the
// weight. On the hook scale it is the hot weight of the next carcass. On
// the carcass scale it is the chilled weight of the carcass picked for
// cutting. On the pack scale it is a pack or by-product of the carcass or
// lot being cut. With ManualCapture only Capture takes a weight.
//
// A steady weight the station refuses is published as a
// WeightRefusedEvent, PackRefusedEvent or ByproductRefusedEvent, once per
// load. Reading returns an
// error only when recording failed.
func (s *Station) Reading(ctx context.Context, r Reading) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.scale(r.Scale)
	if st.window == nil {
		s.publish(ScaleReadingEvent{Reading: r})
		return nil
	}
	if !r.Overload && r.Grams < s.emptyBelow(r) {
		st.armed, st.noticed = true, false
	}
	accepted, ok := st.window.Add(r)
	st.last, st.steady = r, ok
	if ok {
		st.current = accepted
	}
	s.publish(ScaleReadingEvent{Reading: r, Steady: ok, Armed: st.armed})
	if !ok || !st.armed || s.manual || accepted.Grams < s.emptyBelow(accepted) || !s.open {
		return nil
	}
	err := s.take(ctx, st, accepted)
	var ref *RefusalError
	if errors.As(err, &ref) {
		return nil
	}
	return err
}

// DeliverReading is Reading for a scale's deliver function: an error is
// logged and published as a FaultEvent.
func (s *Station) DeliverReading(r Reading) {
	if err := s.Reading(context.Background(), r); err != nil {
		s.fault("scale reading", err, "scale", r.Scale, "grams", int64(r.Grams))
	}
}

// Capture takes the steady weight on a scale now, for a print button. It
// refuses when the scale is not steady, when its load was taken already,
// and for every reason Reading would.
func (s *Station) Capture(ctx context.Context, scale string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	st := s.scales[scale]
	switch {
	case st == nil || st.window == nil:
		return refuse(RefusedUnknownScale, "scale", scale)
	case !st.steady:
		return refuse(RefusedNotSteady, "scale", scale)
	case st.current.Grams < s.emptyBelow(st.current):
		return refuse(RefusedBelowMinimum, "scale", scale, "grams", grams(st.current.Grams))
	case !st.armed:
		return refuse(RefusedAlreadyCaptured, "scale", scale)
	}
	st.noticed = false
	return s.take(ctx, st, st.current)
}

// scale returns the state of a scale, making it on its first reading.
// A scale without a role gets no window: it only shows its readings.
func (s *Station) scale(id string) *scaleState {
	st := s.scales[id]
	if st == nil {
		st = &scaleState{id: id}
		if id != "" && (id == s.roles.Hook || id == s.roles.Carcass || id == s.roles.Pack) {
			st.window = s.window(id)
		}
		s.scales[id] = st
	}
	return st
}

// emptyBelow is the load below which the scale that gave r counts as
// empty.
func (s *Station) emptyBelow(r Reading) Mass {
	return Mass(s.empty) * max(r.Division, 1)
}

// take routes a steady weight to what waits for it and disarms the scale
// once the weight was judged. A refusal is published once per load.
func (s *Station) take(ctx context.Context, st *scaleState, r Reading) error {
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	if r.Division <= 0 {
		// The mass balance's tolerance is made of divisions.
		err := refuse(RefusedNoDivision, "scale", st.id)
		if !st.noticed {
			st.noticed = true
			s.publishRefusal("", r, err.Refusal)
		}
		return err
	}
	stage, err := s.route(ctx, st.id, r)
	var ref *RefusalError
	switch {
	case err == nil:
		st.armed = false
		return nil
	case !errors.As(err, &ref):
		return err
	case ref.Reason == RefusedMassExcess:
		// The load was weighed and judged; it is taken off the scale.
		st.armed = false
		return err
	}
	if !st.noticed {
		st.noticed = true
		s.publishRefusal(stage, r, ref.Refusal)
	}
	return err
}

// route gives a steady weight to the hook, carcass or pack role of the
// scale, and returns the stage it was meant for.
func (s *Station) route(ctx context.Context, scale string, r Reading) (WeighingStage, error) {
	switch {
	case scale == s.roles.Hook && len(s.hook) > 0:
		return StageHot, s.takeHot(ctx, r)
	case scale == s.roles.Carcass && s.cutting.Carcass != "" && s.carcasses[s.cutting.Carcass].Chilled == 0:
		return StageChilled, s.takeChilled(ctx, r)
	case scale == s.roles.Pack:
		return s.takeOutput(ctx, r)
	case scale == s.roles.Hook:
		return StageHot, refuse(RefusedNoHookCarcass)
	case scale == s.roles.Carcass:
		return StageChilled, s.takeChilled(ctx, r)
	}
	return "", refuse(RefusedUnknownScale, "scale", scale)
}

// publishRefusal publishes a refused steady weight under the event of
// the stage it was meant for. Mass-balance refusals are published where
// they are made.
func (s *Station) publishRefusal(stage WeighingStage, r Reading, ref Refusal) {
	if ref.Reason == RefusedMassExcess {
		return
	}
	c := s.cutting
	switch stage {
	case StagePack:
		s.publish(PackRefusedEvent{At: r.At, Carcass: c.Carcass, Lot: c.Lot, Product: c.Product, Reading: r, Refusal: ref})
	case StageByproduct:
		s.publish(ByproductRefusedEvent{At: r.At, Carcass: c.Carcass, Kind: c.Byproduct, Reading: r, Refusal: ref})
	default:
		s.publish(WeightRefusedEvent{At: r.At, Reading: r, Refusal: ref})
	}
}

// takeOutput weighs a pack or by-product out of the carcass or lot being
// cut.
func (s *Station) takeOutput(ctx context.Context, r Reading) (WeighingStage, error) {
	c := s.cutting
	stage := StagePack
	if c.Byproduct != "" {
		stage = StageByproduct
	}
	switch {
	case c.Carcass == "" && c.Lot == "":
		return stage, refuse(RefusedNoCuttingTarget)
	case c.Product == "" && c.Byproduct == "":
		return stage, refuse(RefusedNoOutput)
	}

	req := OutputRequest{Batch: s.batch}
	if c.Lot != "" {
		lot := s.lots[c.Lot]
		if lot.State != LotOpen {
			return stage, refuse(RefusedLotClosed, "lot", lot.ID)
		}
		product, _ := s.products.Product(lot.Product)
		req.Weighing = Weighing{Lot: lot.ID, Stage: StagePack, Kind: product.Key, Reading: r}
		req.Product = product
		req.Refuse = func(me *MassError) Decision {
			d := s.rules.MassExcess(nil, me)
			d.Lot = lot.ID
			return d
		}
	} else {
		carcass := s.carcasses[c.Carcass]
		if err := s.checkCuttable(carcass); err != nil {
			return stage, err
		}
		if carcass.Chilled == 0 {
			return stage, refuse(RefusedNoChilledWeight, "carcass", carcass.Number)
		}
		a := s.animalOf(carcass)
		req.Refuse = func(me *MassError) Decision {
			d := s.rules.MassExcess(a, me)
			d.Carcass = carcass.Number
			return d
		}
		if stage == StagePack {
			product, _ := s.products.Product(c.Product)
			req.Weighing = Weighing{Carcass: carcass.Number, Stage: StagePack, Kind: product.Key, Reading: r}
			req.Product = product
			req.Grassland = s.rules.GrasslandEligible(a)
		} else {
			req.Weighing = Weighing{Carcass: carcass.Number, Stage: StageByproduct, Kind: c.Byproduct, Reading: r, ToLot: c.ToLot}
		}
	}

	res, err := s.store.AddOutput(ctx, s.operator, req)
	if err != nil {
		return stage, fmt.Errorf("record %s of %s%s: %w", stage, c.Carcass, c.Lot, err)
	}
	if res.Carcass != nil {
		s.remember(*res.Carcass)
	}
	figures := res.Balance.Figures(s.rules.MaxLossBP)
	remaining := res.Balance.Remaining(r.Division)
	if res.Refused != nil {
		ref := Refusal{Reason: RefusedMassExcess, Decision: res.Decision}
		s.log.Info("weighing refused by the mass balance", "carcass", c.Carcass, "lot", c.Lot, "kind", res.Refused.Kind,
			"grams", int64(r.Grams), "excess_g", int64(res.Refused.Excess()))
		if stage == StagePack {
			s.publish(PackRefusedEvent{At: r.At, Carcass: c.Carcass, Lot: c.Lot, Product: req.Product.Key, Reading: r, Refusal: ref})
		} else {
			s.publish(ByproductRefusedEvent{At: r.At, Carcass: c.Carcass, Kind: c.Byproduct, Reading: r, Refusal: ref})
		}
		return stage, &RefusalError{ref}
	}
	if res.Pack != nil {
		s.packs++
		s.publish(PackAcceptedEvent{At: r.At, Pack: *res.Pack, Balance: figures, Remaining: remaining})
		s.printPackLabel(ctx, *res.Pack)
	} else {
		s.publish(ByproductAcceptedEvent{At: r.At, Weighing: req.Weighing, Balance: figures, Remaining: remaining})
	}
	return stage, nil
}

// SelectCarcass makes a carcass the one being cut. The next steady weight
// on the carcass scale is its chilled weight, and packs and by-products
// are weighed out of it once it has one. A held carcass may be picked to
// weigh it, but yields nothing until it is released.
func (s *Station) SelectCarcass(number string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	c, err := s.carcass(number)
	if err != nil {
		return err
	}
	switch {
	case c.State == CarcassBlocked:
		return refuse(RefusedCarcassBlocked, "carcass", number)
	case c.Stage == CarcassClosed:
		return refuse(RefusedCarcassClosed, "carcass", number)
	}
	s.setCutting(Cutting{Carcass: number}, s.clock.Now())
	return nil
}

// SelectLot makes a mixed lot the one being packed, with the lot's
// product.
func (s *Station) SelectLot(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	lot, ok := s.lots[id]
	switch {
	case !ok:
		return refuse(RefusedUnknownLot, "lot", id)
	case lot.State != LotOpen:
		return refuse(RefusedLotClosed, "lot", id)
	}
	s.setCutting(Cutting{Lot: id, Product: lot.Product}, s.clock.Now())
	return nil
}

// SelectProduct picks the product of the next packs. A carcass packs
// products that are not mixed; a lot packs only its own product.
func (s *Station) SelectProduct(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	p, ok := s.products.Product(key)
	switch {
	case !ok:
		return refuse(RefusedUnknownProduct, "product", key)
	case s.cutting.Lot != "" && key != s.lots[s.cutting.Lot].Product:
		return refuse(RefusedLotProduct, "product", key, "lot", s.cutting.Lot, "lot_product", s.lots[s.cutting.Lot].Product)
	case s.cutting.Lot == "" && p.Mixed:
		return refuse(RefusedMixedProduct, "product", key)
	}
	c := s.cutting
	c.Product, c.Byproduct, c.ToLot = key, "", ""
	s.setCutting(c, s.clock.Now())
	return nil
}

// SelectByproduct picks the by-product bin the next weights go to. Trim
// may go on to an open mixed lot, named by toLot.
func (s *Station) SelectByproduct(kind, toLot string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	switch {
	case !s.products.HasByproduct(kind):
		return refuse(RefusedUnknownByproduct, "kind", kind)
	case s.cutting.Lot != "":
		return refuse(RefusedLotProduct, "product", kind, "lot", s.cutting.Lot, "lot_product", s.lots[s.cutting.Lot].Product)
	case toLot != "" && kind != LotSource:
		return refuse(RefusedNotLotSource, "kind", kind, "lot", toLot)
	}
	if toLot != "" {
		lot, ok := s.lots[toLot]
		switch {
		case !ok:
			return refuse(RefusedUnknownLot, "lot", toLot)
		case lot.State != LotOpen:
			return refuse(RefusedLotClosed, "lot", toLot)
		}
	}
	c := s.cutting
	c.Product, c.Byproduct, c.ToLot = "", kind, toLot
	s.setCutting(c, s.clock.Now())
	return nil
}

// setCutting changes what the cutting table works on.
func (s *Station) setCutting(c Cutting, at time.Time) {
	if c == s.cutting {
		return
	}
	if st := s.scales[s.roles.Pack]; st != nil {
		st.noticed = false
	}
	if st := s.scales[s.roles.Carcass]; st != nil {
		st.noticed = false
	}
	s.cutting = c
	s.publish(CuttingChangedEvent{At: at, Cutting: c})
}

// OpenLot opens a mixed lot of a mixed product, into which carcasses' trim
// may go and from which packs are weighed.
func (s *Station) OpenLot(ctx context.Context, actor, id, product string) (LotRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return LotRecord{}, err
	}
	p, ok := s.products.Product(product)
	switch {
	case len(id) < 1 || len(id) > 20 || strings.TrimSpace(id) != id:
		return LotRecord{}, refuse(RefusedUnknownLot, "lot", id)
	case s.lots[id] != nil:
		return LotRecord{}, refuse(RefusedLotExists, "lot", id)
	case !ok:
		return LotRecord{}, refuse(RefusedUnknownProduct, "product", product)
	case !p.Mixed:
		return LotRecord{}, refuse(RefusedLotProduct, "product", product, "lot", id, "lot_product", product)
	}
	lot, err := s.store.OpenLot(ctx, actor, s.batch, id, product)
	if err != nil {
		return LotRecord{}, fmt.Errorf("open lot %s: %w", id, err)
	}
	s.rememberLot(lot)
	s.publish(LotOpenedEvent{At: s.clock.Now(), Lot: lot})
	return lot, nil
}

// CloseLot closes a mixed lot. Its balance is judged as a carcass's is;
// a loss above the rules' limit gives the lot a mass.loss decision.
func (s *Station) CloseLot(ctx context.Context, actor, id string) (MassFigures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return MassFigures{}, err
	}
	lot, ok := s.lots[id]
	switch {
	case !ok:
		return MassFigures{}, refuse(RefusedUnknownLot, "lot", id)
	case lot.State != LotOpen:
		return MassFigures{}, refuse(RefusedLotClosed, "lot", id)
	}

	at := s.clock.Now()
	judge := func(b Balance) (Decision, bool) {
		d, ok := s.rules.MassLoss(nil, b.Figures(s.rules.MaxLossBP))
		d.Lot = id
		return d, ok
	}
	rec, balance, decisions, err := s.store.CloseLot(ctx, actor, id, at, judge)
	if err != nil {
		return MassFigures{}, fmt.Errorf("close lot %s: %w", id, err)
	}
	figures := balance.Figures(s.rules.MaxLossBP)

	s.rememberLot(rec)
	s.publish(LotClosedEvent{At: at, Lot: rec, Mass: figures, Decisions: decisions})
	if s.cutting.Lot == id || s.cutting.ToLot == id {
		s.setCutting(Cutting{}, at)
	}
	if s.policy != nil && len(decisions) > 0 {
		if err := s.releaseLot(ctx, s.policy.User, id, s.policy.Reason, at); err != nil {
			return figures, err
		}
	}
	return figures, nil
}

// ReleaseLot releases the review decisions on a closed lot.
func (s *Station) ReleaseLot(ctx context.Context, actor, id, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return refuse(RefusedReasonRequired)
	case s.lots[id] == nil:
		return refuse(RefusedUnknownLot, "lot", id)
	}
	return s.releaseLot(ctx, actor, id, reason, s.clock.Now())
}

func (s *Station) releaseLot(ctx context.Context, actor, id, reason string, at time.Time) error {
	if err := s.store.ReleaseLot(ctx, actor, id, reason, at); err != nil {
		return fmt.Errorf("release lot %s: %w", id, err)
	}
	s.publish(LotReleasedEvent{At: at, Lot: id, By: actor, Reason: reason})
	return nil
}
