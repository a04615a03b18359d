package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lambtrace/line"
)

var (
	_ = journaled("batches", "id")
	_ = journaled("carcasses", "number")
	_ = journaled("decisions", "id")
	_ = journaled("releases", "decision")
	_ = journaled("inspections", "carcass")
	_ = journaled("lab_results", "sample")
)

// ErrNotFound reports a record that does not exist. Errors wrap it with
// the record's id. It is line.ErrNotFound, so the station can test for it
// without importing this package.
var ErrNotFound = line.ErrNotFound

// Batch is one shift's production on one line, as stored.
type Batch struct {
	ID                 line.BatchID
	ShiftStart         time.Time
	State              line.BatchState
	ProductCertificate string // product quarantine certificate number, once the vet enters it
}

// OpenBatch creates a batch in the open state.
func (tx *Tx) OpenBatch(id line.BatchID, shiftStart time.Time) error {
	if err := id.Validate(); err != nil {
		return err
	}
	if line.DateOf(shiftStart) != id.Day {
		return fmt.Errorf("batch %s: shift start %s is not on the batch's day", id, shiftStart.Format(time.RFC3339))
	}
	return tx.putBatch(Batch{ID: id, ShiftStart: shiftStart, State: line.BatchOpen})
}

func (tx *Tx) putBatch(b Batch) error {
	var cert any
	if b.ProductCertificate != "" {
		cert = b.ProductCertificate
	}
	return tx.Put("batches", Row{"id": b.ID.String(), "day": b.ID.Day.String(),
		"shift_start": formatTime(b.ShiftStart), "state": string(b.State), "product_certificate": cert})
}

// Batch reads a batch within this transaction.
func (tx *Tx) Batch(id string) (Batch, error) {
	var b Batch
	var day, start, state string
	var cert sql.NullString
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT day, shift_start, state, product_certificate FROM batches WHERE id = ?", id).
		Scan(&day, &start, &state, &cert)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("batch %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return b, err
	}
	if b.ID, err = line.ParseBatchID(id); err != nil {
		return b, err
	}
	if b.ShiftStart, err = parseTime(start); err != nil {
		return b, fmt.Errorf("batch %s: shift start %q: %w", id, start, err)
	}
	b.State, b.ProductCertificate = line.BatchState(state), cert.String
	return b, nil
}

// AdvanceBatch moves a batch to its next state, or returns the state
// machine's *line.TransitionError.
func (tx *Tx) AdvanceBatch(id string, to line.BatchState) error {
	b, err := tx.Batch(id)
	if err != nil {
		return err
	}
	flow, err := line.RestoreBatchFlow(id, b.State)
	if err != nil {
		return err
	}
	if err := flow.Advance(to); err != nil {
		return err
	}
	b.State = flow.State()
	return tx.putBatch(b)
}

// SetProductCertificate records the product quarantine certificate number
// of a batch under review.
func (tx *Tx) SetProductCertificate(id, number string) error {
	b, err := tx.Batch(id)
	if err != nil {
		return err
	}
	if b.State != line.BatchReview {
		return fmt.Errorf("batch %s is %s; the product certificate is entered during review", id, b.State)
	}
	b.ProductCertificate = number
	return tx.putBatch(b)
}

// Carcass is a carcass as stored.
type Carcass struct {
	Number      string
	BatchID     string
	RawRead     string // the reader output, printable
	RFID        line.RFID
	EarTag      line.EarTag // empty when the tag is unknown or unreadable
	Consignment string
	State       line.CarcassState
	Stage       line.CarcassState
	EnteredAt   time.Time
}

// EnterCarcass creates the next carcass of a batch from a tag read. It
// assigns the carcass number and evaluates the intake rules against the
// registry and the carcasses already stored. Then it stores the carcass
// and its decisions, held or blocked as they require. Because it runs in
// the write transaction, two reads of one tag can never both pass.
func (tx *Tx) EnterCarcass(batchID string, read line.TagRead, at time.Time, reg *line.Registry, rules *line.Rules) (Carcass, []line.Decision, error) {
	return tx.EnterCarcassAssessed(batchID, read, at, func(h line.History, day line.Date, shiftStart time.Time) line.Intake {
		return rules.Intake(reg, h, read, day, shiftStart)
	})
}

// EnterCarcassAssessed is EnterCarcass with the intake decided by assess,
// which gets the line's history as of this transaction and the batch's
// day and shift start. The station adds the lab rule to the intake rules
// this way.
func (tx *Tx) EnterCarcassAssessed(batchID string, read line.TagRead, at time.Time,
	assess func(h line.History, day line.Date, shiftStart time.Time) line.Intake) (Carcass, []line.Decision, error) {
	b, err := tx.Batch(batchID)
	if err != nil {
		return Carcass{}, nil, err
	}
	if b.State != line.BatchOpen && b.State != line.BatchCutting {
		return Carcass{}, nil, fmt.Errorf("batch %s is %s; carcasses enter an open batch", batchID, b.State)
	}
	seq, err := tx.NextCounter("carcass:" + b.ID.Day.String())
	if err != nil {
		return Carcass{}, nil, err
	}
	number, err := line.FormatCarcassNumber(b.ID.Day, int(seq))
	if err != nil {
		return Carcass{}, nil, err
	}

	hist := &txHistory{tx: tx}
	intake := assess(hist, b.ID.Day, b.ShiftStart)
	if hist.err != nil {
		return Carcass{}, nil, hist.err
	}
	c := Carcass{Number: number, BatchID: batchID, RawRead: read.Raw, RFID: read.RFID, EnteredAt: at}
	if a := intake.Animal; a != nil {
		c.EarTag, c.Consignment = a.EarTag, a.Consignment.ID
	}
	flow := line.NewCarcassFlow(number)
	switch {
	case intake.Blocked():
		err = flow.Advance(line.CarcassBlocked)
	case len(intake.Decisions) > 0:
		err = flow.Advance(line.CarcassHeld)
	}
	if err != nil {
		return Carcass{}, nil, err
	}
	c.State, c.Stage = flow.State(), flow.Stage()
	if err := tx.putCarcass(c); err != nil {
		return Carcass{}, nil, err
	}
	for i := range intake.Decisions {
		intake.Decisions[i].Carcass = number
		if _, err := tx.AddDecision(intake.Decisions[i], at); err != nil {
			return Carcass{}, nil, err
		}
	}
	return c, intake.Decisions, nil
}

func (tx *Tx) putCarcass(c Carcass) error {
	row := Row{"number": c.Number, "batch_id": c.BatchID, "raw_read": c.RawRead, "rfid": nil, "ear_tag": nil,
		"consignment_id": nil, "state": string(c.State), "stage": string(c.Stage), "entered_at": formatTime(c.EnteredAt)}
	if c.RFID != "" {
		row["rfid"] = string(c.RFID)
	}
	if c.EarTag != "" {
		row["ear_tag"], row["consignment_id"] = string(c.EarTag), c.Consignment
	}
	return tx.Put("carcasses", row)
}

// Carcass reads a carcass within this transaction.
func (tx *Tx) Carcass(number string) (Carcass, error) {
	var c Carcass
	var rfid, tag, consignment sql.NullString
	var state, stage, entered string
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT batch_id, raw_read, rfid, ear_tag, consignment_id, state, stage, entered_at
		FROM carcasses WHERE number = ?`, number).Scan(&c.BatchID, &c.RawRead, &rfid, &tag, &consignment, &state, &stage, &entered)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("carcass %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return c, err
	}
	c.Number, c.RFID, c.EarTag, c.Consignment = number, line.RFID(rfid.String), line.EarTag(tag.String), consignment.String
	c.State, c.Stage = line.CarcassState(state), line.CarcassState(stage)
	if c.EnteredAt, err = parseTime(entered); err != nil {
		return c, fmt.Errorf("carcass %s: entered_at %q: %w", number, entered, err)
	}
	return c, nil
}

// AdvanceCarcass moves a carcass to state to, or returns the state
// machine's *line.TransitionError.
func (tx *Tx) AdvanceCarcass(number string, to line.CarcassState) error {
	c, err := tx.Carcass(number)
	if err != nil {
		return err
	}
	flow, err := line.RestoreCarcassFlow(number, c.State, c.Stage)
	if err != nil {
		return err
	}
	if err := flow.Advance(to); err != nil {
		return err
	}
	c.State, c.Stage = flow.State(), flow.Stage()
	return tx.putCarcass(c)
}

// AddDecision stores a decision on the carcass or lot it names and
// returns its id.
func (tx *Tx) AddDecision(d line.Decision, at time.Time) (int64, error) {
	if (d.Carcass == "") == (d.Lot == "") {
		return 0, fmt.Errorf("decision %s names neither or both of a carcass and a lot", d.Code)
	}
	facts := d.Facts
	if facts == nil {
		facts = map[string]string{}
	}
	factsJSON, err := Canonical(facts)
	if err != nil {
		return 0, err
	}
	id, err := tx.NextCounter("decision")
	if err != nil {
		return 0, err
	}
	row := Row{"id": id, "carcass": nullable(d.Carcass), "lot": nullable(d.Lot), "code": string(d.Code),
		"severity": string(d.Severity), "rfid": nullable(string(d.RFID)), "ear_tag": nullable(string(d.EarTag)),
		"consignment": nullable(d.Consignment), "facts": string(factsJSON), "decided_at": formatTime(at)}
	return id, tx.Put("decisions", row)
}

// nullable returns nil for an empty string, so that it is stored as NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// StoredDecision is a decision with its id and release, if any.
type StoredDecision struct {
	ID int64
	line.Decision
	DecidedAt  time.Time
	ReleasedBy string // empty while unreleased
	Reason     string // release reason
}

// Decisions returns the decisions on a carcass in the order they were made.
func (tx *Tx) Decisions(carcass string) ([]StoredDecision, error) {
	return decisionsOf(tx.ctx, tx.tx, carcass)
}

func decisionsOf(ctx context.Context, q querier, carcass string) ([]StoredDecision, error) {
	rows, err := q.QueryContext(ctx, `SELECT d.id, d.code, d.severity, d.rfid, d.ear_tag, d.consignment, d.facts,
		d.decided_at, r.user, r.reason FROM decisions d LEFT JOIN releases r ON r.decision = d.id
		WHERE d.carcass = ? ORDER BY d.id`, carcass)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredDecision
	for rows.Next() {
		var d StoredDecision
		var code, severity, facts, decided string
		var rfid, tag, consignment, user, reason sql.NullString
		if err := rows.Scan(&d.ID, &code, &severity, &rfid, &tag, &consignment, &facts, &decided, &user, &reason); err != nil {
			return nil, err
		}
		d.Code, d.Severity, d.Carcass = line.Code(code), line.Severity(severity), carcass
		d.RFID, d.EarTag, d.Consignment = line.RFID(rfid.String), line.EarTag(tag.String), consignment.String
		if err := json.Unmarshal([]byte(facts), &d.Facts); err != nil {
			return nil, fmt.Errorf("decision %d: facts: %w", d.ID, err)
		}
		if d.DecidedAt, err = parseTime(decided); err != nil {
			return nil, fmt.Errorf("decision %d: decided_at: %w", d.ID, err)
		}
		d.ReleasedBy, d.Reason = user.String, reason.String
		out = append(out, d)
	}
	return out, rows.Err()
}

// ReleaseCarcass releases a held carcass: every unreleased review
// decision on it is released by user with reason, and the carcass
// resumes from the stage it was held at. A carcass with a decision that
// blocks it cannot be released. A mass.excess decision refused one
// weighing and not the carcass, so it neither prevents the release nor is
// released.
func (tx *Tx) ReleaseCarcass(number string, user Actor, reason string, at time.Time) error {
	if user == "" || len(reason) == 0 {
		return fmt.Errorf("carcass %s: a release needs a user and a reason", number)
	}
	decisions, err := tx.Decisions(number)
	if err != nil {
		return err
	}
	for _, d := range decisions {
		if d.BlocksCarcass() {
			return fmt.Errorf("carcass %s has the blocking decision %s and cannot be released", number, d.Code)
		}
	}
	if err := tx.AdvanceCarcass(number, line.CarcassReleased); err != nil {
		return err
	}
	for _, d := range decisions {
		if d.ReleasedBy != "" || d.Blocks() {
			continue
		}
		err := tx.Put("releases", Row{"decision": d.ID, "user": string(user), "reason": reason, "released_at": formatTime(at)})
		if err != nil {
			return err
		}
	}
	return nil
}

// Inspection is the synchronous post-mortem inspection result of a carcass.
type Inspection struct {
	Carcass   string
	Result    string // line.InspectionPass, InspectionPartial or InspectionCondemned
	Condemned line.Mass
	Reason    string
	Inspector Actor
	At        time.Time
}

// RecordInspection stores an inspection result. The caller records the
// condemned weight as a weighing and the decision the result leads to in
// the same transaction.
func (tx *Tx) RecordInspection(in Inspection) error {
	return tx.Put("inspections", Row{"carcass": in.Carcass, "result": in.Result, "condemned_g": in.Condemned,
		"reason": in.Reason, "inspector": string(in.Inspector), "at": formatTime(in.At)})
}

// RecordLabResult stores a β-agonist screening result.
func (tx *Tx) RecordLabResult(t *line.LabTest, by Actor, at time.Time) error {
	analytes, err := Canonical(t.Analytes)
	if err != nil {
		return err
	}
	return tx.Put("lab_results", Row{"sample": t.Sample, "consignment": t.Consignment, "analytes": string(analytes),
		"method": t.Method, "result": t.Result, "recorded_by": string(by), "at": formatTime(at)})
}

// CarcassesOf returns the numbers of a consignment's carcasses in entry
// order, for decisions that concern the whole consignment.
func (tx *Tx) CarcassesOf(consignment string) ([]string, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT number FROM carcasses WHERE consignment_id = ? ORDER BY number", consignment)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// txHistory answers the intake rules' questions from the database inside
// the write transaction. The first query error sticks and is returned by
// EnterCarcass, since line.History has no error results.
type txHistory struct {
	tx  *Tx
	err error
}

func (h *txHistory) CarcassOf(tag line.EarTag) (line.TagUse, bool) {
	if h.err != nil {
		return line.TagUse{}, false
	}
	var number, entered string
	err := h.tx.tx.QueryRowContext(h.tx.ctx, "SELECT number, entered_at FROM carcasses WHERE ear_tag = ? ORDER BY number LIMIT 1",
		string(tag)).Scan(&number, &entered)
	if errors.Is(err, sql.ErrNoRows) {
		return line.TagUse{}, false
	}
	if err != nil {
		h.err = err
		return line.TagUse{}, false
	}
	at, err := parseTime(entered)
	if err != nil {
		h.err = err
		return line.TagUse{}, false
	}
	return line.TagUse{Carcass: number, At: at}, true
}

func (h *txHistory) EnteredCount(consignment string) int {
	if h.err != nil {
		return 0
	}
	var n int
	err := h.tx.tx.QueryRowContext(h.tx.ctx, "SELECT count(DISTINCT ear_tag) FROM carcasses WHERE consignment_id = ?",
		consignment).Scan(&n)
	if err != nil {
		h.err = err
	}
	return n
}
