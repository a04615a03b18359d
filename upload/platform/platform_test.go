package platform_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/platform"
	"lambtrace/upload/sign"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testPlatform is a platform server on a loopback port.
type testPlatform struct {
	*httptest.Server
	platform *platform.Server
	keys     *testKeys
	log      *syncBuffer
}

// platformConfig returns the configuration of a test platform with the
// test keys registered and the official schema loaded.
func platformConfig(tb testing.TB) platform.Config {
	tb.Helper()
	k := mustTestKeys(tb)
	keys, err := platform.LoadKeys(k.writeKeyDir(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return platform.Config{
		DataDir: tb.TempDir(), Keys: keys, ReceiptKey: k.platform, Schema: mustSchema(tb), Domain: platformDomain,
		Now: func() time.Time { return time.Date(2026, 12, 4, 19, 0, 0, 0, beijing) },
	}
}

// startPlatform opens a platform with cfg and serves it on 127.0.0.1.
func startPlatform(tb testing.TB, cfg platform.Config) *testPlatform {
	tb.Helper()
	p := &testPlatform{keys: mustTestKeys(tb), log: &syncBuffer{}}
	cfg.Logger = slog.New(slog.NewJSONHandler(p.log, nil))
	s, err := platform.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	p.platform = s
	p.Server = httptest.NewServer(s.Handler())
	tb.Cleanup(func() {
		p.Close()
		s.Close()
	})
	return p
}

// post sends a signed document as a station does and returns the
// response's status, body and content type.
func (p *testPlatform) post(tb testing.TB, body []byte, header http.Header) (int, []byte, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, p.URL+upload.BatchesPath, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", upload.ContentTypeJWS)
	req.Header.Set(upload.HeaderContentDigest, upload.ContentDigest(body))
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
	return resp.StatusCode, data, resp.Header.Get("Content-Type")
}

// rejection decodes a problem details response.
func rejection(tb testing.TB, body []byte, contentType string) *upload.Rejection {
	tb.Helper()
	if contentType != upload.ContentTypeProblem {
		tb.Fatalf("Content-Type = %q, want %s; body %s", contentType, upload.ContentTypeProblem, body)
	}
	r := &upload.Rejection{}
	if err := json.Unmarshal(body, r); err != nil {
		tb.Fatalf("rejection %s: %v", body, err)
	}
	return r
}

// hasReason reports whether r lists a reason with code, and with subject
// unless subject is empty.
func hasReason(r *upload.Rejection, code, subject string) bool {
	for _, reason := range r.Reasons {
		if reason.Code == code && (subject == "" || reason.Subject == subject) {
			return true
		}
	}
	return false
}

// smallBatch is a batch of five sample animals with three packs each.
func smallBatch(tb testing.TB, shiftNumber int) *upload.Document {
	tb.Helper()
	return buildBatch(tb, batchSpec{
		batch:   line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: shiftNumber},
		animals: sampleAnimals(tb, 0, 5), packs: 3,
	})
}

func TestIngestStoresAndRepeats(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	body := mustSign(t, p.keys, doc)

	status, receipt, contentType := p.post(t, body, http.Header{upload.HeaderBatchID: {doc.Batch.ID}})
	if status != http.StatusCreated {
		t.Fatalf("first upload: status %d, body %s", status, receipt)
	}
	if contentType != upload.ContentTypeJWS {
		t.Errorf("receipt Content-Type = %q", contentType)
	}
	sum := upload.ContentDigest(body)
	digest, _ := upload.ParseContentDigest(sum)
	r, err := upload.VerifyReceipt(receipt, p.keys.receiptKeys(t), doc.Batch.ID, digest)
	if err != nil {
		t.Fatalf("VerifyReceipt: %v", err)
	}
	if r.ID != 1 || r.Plant != plantApproval || !r.ReceivedAt.Equal(time.Date(2026, 12, 4, 19, 0, 0, 0, beijing)) {
		t.Errorf("receipt = %+v", r)
	}
	wantChecks := []string{platform.CheckSignatures, platform.CheckSchema, platform.CheckDocument, platform.CheckUniqueness}
	if strings.Join(r.Checks, ",") != strings.Join(wantChecks, ",") {
		t.Errorf("receipt checks = %v, want %v", r.Checks, wantChecks)
	}
	if len(r.Signatures) != 2 || r.Signatures[0].KID != p.keys.station.KID() || r.Signatures[1].Role != sign.RoleInspector {
		t.Errorf("receipt signatures = %+v", r.Signatures)
	}

	// Ensure an identical repeat gets 200 and the same receipt, byte for
	// byte.
	status, again, _ := p.post(t, body, nil)
	if status != http.StatusOK {
		t.Fatalf("repeat: status %d, body %s", status, again)
	}
	if !bytes.Equal(again, receipt) {
		t.Errorf("repeat receipt differs:\n%s\n%s", again, receipt)
	}

	// Ensure every outcome is logged with the batch and the outcome.
	logs := p.log.String()
	for _, want := range []string{`"status":201`, `"status":200`, `"outcome":"stored"`, `"outcome":"repeat"`, `"document_batch":"20261204-L1-1"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

func TestIngestRejectsChangedByte(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	body := mustSign(t, p.keys, doc)

	// Change one byte of the signed payload: a pack weight digit.
	j, err := sign.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Clone(j.Payload())
	i := bytes.Index(payload, []byte(`"grams":9`))
	if i < 0 {
		t.Fatal("no pack weight starting with 9 in the payload")
	}
	payload[i+len(`"grams":`)] = '8'
	var parts struct {
		Payload    string            `json:"payload"`
		Signatures []json.RawMessage `json:"signatures"`
	}
	if err := json.Unmarshal(body, &parts); err != nil {
		t.Fatal(err)
	}
	parts.Payload = base64.RawURLEncoding.EncodeToString(payload)
	changed, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}

	status, resp, contentType := p.post(t, changed, nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	if !hasReason(r, platform.ReasonSigBad, p.keys.station.KID()) || !hasReason(r, platform.ReasonSigBad, p.keys.vet.KID()) {
		t.Errorf("reasons = %v, want a bad signature of both keys", r.Codes())
	}
	if r.Type != "urn:lambtrace:problem:signature" || r.Status != http.StatusUnprocessableEntity {
		t.Errorf("problem = %s %d", r.Type, r.Status)
	}
	for _, reason := range r.Reasons {
		if reason.Message[line.LangZH] == "" || reason.Message[line.LangEN] == "" {
			t.Errorf("reason %s lacks a message in both languages: %v", reason.Code, reason.Message)
		}
	}
}

func TestIngestRejectsUnregisteredKey(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	payload, err := doc.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	pair, err := sign.GenerateKey(sign.RoleStation, sign.Ed25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := sign.ParsePrivateKey(pair.PrivatePEM)
	if err != nil {
		t.Fatal(err)
	}
	body := mustSignPayload(t, payload, sign.Signer{Key: stranger}, sign.Signer{Key: p.keys.vet, PIN: vetPIN})

	status, resp, contentType := p.post(t, body, nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	if !hasReason(r, platform.ReasonSigUnknownKID, pair.KID) {
		t.Errorf("reasons = %v, want %s(%s)", r.Codes(), platform.ReasonSigUnknownKID, pair.KID)
	}
	if !hasReason(r, platform.ReasonSigMissing, "station") {
		t.Errorf("reasons = %v, want a missing station signature", r.Codes())
	}
	if !strings.Contains(r.Reasons[0].Message[line.LangZH], "未在平台登记") {
		t.Errorf("Chinese message = %q", r.Reasons[0].Message[line.LangZH])
	}
}

func TestIngestRejectsKeyOfOtherPlant(t *testing.T) {
	k := mustTestKeys(t)
	dir := t.TempDir()
	mustWrite(t, dir+"/A15259999/"+k.stationPair.KID+".pem", k.stationPair.PublicPEM)
	mustWrite(t, dir+"/"+k.vetPair.KID+".pem", k.vetPair.PublicPEM)
	keys, err := platform.LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := platformConfig(t)
	cfg.Keys = keys
	p := startPlatform(t, cfg)

	status, resp, contentType := p.post(t, mustSign(t, k, smallBatch(t, 1)), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	if r := rejection(t, resp, contentType); !hasReason(r, platform.ReasonSigPlant, k.station.KID()) {
		t.Errorf("reasons = %v, want %s", r.Codes(), platform.ReasonSigPlant)
	}
}

func TestIngestConflict(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	first := smallBatch(t, 1)
	if status, resp, _ := p.post(t, mustSign(t, p.keys, first), nil); status != http.StatusCreated {
		t.Fatalf("first upload: status %d, body %s", status, resp)
	}

	// The same batch id with another pack.
	other := buildBatch(t, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1},
		animals: sampleAnimals(t, 0, 5), packs: 4})
	status, resp, contentType := p.post(t, mustSign(t, p.keys, other), nil)
	if status != http.StatusConflict {
		t.Fatalf("status %d, want 409; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	if !hasReason(r, platform.ReasonConflict, first.Batch.ID) || r.BatchID != first.Batch.ID {
		t.Errorf("rejection = %+v", r)
	}
}

func TestIngestOversizeBody(t *testing.T) {
	cfg := platformConfig(t)
	cfg.MaxBodySize = 4096
	p := startPlatform(t, cfg)
	body := mustSign(t, p.keys, smallBatch(t, 1))

	// With a Content-Length the body is refused before it is read.
	status, resp, contentType := p.post(t, body, nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; body %s", status, resp)
	}
	if r := rejection(t, resp, contentType); !hasReason(r, platform.ReasonTooLarge, "") {
		t.Errorf("reasons = %v", r.Codes())
	}

	// Without one the server stops reading at the limit.
	req, err := http.NewRequest(http.MethodPost, p.URL+upload.BatchesPath, io.MultiReader(bytes.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", upload.ContentTypeJWS)
	req.ContentLength = -1
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	data, _ := io.ReadAll(resp2.Body)
	if resp2.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: status %d, want 413; body %s", resp2.StatusCode, data)
	}
	if r := rejection(t, data, resp2.Header.Get("Content-Type")); !hasReason(r, platform.ReasonTooLarge, "") {
		t.Errorf("chunked: reasons = %v", r.Codes())
	}
}

func TestIngestMassExcess(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := buildBatch(t, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1},
		animals: sampleAnimals(t, 0, 3), packs: 3, overweight: true})

	status, resp, contentType := p.post(t, mustSign(t, p.keys, doc), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	if !hasReason(r, upload.ProblemMassExcess, doc.Carcasses[0].Number) {
		t.Errorf("reasons = %v, want %s of carcass %s", r.Codes(), upload.ProblemMassExcess, doc.Carcasses[0].Number)
	}
	if r.Type != "urn:lambtrace:problem:document" {
		t.Errorf("problem type = %s", r.Type)
	}

	// Ensure nothing of the rejected batch was stored: a good batch with
	// the same animals and serials goes in.
	good := buildBatch(t, batchSpec{batch: line.BatchID{Day: line.DateOf(shift), Line: 1, Shift: 1},
		animals: sampleAnimals(t, 0, 3), packs: 3})
	if status, resp, _ := p.post(t, mustSign(t, p.keys, good), nil); status != http.StatusCreated {
		t.Errorf("good batch after the rejection: status %d, body %s", status, resp)
	}
}

func TestIngestEarTagAndSerialReceivedBefore(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	day := line.DateOf(shift)
	first := buildBatch(t, batchSpec{batch: line.BatchID{Day: day, Line: 1, Shift: 1}, animals: sampleAnimals(t, 0, 5), packs: 3})
	if status, resp, _ := p.post(t, mustSign(t, p.keys, first), nil); status != http.StatusCreated {
		t.Fatalf("first batch: status %d, body %s", status, resp)
	}

	// The second batch has the first's last animal again, with new
	// serials.
	second := buildBatch(t, batchSpec{batch: line.BatchID{Day: day, Line: 1, Shift: 2}, animals: sampleAnimals(t, 4, 5), packs: 3, firstPack: 1001})
	status, resp, contentType := p.post(t, mustSign(t, p.keys, second), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("second batch: status %d, want 422; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	repeated := first.Carcasses[4].EarTag
	if !hasReason(r, platform.ReasonEarTag, repeated) {
		t.Errorf("reasons = %v, want %s(%s)", r.Codes(), platform.ReasonEarTag, repeated)
	}
	if len(r.Reasons) != 1 {
		t.Errorf("reasons = %v, want only the repeated ear tag", r.Codes())
	}
	if !strings.Contains(r.Reasons[0].Message[line.LangEN], "batch 20261204-L1-1") {
		t.Errorf("message = %q, want the earlier batch named", r.Reasons[0].Message[line.LangEN])
	}

	// The third batch has new animals but the first's pack serials.
	third := buildBatch(t, batchSpec{batch: line.BatchID{Day: day, Line: 1, Shift: 3}, animals: sampleAnimals(t, 5, 5), packs: 3})
	status, resp, contentType = p.post(t, mustSign(t, p.keys, third), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("third batch: status %d, want 422; body %s", status, resp)
	}
	r = rejection(t, resp, contentType)
	if !hasReason(r, platform.ReasonSerial, third.Packs[0].Serial) || len(r.Reasons) != len(third.Packs) {
		t.Errorf("reasons = %v, want every serial", r.Codes())
	}
}

func TestIngestRequestErrors(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	body := mustSign(t, p.keys, doc)

	for _, tt := range []struct {
		name   string
		body   []byte
		header http.Header
		status int
		code   string
	}{
		{"ContentType", body, http.Header{"Content-Type": {"text/plain"}}, http.StatusUnsupportedMediaType, platform.ReasonContentType},
		{"Digest", body, http.Header{upload.HeaderContentDigest: {upload.ContentDigest([]byte("other"))}}, http.StatusBadRequest, platform.ReasonDigest},
		{"BatchHeader", body, http.Header{upload.HeaderBatchID: {"20261204-L1-9"}}, http.StatusBadRequest, platform.ReasonBatchHeader},
		{"NotJWS", []byte(`{"format":"lambtrace-batch/1"}`), nil, http.StatusBadRequest, platform.ReasonJWSMalformed},
		{"NotJSON", []byte("payload"), nil, http.StatusBadRequest, platform.ReasonJWSMalformed},
		{"NotDocument", mustSignPayload(t, []byte(`{"format":"other"}`), sign.Signer{Key: p.keys.station}, sign.Signer{Key: p.keys.vet, PIN: vetPIN}),
			nil, http.StatusUnprocessableEntity, platform.ReasonDocument},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, resp, contentType := p.post(t, tt.body, tt.header)
			if status != tt.status {
				t.Fatalf("status %d, want %d; body %s", status, tt.status, resp)
			}
			if r := rejection(t, resp, contentType); !hasReason(r, tt.code, "") {
				t.Errorf("reasons = %v, want %s", r.Codes(), tt.code)
			}
		})
	}

	// None of them stored anything: the document still goes in.
	if status, resp, _ := p.post(t, body, nil); status != http.StatusCreated {
		t.Errorf("upload after the errors: status %d, body %s", status, resp)
	}
}

func TestIngestSchemaViolation(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	doc := smallBatch(t, 1)
	doc.EPCIS.Body.EventList[0].BizStep = "slaughter step"

	status, resp, contentType := p.post(t, mustSign(t, p.keys, doc), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	r := rejection(t, resp, contentType)
	if !hasReason(r, platform.ReasonSchema, "") {
		t.Errorf("reasons = %v, want %s", r.Codes(), platform.ReasonSchema)
	}
	for _, reason := range r.Reasons {
		if reason.Code == platform.ReasonSchema && !strings.HasPrefix(reason.Subject, "/epcisBody/eventList/0") {
			t.Errorf("schema reason at %q, want the first event", reason.Subject)
		}
	}
}

func TestIngestDomain(t *testing.T) {
	cfg := platformConfig(t)
	cfg.Domain = "trace.other.cn"
	p := startPlatform(t, cfg)
	status, resp, contentType := p.post(t, mustSign(t, p.keys, smallBatch(t, 1)), nil)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422; body %s", status, resp)
	}
	if r := rejection(t, resp, contentType); !hasReason(r, platform.ReasonDomain, platformDomain) {
		t.Errorf("reasons = %v", r.Codes())
	}
}

func TestIngestConcurrentRepeats(t *testing.T) {
	p := startPlatform(t, platformConfig(t))
	body := mustSign(t, p.keys, smallBatch(t, 1))

	// Four stations' worth of the same upload at once: one stores it,
	// the others get the same receipt.
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	receipts := make([][]byte, 4)
	for i := range statuses {
		wg.Go(func() { statuses[i], receipts[i], _ = p.post(t, body, nil) })
	}
	wg.Wait()
	created := 0
	for i, status := range statuses {
		switch status {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Errorf("upload %d: status %d, body %s", i, status, receipts[i])
		}
		if !bytes.Equal(receipts[i], receipts[0]) {
			t.Errorf("upload %d got another receipt", i)
		}
	}
	if created != 1 {
		t.Errorf("%d uploads created the batch, want 1", created)
	}
}

func TestOpenRejectsConfig(t *testing.T) {
	k := mustTestKeys(t)
	good := platformConfig(t)
	for _, tt := range []struct {
		name   string
		change func(*platform.Config)
		want   string
	}{
		{"NoDataDir", func(c *platform.Config) { c.DataDir = "" }, "no data directory"},
		{"NoKeys", func(c *platform.Config) { c.Keys = nil }, "no registered keys"},
		{"NoReceiptKey", func(c *platform.Config) { c.ReceiptKey = nil }, "no receipt key"},
		{"StationReceiptKey", func(c *platform.Config) { c.ReceiptKey = k.station }, "want a platform key"},
		{"BadLeague", func(c *platform.Config) { c.Registries = map[string]string{"15": sampleDay + ".registry.json"} }, "not a 6-digit"},
		{"MissingRegistry", func(c *platform.Config) { c.Registries = map[string]string{"152500": "/nonexistent.json"} }, "no such file"},
		{"InvalidRegistry", func(c *platform.Config) { c.Registries = map[string]string{"152500": sampleDay + ".products.json"} }, "registry of league 152500"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.change(&cfg)
			s, err := platform.Open(context.Background(), cfg)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadKeysRejects(t *testing.T) {
	k := mustTestKeys(t)
	for _, tt := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"StationAtTop", map[string][]byte{k.stationPair.KID + ".pem": k.stationPair.PublicPEM}, "not in the directory of its plant"},
		{"PlatformKey", map[string][]byte{k.platformPair.KID + ".pem": k.platformPair.PublicPEM}, "is a platform key"},
		{"PlatformKeyInPlant", map[string][]byte{"A1/" + k.platformPair.KID + ".pem": k.platformPair.PublicPEM}, "is a platform key"},
		{"Twice", map[string][]byte{k.vetPair.KID + ".pem": k.vetPair.PublicPEM, "A1/" + k.vetPair.KID + ".pem": k.vetPair.PublicPEM}, "already registered"},
		{"Empty", map[string][]byte{"README": []byte("keys go here")}, "no <kid>.pem key files"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				mustWrite(t, dir+"/"+name, data)
			}
			_, err := platform.LoadKeys(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadKeys error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
