package line

import (
	"errors"
	"fmt"
	"os"
)

// ProductsFormat is the format tag of a product master file.
const ProductsFormat = "lambtrace-products/1"

// ProductMaster is the plant's list of cut products and by-product bins.
type ProductMaster struct {
	Plant            string
	GS1CompanyPrefix string
	Products         []*Product
	Byproducts       []Byproduct

	byKey map[string]*Product
}

// Product is one cut the plant packs and labels.
type Product struct {
	Key              string
	NameZH           string
	NameEN           string
	UNECECut         string // 4-digit UNECE ovine cut code, empty when the cut has none
	GTIN             GTIN   // GTIN-14; indicator 9 marks a variable-measure trade item
	BoneIn           bool
	Mixed            bool    // may draw on several carcasses through a mixed lot
	TypicalShare     float64 // share of the chilled carcass per piece, for planning only
	PiecesPerCarcass int

	// Storage is the product's storage condition, which fixes the storage
	// text on its label and the default shelf life. Empty means
	// StorageChilled, as StorageCondition returns.
	Storage Storage

	// ShelfLifeDays is the number of days from packing to the use-by date
	// printed on the label. Zero means the default of Storage, as ShelfLife
	// returns.
	ShelfLifeDays int
}

// Storage is the storage condition of a product.
type Storage string

// Storage conditions. A label prints chilled as 0–4 ℃ and frozen as
// −18 ℃.
const (
	StorageChilled Storage = "chilled"
	StorageFrozen  Storage = "frozen"
)

// Default shelf lives in days, used when the product master does not
// state one.
//
// NOTE: these are demonstration values for vacuum-packed chilled and
// frozen lamb, not validated shelf lives. A plant sets its own per
// product with shelf_life_days.
const (
	DefaultShelfLifeChilled = 7
	DefaultShelfLifeFrozen  = 365
)

// MaxShelfLifeDays bounds shelf_life_days at three years.
const MaxShelfLifeDays = 1095

// StorageCondition returns the product's storage condition, StorageChilled
// when none is set.
func (p *Product) StorageCondition() Storage {
	if p.Storage == "" {
		return StorageChilled
	}
	return p.Storage
}

// ShelfLife returns the product's shelf life in days: ShelfLifeDays when
// set, otherwise the default of its storage condition.
func (p *Product) ShelfLife() int {
	if p.ShelfLifeDays > 0 {
		return p.ShelfLifeDays
	}
	if p.StorageCondition() == StorageFrozen {
		return DefaultShelfLifeFrozen
	}
	return DefaultShelfLifeChilled
}

// Byproduct is a bin that by-products of cutting are weighed into.
type Byproduct struct {
	Key    string
	NameZH string
}

// NewProductMaster builds a product master from products and by-product
// bins that were validated before, such as those a database stored.
func NewProductMaster(plant, companyPrefix string, products []*Product, byproducts []Byproduct) (*ProductMaster, error) {
	m := &ProductMaster{Plant: plant, GS1CompanyPrefix: companyPrefix, Products: products,
		Byproducts: byproducts, byKey: make(map[string]*Product, len(products))}
	for _, p := range products {
		if _, dup := m.byKey[p.Key]; dup {
			return nil, fmt.Errorf("product master: key %s repeats", p.Key)
		}
		m.byKey[p.Key] = p
	}
	return m, nil
}

// Product returns the product with the given key.
func (m *ProductMaster) Product(key string) (*Product, bool) {
	p, ok := m.byKey[key]
	return p, ok
}

// HasByproduct reports whether key names a by-product bin.
func (m *ProductMaster) HasByproduct(key string) bool {
	for _, b := range m.Byproducts {
		if b.Key == key {
			return true
		}
	}
	return false
}

// ReadProductsFile reads and validates a product master file.
func ReadProductsFile(path string) (*ProductMaster, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseProducts(data, path)
}

// ParseProducts validates a lambtrace-products/1 document. It returns a
// *ValidationError listing every problem and nothing else when the
// document has any.
func ParseProducts(data []byte, file string) (*ProductMaster, error) {
	v := &validator{}
	root := v.decodeRoot(data)
	if root == nil || !root.checkFormat(ProductsFormat) {
		return nil, v.err(file, ProductsFormat)
	}
	m := &ProductMaster{byKey: make(map[string]*Product)}
	m.Plant = root.str("plant", false)
	if prefix, ok := field[string](root, "gs1_company_prefix", false, "digits"); ok {
		if len(prefix) < 4 || len(prefix) > 12 || !isDigits(prefix) {
			root.problem("gs1_company_prefix", ProblemInvalid, detail("company_prefix"), prefix)
		}
		m.GS1CompanyPrefix = prefix
	}

	gtins := make(map[GTIN]string)
	root.list("products", true, func(_ int, o *object) {
		p := readProduct(o)
		if p.Key != "" {
			if _, dup := m.byKey[p.Key]; dup {
				o.problem("key", ProblemDuplicate, detail("product_repeats"), p.Key)
			}
			m.byKey[p.Key] = p
		}
		if p.GTIN != "" {
			if other, dup := gtins[p.GTIN]; dup {
				o.problem("gtin", ProblemDuplicate, detail("gtin_repeats", "product", other), string(p.GTIN))
			}
			gtins[p.GTIN] = p.Key
		}
		m.Products = append(m.Products, p)
	})

	byproducts := make(map[string]bool)
	root.list("byproducts", true, func(_ int, o *object) {
		b := Byproduct{Key: o.str("key", true), NameZH: o.str("name_zh", true)}
		if b.Key != "" {
			if byproducts[b.Key] {
				o.problem("key", ProblemDuplicate, detail("byproduct_repeats"), b.Key)
			}
			if _, clash := m.byKey[b.Key]; clash {
				o.problem("key", ProblemDuplicate, detail("byproduct_is_product"), b.Key)
			}
			byproducts[b.Key] = true
		}
		m.Byproducts = append(m.Byproducts, b)
	})

	if err := v.err(file, ProductsFormat); err != nil {
		return nil, err
	}
	return m, nil
}

func readProduct(o *object) *Product {
	p := &Product{}
	p.Key = o.str("key", true)
	if p.Key != "" {
		o.path = fmt.Sprintf("%s(%s)", o.path, p.Key)
	}
	p.NameZH = o.str("name_zh", true)
	p.NameEN = o.str("name_en", true)
	if cut, ok := field[string](o, "unece_cut", false, "cut"); ok {
		if len(cut) != 4 || !isDigits(cut) {
			o.problem("unece_cut", ProblemInvalid, detail("unece_cut"), cut)
		}
		p.UNECECut = cut
	}
	if s, ok := field[string](o, "gtin", true, "gtin"); ok {
		g, err := ParseGTIN(s)
		var idErr *IDError
		switch {
		case errors.As(err, &idErr):
			o.problem("gtin", ProblemInvalid, detail("id", "problem", string(idErr.Problem)), s)
		case err != nil:
			o.problem("gtin", ProblemInvalid, detail("gtin14"), s)
		case len(s) != 14:
			o.problem("gtin", ProblemInvalid, detail("gtin14"), s)
		default:
			p.GTIN = g
		}
	}
	p.BoneIn, _ = o.boolean("bone_in", true)
	p.Mixed, _ = o.boolean("mixed", true)
	if share, ok := o.number("typical_share", false); ok {
		if share < 0 || share > 1 {
			o.problem("typical_share", ProblemInvalid, detail("share_range"), fmt.Sprint(share))
		}
		p.TypicalShare = share
	}
	if n, ok := o.integer("pieces_per_carcass", false); ok {
		if n < 0 || n > 100 {
			o.problem("pieces_per_carcass", ProblemInvalid, detail("pieces_range"), fmt.Sprint(n))
		}
		p.PiecesPerCarcass = int(n)
	}
	if storage, ok := o.oneOf("storage", false, string(StorageChilled), string(StorageFrozen)); ok {
		p.Storage = Storage(storage)
	}
	if n, ok := o.integer("shelf_life_days", false); ok {
		if n < 1 || n > MaxShelfLifeDays {
			o.problem("shelf_life_days", ProblemInvalid, detail("shelf_life_range", "max", fmt.Sprint(MaxShelfLifeDays)), fmt.Sprint(n))
		}
		p.ShelfLifeDays = int(n)
	}
	return p
}
