package platform_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/platform"
)

// get fetches a path of the platform with headers and returns the
// status, body and content type.
func (p *testPlatform) get(tb testing.TB, path string, header http.Header) (int, string, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, p.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(data), resp.Header.Get("Content-Type")
}

// linkPath returns the Digital Link path of a pack, with its net weight
// as AI 3103.
func linkPath(p upload.Pack, batch string, grams line.Mass) string {
	return fmt.Sprintf("/01/%s/10/%s/21/%s?3103=%06d", p.GTIN, batch, p.Serial, grams)
}

// treatedBatch is a batch whose first animal was treated, and whose
// withdrawal period ended before slaughter.
func treatedBatch(tb testing.TB) *upload.Document {
	tb.Helper()
	animals := append([]*line.Animal{sampleAnimal(tb, "315250200357045")}, sampleAnimals(tb, 0, 2)...)
	return buildBatch(tb, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1}, animals: animals, packs: 2})
}

func TestPackPageChinese(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := treatedBatch(t)
	if status, resp, _ := p.post(t, mustSign(t, p.keys, doc), nil); status != http.StatusCreated {
		t.Fatalf("upload: status %d, body %s", status, resp)
	}
	pack := doc.Packs[0]
	animal := doc.Consignments[0].Animals[2] // ear tag 315250200357045
	if animal.EarTag != "315250200357045" {
		t.Fatalf("animal = %s, want the treated one", animal.EarTag)
	}

	status, page, contentType := p.get(t, linkPath(pack, doc.Batch.ID, pack.Grams), http.Header{"Accept": {"text/html"}})
	if status != http.StatusOK || contentType != "text/html; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q\n%s", status, contentType, page)
	}
	owner := doc.Consignments[0].Owner
	for _, want := range []string{
		`<html lang="zh-CN">`,
		"草原羊",
		"牧户</dt><dd class=\"herder\">" + owner.Name,
		"旗县</dt><dd class=\"banner\">" + owner.CountyName + " (" + owner.County + ")",
		"品种</dt><dd>" + animal.Breed,
		"出生日期</dt><dd>" + animal.BornOn.String(),
		"佩标日期</dt><dd>" + animal.TaggedOn.String(),
		"天然草场, 纯牧草饲喂, 放牧面积",
		animal.Vaccinations[0].Name + ", " + animal.Vaccinations[0].On.String(),
		"伊维菌素注射液, 2026-07-22; 休药期 35 天, 截至 2026-08-26",
		"屠宰前已过休药期",
		"β-受体激动剂检测", "阴性",
		`屠宰日期</dt><dd class="slaughter-date">2026-12-04`,
		`宰后检验</dt><dd class="inspection">合格`,
		`<dd id="certificate">1521870093`,
		`已用兽医登记的密钥验证`,
		p.keys.vet.KID(),
		`<dd id="net-weight">` + pack.Grams.StringZH(),
		"定点屠宰证号</dt><dd>" + plantApproval,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "platform.page.") {
		t.Errorf("page shows a catalog key instead of its text:\n%s", page)
	}
	if strings.Contains(page, `id="label-weight"`) || strings.Contains(page, `id="void"`) {
		t.Error("page warns about a label that matches the record")
	}
}

func TestPackPageEnglishAndJSON(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := treatedBatch(t)
	if status, resp, _ := p.post(t, mustSign(t, p.keys, doc), nil); status != http.StatusCreated {
		t.Fatalf("upload: status %d, body %s", status, resp)
	}
	pack := doc.Packs[0]
	path := linkPath(pack, doc.Batch.ID, pack.Grams)

	status, page, _ := p.get(t, path, http.Header{"Accept-Language": {"en-GB,en;q=0.9,zh;q=0.5"}})
	if status != http.StatusOK {
		t.Fatalf("English page: status %d", status)
	}
	for _, want := range []string{`<html lang="en">`, "Herder", "withdrawal period 35 days", "observed before slaughter", "verified against the veterinarian&#39;s registered key"} {
		if !strings.Contains(page, want) {
			t.Errorf("English page lacks %q", want)
		}
	}

	status, body, contentType := p.get(t, path, http.Header{"Accept": {"application/json"}})
	if status != http.StatusOK || contentType != "application/json" {
		t.Fatalf("JSON: status %d, Content-Type %q", status, contentType)
	}
	var view platform.PackView
	if err := json.Unmarshal([]byte(body), &view); err != nil {
		t.Fatal(err)
	}
	if view.Serial != pack.Serial || view.NetWeight != pack.Grams || view.BatchID != doc.Batch.ID || !view.Grassland {
		t.Errorf("view = %+v", view)
	}
	if len(view.Animals) != 1 {
		t.Fatalf("view has %d animals, want 1", len(view.Animals))
	}
	a := view.Animals[0]
	if a.EarTag != "315250200357045" || a.Herder == "" || a.Banner == "" || a.SlaughterDate.String() != "2026-12-04" || a.Inspection.Result != "pass" {
		t.Errorf("animal = %+v", a)
	}
	if len(a.Treatments) != 1 || !a.Treatments[0].Observed || a.Treatments[0].WithdrawalEnds.String() != "2026-08-26" {
		t.Errorf("treatments = %+v", a.Treatments)
	}
	if !view.Vet.Verified || view.Vet.KID != p.keys.vet.KID() || view.ProductCertificate != "1521870093" {
		t.Errorf("veterinarian = %+v, certificate %q", view.Vet, view.ProductCertificate)
	}
	if !view.ReceivedAt.Equal(time.Date(2026, 12, 4, 19, 0, 0, 0, beijing)) {
		t.Errorf("received at %s", view.ReceivedAt)
	}
}

func TestPackPageWarnings(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	if status, resp, _ := p.post(t, mustSign(t, p.keys, doc), nil); status != http.StatusCreated {
		t.Fatalf("upload: status %d, body %s", status, resp)
	}
	pack := doc.Packs[0]

	// A label whose QR code states another weight than the record.
	status, page, _ := p.get(t, linkPath(pack, doc.Batch.ID, pack.Grams+150), nil)
	if status != http.StatusOK || !strings.Contains(page, `id="label-weight"`) || !strings.Contains(page, "标签上的重量与记录的重量不符") {
		t.Errorf("page of a label with another weight: status %d, no warning", status)
	}

	// A link to a pack nobody uploaded.
	other := pack
	other.Serial = "0199999999"
	status, page, contentType := p.get(t, linkPath(other, doc.Batch.ID, pack.Grams), nil)
	if status != http.StatusNotFound || !strings.Contains(page, "未找到该包装") || contentType != "text/html; charset=utf-8" {
		t.Errorf("unknown pack: status %d, page\n%s", status, page)
	}
	status, body, contentType := p.get(t, linkPath(other, doc.Batch.ID, pack.Grams), http.Header{"Accept": {"application/json"}})
	if status != http.StatusNotFound {
		t.Errorf("unknown pack as JSON: status %d", status)
	}
	if r := rejection(t, []byte(body), contentType); !hasReason(r, platform.ReasonPackNotFound, other.Serial) {
		t.Errorf("unknown pack as JSON: reasons %v", r.Codes())
	}

	// A link that is not a valid Digital Link.
	status, _, _ = p.get(t, "/01/12345/10/"+doc.Batch.ID+"/21/"+pack.Serial, nil)
	if status != http.StatusNotFound {
		t.Errorf("invalid GTIN: status %d, want 404", status)
	}
}

func TestRegistryExport(t *testing.T) {
	cfg := platformConfig(t)
	cfg.Registries = map[string]string{"152500": sampleDay + ".registry.json"}
	p := startPlatform(t, cfg)
	whole, err := line.ReadRegistryFile(sampleDay + ".registry.json")
	if err != nil {
		t.Fatal(err)
	}

	status, body, contentType := p.get(t, "/api/v1/registry?league=152500", nil)
	if status != http.StatusOK || contentType != "application/json" {
		t.Fatalf("status %d, Content-Type %q\n%s", status, contentType, body)
	}
	reg, err := line.ParseRegistry([]byte(body), "response")
	if err != nil {
		t.Fatalf("the export is not a valid registry: %v", err)
	}
	if len(reg.Consignments) != len(whole.Consignments) || reg.AnimalCount() != whole.AnimalCount() {
		t.Errorf("export has %d consignments and %d animals, want %d and %d",
			len(reg.Consignments), reg.AnimalCount(), len(whole.Consignments), whole.AnimalCount())
	}

	// since keeps the consignments declared at or after it.
	since := whole.Consignments[len(whole.Consignments)/2].DeclaredAt
	want := 0
	for _, c := range whole.Consignments {
		if !c.DeclaredAt.Before(since) {
			want++
		}
	}
	status, body, _ = p.get(t, "/api/v1/registry?league=152500&since="+url.QueryEscape(since.Format(time.RFC3339)), nil)
	if status != http.StatusOK {
		t.Fatalf("since: status %d\n%s", status, body)
	}
	reg, err = line.ParseRegistry([]byte(body), "response")
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Consignments) != want || want == 0 || want == len(whole.Consignments) {
		t.Errorf("since %s: %d consignments, want %d of %d", since, len(reg.Consignments), want, len(whole.Consignments))
	}
	for _, c := range reg.Consignments {
		if c.DeclaredAt.Before(since) {
			t.Errorf("consignment %s declared at %s, before since", c.ID, c.DeclaredAt)
		}
	}

	for _, tt := range []struct {
		query  string
		status int
		code   string
	}{
		{"", http.StatusBadRequest, platform.ReasonLeagueMissing},
		{"?league=152500&since=yesterday", http.StatusBadRequest, platform.ReasonSinceInvalid},
		{"?league=150200", http.StatusNotFound, platform.ReasonLeagueUnknown},
	} {
		status, body, contentType := p.get(t, "/api/v1/registry"+tt.query, nil)
		if status != tt.status {
			t.Errorf("%q: status %d, want %d", tt.query, status, tt.status)
			continue
		}
		if r := rejection(t, []byte(body), contentType); !hasReason(r, tt.code, "") {
			t.Errorf("%q: reasons %v, want %s", tt.query, r.Codes(), tt.code)
		}
	}
}
