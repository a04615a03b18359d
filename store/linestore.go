package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"lambtrace/line"
)

// LineStore is the station's record in the database: it implements
// line.Store, each method one write transaction of the DB.
type LineStore struct {
	db *DB
}

var _ line.Store = (*LineStore)(nil)

// NewLineStore returns the line service's view of db.
func NewLineStore(db *DB) *LineStore { return &LineStore{db: db} }

// OpenShift creates the batch or loads it with what its shift recorded.
// An existing batch keeps its stored shift start.
func (s *LineStore) OpenShift(ctx context.Context, actor string, id line.BatchID, shiftStart time.Time) (line.Shift, error) {
	var sh line.Shift
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		b, err := tx.Batch(id.String())
		if errors.Is(err, ErrNotFound) {
			if err := tx.OpenBatch(id, shiftStart); err != nil {
				return err
			}
			b, err = Batch{ID: id, ShiftStart: shiftStart, State: line.BatchOpen}, nil
		}
		if err != nil {
			return err
		}
		sh = line.Shift{Batch: b.ID, ShiftStart: b.ShiftStart, State: b.State}
		return loadShift(ctx, tx.tx, &sh)
	})
	return sh, err
}

// EnterCarcass enters a carcass with the intake assess decides.
func (s *LineStore) EnterCarcass(ctx context.Context, actor string, batch line.BatchID, read line.TagRead, at time.Time,
	assess func(line.History) line.Intake) (line.CarcassRecord, []line.Decision, error) {
	if assess == nil {
		return line.CarcassRecord{}, nil, errors.New("enter carcass: no intake assessment")
	}
	var rec line.CarcassRecord
	var decisions []line.Decision
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		c, ds, err := tx.EnterCarcassAssessed(batch.String(), read, at,
			func(h line.History, _ line.Date, _ time.Time) line.Intake { return assess(h) })
		if err != nil {
			return err
		}
		decisions = ds
		rec, err = carcassRecord(ctx, tx.tx, c.Number)
		return err
	})
	return rec, decisions, err
}

// AddCarcassWeighing stores a hot or chilled weight and its decisions.
func (s *LineStore) AddCarcassWeighing(ctx context.Context, actor string, w line.Weighing, decisions []line.Decision) (line.CarcassRecord, error) {
	if w.Stage != line.StageHot && w.Stage != line.StageChilled {
		return line.CarcassRecord{}, fmt.Errorf("carcass %s: a carcass weighing is hot or chilled, not %s", w.Carcass, w.Stage)
	}
	var rec line.CarcassRecord
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if _, err := tx.Carcass(w.Carcass); err != nil {
			return err
		}
		if _, err := tx.AddWeighing(weighing(w)); err != nil {
			return err
		}
		if err := tx.applyDecisions(w.Carcass, decisions, w.Reading.At); err != nil {
			return err
		}
		var err error
		rec, err = tx.catchUp(w.Carcass)
		return err
	})
	return rec, err
}

// RecordInspection stores an inspection result, the condemned parts'
// weighing and the decisions. A carcass is inspected once.
func (s *LineStore) RecordInspection(ctx context.Context, actor string, in line.InspectionRecord, decisions []line.Decision) (line.CarcassRecord, error) {
	var rec line.CarcassRecord
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if _, err := tx.Carcass(in.Carcass); err != nil {
			return err
		}
		if _, err := loadRow(ctx, tx.tx, "inspections", Row{"carcass": in.Carcass}); err == nil {
			return fmt.Errorf("carcass %s is inspected already", in.Carcass)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		record := Inspection{Carcass: in.Carcass, Result: in.Result, Reason: in.Reason, Inspector: Actor(in.Inspector), At: in.At}
		if in.Condemned != nil {
			record.Condemned = in.Condemned.Grams
			w := line.Weighing{Carcass: in.Carcass, Stage: line.StageCondemned, Reading: *in.Condemned}
			if _, err := tx.AddWeighing(weighing(w)); err != nil {
				return err
			}
		}
		if err := tx.RecordInspection(record); err != nil {
			return err
		}
		if err := tx.applyDecisions(in.Carcass, decisions, in.At); err != nil {
			return err
		}
		var err error
		rec, err = tx.catchUp(in.Carcass)
		return err
	})
	return rec, err
}

// RecordLabResult stores a lab result and the decisions decide makes for
// the consignment's carcasses. A sample is recorded once.
func (s *LineStore) RecordLabResult(ctx context.Context, actor string, t line.LabTest, at time.Time,
	decide func(line.CarcassRecord) (line.Decision, bool)) ([]line.CarcassRecord, error) {
	var affected []line.CarcassRecord
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if _, err := loadRow(ctx, tx.tx, "lab_results", Row{"sample": t.Sample}); err == nil {
			return fmt.Errorf("lab sample %s is recorded already", t.Sample)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := tx.RecordLabResult(&t, Actor(actor), at); err != nil {
			return err
		}
		if decide == nil {
			return nil
		}
		numbers, err := tx.CarcassesOf(t.Consignment)
		if err != nil {
			return err
		}
		for _, n := range numbers {
			rec, err := carcassRecord(ctx, tx.tx, n)
			if err != nil {
				return err
			}
			d, ok := decide(rec)
			if !ok {
				continue
			}
			if err := tx.applyDecisions(n, []line.Decision{d}, at); err != nil {
				return err
			}
			if rec, err = tx.catchUp(n); err != nil {
				return err
			}
			affected = append(affected, rec)
		}
		return nil
	})
	return affected, err
}

// AddOutput weighs a pack or by-product out through the mass balance.
func (s *LineStore) AddOutput(ctx context.Context, actor string, out line.OutputRequest) (line.OutputResult, error) {
	w := out.Weighing
	if w.Stage != line.StagePack && w.Stage != line.StageByproduct {
		return line.OutputResult{}, fmt.Errorf("output of %s%s: a pack or by-product, not %s", w.Carcass, w.Lot, w.Stage)
	}
	if w.Stage == line.StagePack && out.Product == nil {
		return line.OutputResult{}, fmt.Errorf("pack of %s%s names no product", w.Carcass, w.Lot)
	}
	var res line.OutputResult
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		res = line.OutputResult{}
		if err := tx.checkOutputTarget(w); err != nil {
			return err
		}
		var err error
		if w.Stage == line.StagePack {
			var p Pack
			p, err = tx.AddPack(out.Batch.String(), out.Product, weighing(w), out.Grassland)
			if err == nil {
				res.Pack = &line.PackRecord{Serial: p.Serial, Batch: out.Batch, Product: p.Product.Key, GTIN: p.Product.GTIN,
					Grams: p.Grams, Carcass: p.Carcass, Lot: p.Lot, Grassland: p.Grassland, PackedAt: p.PackedAt}
			}
		} else {
			_, err = tx.AddOutput(weighing(w))
		}
		var me *line.MassError
		switch {
		case errors.As(err, &me):
			if out.Refuse == nil {
				return fmt.Errorf("output of %s%s refused with no decision to record: %w", w.Carcass, w.Lot, err)
			}
			d := out.Refuse(me)
			if _, err := tx.AddDecision(d, w.Reading.At); err != nil {
				return err
			}
			res.Refused, res.Decision = me, &d
		case err != nil:
			return err
		}

		if w.Carcass != "" {
			if res.Balance, err = tx.CarcassBalance(w.Carcass); err != nil {
				return err
			}
			rec, err := tx.catchUp(w.Carcass)
			if err != nil {
				return err
			}
			res.Carcass = &rec
			return nil
		}
		res.Balance, err = tx.LotBalance(w.Lot)
		return err
	})
	return res, err
}

// judged calls judge, a nil judge making no decision.
func judged(judge func(line.Balance) (line.Decision, bool), b line.Balance) (line.Decision, bool) {
	if judge == nil {
		return line.Decision{}, false
	}
	return judge(b)
}

// checkOutputTarget refuses an output of a carcass that is blocked, held
// or closed, of a lot that is closed, and trim sent on to a closed lot.
func (tx *Tx) checkOutputTarget(w line.Weighing) error {
	if w.Carcass != "" {
		c, err := tx.Carcass(w.Carcass)
		if err != nil {
			return err
		}
		if c.State == line.CarcassBlocked || c.State == line.CarcassHeld || c.Stage == line.CarcassClosed {
			return fmt.Errorf("carcass %s is %s at stage %s and yields no output", c.Number, c.State, c.Stage)
		}
	}
	for _, lot := range []string{w.Lot, w.ToLot} {
		if lot == "" {
			continue
		}
		state, err := tx.lotState(lot)
		if err != nil {
			return err
		}
		if state != line.LotOpen {
			return fmt.Errorf("lot %s is %s", lot, state)
		}
	}
	return nil
}

// CloseCarcass advances a carcass to closed, through cutting when nothing
// was weighed out of it, and judges its balance.
func (s *LineStore) CloseCarcass(ctx context.Context, actor, number string, at time.Time,
	judge func(line.Balance) (line.Decision, bool)) (line.CarcassRecord, line.Balance, []line.Decision, error) {
	var rec line.CarcassRecord
	var bal line.Balance
	var decisions []line.Decision
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		decisions = nil
		c, err := tx.Carcass(number)
		if err != nil {
			return err
		}
		flow, err := line.RestoreCarcassFlow(number, c.State, c.Stage)
		if err != nil {
			return err
		}
		if flow.Stage() == line.CarcassChilled {
			if err := flow.Advance(line.CarcassCutting); err != nil {
				return err
			}
		}
		if err := flow.Advance(line.CarcassClosed); err != nil {
			return err
		}
		c.State, c.Stage = flow.State(), flow.Stage()
		if err := tx.putCarcass(c); err != nil {
			return err
		}
		if bal, err = tx.CarcassBalance(number); err != nil {
			return err
		}
		if d, ok := judged(judge, bal); ok {
			decisions = []line.Decision{d}
			if err := tx.applyDecisions(number, decisions, at); err != nil {
				return err
			}
		}
		rec, err = carcassRecord(ctx, tx.tx, number)
		return err
	})
	return rec, bal, decisions, err
}

// ReleaseCarcass releases a held carcass and brings it to the stage its
// facts reached while it was held.
func (s *LineStore) ReleaseCarcass(ctx context.Context, actor, number, reason string, at time.Time) (line.CarcassRecord, error) {
	var rec line.CarcassRecord
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if err := tx.ReleaseCarcass(number, Actor(actor), reason, at); err != nil {
			return err
		}
		var err error
		rec, err = tx.catchUp(number)
		return err
	})
	return rec, err
}

// BlockCarcass stores a person's blocking decision and blocks the carcass.
func (s *LineStore) BlockCarcass(ctx context.Context, actor string, d line.Decision, at time.Time) (line.CarcassRecord, error) {
	if !d.BlocksCarcass() || d.Carcass == "" {
		return line.CarcassRecord{}, fmt.Errorf("decision %s does not block a carcass", d.Code)
	}
	var rec line.CarcassRecord
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if err := tx.applyDecisions(d.Carcass, []line.Decision{d}, at); err != nil {
			return err
		}
		var err error
		rec, err = carcassRecord(ctx, tx.tx, d.Carcass)
		return err
	})
	return rec, err
}

// OpenLot opens a lot; its id must be new.
func (s *LineStore) OpenLot(ctx context.Context, actor string, batch line.BatchID, id, product string) (line.LotRecord, error) {
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if _, err := tx.lotState(id); err == nil {
			return fmt.Errorf("lot %s exists already", id)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return tx.OpenLot(id, batch.String(), product)
	})
	if err != nil {
		return line.LotRecord{}, err
	}
	return line.LotRecord{ID: id, Batch: batch, Product: product, State: line.LotOpen}, nil
}

// CloseLot closes a lot and judges its balance.
func (s *LineStore) CloseLot(ctx context.Context, actor, id string, at time.Time,
	judge func(line.Balance) (line.Decision, bool)) (line.LotRecord, line.Balance, []line.Decision, error) {
	var lot line.LotRecord
	var bal line.Balance
	var decisions []line.Decision
	err := s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		decisions = nil
		if err := tx.CloseLot(id); err != nil {
			return err
		}
		var err error
		if bal, err = tx.LotBalance(id); err != nil {
			return err
		}
		if d, ok := judged(judge, bal); ok {
			if _, err := tx.AddDecision(d, at); err != nil {
				return err
			}
			decisions = []line.Decision{d}
		}
		lot, err = loadLot(ctx, tx.tx, id)
		return err
	})
	return lot, bal, decisions, err
}

// ReleaseLot releases a lot's review decisions.
func (s *LineStore) ReleaseLot(ctx context.Context, actor, id, reason string, at time.Time) error {
	return s.db.Update(ctx, Actor(actor), func(tx *Tx) error { return tx.ReleaseLotDecisions(id, Actor(actor), reason, at) })
}

// QueuePrint commits a first print job.
func (s *LineStore) QueuePrint(ctx context.Context, actor string, req line.PrintRequest) (line.PrintJob, error) {
	id, err := s.db.QueuePrint(ctx, Actor(actor), printRequest(req))
	if err != nil {
		return line.PrintJob{}, err
	}
	return s.printJob(ctx, id)
}

// QueueReprint commits a reprint job.
func (s *LineStore) QueueReprint(ctx context.Context, actor string, of int64, req line.PrintRequest, reason string) (line.PrintJob, error) {
	id, err := s.db.QueueReprint(ctx, Actor(actor), of, req.Printer, req.Data, reason)
	if err != nil {
		return line.PrintJob{}, err
	}
	return s.printJob(ctx, id)
}

// SetPrintState moves a print job to its next state.
func (s *LineStore) SetPrintState(ctx context.Context, actor string, id int64, to line.PrintState, failure string) error {
	return s.db.SetPrintJobState(ctx, Actor(actor), id, PrintJobState(to), failure)
}

// ConfirmPrints marks sent jobs confirmed in one transaction.
func (s *LineStore) ConfirmPrints(ctx context.Context, actor string, ids []int64) error {
	return s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		for _, id := range ids {
			if err := tx.SetPrintJobState(id, PrintConfirmed, ""); err != nil {
				return err
			}
		}
		return nil
	})
}

// VoidLabel voids a printed label.
func (s *LineStore) VoidLabel(ctx context.Context, actor, serial, reason string) error {
	return s.db.VoidLabel(ctx, Actor(actor), serial, reason)
}

// PrintJobs returns the jobs of one label.
func (s *LineStore) PrintJobs(ctx context.Context, serial string) ([]line.PrintJob, error) {
	jobs, err := s.db.PrintJobs(ctx, serial)
	if err != nil {
		return nil, err
	}
	out := make([]line.PrintJob, len(jobs))
	for i, j := range jobs {
		out[i] = linePrintJob(j)
	}
	return out, nil
}

// Pack returns a stored pack, or an error wrapping ErrNotFound.
func (s *LineStore) Pack(ctx context.Context, serial string) (line.PackRecord, error) {
	row, err := loadRow(ctx, s.db.reader, "packs", Row{"serial": serial})
	if err != nil {
		return line.PackRecord{}, fmt.Errorf("pack %s: %w", serial, err)
	}
	batch, err := line.ParseBatchID(row.text("batch_id"))
	if err != nil {
		return line.PackRecord{}, fmt.Errorf("pack %s: %w", serial, err)
	}
	packed, err := row.timestamp("packed_at")
	if err != nil {
		return line.PackRecord{}, fmt.Errorf("pack %s: %w", serial, err)
	}
	return line.PackRecord{Serial: serial, Batch: batch, Product: row.text("product"), GTIN: line.GTIN(row.text("gtin")),
		Grams: line.Mass(row.integer("grams")), Carcass: row.text("carcass"), Lot: row.text("lot"),
		Grassland: row.integer("grassland") == 1, PackedAt: packed}, nil
}

// Decisions returns the decisions on a carcass with their releases.
func (s *LineStore) Decisions(ctx context.Context, carcass string) ([]line.DecisionRecord, error) {
	stored, err := decisionsOf(ctx, s.db.reader, carcass)
	if err != nil {
		return nil, err
	}
	out := make([]line.DecisionRecord, len(stored))
	for i, d := range stored {
		out[i] = line.DecisionRecord{ID: d.ID, Decision: d.Decision, DecidedAt: d.DecidedAt, ReleasedBy: d.ReleasedBy, ReleaseReason: d.Reason}
	}
	return out, nil
}

// Balance rebuilds the balance of a carcass, or of a lot when carcass is
// empty.
func (s *LineStore) Balance(ctx context.Context, carcass, lot string) (line.Balance, error) {
	if carcass != "" {
		return carcassBalance(ctx, s.db.reader, carcass)
	}
	return lotBalance(ctx, s.db.reader, lot)
}

func (s *LineStore) printJob(ctx context.Context, id int64) (line.PrintJob, error) {
	j, err := loadPrintJob(ctx, s.db.reader, id)
	if err != nil {
		return line.PrintJob{}, err
	}
	return linePrintJob(j), nil
}

func printRequest(req line.PrintRequest) PrintRequest {
	return PrintRequest{Serial: req.Serial, Kind: LabelKind(req.Kind), Printer: req.Printer, ZPL: req.Data}
}

func linePrintJob(j PrintJob) line.PrintJob {
	return line.PrintJob{ID: j.ID, Serial: j.Serial, Kind: line.LabelKind(j.Kind), Printer: j.Printer, SHA256: j.ZPLSHA256,
		State: line.PrintState(j.State), ReprintOf: j.ReprintOf, Reason: j.Reason, Error: j.Error, CreatedAt: j.CreatedAt,
		User: string(j.User)}
}

// weighing converts the line's weighing to the stored form.
func weighing(w line.Weighing) Weighing {
	return Weighing{Carcass: w.Carcass, Lot: w.Lot, Stage: string(w.Stage), Kind: w.Kind, Grams: w.Reading.Grams,
		ScaleID: w.Reading.Scale, Division: w.Reading.Division, Stable: w.Reading.Stable, At: w.Reading.At, ToLot: w.ToLot}
}

// applyDecisions stores decisions on a carcass and holds or blocks it as
// they require.
func (tx *Tx) applyDecisions(number string, decisions []line.Decision, at time.Time) error {
	if len(decisions) == 0 {
		return nil
	}
	for _, d := range decisions {
		if d.Carcass != number {
			return fmt.Errorf("decision %s names carcass %q, not %s", d.Code, d.Carcass, number)
		}
		if _, err := tx.AddDecision(d, at); err != nil {
			return err
		}
	}
	c, err := tx.Carcass(number)
	if err != nil {
		return err
	}
	flow, err := line.RestoreCarcassFlow(number, c.State, c.Stage)
	if err != nil {
		return err
	}
	if err := flow.Apply(decisions); err != nil {
		return err
	}
	if flow.State() == c.State {
		return nil
	}
	c.State = flow.State()
	return tx.putCarcass(c)
}

// catchUp moves a carcass to the stage its recorded facts justify and
// returns its record.
func (tx *Tx) catchUp(number string) (line.CarcassRecord, error) {
	rec, err := carcassRecord(tx.ctx, tx.tx, number)
	if err != nil {
		return rec, err
	}
	flow, err := line.RestoreCarcassFlow(number, rec.State, rec.Stage)
	if err != nil {
		return rec, err
	}
	if err := flow.CatchUp(rec.Facts()); err != nil {
		return rec, err
	}
	if flow.State() == rec.State && flow.Stage() == rec.Stage {
		return rec, nil
	}
	c, err := tx.Carcass(number)
	if err != nil {
		return rec, err
	}
	c.State, c.Stage = flow.State(), flow.Stage()
	rec.State, rec.Stage = c.State, c.Stage
	return rec, tx.putCarcass(c)
}

// ReleaseLotDecisions releases every unreleased review decision on a lot
// by user with reason. It returns an error when there is none.
func (tx *Tx) ReleaseLotDecisions(lot string, user Actor, reason string, at time.Time) error {
	if user == "" || len(reason) == 0 {
		return fmt.Errorf("lot %s: a release needs a user and a reason", lot)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT d.id FROM decisions d LEFT JOIN releases r ON r.decision = d.id
		WHERE d.lot = ? AND d.severity = 'review' AND r.decision IS NULL ORDER BY d.id`, lot)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("lot %s has no unreleased review decision", lot)
	}
	for _, id := range ids {
		err := tx.Put("releases", Row{"decision": id, "user": string(user), "reason": reason, "released_at": formatTime(at)})
		if err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) lotState(id string) (line.LotState, error) {
	var state string
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT state FROM lots WHERE id = ?", id).Scan(&state)
	if err != nil {
		return "", fmt.Errorf("lot %s: %w", id, notFound(err))
	}
	return line.LotState(state), nil
}

// carcassSelect reads a carcass with its facts; the WHERE clause follows.
const carcassSelect = `SELECT c.number, c.batch_id, c.raw_read, c.rfid, c.ear_tag, c.consignment_id, c.state, c.stage,
	c.entered_at,
	(SELECT w.grams FROM weighings w WHERE w.carcass = c.number AND w.stage = 'hot' ORDER BY w.id DESC LIMIT 1),
	(SELECT w.grams FROM weighings w WHERE w.carcass = c.number AND w.stage = 'chilled' ORDER BY w.id DESC LIMIT 1),
	(SELECT i.result FROM inspections i WHERE i.carcass = c.number),
	(SELECT count(*) FROM weighings w WHERE w.carcass = c.number AND w.stage IN ('pack', 'byproduct'))
	FROM carcasses c `

func scanCarcassRecord(rows interface{ Scan(...any) error }) (line.CarcassRecord, error) {
	var rec line.CarcassRecord
	var batch, state, stage, entered string
	var rfid, tag, consignment, inspection sql.NullString
	var hot, chilled sql.NullInt64
	if err := rows.Scan(&rec.Number, &batch, &rec.RawRead, &rfid, &tag, &consignment, &state, &stage, &entered,
		&hot, &chilled, &inspection, &rec.Outputs); err != nil {
		return rec, err
	}
	var err error
	if rec.Batch, err = line.ParseBatchID(batch); err != nil {
		return rec, fmt.Errorf("carcass %s: %w", rec.Number, err)
	}
	if rec.EnteredAt, err = parseTime(entered); err != nil {
		return rec, fmt.Errorf("carcass %s: entered_at %q: %w", rec.Number, entered, err)
	}
	rec.RFID, rec.EarTag, rec.Consignment = line.RFID(rfid.String), line.EarTag(tag.String), consignment.String
	rec.State, rec.Stage = line.CarcassState(state), line.CarcassState(stage)
	rec.Hot, rec.Chilled, rec.Inspection = line.Mass(hot.Int64), line.Mass(chilled.Int64), inspection.String
	return rec, nil
}

func carcassRecord(ctx context.Context, q querier, number string) (line.CarcassRecord, error) {
	rec, err := scanCarcassRecord(q.QueryRowContext(ctx, carcassSelect+"WHERE c.number = ?", number))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, fmt.Errorf("carcass %s: %w", number, ErrNotFound)
	}
	return rec, err
}

func loadLot(ctx context.Context, q querier, id string) (line.LotRecord, error) {
	var batch, product, state string
	err := q.QueryRowContext(ctx, "SELECT batch_id, product, state FROM lots WHERE id = ?", id).Scan(&batch, &product, &state)
	if err != nil {
		return line.LotRecord{}, fmt.Errorf("lot %s: %w", id, notFound(err))
	}
	b, err := line.ParseBatchID(batch)
	if err != nil {
		return line.LotRecord{}, fmt.Errorf("lot %s: %w", id, err)
	}
	return line.LotRecord{ID: id, Batch: b, Product: product, State: line.LotState(state)}, nil
}

// loadShift reads what the shift of sh.Batch recorded: its carcasses,
// lots and packs, every lab result, and the print jobs still queued or
// sent.
func loadShift(ctx context.Context, q querier, sh *line.Shift) error {
	batch := sh.Batch.String()
	rows, err := q.QueryContext(ctx, carcassSelect+"WHERE c.batch_id = ? ORDER BY c.number", batch)
	if err != nil {
		return err
	}
	for rows.Next() {
		rec, err := scanCarcassRecord(rows)
		if err != nil {
			rows.Close()
			return err
		}
		sh.Carcasses = append(sh.Carcasses, rec)
	}
	if err := rows.Close(); err != nil {
		return err
	}

	if err := loadShiftLots(ctx, q, sh); err != nil {
		return err
	}
	if err := loadLabTests(ctx, q, sh); err != nil {
		return err
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM packs WHERE batch_id = ?", batch).Scan(&sh.Packs); err != nil {
		return err
	}

	rows, err = q.QueryContext(ctx, "SELECT id FROM print_jobs WHERE state IN ('queued', 'sent') ORDER BY id")
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range ids {
		j, err := loadPrintJob(ctx, q, id)
		if err != nil {
			return err
		}
		sh.PrintJobs = append(sh.PrintJobs, linePrintJob(j))
	}
	return nil
}

func loadShiftLots(ctx context.Context, q querier, sh *line.Shift) error {
	rows, err := q.QueryContext(ctx, "SELECT id, product, state FROM lots WHERE batch_id = ? ORDER BY rowid", sh.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		lot := line.LotRecord{Batch: sh.Batch}
		var state string
		if err := rows.Scan(&lot.ID, &lot.Product, &state); err != nil {
			return err
		}
		lot.State = line.LotState(state)
		sh.Lots = append(sh.Lots, lot)
	}
	return rows.Err()
}

func loadLabTests(ctx context.Context, q querier, sh *line.Shift) error {
	rows, err := q.QueryContext(ctx, "SELECT sample, consignment, analytes, method, result FROM lab_results ORDER BY rowid")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t line.LabTest
		var analytes string
		if err := rows.Scan(&t.Sample, &t.Consignment, &analytes, &t.Method, &t.Result); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(analytes), &t.Analytes); err != nil {
			return fmt.Errorf("lab result %s: analytes: %w", t.Sample, err)
		}
		sh.LabTests = append(sh.LabTests, t)
	}
	return rows.Err()
}

// BatchFacts reads the facts of a batch's document in one read
// transaction.
func (s *LineStore) BatchFacts(ctx context.Context, batch line.BatchID) (*line.BatchFacts, error) {
	return s.db.BatchFacts(ctx, batch.String())
}

// signOffRoles are the roles that may sign off a batch.
var signOffRoles = []Role{RoleVet}

// ReviewBatch moves an open or cutting batch to review and records the
// product quarantine certificate number, for a veterinarian's sign-off.
func (s *LineStore) ReviewBatch(ctx context.Context, actor string, batch line.BatchID, certificate string) error {
	id := batch.String()
	if strings.TrimSpace(certificate) == "" {
		return fmt.Errorf("review batch %s: the product certificate number is missing", id)
	}
	return s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if err := tx.requireRole("sign off batch "+id, signOffRoles...); err != nil {
			return err
		}
		b, err := tx.Batch(id)
		if err != nil {
			return err
		}
		if b.State == line.BatchOpen {
			if err := tx.AdvanceBatch(id, line.BatchCutting); err != nil {
				return err
			}
			b.State = line.BatchCutting
		}
		if b.State == line.BatchCutting {
			if err := tx.AdvanceBatch(id, line.BatchReview); err != nil {
				return err
			}
		}
		return tx.SetProductCertificate(id, certificate)
	})
}

// SealBatch stores the signed document of a batch in review, queues it
// for upload and moves the batch through signed to sealed, in one
// transaction. The document's journal head at seal is the head before
// this transaction.
func (s *LineStore) SealBatch(ctx context.Context, actor string, batch line.BatchID, doc line.SealedDocument) error {
	id := batch.String()
	digest, err := checkSeal(id, doc.Format, doc.Body)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, Actor(actor), func(tx *Tx) error {
		if err := tx.requireRole("seal batch "+id, signOffRoles...); err != nil {
			return err
		}
		b, err := tx.Batch(id)
		if err != nil {
			return err
		}
		if b.State != line.BatchReview {
			return fmt.Errorf("seal batch %s: the batch is %s; a batch is sealed from review", id, b.State)
		}
		if err := tx.seal(id, doc.Format, doc.Body, digest); err != nil {
			return err
		}
		if err := tx.AdvanceBatch(id, line.BatchSigned); err != nil {
			return err
		}
		return tx.AdvanceBatch(id, line.BatchSealed)
	})
}
