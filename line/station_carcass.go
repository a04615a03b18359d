package line

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CodeQualityBlocked is the decision quality staff make when they block a
// held carcass; its facts name the user and the reason.
const CodeQualityBlocked Code = "quality.blocked"

// InspectionInput is a synchronous post-mortem inspection result as
// quality staff or the veterinarian enter it.
type InspectionInput struct {
	Carcass   string
	Result    string // InspectionPass, InspectionPartial or InspectionCondemned
	Reason    string // the finding; required unless the carcass passed
	Condemned *Reading
	// Condemned is the weighing of the condemned parts, required for a
	// partial condemnation and optional for a whole one.
}

// TagRead enters a carcass for a tag read: it gives the carcass its
// number, applies the intake rules and a positive lab result of its
// consignment, and queues the carcass label unless the carcass is
// blocked. The carcass then waits for its hot weight from the hook scale.
// A held or blocked carcass is entered all the same and published with
// its reasons; it is never dropped.
func (s *Station) TagRead(ctx context.Context, ev TagEvent) (CarcassRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return CarcassRecord{}, err
	}
	at := ev.At
	if at.IsZero() {
		at = s.clock.Now()
	}
	assess := func(h History) Intake {
		in := s.rules.Intake(s.reg, h, ev.TagRead, s.batch.Day, s.shiftStart)
		if a := in.Animal; a != nil {
			if d, ok := s.rules.Lab(a, s.positive[a.Consignment.ID]); ok {
				in.Decisions = append(in.Decisions, d)
			}
		}
		return in
	}
	rec, decisions, err := s.store.EnterCarcass(ctx, s.operator, s.batch, ev.TagRead, at, assess)
	if err != nil {
		return CarcassRecord{}, fmt.Errorf("enter carcass for tag read %q: %w", ev.Raw, err)
	}
	s.remember(rec)
	s.hook = append(s.hook, rec.Number)
	s.log.Debug("carcass entered", "carcass", rec.Number, "rfid", rec.RFID, "ear_tag", rec.EarTag, "state", rec.State)
	s.publish(CarcassEnteredEvent{At: at, Carcass: rec, Decisions: decisions})
	s.publishDecided(at, rec, decisions)

	rec, err = s.releaseByPolicy(ctx, rec, at)
	if rec.State != CarcassBlocked {
		s.printCarcassLabel(ctx, rec)
	}
	return rec, err
}

// DeliverTag is TagRead for a reader's deliver function: an error is
// logged and published as a FaultEvent.
func (s *Station) DeliverTag(ev TagEvent) {
	if _, err := s.TagRead(context.Background(), ev); err != nil {
		s.fault("tag read", err, "reader", ev.Reader, "raw", ev.Raw)
	}
}

// TargetHotWeight makes a carcass the next to get a hot weight, for an
// operator who scanned its carcass label at the hook scale. The carcasses
// before it keep waiting.
func (s *Station) TargetHotWeight(number string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpen(); err != nil {
		return err
	}
	c, err := s.carcass(number)
	if err != nil {
		return err
	}
	i := slices.Index(s.hook, number)
	if i < 0 {
		return refuse(RefusedHotRecorded, "carcass", number, "grams", grams(c.Hot))
	}
	s.hook = append([]string{number}, slices.Delete(s.hook, i, i+1)...)
	return nil
}

// takeHot records a steady hook-scale weight as the hot weight of the
// next carcass waiting for one, with the weight rule's decision.
func (s *Station) takeHot(ctx context.Context, r Reading) error {
	if len(s.hook) == 0 {
		return refuse(RefusedNoHookCarcass)
	}
	number := s.hook[0]
	c := s.carcasses[number]
	var decisions []Decision
	if d, ok := s.rules.Weight(s.animalOf(c), r.Grams); ok {
		d.Carcass = number
		decisions = append(decisions, d)
	}
	rec, err := s.store.AddCarcassWeighing(ctx, s.operator, Weighing{Carcass: number, Stage: StageHot, Reading: r}, decisions)
	if err != nil {
		return fmt.Errorf("record hot weight of carcass %s: %w", number, err)
	}
	s.hook = s.hook[1:]
	s.remember(rec)
	s.publish(WeightAcceptedEvent{At: r.At, Stage: StageHot, Carcass: rec, Reading: r})
	s.publishDecided(r.At, rec, decisions)
	_, err = s.releaseByPolicy(ctx, rec, r.At)
	return err
}

// takeChilled records a steady carcass-scale weight as the chilled weight
// of the carcass picked for cutting.
func (s *Station) takeChilled(ctx context.Context, r Reading) error {
	if s.cutting.Carcass == "" {
		return refuse(RefusedNoCuttingTarget)
	}
	c := s.carcasses[s.cutting.Carcass]
	switch {
	case c.State == CarcassBlocked:
		return refuse(RefusedCarcassBlocked, "carcass", c.Number)
	case c.Stage == CarcassClosed:
		return refuse(RefusedCarcassClosed, "carcass", c.Number)
	case c.Chilled > 0:
		return refuse(RefusedChilledRecorded, "carcass", c.Number, "grams", grams(c.Chilled))
	}
	rec, err := s.store.AddCarcassWeighing(ctx, s.operator, Weighing{Carcass: c.Number, Stage: StageChilled, Reading: r}, nil)
	if err != nil {
		return fmt.Errorf("record chilled weight of carcass %s: %w", c.Number, err)
	}
	s.remember(rec)
	s.publish(WeightAcceptedEvent{At: r.At, Stage: StageChilled, Carcass: rec, Reading: r})
	return nil
}

// RecordInspection records the inspection result of a carcass. A
// condemned carcass is blocked; the weighing of partly condemned parts
// counts against the carcass's mass balance.
//
// NOTE: the condemned weighing is not checked against the balance, which
// has no input before the chilled weight. Condemned parts heavier than
// the chilled weight plus tolerance make every later output of the
// carcass fail with a store error instead of a mass.excess refusal.
func (s *Station) RecordInspection(ctx context.Context, actor string, in InspectionInput) (CarcassRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return CarcassRecord{}, err
	}
	c, err := s.carcass(in.Carcass)
	if err != nil {
		return CarcassRecord{}, err
	}
	if c.Inspection != "" {
		return CarcassRecord{}, refuse(RefusedAlreadyInspected, "carcass", c.Number, "result", c.Inspection)
	}
	reason := strings.TrimSpace(in.Reason)
	var condemned Mass
	if in.Condemned != nil {
		condemned = in.Condemned.Grams
	}
	bad := refuse(RefusedInspection, "carcass", c.Number, "result", in.Result)
	switch in.Result {
	case InspectionPass:
		if condemned != 0 {
			return CarcassRecord{}, bad
		}
	case InspectionPartial:
		if reason == "" || condemned <= 0 {
			return CarcassRecord{}, bad
		}
	case InspectionCondemned:
		if reason == "" || condemned < 0 {
			return CarcassRecord{}, bad
		}
	default:
		return CarcassRecord{}, bad
	}

	at := s.clock.Now()
	var decisions []Decision
	if d, ok := s.rules.Inspection(s.animalOf(c), in.Result, reason, condemned); ok {
		d.Carcass = c.Number
		decisions = append(decisions, d)
	}
	record := InspectionRecord{Carcass: c.Number, Result: in.Result, Reason: reason, Inspector: actor, At: at}
	if condemned > 0 {
		record.Condemned = in.Condemned
	}
	rec, err := s.store.RecordInspection(ctx, actor, record, decisions)
	if err != nil {
		return CarcassRecord{}, fmt.Errorf("record inspection of carcass %s: %w", c.Number, err)
	}
	s.remember(rec)
	s.publish(InspectionRecordedEvent{At: at, Carcass: rec, Result: in.Result, Condemned: condemned, Decisions: decisions})
	s.publishDecided(at, rec, decisions)
	return s.releaseByPolicy(ctx, rec, at)
}

// RecordLabResult records a β-agonist screening result. A positive result
// blocks every carcass of its consignment already entered and every one
// entered later. A second positive result of the same consignment blocks
// nothing more.
func (s *Station) RecordLabResult(ctx context.Context, actor string, t LabTest) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(t.Sample) == "" || len(t.Analytes) == 0 || (t.Result != LabNegative && t.Result != LabPositive):
		return nil, refuse(RefusedInvalidLabResult, "sample", t.Sample, "result", t.Result)
	case !slices.ContainsFunc(s.reg.Consignments, func(c *Consignment) bool { return c.ID == t.Consignment }):
		return nil, refuse(RefusedUnknownConsignment, "consignment", t.Consignment)
	case s.labSamples[t.Sample]:
		return nil, refuse(RefusedLabSampleRecorded, "sample", t.Sample)
	}

	// Only the first positive result of a consignment blocks carcasses.
	at := s.clock.Now()
	first := t.Result == LabPositive && s.positive[t.Consignment] == nil
	test := t
	decide := func(c CarcassRecord) (Decision, bool) {
		if !first {
			return Decision{}, false
		}
		d, ok := s.rules.Lab(s.animalOf(&c), &test)
		d.Carcass = c.Number
		return d, ok
	}
	affected, err := s.store.RecordLabResult(ctx, actor, t, at, decide)
	if err != nil {
		return nil, fmt.Errorf("record lab result %s: %w", t.Sample, err)
	}

	s.rememberLab(t)
	var blocked []string
	for _, rec := range affected {
		// A positive result blocks the consignment's carcasses of
		// earlier shifts too; the station keeps only its own.
		if rec.Batch == s.batch {
			s.remember(rec)
		}
		blocked = append(blocked, rec.Number)
		d, _ := decide(rec)
		s.publishDecided(at, rec, []Decision{d})
	}

	if len(blocked) > 0 {
		s.log.Info("positive lab result blocked carcasses", "sample", t.Sample, "consignment", t.Consignment, "carcasses", len(blocked))
	}
	s.publish(LabResultRecordedEvent{At: at, Test: t, Blocked: blocked})
	return blocked, nil
}

// Release releases a held carcass: its review decisions are released by
// actor with reason, and it resumes from the stage it was held at, taking
// in the facts recorded meanwhile.
//
// NOTE: neither the station nor the store checks actor's role for a
// release or a block, as the store does for a reprint or a void; the
// kiosk must offer them to quality staff only.
func (s *Station) Release(ctx context.Context, actor, number, reason string) (CarcassRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return CarcassRecord{}, err
	}
	c, err := s.carcass(number)
	if err != nil {
		return CarcassRecord{}, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return CarcassRecord{}, refuse(RefusedReasonRequired)
	case c.State == CarcassBlocked:
		return CarcassRecord{}, refuse(RefusedCarcassBlocked, "carcass", number)
	case c.State != CarcassHeld:
		return CarcassRecord{}, refuse(RefusedNotHeld, "carcass", number, "state", string(c.State))
	}
	return s.release(ctx, actor, *c, reason, s.clock.Now())
}

// Block blocks a carcass by a person's decision, recorded as a
// quality.blocked decision with actor and reason. A blocked carcass yields
// no labelled pack.
func (s *Station) Block(ctx context.Context, actor, number, reason string) (CarcassRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return CarcassRecord{}, err
	}
	c, err := s.carcass(number)
	if err != nil {
		return CarcassRecord{}, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return CarcassRecord{}, refuse(RefusedReasonRequired)
	case c.State == CarcassBlocked:
		return CarcassRecord{}, refuse(RefusedCarcassBlocked, "carcass", number)
	}
	at := s.clock.Now()
	d := Decision{Code: CodeQualityBlocked, Severity: SeverityBlock, RFID: c.RFID, EarTag: c.EarTag,
		Consignment: c.Consignment, Carcass: number, Facts: map[string]string{"user": actor, "reason": reason}}
	rec, err := s.store.BlockCarcass(ctx, actor, d, at)
	if err != nil {
		return CarcassRecord{}, fmt.Errorf("block carcass %s: %w", number, err)
	}
	s.remember(rec)
	s.log.Info("carcass blocked", "carcass", number, "user", actor)
	s.publishDecided(at, rec, []Decision{d})
	return rec, nil
}

// CloseCarcass closes the cutting of a carcass, the one being cut when
// number is empty. Its balance is judged against the largest loss the
// rules allow; a higher loss holds the carcass with a mass.loss decision.
func (s *Station) CloseCarcass(ctx context.Context, actor, number string) (MassFigures, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpenBatch(); err != nil {
		return MassFigures{}, err
	}
	if number == "" {
		number = s.cutting.Carcass
	}
	if number == "" {
		return MassFigures{}, refuse(RefusedNoCuttingTarget)
	}
	c, err := s.carcass(number)
	if err != nil {
		return MassFigures{}, err
	}
	if err := s.checkCuttable(c); err != nil {
		return MassFigures{}, err
	}
	if c.Chilled == 0 {
		return MassFigures{}, refuse(RefusedNoChilledWeight, "carcass", number)
	}

	at := s.clock.Now()
	a := s.animalOf(c)
	judge := func(b Balance) (Decision, bool) {
		d, ok := s.rules.MassLoss(a, b.Figures(s.rules.MaxLossBP))
		d.Carcass = number
		return d, ok
	}
	rec, balance, decisions, err := s.store.CloseCarcass(ctx, actor, number, at, judge)
	if err != nil {
		return MassFigures{}, fmt.Errorf("close carcass %s: %w", number, err)
	}
	figures := balance.Figures(s.rules.MaxLossBP)

	s.remember(rec)
	s.publish(CarcassClosedEvent{At: at, Carcass: rec, Mass: figures})
	s.publishDecided(at, rec, decisions)
	if s.cutting.Carcass == number {
		s.setCutting(Cutting{}, at)
	}
	_, err = s.releaseByPolicy(ctx, rec, at)
	return figures, err
}

// checkCuttable refuses a carcass that may yield no more output now.
func (s *Station) checkCuttable(c *CarcassRecord) error {
	switch {
	case c.State == CarcassBlocked:
		return refuse(RefusedCarcassBlocked, "carcass", c.Number)
	case c.State == CarcassHeld:
		return refuse(RefusedCarcassHeld, "carcass", c.Number)
	case c.Stage == CarcassClosed:
		return refuse(RefusedCarcassClosed, "carcass", c.Number)
	}
	return nil
}

// publishDecided publishes new decisions on a carcass with the state
// they left it in.
func (s *Station) publishDecided(at time.Time, rec CarcassRecord, decisions []Decision) {
	if len(decisions) == 0 {
		return
	}
	switch rec.State {
	case CarcassBlocked:
		s.log.Info("carcass blocked", "carcass", rec.Number, "ear_tag", rec.EarTag, "codes", codesOf(decisions))
		s.publish(CarcassBlockedEvent{At: at, Carcass: rec, Decisions: decisions})
	case CarcassHeld:
		s.log.Info("carcass held", "carcass", rec.Number, "ear_tag", rec.EarTag, "codes", codesOf(decisions))
		s.publish(CarcassHeldEvent{At: at, Carcass: rec, Decisions: decisions})
	}
}

func codesOf(decisions []Decision) []Code {
	codes := make([]Code, len(decisions))
	for i, d := range decisions {
		codes[i] = d.Code
	}
	return codes
}

// releaseByPolicy releases a held carcass at once when the station has a
// release policy.
func (s *Station) releaseByPolicy(ctx context.Context, rec CarcassRecord, at time.Time) (CarcassRecord, error) {
	if s.policy == nil || rec.State != CarcassHeld {
		return rec, nil
	}
	return s.release(ctx, s.policy.User, rec, s.policy.Reason, at)
}

func (s *Station) release(ctx context.Context, actor string, c CarcassRecord, reason string, at time.Time) (CarcassRecord, error) {
	rec, err := s.store.ReleaseCarcass(ctx, actor, c.Number, reason, at)
	if err != nil {
		return c, fmt.Errorf("release carcass %s: %w", c.Number, err)
	}
	s.remember(rec)
	s.log.Debug("carcass released", "carcass", c.Number, "user", actor)
	s.publish(CarcassReleasedEvent{At: at, Carcass: rec, By: actor, Reason: reason})
	return rec, nil
}
