package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"lambtrace/line"
)

// SettingPlantApproval is the setting that holds the plant's approval
// number (定点屠宰证号), which the batch document states.
const SettingPlantApproval = "plant.approval_number"

// BatchFacts reads everything the document of a batch states, in one
// read transaction, so the facts are one consistent snapshot even while
// the line keeps writing. It returns ErrNotFound for an unknown batch.
// A stored carcass whose weighings break its mass balance, which only an
// edit outside the store can cause, is an error.
func (db *DB) BatchFacts(ctx context.Context, batchID string) (*line.BatchFacts, error) {
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer sqlTx.Rollback()

	// The balance functions of Tx only read, so they run on the read
	// transaction too. A write through rt would fail, because the read
	// connections are query-only.
	rt := &Tx{db: db, tx: sqlTx, ctx: ctx}
	r := &factsReader{tx: rt, f: &line.BatchFacts{StationID: db.station}}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"batch", func() error { return r.batch(batchID) }},
		{"settings", r.settings},
		{"journal head", func() error { return r.journalHead(db.hash) }},
		{"carcasses", r.carcasses},
		{"weighings", r.weighings},
		{"inspections", r.inspections},
		{"decisions", r.decisions},
		{"consignments", r.consignments},
		{"lab results", r.labResults},
		{"lots", r.lots},
		{"packs", r.packs},
		{"print jobs", r.printJobs},
		{"label voids", r.voids},
		{"products", r.products},
		{"mass balances", r.balances},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("facts of batch %s: %s: %w", batchID, s.name, err)
		}
	}
	return r.f, nil
}

// factsReader fills BatchFacts from one read transaction.
type factsReader struct {
	tx *Tx
	f  *line.BatchFacts

	carcassIndex  map[string]int      // carcass number to index in f.Carcasses
	packIndex     map[string]int      // serial to index in f.Packs
	packWeighings []line.WeighingFact // pack weighings, until the packs are read
}

func (r *factsReader) query(query string, args ...any) (*sql.Rows, error) {
	return r.tx.tx.QueryContext(r.tx.ctx, query, args...)
}

func (r *factsReader) batch(id string) error {
	b, err := r.tx.Batch(id)
	if err != nil {
		return err
	}
	r.f.Batch, r.f.ShiftStart, r.f.State, r.f.ProductCertificate = b.ID, b.ShiftStart, b.State, b.ProductCertificate
	return nil
}

func (r *factsReader) settings() error {
	rows, err := r.query("SELECT key, value FROM settings WHERE key IN (?, ?, ?, ?)",
		SettingPlant, SettingGS1CompanyPrefix, SettingPlantApproval, SettingStationNumber)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, value string
		if err := rows.Scan(&key, &value); err != nil {
			return err
		}
		switch key {
		case SettingPlant:
			r.f.Plant.Name = value
		case SettingGS1CompanyPrefix:
			r.f.Plant.GS1CompanyPrefix = value
		case SettingPlantApproval:
			r.f.Plant.ApprovalNumber = value
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r.f.StationNumber, err = r.tx.stationNumber()
	return err
}

func (r *factsReader) journalHead(algo HashAlgorithm) error {
	h := &r.f.Journal
	h.Algorithm = string(algo)
	var at string
	err := r.tx.tx.QueryRowContext(r.tx.ctx, "SELECT seq, hash, at FROM journal ORDER BY seq DESC LIMIT 1").Scan(&h.Seq, &h.Hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		h.Seq, h.Hash = 0, genesisHash
		return nil
	}
	if err != nil {
		return err
	}
	h.At, err = parseTime(at)
	return err
}

func (r *factsReader) carcasses() error {
	rows, err := r.query(`SELECT number, raw_read, rfid, ear_tag, consignment_id, state, stage, entered_at
		FROM carcasses WHERE batch_id = ? ORDER BY number`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	r.carcassIndex = make(map[string]int)
	for rows.Next() {
		var c line.CarcassFact
		var rfid, tag, consignment sql.NullString
		var state, stage, entered string
		if err := rows.Scan(&c.Number, &c.RawRead, &rfid, &tag, &consignment, &state, &stage, &entered); err != nil {
			return err
		}
		c.RFID, c.EarTag, c.Consignment = line.RFID(rfid.String), line.EarTag(tag.String), consignment.String
		c.State, c.Stage = line.CarcassState(state), line.CarcassState(stage)
		if c.EnteredAt, err = parseTime(entered); err != nil {
			return fmt.Errorf("carcass %s: entered_at %q: %w", c.Number, entered, err)
		}
		r.carcassIndex[c.Number] = len(r.f.Carcasses)
		r.f.Carcasses = append(r.f.Carcasses, c)
	}
	return rows.Err()
}

// weighingColumns are the columns scanWeighing reads, prefixed with w.
const weighingColumns = "w.id, w.carcass, w.lot, w.stage, w.kind, w.grams, w.scale_id, w.division_g, w.stable, w.at, w.to_lot"

func scanWeighing(rows *sql.Rows) (line.WeighingFact, error) {
	var w line.WeighingFact
	var carcass, lot, toLot sql.NullString
	var at string
	err := rows.Scan(&w.ID, &carcass, &lot, &w.Stage, &w.Kind, &w.Grams, &w.ScaleID, &w.Division, &w.Stable, &at, &toLot)
	if err != nil {
		return w, err
	}
	w.Carcass, w.Lot, w.ToLot = carcass.String, lot.String, toLot.String
	if w.At, err = parseTime(at); err != nil {
		return w, fmt.Errorf("weighing %d: at %q: %w", w.ID, at, err)
	}
	return w, nil
}

// weighings sorts the weighings of the batch's carcasses and lots: hot,
// chilled and condemned weights go to their carcass, by-products to the
// by-product list and pack weights wait for their packs.
func (r *factsReader) weighings() error {
	rows, err := r.query(`SELECT `+weighingColumns+` FROM weighings w
		LEFT JOIN carcasses c ON c.number = w.carcass LEFT JOIN lots l ON l.id = w.lot
		WHERE coalesce(c.batch_id, l.batch_id) = ? ORDER BY w.id`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		w, err := scanWeighing(rows)
		if err != nil {
			return err
		}
		switch w.Stage {
		case StagePack:
			r.packWeighings = append(r.packWeighings, w)
		case StageByproduct:
			r.f.Byproducts = append(r.f.Byproducts, w)
		default:
			i, ok := r.carcassIndex[w.Carcass]
			if !ok {
				// NOTE: the line weighs a lot's packs only; the document
				// has no place for another weighing of a lot.
				return fmt.Errorf("weighing %d: a %s weighing of lot %s has no place in the batch facts", w.ID, w.Stage, w.Lot)
			}
			r.f.Carcasses[i].Weighings = append(r.f.Carcasses[i].Weighings, w)
		}
	}
	return rows.Err()
}

func (r *factsReader) inspections() error {
	rows, err := r.query(`SELECT i.carcass, i.result, i.condemned_g, i.reason, i.inspector, i.at FROM inspections i
		JOIN carcasses c ON c.number = i.carcass WHERE c.batch_id = ? ORDER BY i.carcass`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var number, at string
		in := &line.InspectionFact{}
		if err := rows.Scan(&number, &in.Result, &in.Condemned, &in.Reason, &in.Inspector, &at); err != nil {
			return err
		}
		if in.At, err = parseTime(at); err != nil {
			return fmt.Errorf("inspection of %s: at %q: %w", number, at, err)
		}
		r.f.Carcasses[r.carcassIndex[number]].Inspection = in
	}
	return rows.Err()
}

// decisions reads the decisions with their releases. Who recorded a
// decision is the actor of the journal entry that wrote it. Decision rows
// are never updated, so that entry is the one that created the row.
func (r *factsReader) decisions() error {
	rows, err := r.query(`SELECT d.id, d.carcass, d.lot, d.code, d.severity, d.rfid, d.ear_tag, d.consignment, d.facts,
		d.decided_at, j.actor, rl.user, rl.reason, rl.released_at
		FROM decisions d JOIN journal j ON j.seq = d.journal_seq
		LEFT JOIN carcasses c ON c.number = d.carcass LEFT JOIN lots l ON l.id = d.lot
		LEFT JOIN releases rl ON rl.decision = d.id
		WHERE coalesce(c.batch_id, l.batch_id) = ? ORDER BY d.id`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d line.DecisionFact
		var code, severity, facts, decided string
		var carcass, lot, rfid, tag, consignment, user, reason, released sql.NullString
		err := rows.Scan(&d.ID, &carcass, &lot, &code, &severity, &rfid, &tag, &consignment, &facts, &decided,
			&d.RecordedBy, &user, &reason, &released)
		if err != nil {
			return err
		}
		d.Code, d.Severity, d.Carcass, d.Lot = line.Code(code), line.Severity(severity), carcass.String, lot.String
		d.RFID, d.EarTag, d.Consignment = line.RFID(rfid.String), line.EarTag(tag.String), consignment.String
		if err := json.Unmarshal([]byte(facts), &d.Facts); err != nil {
			return fmt.Errorf("decision %d: facts: %w", d.ID, err)
		}
		if d.DecidedAt, err = parseTime(decided); err != nil {
			return fmt.Errorf("decision %d: decided_at %q: %w", d.ID, decided, err)
		}
		if user.Valid {
			rel := &line.ReleaseFact{By: user.String, Reason: reason.String}
			if rel.At, err = parseTime(released.String); err != nil {
				return fmt.Errorf("release of decision %d: released_at %q: %w", d.ID, released.String, err)
			}
			d.Release = rel
		}
		r.f.Decisions = append(r.f.Decisions, d)
	}
	return rows.Err()
}

// consignments reads the consignments of the batch's carcasses with all
// their declared animals, vaccinations and treatments.
func (r *factsReader) consignments() error {
	const ofBatch = "SELECT DISTINCT consignment_id FROM carcasses WHERE batch_id = ? AND consignment_id IS NOT NULL"
	rows, err := r.query(`SELECT id, declared_at, arrived_at, planned_slaughter_on, owner_id, owner_name,
		owner_kind, owner_county, owner_county_name, certificate_number, certificate_type, certificate_issued_at,
		certificate_valid_until, certificate_head_count FROM consignments WHERE id IN (`+ofBatch+`) ORDER BY id`, r.f.Batch.String())
	if err != nil {
		return err
	}
	byID := make(map[string]*line.Consignment)
	for rows.Next() {
		c, err := scanConsignment(rows)
		if err != nil {
			rows.Close()
			return err
		}
		byID[c.ID] = c
		r.f.Consignments = append(r.f.Consignments, c)
	}
	if err := rows.Close(); err != nil {
		return err
	}

	rows, err = r.query(`SELECT ear_tag, rfid, consignment_id, breed, sex, born_on, tagged_on, pasture_kind,
		feeding_system, production_system, grazing_area_mu, live_weight_g FROM animals
		WHERE consignment_id IN (`+ofBatch+`) ORDER BY consignment_id, ear_tag`, r.f.Batch.String())
	if err != nil {
		return err
	}
	animals := make(map[string]*line.Animal)
	for rows.Next() {
		a, consignment, err := scanAnimal(rows)
		if err != nil {
			rows.Close()
			return err
		}
		c := byID[consignment]
		a.Consignment = c
		c.Animals = append(c.Animals, a)
		animals[string(a.EarTag)] = a
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return r.health(ofBatch, animals)
}

func scanConsignment(rows *sql.Rows) (*line.Consignment, error) {
	c := &line.Consignment{}
	var declared, arrived, planned string
	var certNumber, certType, certIssued, certValid sql.NullString
	var certHeads sql.NullInt64
	if err := rows.Scan(&c.ID, &declared, &arrived, &planned, &c.Owner.ID, &c.Owner.Name, &c.Owner.Kind,
		&c.Owner.County, &c.Owner.CountyName, &certNumber, &certType, &certIssued, &certValid, &certHeads); err != nil {
		return nil, err
	}
	var errs [5]error
	c.DeclaredAt, errs[0] = parseTime(declared)
	c.ArrivedAt, errs[1] = parseTime(arrived)
	c.PlannedSlaughterOn, errs[2] = line.ParseDate(planned)
	if certNumber.Valid {
		cert := &line.Certificate{Number: certNumber.String, Type: certType.String, HeadCount: int(certHeads.Int64)}
		cert.IssuedAt, errs[3] = parseTime(certIssued.String)
		cert.ValidUntil, errs[4] = parseTime(certValid.String)
		c.Certificate = cert
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("consignment %s: %w", c.ID, err)
	}
	return c, nil
}

func scanAnimal(rows *sql.Rows) (*line.Animal, string, error) {
	a := &line.Animal{}
	var consignment, born, tagged string
	if err := rows.Scan(&a.EarTag, &a.RFID, &consignment, &a.Breed, &a.Sex, &born, &tagged, &a.Pasture.Kind,
		&a.Pasture.FeedingSystem, &a.Pasture.ProductionSystem, &a.Pasture.GrazingAreaMu, &a.LiveWeight); err != nil {
		return nil, "", err
	}
	var errBorn, errTagged error
	a.BornOn, errBorn = line.ParseDate(born)
	a.TaggedOn, errTagged = line.ParseDate(tagged)
	if err := errors.Join(errBorn, errTagged); err != nil {
		return nil, "", fmt.Errorf("animal %s: %w", a.EarTag, err)
	}
	return a, consignment, nil
}

// health reads the vaccinations and treatments of the animals.
func (r *factsReader) health(ofBatch string, animals map[string]*line.Animal) error {
	animal := func(tag string) *line.Animal { return animals[tag] }
	rows, err := r.query(`SELECT v.ear_tag, v.name, v.batch, v.given_on FROM vaccinations v JOIN animals a ON a.ear_tag = v.ear_tag
		WHERE a.consignment_id IN (`+ofBatch+`) ORDER BY v.ear_tag, v.n`, r.f.Batch.String())
	if err != nil {
		return err
	}
	if err := scanVaccinations(rows, animal); err != nil {
		return err
	}
	rows, err = r.query(`SELECT t.ear_tag, t.drug, t.batch, t.given_on, t.withdrawal_days FROM treatments t JOIN animals a ON a.ear_tag = t.ear_tag
		WHERE a.consignment_id IN (`+ofBatch+`) ORDER BY t.ear_tag, t.n`, r.f.Batch.String())
	if err != nil {
		return err
	}
	return scanTreatments(rows, animal)
}

func (r *factsReader) labResults() error {
	rows, err := r.query(`SELECT sample, consignment, analytes, method, result, recorded_by, at FROM lab_results
		WHERE consignment IN (SELECT DISTINCT consignment_id FROM carcasses WHERE batch_id = ?) ORDER BY sample`,
		r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l line.LabResult
		var analytes, at string
		if err := rows.Scan(&l.Sample, &l.Consignment, &analytes, &l.Method, &l.Result, &l.RecordedBy, &at); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(analytes), &l.Analytes); err != nil {
			return fmt.Errorf("lab result %s: analytes: %w", l.Sample, err)
		}
		if l.At, err = parseTime(at); err != nil {
			return fmt.Errorf("lab result %s: at %q: %w", l.Sample, at, err)
		}
		r.f.LabResults = append(r.f.LabResults, l)
	}
	return rows.Err()
}

// lots reads the batch's lots and the trim sent to them. As in
// LotBalance, the trim of a blocked carcass is not counted as input.
func (r *factsReader) lots() error {
	rows, err := r.query("SELECT id, product, state FROM lots WHERE batch_id = ? ORDER BY id", r.f.Batch.String())
	if err != nil {
		return err
	}
	index := make(map[string]int)
	for rows.Next() {
		var l line.LotFact
		if err := rows.Scan(&l.ID, &l.Product, &l.State); err != nil {
			rows.Close()
			return err
		}
		index[l.ID] = len(r.f.Lots)
		r.f.Lots = append(r.f.Lots, l)
	}
	if err := rows.Close(); err != nil {
		return err
	}

	rows, err = r.query(`SELECT w.id, w.to_lot, w.carcass, c.ear_tag, w.grams, w.division_g, c.state != 'blocked'
		FROM weighings w JOIN carcasses c ON c.number = w.carcass JOIN lots l ON l.id = w.to_lot
		WHERE l.batch_id = ? ORDER BY w.id`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s line.LotSourceFact
		var lot string
		var tag sql.NullString
		if err := rows.Scan(&s.Weighing, &lot, &s.Carcass, &tag, &s.Grams, &s.Division, &s.Counted); err != nil {
			return err
		}
		s.EarTag = line.EarTag(tag.String)
		l := &r.f.Lots[index[lot]]
		l.Sources = append(l.Sources, s)
	}
	return rows.Err()
}

func (r *factsReader) packs() error {
	rows, err := r.query(`SELECT serial, product, gtin, weighing, carcass, lot, grassland, packed_at
		FROM packs WHERE batch_id = ? ORDER BY serial`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	byWeighing := make(map[int64]line.WeighingFact, len(r.packWeighings))
	for _, w := range r.packWeighings {
		byWeighing[w.ID] = w
	}
	r.packIndex = make(map[string]int)
	for rows.Next() {
		var p line.PackFact
		var gtin, packed string
		var weighing int64
		var carcass, lot sql.NullString
		if err := rows.Scan(&p.Serial, &p.Product, &gtin, &weighing, &carcass, &lot, &p.Grassland, &packed); err != nil {
			return err
		}
		p.GTIN, p.Carcass, p.Lot = line.GTIN(gtin), carcass.String, lot.String
		w, ok := byWeighing[weighing]
		if !ok {
			return fmt.Errorf("pack %s: weighing %d is not a pack weighing of the batch", p.Serial, weighing)
		}
		p.Weighing = w
		if p.PackedAt, err = parseTime(packed); err != nil {
			return fmt.Errorf("pack %s: packed_at %q: %w", p.Serial, packed, err)
		}
		r.packIndex[p.Serial] = len(r.f.Packs)
		r.f.Packs = append(r.f.Packs, p)
	}
	return rows.Err()
}

func (r *factsReader) printJobs() error {
	rows, err := r.query(`SELECT j.id, j.label_serial, j.printer, j.zpl_sha256, j.state, j.reprint_of, j.reason, j.error,
		j.user_id, j.created_at, j.updated_at FROM print_jobs j JOIN packs p ON p.serial = j.label_serial
		WHERE j.kind = 'pack' AND p.batch_id = ? ORDER BY j.id`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var j line.PrintFact
		var serial, created, updated string
		var reprintOf sql.NullInt64
		var reason, failure sql.NullString
		if err := rows.Scan(&j.Job, &serial, &j.Printer, &j.ZPLSHA256, &j.State, &reprintOf, &reason, &failure,
			&j.By, &created, &updated); err != nil {
			return err
		}
		j.ReprintOf, j.Reason, j.Error = reprintOf.Int64, reason.String, failure.String
		var errCreated, errUpdated error
		j.CreatedAt, errCreated = parseTime(created)
		j.UpdatedAt, errUpdated = parseTime(updated)
		if err := errors.Join(errCreated, errUpdated); err != nil {
			return fmt.Errorf("print job %d: %w", j.Job, err)
		}
		p := &r.f.Packs[r.packIndex[serial]]
		p.Prints = append(p.Prints, j)
	}
	return rows.Err()
}

func (r *factsReader) voids() error {
	rows, err := r.query(`SELECT v.label_serial, v.reason, v.user_id, v.at FROM label_voids v
		JOIN packs p ON p.serial = v.label_serial WHERE v.kind = 'pack' AND p.batch_id = ?`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var serial, at string
		v := &line.VoidFact{}
		if err := rows.Scan(&serial, &v.Reason, &v.By, &at); err != nil {
			return err
		}
		if v.At, err = parseTime(at); err != nil {
			return fmt.Errorf("void of %s: at %q: %w", serial, at, err)
		}
		r.f.Packs[r.packIndex[serial]].Void = v
	}
	return rows.Err()
}

// products reads the products that the batch's packs and lots name.
func (r *factsReader) products() error {
	rows, err := r.query(`SELECT key, name_zh, name_en, unece_cut, gtin, bone_in, mixed, typical_share_ppm, pieces_per_carcass
		FROM products WHERE key IN (SELECT product FROM packs WHERE batch_id = ?1 UNION SELECT product FROM lots WHERE batch_id = ?1)
		ORDER BY rowid`, r.f.Batch.String())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p := &line.Product{}
		var cut sql.NullString
		var share int64
		if err := rows.Scan(&p.Key, &p.NameZH, &p.NameEN, &cut, &p.GTIN, &p.BoneIn, &p.Mixed, &share, &p.PiecesPerCarcass); err != nil {
			return err
		}
		p.UNECECut = cut.String
		p.TypicalShare = float64(share) / 1e6
		r.f.Products = append(r.f.Products, p)
	}
	return rows.Err()
}

// balances rebuilds the mass balance of every carcass that was chilled or
// has outputs, and of every lot, with the functions the line uses while
// it weighs.
func (r *factsReader) balances() error {
	hasOutputs := make(map[string]bool)
	for _, w := range r.f.Byproducts {
		hasOutputs[w.Carcass] = true
	}
	for _, p := range r.f.Packs {
		hasOutputs[p.Carcass] = true
	}
	for i := range r.f.Carcasses {
		c := &r.f.Carcasses[i]
		chilled := slices.ContainsFunc(c.Weighings, func(w line.WeighingFact) bool { return w.Stage == StageChilled })
		if !chilled && !hasOutputs[c.Number] {
			continue
		}
		b, err := r.tx.CarcassBalance(c.Number)
		if err != nil {
			return err
		}
		c.Balance = &b
	}
	for i := range r.f.Lots {
		b, err := r.tx.LotBalance(r.f.Lots[i].ID)
		if err != nil {
			return err
		}
		r.f.Lots[i].Balance = b
	}
	return nil
}
