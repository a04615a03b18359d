package platform

import (
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// PackView is the consumer's view of a pack, shown when its QR code is
// scanned: the pack, the animals its meat came from, their herders and
// health records, the inspection and the veterinarian's sign-off. The platform builds it
// when it receives the batch and serves it at the pack's Digital Link,
// as a page in Chinese or as this JSON.
type PackView struct {
	Serial    string        `json:"serial"`
	GTIN      string        `json:"gtin"`
	BatchID   string        `json:"batch_id"`
	Product   ProductView   `json:"product"`
	NetWeight line.Mass     `json:"net_weight_g"`
	PackedAt  time.Time     `json:"packed_at"`
	Grassland bool          `json:"grassland"` // the label claims grassland lamb
	Lot       string        `json:"lot,omitempty"`
	Void      *upload.Void  `json:"void,omitempty"` // the label was voided
	Plant     PlantView     `json:"plant"`
	Animals   []AnimalView  `json:"animals"`
	Vet       SignatureView `json:"veterinarian"`

	// ProductCertificate is the product quarantine certificate number
	// (动物产品检疫合格证明) the veterinarian entered.
	ProductCertificate string    `json:"product_certificate"`
	ReceivedAt         time.Time `json:"received_at"`
}

// ProductView names a pack's product.
type ProductView struct {
	Key      string `json:"key"`
	NameZH   string `json:"name_zh"`
	NameEN   string `json:"name_en"`
	UNECECut string `json:"unece_cut,omitempty"`
}

// PlantView names the plant.
type PlantView struct {
	Name           string `json:"name"`
	ApprovalNumber string `json:"approval_number"`
}

// AnimalView is one animal a pack's meat came from, with its carcass.
type AnimalView struct {
	EarTag   string    `json:"ear_tag"`
	Breed    string    `json:"breed"`
	Sex      string    `json:"sex"`
	BornOn   line.Date `json:"born_on"`
	TaggedOn line.Date `json:"tagged_on"`

	Herder     string `json:"herder"`      // the owner's name
	HerderKind string `json:"herder_kind"` // herder or cooperative
	County     string `json:"county"`      // GB/T 2260 code of the owner's banner or county
	Banner     string `json:"banner"`      // its name, such as 锡林浩特市 or 东乌珠穆沁旗

	Pasture      upload.Pasture       `json:"pasture"`
	Vaccinations []upload.Vaccination `json:"vaccinations"`
	Treatments   []TreatmentView      `json:"treatments"`
	LabResults   []LabView            `json:"lab_results"` // of the animal's consignment

	Carcass       string          `json:"carcass"`
	SlaughterDate line.Date       `json:"slaughter_date"`
	Inspection    *InspectionView `json:"inspection,omitempty"`
}

// TreatmentView is one drug treatment with its withdrawal period checked
// against the slaughter date.
type TreatmentView struct {
	Drug           string    `json:"drug"`
	Batch          string    `json:"batch"`
	On             line.Date `json:"on"`
	WithdrawalDays int       `json:"withdrawal_days"`
	WithdrawalEnds line.Date `json:"withdrawal_ends"` // the first day the animal may be slaughtered
	Observed       bool      `json:"withdrawal_observed"`
}

// InspectionView is a carcass's post-mortem inspection.
type InspectionView struct {
	Result string    `json:"result"` // pass or partial; a condemned carcass has no packs
	At     time.Time `json:"at"`
}

// LabView is one β-agonist screening of a consignment.
type LabView struct {
	Analytes []string  `json:"analytes"`
	Method   string    `json:"method"`
	Result   string    `json:"result"`
	At       time.Time `json:"at"`
}

// SignatureView is the veterinarian's signature of the batch.
type SignatureView struct {
	KID      string    `json:"kid"`
	SignedAt time.Time `json:"signed_at"`
	Verified bool      `json:"verified"` // verified against the registered key when the batch arrived
}

// storedPack is a pack's view as stored: without its animals, which are
// stored once per carcass, but with the numbers of their carcasses.
type storedPack struct {
	PackView
	Carcasses []string `json:"carcasses"`
}

// packViews builds the view of every pack of a verified document, to
// be completed with the animals of animalViews.
func packViews(d *upload.Document, report *sign.Report, receivedAt time.Time, animals map[string]AnimalView) []storedPack {
	products := make(map[string]upload.Product)
	for _, p := range d.Products {
		products[p.Key] = p
	}
	var vet SignatureView
	for _, r := range report.Results {
		if r.Header.Role == sign.RoleInspector && r.Verified() {
			vet = SignatureView{KID: r.Header.KID, SignedAt: r.Header.SignedAt, Verified: true}
		}
	}
	lotCarcasses := make(map[string][]string)
	for _, l := range d.Lots {
		for _, s := range l.Sources {
			if s.Counted {
				lotCarcasses[l.ID] = append(lotCarcasses[l.ID], s.Carcass)
			}
		}
	}

	views := make([]storedPack, 0, len(d.Packs))
	for _, p := range d.Packs {
		product := products[p.Product]
		v := PackView{
			Serial: p.Serial, GTIN: p.GTIN, BatchID: d.Batch.ID,
			Product:   ProductView{Key: product.Key, NameZH: product.NameZH, NameEN: product.NameEN, UNECECut: product.UNECECut},
			NetWeight: p.Grams, PackedAt: p.PackedAt, Grassland: p.Grassland, Lot: p.Lot, Void: p.Void,
			Plant:              PlantView{Name: d.Plant.Name, ApprovalNumber: d.Plant.ApprovalNumber},
			Vet:                vet,
			ProductCertificate: d.Batch.ProductCertificate,
			ReceivedAt:         receivedAt,
		}
		carcasses := []string{p.Carcass}
		if p.Lot != "" {
			carcasses = lotCarcasses[p.Lot]
		}
		stored := storedPack{PackView: v, Carcasses: []string{}}
		seen := make(map[string]bool)
		for _, number := range carcasses {
			if _, ok := animals[number]; ok && !seen[number] {
				seen[number] = true
				stored.Carcasses = append(stored.Carcasses, number)
			}
		}
		views = append(views, stored)
	}
	return views
}

// animalViews returns the view of each carcass's animal, by carcass
// number. Carcasses without a declared animal have none.
func animalViews(d *upload.Document) map[string]AnimalView {
	type declared struct {
		animal      upload.Animal
		consignment *upload.Consignment
	}
	byTag := make(map[string]declared)
	for i := range d.Consignments {
		c := &d.Consignments[i]
		for _, a := range c.Animals {
			byTag[a.EarTag] = declared{a, c}
		}
	}
	labs := make(map[string][]LabView)
	for _, l := range d.LabResults {
		labs[l.Consignment] = append(labs[l.Consignment], LabView{Analytes: l.Analytes, Method: l.Method, Result: l.Result, At: l.At})
	}

	views := make(map[string]AnimalView)
	for _, c := range d.Carcasses {
		dec, ok := byTag[c.EarTag]
		if c.EarTag == "" || !ok {
			continue
		}
		a, con := dec.animal, dec.consignment
		slaughtered := line.DateOf(c.EnteredAt)
		v := AnimalView{
			EarTag: a.EarTag, Breed: a.Breed, Sex: a.Sex, BornOn: a.BornOn, TaggedOn: a.TaggedOn,
			Herder: con.Owner.Name, HerderKind: con.Owner.Kind, County: con.Owner.County, Banner: con.Owner.CountyName,
			Pasture: a.Pasture, Vaccinations: a.Vaccinations, Treatments: []TreatmentView{},
			LabResults: labs[con.ID], Carcass: c.Number, SlaughterDate: slaughtered,
		}
		if v.Vaccinations == nil {
			v.Vaccinations = []upload.Vaccination{}
		}
		if v.LabResults == nil {
			v.LabResults = []LabView{}
		}
		for _, t := range a.Treatments {
			ends := t.On.AddDays(t.WithdrawalDays)
			v.Treatments = append(v.Treatments, TreatmentView{
				Drug: t.Drug, Batch: t.Batch, On: t.On, WithdrawalDays: t.WithdrawalDays,
				WithdrawalEnds: ends, Observed: !slaughtered.Before(ends),
			})
		}
		if c.Inspection != nil {
			v.Inspection = &InspectionView{Result: c.Inspection.Result, At: c.Inspection.At}
		}
		views[c.Number] = v
	}
	return views
}
