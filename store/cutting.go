package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lambtrace/line"
)

var (
	_ = journaled("lots", "id")
	_ = journaled("weighings", "id")
	_ = journaled("packs", "serial")
)

// Weighing stages.
const (
	StageHot       = "hot"
	StageChilled   = "chilled"
	StageCondemned = "condemned"
	StagePack      = "pack"
	StageByproduct = "byproduct"
	StageLotInput  = "lot_input"
)

// SettingStationNumber is the setting that holds the 2-digit station
// number that pack serials start with; 1 when unset.
const SettingStationNumber = "station.number"

// Weighing is one accepted weight. It belongs to a carcass or to a lot.
type Weighing struct {
	ID       int64
	Carcass  string
	Lot      string
	Stage    string
	Kind     string // product key, by-product bin, or the stage itself
	Grams    line.Mass
	ScaleID  string
	Division line.Mass
	Stable   bool
	At       time.Time
	ToLot    string // for trim sent on to a mixed lot
}

// AddWeighing stores a weighing and returns its id. It does not check the
// mass balance; AddOutput does.
func (tx *Tx) AddWeighing(w Weighing) (int64, error) {
	if (w.Carcass == "") == (w.Lot == "") {
		return 0, fmt.Errorf("weighing of %s %s names neither or both of a carcass and a lot", w.Stage, w.Grams)
	}
	id, err := tx.NextCounter("weighing")
	if err != nil {
		return 0, err
	}
	kind := w.Kind
	if kind == "" {
		kind = w.Stage
	}
	err = tx.Put("weighings", Row{"id": id, "carcass": nullable(w.Carcass), "lot": nullable(w.Lot), "stage": w.Stage,
		"kind": kind, "grams": w.Grams, "scale_id": w.ScaleID, "division_g": w.Division, "stable": w.Stable,
		"at": formatTime(w.At), "to_lot": nullable(w.ToLot)})
	return id, err
}

// CarcassBalance rebuilds the mass balance of a carcass from its stored
// weighings: the chilled weight in, then condemned parts, packs and
// by-products out in the order they were weighed. Condemned parts are
// weighed before chilling, so inputs are added first.
func (tx *Tx) CarcassBalance(number string) (line.Balance, error) {
	return carcassBalance(tx.ctx, tx.tx, number)
}

func carcassBalance(ctx context.Context, q querier, number string) (line.Balance, error) {
	var b line.Balance
	rows, err := q.QueryContext(ctx, "SELECT stage, kind, grams, division_g FROM weighings WHERE carcass = ? ORDER BY id", number)
	if err != nil {
		return b, err
	}
	type output struct {
		kind            string
		grams, division line.Mass
	}
	var outputs []output
	for rows.Next() {
		var stage, kind string
		var grams, division line.Mass
		if err := rows.Scan(&stage, &kind, &grams, &division); err != nil {
			rows.Close()
			return b, err
		}
		switch stage {
		case StageChilled:
			b.AddInput(grams, division)
		case StageCondemned:
			outputs = append(outputs, output{line.OutputCondemned, grams, division})
		case StagePack:
			outputs = append(outputs, output{line.OutputPack, grams, division})
		case StageByproduct:
			outputs = append(outputs, output{kind, grams, division})
		}
	}
	if err := rows.Close(); err != nil {
		return b, err
	}
	for _, o := range outputs {
		if b.Input() == 0 {
			// Condemned parts are weighed at inspection, before the
			// chilled weight: nothing to check them against yet.
			b.AddUnchecked(o.kind, o.grams, o.division)
			continue
		}
		if err := b.Add(o.kind, o.grams, o.division); err != nil {
			return b, fmt.Errorf("carcass %s: stored weighings break the mass balance: %w", number, err)
		}
	}
	return b, nil
}

// LotBalance rebuilds the mass balance of a mixed lot: the trim sent to
// it by carcasses that are not blocked in, its packs out.
func (tx *Tx) LotBalance(id string) (line.Balance, error) {
	return lotBalance(tx.ctx, tx.tx, id)
}

func lotBalance(ctx context.Context, q querier, id string) (line.Balance, error) {
	var b line.Balance
	rows, err := q.QueryContext(ctx, `SELECT w.grams, w.division_g FROM weighings w JOIN carcasses c ON c.number = w.carcass
		WHERE w.to_lot = ? AND c.state != 'blocked' ORDER BY w.id`, id)
	if err != nil {
		return b, err
	}
	for rows.Next() {
		var grams, division line.Mass
		if err := rows.Scan(&grams, &division); err != nil {
			rows.Close()
			return b, err
		}
		b.AddInput(grams, division)
	}
	if err := rows.Close(); err != nil {
		return b, err
	}
	rows, err = q.QueryContext(ctx, "SELECT grams, division_g FROM weighings WHERE lot = ? AND stage = ? ORDER BY id", id, StagePack)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var grams, division line.Mass
		if err := rows.Scan(&grams, &division); err != nil {
			return b, err
		}
		if err := b.Add(line.OutputPack, grams, division); err != nil {
			return b, fmt.Errorf("lot %s: stored weighings break the mass balance: %w", id, err)
		}
	}
	return b, rows.Err()
}

// AddOutput stores an output weighing of a carcass or lot if the mass
// balance accepts it. A refused weighing returns the *line.MassError and
// stores nothing; the caller records the mass.excess decision. The check
// and the insert share the write transaction, so two outputs can never
// together exceed the input.
func (tx *Tx) AddOutput(w Weighing) (int64, error) {
	var b line.Balance
	var err error
	if w.Carcass != "" {
		b, err = tx.CarcassBalance(w.Carcass)
	} else {
		b, err = tx.LotBalance(w.Lot)
	}
	if err != nil {
		return 0, err
	}
	kind := w.Kind
	if w.Stage == StagePack {
		kind = line.OutputPack
	}
	if err := b.Check(kind, w.Grams, w.Division); err != nil {
		return 0, err
	}
	return tx.AddWeighing(w)
}

// Pack is a labelled pack as stored.
type Pack struct {
	Serial     string
	BatchID    string
	Product    *line.Product
	Grams      line.Mass
	WeighingID int64
	Carcass    string
	Lot        string
	Grassland  bool // the label may claim grassland lamb
	PackedAt   time.Time
}

// AddPack weighs a pack out of a carcass or lot through the mass balance
// and, when it is accepted, gives it the next pack serial of this station
// and stores it. A refused pack returns the *line.MassError and stores
// nothing. The serial counter commits with the pack, so no serial is ever
// used twice.
func (tx *Tx) AddPack(batchID string, product *line.Product, w Weighing, grassland bool) (Pack, error) {
	w.Stage, w.Kind = StagePack, product.Key
	weighing, err := tx.AddOutput(w)
	if err != nil {
		return Pack{}, err
	}
	station, err := tx.stationNumber()
	if err != nil {
		return Pack{}, err
	}
	counter, err := tx.NextCounter("pack")
	if err != nil {
		return Pack{}, err
	}
	serial, err := line.FormatPackSerial(station, counter)
	if err != nil {
		return Pack{}, err
	}
	p := Pack{Serial: serial, BatchID: batchID, Product: product, Grams: w.Grams, WeighingID: weighing,
		Carcass: w.Carcass, Lot: w.Lot, Grassland: grassland, PackedAt: w.At}
	err = tx.Put("packs", Row{"serial": serial, "batch_id": batchID, "product": product.Key, "gtin": string(product.GTIN),
		"grams": w.Grams, "weighing": weighing, "carcass": nullable(w.Carcass), "lot": nullable(w.Lot),
		"grassland": grassland, "packed_at": formatTime(w.At)})
	return p, err
}

func (tx *Tx) stationNumber() (int, error) {
	var value string
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT value FROM settings WHERE key = ?", SettingStationNumber).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || n > 99 {
		return 0, fmt.Errorf("setting %s = %q: expected a station number from 1 to 99", SettingStationNumber, value)
	}
	return n, nil
}

// OpenLot creates an open mixed lot of a batch.
func (tx *Tx) OpenLot(id, batchID, product string) error {
	return tx.Put("lots", Row{"id": id, "batch_id": batchID, "product": product, "state": "open"})
}

// CloseLot closes a lot to further inputs and packs.
func (tx *Tx) CloseLot(id string) error {
	var batchID, product, state string
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT batch_id, product, state FROM lots WHERE id = ?", id).Scan(&batchID, &product, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lot %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if state != "open" {
		return fmt.Errorf("lot %s is already %s", id, state)
	}
	return tx.Put("lots", Row{"id": id, "batch_id": batchID, "product": product, "state": "closed"})
}

// Counts are the totals of a batch, as a summary shows them.
type Counts struct {
	Carcasses int
	Accepted  int // carcasses without an intake, inspection or lab decision
	Decisions map[line.Code]int
	Packs     int
	Lots      int
}

// BatchCounts counts a batch's carcasses, decisions and packs.
func (db *DB) BatchCounts(batchID string) (Counts, error) {
	c := Counts{Decisions: make(map[line.Code]int)}
	err := db.reader.QueryRow(`SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM decisions d
		WHERE d.carcass = c.number AND d.code NOT LIKE 'mass.%')) FROM carcasses c WHERE c.batch_id = ?`, batchID).
		Scan(&c.Carcasses, &c.Accepted)
	if err != nil {
		return c, err
	}
	rows, err := db.reader.Query(`SELECT d.code, count(*) FROM decisions d
		LEFT JOIN carcasses c ON c.number = d.carcass LEFT JOIN lots l ON l.id = d.lot
		WHERE coalesce(c.batch_id, l.batch_id) = ? GROUP BY d.code`, batchID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return c, err
		}
		c.Decisions[line.Code(code)] = n
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	if err := db.reader.QueryRow("SELECT count(*) FROM packs WHERE batch_id = ?", batchID).Scan(&c.Packs); err != nil {
		return c, err
	}
	err = db.reader.QueryRow("SELECT count(*) FROM lots WHERE batch_id = ?", batchID).Scan(&c.Lots)
	return c, err
}
