package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"lambtrace/line"
)

var (
	_ = journaled("consignments", "id")
	_ = journaled("animals", "ear_tag")
	_ = journaled("vaccinations", "ear_tag", "n")
	_ = journaled("treatments", "ear_tag", "n")
	_ = journaled("products", "key")
	_ = journaled("byproducts", "key")
)

// Source describes an imported file for the journal.
type Source struct {
	Name   string // file name as given
	SHA256 string // hex digest of the file's bytes
}

// SourceOf describes data read from the named file.
func SourceOf(name string, data []byte) Source {
	sum := sha256.Sum256(data)
	return Source{Name: name, SHA256: hex.EncodeToString(sum[:])}
}

// Settings keys written by imports.
const (
	SettingRegistrySource     = "registry.source"
	SettingRegistryExportedAt = "registry.exported_at"
	SettingPlant              = "products.plant"
	SettingGS1CompanyPrefix   = "products.gs1_company_prefix"
)

// ImportRegistry stores a validated registry in one transaction: every
// consignment and animal is inserted or replaced, and each animal's
// vaccinations and treatments are replaced by the imported ones. The
// import is journaled with the file's digest. Nothing is stored if any
// row is rejected.
func (db *DB) ImportRegistry(ctx context.Context, actor Actor, reg *line.Registry, src Source) error {
	err := db.Update(ctx, actor, func(tx *Tx) error {
		animals := 0
		for _, c := range reg.Consignments {
			if err := tx.Put("consignments", consignmentRow(c)); err != nil {
				return err
			}
			for _, a := range c.Animals {
				if err := putAnimal(tx, c, a); err != nil {
					return err
				}
				animals++
			}
		}
		if err := tx.SetSetting(SettingRegistrySource, reg.Source); err != nil {
			return err
		}
		if err := tx.SetSetting(SettingRegistryExportedAt, formatTime(reg.ExportedAt)); err != nil {
			return err
		}
		_, err := tx.Append("registry.imported", map[string]any{
			"file": src.Name, "sha256": src.SHA256, "source": reg.Source,
			"exported_at": formatTime(reg.ExportedAt), "consignments": len(reg.Consignments), "animals": animals,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("import registry %s: %w", src.Name, err)
	}
	db.log.Info("registry imported", "file", src.Name, "sha256", src.SHA256, "consignments", len(reg.Consignments))
	return nil
}

func consignmentRow(c *line.Consignment) Row {
	row := Row{
		"id": c.ID, "declared_at": formatTime(c.DeclaredAt), "arrived_at": formatTime(c.ArrivedAt),
		"planned_slaughter_on": c.PlannedSlaughterOn.String(),
		"owner_id":             c.Owner.ID, "owner_name": c.Owner.Name, "owner_kind": c.Owner.Kind,
		"owner_county": c.Owner.County, "owner_county_name": c.Owner.CountyName,
		"certificate_number": nil, "certificate_type": nil, "certificate_issued_at": nil,
		"certificate_valid_until": nil, "certificate_head_count": nil,
	}
	if cert := c.Certificate; cert != nil {
		row["certificate_number"] = cert.Number
		row["certificate_type"] = cert.Type
		row["certificate_issued_at"] = formatTime(cert.IssuedAt)
		row["certificate_valid_until"] = formatTime(cert.ValidUntil)
		row["certificate_head_count"] = int64(cert.HeadCount)
	}
	return row
}

// putAnimal stores an animal and replaces its vaccinations and treatments.
func putAnimal(tx *Tx, c *line.Consignment, a *line.Animal) error {
	err := tx.Put("animals", Row{
		"ear_tag": string(a.EarTag), "rfid": string(a.RFID), "consignment_id": c.ID,
		"breed": a.Breed, "sex": a.Sex, "born_on": a.BornOn.String(), "tagged_on": a.TaggedOn.String(),
		"pasture_kind": a.Pasture.Kind, "feeding_system": int64(a.Pasture.FeedingSystem),
		"production_system": int64(a.Pasture.ProductionSystem), "grazing_area_mu": a.Pasture.GrazingAreaMu,
		"live_weight_g": a.LiveWeight,
	})
	if err != nil {
		return err
	}
	if err := tx.deleteChildren("vaccinations", string(a.EarTag), len(a.Vaccinations)); err != nil {
		return err
	}
	if err := tx.deleteChildren("treatments", string(a.EarTag), len(a.Treatments)); err != nil {
		return err
	}
	for i, v := range a.Vaccinations {
		err := tx.Put("vaccinations", Row{"ear_tag": string(a.EarTag), "n": int64(i + 1),
			"name": v.Name, "batch": v.Batch, "given_on": v.On.String()})
		if err != nil {
			return err
		}
	}
	for i, t := range a.Treatments {
		err := tx.Put("treatments", Row{"ear_tag": string(a.EarTag), "n": int64(i + 1),
			"drug": t.Drug, "batch": t.Batch, "given_on": t.On.String(), "withdrawal_days": int64(t.WithdrawalDays)})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteChildren removes the rows of an animal's list beyond keep, so a
// re-import with a shorter list leaves none of the old entries behind.
func (tx *Tx) deleteChildren(table, earTag string, keep int) error {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT n FROM "+table+" WHERE ear_tag = ? AND n > ? ORDER BY n", earTag, keep)
	if err != nil {
		return err
	}
	var stale []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, n)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, n := range stale {
		if err := tx.Delete(table, Row{"ear_tag": earTag, "n": n}); err != nil {
			return err
		}
	}
	return nil
}

// ImportProducts stores a validated product master in one transaction and
// journals the import with the file's digest.
func (db *DB) ImportProducts(ctx context.Context, actor Actor, m *line.ProductMaster, src Source) error {
	err := db.Update(ctx, actor, func(tx *Tx) error {
		for _, p := range m.Products {
			var cut, storage any
			if p.UNECECut != "" {
				cut = p.UNECECut
			}
			if p.Storage != "" {
				storage = string(p.Storage)
			}
			err := tx.Put("products", Row{
				"key": p.Key, "name_zh": p.NameZH, "name_en": p.NameEN, "unece_cut": cut, "gtin": string(p.GTIN),
				"bone_in": p.BoneIn, "mixed": p.Mixed, "typical_share_ppm": int64(math.Round(p.TypicalShare * 1e6)),
				"pieces_per_carcass": int64(p.PiecesPerCarcass),
				"storage":            storage, "shelf_life_days": int64(p.ShelfLifeDays),
			})
			if err != nil {
				return err
			}
		}
		for _, b := range m.Byproducts {
			if err := tx.Put("byproducts", Row{"key": b.Key, "name_zh": b.NameZH}); err != nil {
				return err
			}
		}
		if err := tx.SetSetting(SettingPlant, m.Plant); err != nil {
			return err
		}
		if err := tx.SetSetting(SettingGS1CompanyPrefix, m.GS1CompanyPrefix); err != nil {
			return err
		}
		_, err := tx.Append("products.imported", map[string]any{
			"file": src.Name, "sha256": src.SHA256, "plant": m.Plant,
			"products": len(m.Products), "byproducts": len(m.Byproducts),
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("import products %s: %w", src.Name, err)
	}
	db.log.Info("products imported", "file", src.Name, "sha256", src.SHA256, "products", len(m.Products))
	return nil
}

// formatTime writes a time as RFC 3339 with its zone offset, or "" for
// the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// Registry loads the stored registry.
func (db *DB) Registry(ctx context.Context) (*line.Registry, error) {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	consignments, byID, err := loadConsignments(ctx, tx)
	if err != nil {
		return nil, err
	}
	animals, err := loadAnimals(ctx, tx, byID)
	if err != nil {
		return nil, err
	}
	if err := loadHealth(ctx, tx, animals); err != nil {
		return nil, err
	}
	var source, exported string
	_ = tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", SettingRegistrySource).Scan(&source)
	_ = tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", SettingRegistryExportedAt).Scan(&exported)
	exportedAt, err := parseTime(exported)
	if err != nil {
		return nil, fmt.Errorf("stored registry export time %q: %w", exported, err)
	}
	return line.NewRegistry(source, exportedAt, consignments)
}

func loadConsignments(ctx context.Context, tx *sql.Tx) ([]*line.Consignment, map[string]*line.Consignment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, declared_at, arrived_at, planned_slaughter_on, owner_id, owner_name,
		owner_kind, owner_county, owner_county_name, certificate_number, certificate_type, certificate_issued_at,
		certificate_valid_until, certificate_head_count FROM consignments ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []*line.Consignment
	byID := make(map[string]*line.Consignment)
	for rows.Next() {
		c := &line.Consignment{}
		var declared, arrived, planned string
		var certNumber, certType, certIssued, certValid sql.NullString
		var certHeads sql.NullInt64
		if err := rows.Scan(&c.ID, &declared, &arrived, &planned, &c.Owner.ID, &c.Owner.Name, &c.Owner.Kind,
			&c.Owner.County, &c.Owner.CountyName, &certNumber, &certType, &certIssued, &certValid, &certHeads); err != nil {
			return nil, nil, err
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
		for _, e := range errs {
			if e != nil {
				return nil, nil, fmt.Errorf("stored consignment %s: %w", c.ID, e)
			}
		}
		out = append(out, c)
		byID[c.ID] = c
	}
	return out, byID, rows.Err()
}

func loadAnimals(ctx context.Context, tx *sql.Tx, byID map[string]*line.Consignment) (map[line.EarTag]*line.Animal, error) {
	rows, err := tx.QueryContext(ctx, `SELECT ear_tag, rfid, consignment_id, breed, sex, born_on, tagged_on, pasture_kind,
		feeding_system, production_system, grazing_area_mu, live_weight_g FROM animals ORDER BY consignment_id, rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[line.EarTag]*line.Animal)
	for rows.Next() {
		a := &line.Animal{}
		var consignment, born, tagged string
		if err := rows.Scan(&a.EarTag, &a.RFID, &consignment, &a.Breed, &a.Sex, &born, &tagged, &a.Pasture.Kind,
			&a.Pasture.FeedingSystem, &a.Pasture.ProductionSystem, &a.Pasture.GrazingAreaMu, &a.LiveWeight); err != nil {
			return nil, err
		}
		var errBorn, errTagged error
		a.BornOn, errBorn = line.ParseDate(born)
		a.TaggedOn, errTagged = line.ParseDate(tagged)
		if errBorn != nil || errTagged != nil {
			return nil, fmt.Errorf("stored animal %s: invalid dates %q, %q", a.EarTag, born, tagged)
		}
		c := byID[consignment]
		if c == nil {
			return nil, fmt.Errorf("stored animal %s: consignment %s missing", a.EarTag, consignment)
		}
		c.Animals = append(c.Animals, a)
		out[a.EarTag] = a
	}
	return out, rows.Err()
}

func loadHealth(ctx context.Context, tx *sql.Tx, animals map[line.EarTag]*line.Animal) error {
	animal := func(tag string) *line.Animal { return animals[line.EarTag(tag)] }
	rows, err := tx.QueryContext(ctx, "SELECT ear_tag, name, batch, given_on FROM vaccinations ORDER BY ear_tag, n")
	if err != nil {
		return err
	}
	if err := scanVaccinations(rows, animal); err != nil {
		return fmt.Errorf("stored %w", err)
	}
	rows, err = tx.QueryContext(ctx, "SELECT ear_tag, drug, batch, given_on, withdrawal_days FROM treatments ORDER BY ear_tag, n")
	if err != nil {
		return err
	}
	if err := scanTreatments(rows, animal); err != nil {
		return fmt.Errorf("stored %w", err)
	}
	return nil
}

// scanVaccinations adds each row (ear_tag, name, batch, given_on) to the
// animal of its ear tag, and closes rows.
func scanVaccinations(rows *sql.Rows, animal func(tag string) *line.Animal) error {
	defer rows.Close()
	for rows.Next() {
		var tag, on string
		var v line.Vaccination
		if err := rows.Scan(&tag, &v.Name, &v.Batch, &on); err != nil {
			return err
		}
		var err error
		if v.On, err = line.ParseDate(on); err != nil {
			return fmt.Errorf("vaccination of %s: %w", tag, err)
		}
		a := animal(tag)
		a.Vaccinations = append(a.Vaccinations, v)
	}
	return rows.Close()
}

// scanTreatments adds each row (ear_tag, drug, batch, given_on,
// withdrawal_days) to the animal of its ear tag, and closes rows.
func scanTreatments(rows *sql.Rows, animal func(tag string) *line.Animal) error {
	defer rows.Close()
	for rows.Next() {
		var tag, on string
		var t line.Treatment
		if err := rows.Scan(&tag, &t.Drug, &t.Batch, &on, &t.WithdrawalDays); err != nil {
			return err
		}
		var err error
		if t.On, err = line.ParseDate(on); err != nil {
			return fmt.Errorf("treatment of %s: %w", tag, err)
		}
		a := animal(tag)
		a.Treatments = append(a.Treatments, t)
	}
	return rows.Close()
}

// Products loads the stored product master.
func (db *DB) Products(ctx context.Context) (*line.ProductMaster, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT key, name_zh, name_en, unece_cut, gtin, bone_in, mixed,
		typical_share_ppm, pieces_per_carcass, storage, shelf_life_days FROM products ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var products []*line.Product
	for rows.Next() {
		p := &line.Product{}
		var cut, storage sql.NullString
		var share int64
		if err := rows.Scan(&p.Key, &p.NameZH, &p.NameEN, &cut, &p.GTIN, &p.BoneIn, &p.Mixed, &share, &p.PiecesPerCarcass, &storage, &p.ShelfLifeDays); err != nil {
			return nil, err
		}
		p.UNECECut = cut.String
		p.Storage = line.Storage(storage.String)
		p.TypicalShare = float64(share) / 1e6
		products = append(products, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	brows, err := db.reader.QueryContext(ctx, "SELECT key, name_zh FROM byproducts ORDER BY rowid")
	if err != nil {
		return nil, err
	}
	defer brows.Close()
	var byproducts []line.Byproduct
	for brows.Next() {
		var b line.Byproduct
		if err := brows.Scan(&b.Key, &b.NameZH); err != nil {
			return nil, err
		}
		byproducts = append(byproducts, b)
	}
	if err := brows.Err(); err != nil {
		return nil, err
	}
	plant, _, err := db.Setting(SettingPlant)
	if err != nil {
		return nil, err
	}
	prefix, _, err := db.Setting(SettingGS1CompanyPrefix)
	if err != nil {
		return nil, err
	}
	return line.NewProductMaster(plant, prefix, products, byproducts)
}
