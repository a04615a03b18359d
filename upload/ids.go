package upload

import (
	"fmt"
	"net/url"
	"strings"
)

// identifiers builds the URIs that name the things and parties of one
// document in its EPCIS events. Animals, carcasses, lots, certificates
// and parties have no GS1 key, so they are named by HTTPS URIs under the
// platform's domain, which the platform can resolve. Carcass numbers are
// unique per plant and day only, so a carcass URI includes the plant.
// Packs carry a GTIN and a serial, so they are SGTINs.
type identifiers struct {
	base   string // https://<platform domain>
	plant  string // base/id/plant/<approval number>
	batch  string
	prefix string // GS1 company prefix
}

// Path segments and bizStep names of the identifiers.
const (
	bizStepSlaughtering = "slaughtering"
	bizStepCutting      = "cutting"
	vocabularyPrefix    = "lt" // JSON-LD prefix of the platform's vocabulary
)

func newIdentifiers(d *Document) (*identifiers, error) {
	if err := checkDomain(d.PlatformDomain); err != nil {
		return nil, err
	}
	if d.Plant.ApprovalNumber == "" {
		return nil, fmt.Errorf("the plant's approval number is missing")
	}
	base := "https://" + d.PlatformDomain
	return &identifiers{
		base:   base,
		plant:  base + "/id/plant/" + url.PathEscape(d.Plant.ApprovalNumber),
		batch:  d.Batch.ID,
		prefix: d.Plant.GS1CompanyPrefix,
	}, nil
}

// checkDomain accepts an ASCII host name with an optional port, such as
// trace.example.cn or 127.0.0.1:8440.
func checkDomain(domain string) error {
	if domain == "" {
		return fmt.Errorf("the platform domain is missing")
	}
	for _, r := range domain {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:", r)) {
			return fmt.Errorf("invalid platform domain %q: use an ASCII host name (Punycode for an internationalized name) with an optional port", domain)
		}
	}
	u, err := url.Parse("https://" + domain + "/")
	if err != nil || u.Host != domain || u.Hostname() == "" {
		return fmt.Errorf("invalid platform domain %q: expected a host name with an optional port", domain)
	}
	return nil
}

// vocabulary is the namespace of the platform's bizStep names and event
// extension fields.
func (x *identifiers) vocabulary() string { return x.base + "/voc/" }

func (x *identifiers) bizStep(name string) string { return x.base + "/voc/bizstep/" + name }

func (x *identifiers) animal(earTag string) string {
	return x.base + "/id/animal/" + url.PathEscape(earTag)
}

func (x *identifiers) party(ownerID string) string {
	return x.base + "/id/party/" + url.PathEscape(ownerID)
}

func (x *identifiers) animalCertificate(number string) string {
	return x.base + "/id/certificate/animal/" + url.PathEscape(number)
}

func (x *identifiers) productCertificate(number string) string {
	return x.base + "/id/certificate/product/" + url.PathEscape(number)
}

func (x *identifiers) station(id string) string { return x.plant + "/station/" + url.PathEscape(id) }

func (x *identifiers) carcass(number string) string {
	return x.plant + "/carcass/" + url.PathEscape(number)
}

func (x *identifiers) labResult(sample string) string {
	return x.plant + "/lab/" + url.PathEscape(sample)
}

// lot names a mixed lot as a class: its trim is counted in kilograms.
func (x *identifiers) lot(id string) string {
	return x.plant + "/lot/" + url.PathEscape(x.batch) + "/" + url.PathEscape(id)
}

// byproduct names one by-product bin of the batch as a class.
func (x *identifiers) byproduct(kind string) string {
	return x.plant + "/byproduct/" + url.PathEscape(x.batch) + "/" + url.PathEscape(kind)
}

// sgtin returns the EPC pure identity URI of a pack:
// urn:epc:id:sgtin:<company prefix>.<indicator><item reference>.<serial>.
// The GTIN must carry the plant's company prefix, whose length the URI
// needs.
func (x *identifiers) sgtin(gtin, serial string) (string, error) {
	prefix, item, err := x.splitGTIN(gtin)
	if err != nil {
		return "", err
	}
	return "urn:epc:id:sgtin:" + prefix + "." + item + "." + escapeEPC(serial), nil
}

// lgtin returns the EPC class URI of a product's packs in this batch:
// urn:epc:class:lgtin:<company prefix>.<indicator><item reference>.<batch>.
func (x *identifiers) lgtin(gtin string) (string, error) {
	prefix, item, err := x.splitGTIN(gtin)
	if err != nil {
		return "", err
	}
	return "urn:epc:class:lgtin:" + prefix + "." + item + "." + escapeEPC(x.batch), nil
}

// splitGTIN splits a GTIN-14 into the company prefix and the indicator
// digit followed by the item reference, dropping the check digit, as the
// EPC Tag Data Standard writes a GTIN in an EPC URI.
func (x *identifiers) splitGTIN(gtin string) (prefix, item string, err error) {
	if len(gtin) != 14 || !allDigits(gtin) {
		return "", "", fmt.Errorf("GTIN %q is not 14 digits", gtin)
	}
	if n := len(x.prefix); n < 6 || n > 12 || !allDigits(x.prefix) {
		return "", "", fmt.Errorf("GS1 company prefix %q: an EPC URI needs a prefix of 6 to 12 digits", x.prefix)
	}
	if gtin[1:1+len(x.prefix)] != x.prefix {
		return "", "", fmt.Errorf("GTIN %s does not carry the plant's GS1 company prefix %s", gtin, x.prefix)
	}
	return x.prefix, gtin[:1] + gtin[1+len(x.prefix):13], nil
}

// escapeEPC percent-encodes every character of an EPC URI component
// other than the letters, digits and !'()*+,-.:;=_ that the EPC Tag Data
// Standard lets stand for themselves.
func escapeEPC(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("!'()*+,-.:;=_", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
