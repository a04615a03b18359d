package line

import (
	"fmt"
	"os"
	"time"
)

// RegistryFormat is the format tag of a registry export.
const RegistryFormat = "lambtrace-registry/1"

// Registry is the league platform's list of consignments declared for
// slaughter (检疫申报), with every animal's identity, origin, pasture and
// health record.
type Registry struct {
	Source       string
	ExportedAt   time.Time
	Consignments []*Consignment

	byRFID   map[RFID]*Animal
	byEarTag map[EarTag]*Animal
}

// Consignment is one owner's animals delivered under one origin
// certificate.
type Consignment struct {
	ID                 string
	DeclaredAt         time.Time // when slaughter was declared
	ArrivedAt          time.Time
	PlannedSlaughterOn Date
	Owner              Owner
	Certificate        *Certificate // nil when the export has none
	Animals            []*Animal
}

// Owner is the herder or cooperative that delivered a consignment.
type Owner struct {
	ID         string
	Name       string
	Kind       string // herder or cooperative
	County     string // GB/T 2260 code
	CountyName string
}

// Owner kinds.
const (
	OwnerHerder      = "herder"
	OwnerCooperative = "cooperative"
)

// Certificate is the animal quarantine certificate (动物检疫证明) that
// travelled with a consignment.
type Certificate struct {
	Number     string
	Type       string // animal_a (cross-province) or animal_b (in-province)
	IssuedAt   time.Time
	ValidUntil time.Time
	HeadCount  int
}

// Certificate types.
const (
	CertificateAnimalA = "animal_a"
	CertificateAnimalB = "animal_b"
)

// Animal is one declared sheep or goat.
type Animal struct {
	EarTag       EarTag
	RFID         RFID
	Breed        string
	Sex          string // M, F or W (wether)
	BornOn       Date
	TaggedOn     Date
	Pasture      Pasture
	LiveWeight   Mass
	Vaccinations []Vaccination
	Treatments   []Treatment
	Consignment  *Consignment
}

// Pasture describes how an animal was raised, in the UNECE ovine meat
// standard's codes so that grassland claims can be checked.
type Pasture struct {
	Kind             string // natural_grassland, mowing_grassland or feedlot
	FeedingSystem    int    // 1 grain-fed, 2 forage with some grain, 3 exclusively forage-fed
	ProductionSystem int    // 1 intensive, 2 extensive
	GrazingAreaMu    int64  // grazing area in mu (亩)
}

// Pasture kinds.
const (
	PastureNatural = "natural_grassland"
	PastureMowing  = "mowing_grassland"
	PastureFeedlot = "feedlot"
)

// Vaccination is one vaccine dose.
type Vaccination struct {
	Name  string
	Batch string
	On    Date
}

// Treatment is one veterinary drug treatment with the drug's withdrawal
// period for meat (休药期).
type Treatment struct {
	Drug           string
	Batch          string
	On             Date
	WithdrawalDays int
}

// NewRegistry builds a registry from consignments that were validated
// before, such as those a database stored, and links each animal to its
// consignment. It rejects an RFID number or ear tag declared twice.
func NewRegistry(source string, exportedAt time.Time, consignments []*Consignment) (*Registry, error) {
	reg := &Registry{
		Source: source, ExportedAt: exportedAt, Consignments: consignments,
		byRFID:   make(map[RFID]*Animal),
		byEarTag: make(map[EarTag]*Animal),
	}
	for _, c := range consignments {
		for _, a := range c.Animals {
			if _, dup := reg.byRFID[a.RFID]; dup {
				return nil, fmt.Errorf("registry: RFID %s declared twice", a.RFID)
			}
			if _, dup := reg.byEarTag[a.EarTag]; dup {
				return nil, fmt.Errorf("registry: ear tag %s declared twice", a.EarTag)
			}
			a.Consignment = c
			reg.byRFID[a.RFID] = a
			reg.byEarTag[a.EarTag] = a
		}
	}
	return reg, nil
}

// AnimalByRFID returns the animal whose transponder holds r.
func (r *Registry) AnimalByRFID(id RFID) (*Animal, bool) {
	a, ok := r.byRFID[id]
	return a, ok
}

// AnimalByEarTag returns the animal with ear tag t.
func (r *Registry) AnimalByEarTag(t EarTag) (*Animal, bool) {
	a, ok := r.byEarTag[t]
	return a, ok
}

// AnimalCount returns the number of declared animals.
func (r *Registry) AnimalCount() int { return len(r.byRFID) }

// ReadRegistryFile reads and validates a registry export.
func ReadRegistryFile(path string) (*Registry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseRegistry(data, path)
}

// ParseRegistry validates a lambtrace-registry/1 document. It returns a
// *ValidationError listing every problem, naming the consignment, animal
// and field; nothing is returned from a document with problems. Unknown
// fields are ignored.
//
// Import checks the format: digits where digits belong, dates, zones,
// enumerations, unique ids, ear tags and RFID numbers. Facts that can
// legitimately be wrong in a real export, such as a late tagging date, an
// expired or missing certificate or more animals than the certificate
// allows, are left to the intake rules, which report them per animal.
func ParseRegistry(data []byte, file string) (*Registry, error) {
	v := &validator{}
	root := v.decodeRoot(data)
	if root == nil {
		return nil, v.err(file, RegistryFormat)
	}
	if !root.checkFormat(RegistryFormat) {
		return nil, v.err(file, RegistryFormat)
	}
	reg := &Registry{
		Source:   root.str("source", false),
		byRFID:   make(map[RFID]*Animal),
		byEarTag: make(map[EarTag]*Animal),
	}
	reg.ExportedAt, _ = root.time("exported_at", false)

	consignmentIDs := make(map[string]bool)
	root.list("consignments", true, func(i int, o *object) {
		c := readConsignment(o)
		if c.ID != "" {
			if consignmentIDs[c.ID] {
				o.problem("id", ProblemDuplicate, detail("consignment_repeats"), c.ID)
			}
			consignmentIDs[c.ID] = true
		}
		for j, a := range c.Animals {
			if a.RFID != "" {
				if _, dup := reg.byRFID[a.RFID]; dup {
					o.where.Animal = string(a.EarTag)
					o.problem(fmt.Sprintf("animals[%d].rfid", j), ProblemDuplicate, detail("rfid_repeats"), string(a.RFID))
				}
				reg.byRFID[a.RFID] = a
			}
			if a.EarTag != "" {
				if _, dup := reg.byEarTag[a.EarTag]; dup {
					o.where.Animal = string(a.EarTag)
					o.problem(fmt.Sprintf("animals[%d].ear_tag", j), ProblemDuplicate, detail("ear_tag_repeats"), string(a.EarTag))
				}
				reg.byEarTag[a.EarTag] = a
			}
		}
		reg.Consignments = append(reg.Consignments, c)
	})
	if err := v.err(file, RegistryFormat); err != nil {
		return nil, err
	}
	return reg, nil
}

func readConsignment(o *object) *Consignment {
	c := &Consignment{}
	c.ID = o.str("id", true)
	o.where.Consignment = c.ID
	c.DeclaredAt, _ = o.time("declared_at", true)
	c.ArrivedAt, _ = o.time("arrived_at", true)
	c.PlannedSlaughterOn, _ = o.date("planned_slaughter_on", true)

	if ow := o.child("owner", true); ow != nil {
		c.Owner.ID = ow.str("id", true)
		c.Owner.Name = ow.str("name", true)
		c.Owner.Kind, _ = ow.oneOf("kind", true, OwnerHerder, OwnerCooperative)
		c.Owner.County, _ = ow.digits("county", 6, true)
		c.Owner.CountyName = ow.str("county_name", false)
	}

	// A missing certificate is an intake decision, not an import error.
	if co := o.child("certificate", false); co != nil {
		cert := &Certificate{}
		cert.Number = co.str("number", true)
		cert.Type, _ = co.oneOf("type", true, CertificateAnimalA, CertificateAnimalB)
		cert.IssuedAt, _ = co.time("issued_at", true)
		cert.ValidUntil, _ = co.time("valid_until", true)
		if n, ok := co.integer("head_count", true); ok {
			if n < 1 || n > 100000 {
				co.problem("head_count", ProblemInvalid, detail("head_count_range"), fmt.Sprint(n))
			}
			cert.HeadCount = int(n)
		}
		c.Certificate = cert
	}

	o.list("animals", true, func(_ int, ao *object) {
		a := readAnimal(ao)
		a.Consignment = c
		c.Animals = append(c.Animals, a)
	})
	return c
}

func readAnimal(o *object) *Animal {
	a := &Animal{}
	if tag, ok := o.digits("ear_tag", 15, true); ok {
		a.EarTag = EarTag(tag)
		o.where.Animal = tag
	}
	if s, ok := o.digits("rfid", 15, true); ok {
		if id, err := ParseRFID(s); err != nil {
			o.problem("rfid", ProblemInvalid, detail("rfid_range"), s)
		} else {
			a.RFID = id
		}
	}
	a.Breed = o.str("breed", true)
	a.Sex, _ = o.oneOf("sex", true, "M", "F", "W")
	a.BornOn, _ = o.date("born_on", true)
	a.TaggedOn, _ = o.date("tagged_on", true)
	if !a.BornOn.IsZero() && !a.TaggedOn.IsZero() && a.TaggedOn.Before(a.BornOn) {
		o.problem("tagged_on", ProblemInvalid, detail("tagged_before_birth", "born_on", a.BornOn.String()), a.TaggedOn.String())
	}

	if p := o.child("pasture", true); p != nil {
		a.Pasture.Kind, _ = p.oneOf("kind", true, PastureNatural, PastureMowing, PastureFeedlot)
		if n, ok := p.integer("feeding_system", true); ok {
			if n < 1 || n > 3 {
				p.problem("feeding_system", ProblemInvalid, detail("feeding_system"), fmt.Sprint(n))
			}
			a.Pasture.FeedingSystem = int(n)
		}
		if n, ok := p.integer("production_system", true); ok {
			if n < 1 || n > 2 {
				p.problem("production_system", ProblemInvalid, detail("production_system"), fmt.Sprint(n))
			}
			a.Pasture.ProductionSystem = int(n)
		}
		if n, ok := p.integer("grazing_area_mu", false); ok {
			if n < 0 {
				p.problem("grazing_area_mu", ProblemInvalid, detail("negative_area"), fmt.Sprint(n))
			}
			a.Pasture.GrazingAreaMu = n
		}
	}
	a.LiveWeight, _ = o.mass("live_weight_g", true, 1*Kilogram, 300*Kilogram)

	o.list("vaccinations", false, func(_ int, vo *object) {
		var vac Vaccination
		vac.Name = vo.str("name", true)
		vac.Batch = vo.str("batch", false)
		vac.On, _ = vo.date("on", true)
		a.Vaccinations = append(a.Vaccinations, vac)
	})
	o.list("treatments", false, func(_ int, to *object) {
		var t Treatment
		t.Drug = to.str("drug", true)
		t.Batch = to.str("batch", false)
		t.On, _ = to.date("on", true)
		if n, ok := to.integer("withdrawal_days", true); ok {
			if n < 0 || n > 3650 {
				to.problem("withdrawal_days", ProblemInvalid, detail("withdrawal_range"), fmt.Sprint(n))
			}
			t.WithdrawalDays = int(n)
		}
		a.Treatments = append(a.Treatments, t)
	})
	return a
}
