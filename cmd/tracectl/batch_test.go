package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// epcisSchema is the official EPCIS 2.0 JSON Schema, outside the
// repository, from this package's directory.
const epcisSchema = "../../../shared/reference/epcis/EPCIS-JSON-Schema.json"

// signaturesDoc is the document whose openssl procedure the test runs,
// and procedureHeading starts that procedure's section.
const (
	signaturesDoc    = "../../docs/upload-signatures.md"
	procedureHeading = "## Verifying a document with openssl"
)

// testPIN is the veterinarian's PIN in the tests.
const testPIN = "482916"

// sealKeys are the key files of one replay --seal.
type sealKeys struct {
	dir       string // every key's .key and .pem file
	station   string // the station's .key file
	inspector string // the veterinarian's .key file
	pinFile   string
	public    map[sign.Role]string // .pem file by role
}

// mustSealKeys makes a station key and an inspector key of alg with
// tracectl keys new.
func mustSealKeys(t *testing.T, alg string) sealKeys {
	t.Helper()
	k := sealKeys{dir: filepath.Join(t.TempDir(), "keys"), public: make(map[sign.Role]string)}
	k.pinFile = filepath.Join(t.TempDir(), "vet.pin")
	if err := os.WriteFile(k.pinFile, []byte(testPIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, role := range []sign.Role{sign.RoleStation, sign.RoleInspector} {
		args := []string{"--role", string(role), "--alg", alg, "--out", k.dir}
		if role == sign.RoleInspector {
			args = append(args, "--pin-file", k.pinFile)
		}
		code, stdout, stderr := runKeysNew(t, args...)
		if code != exitOK {
			t.Fatalf("keys new %s: exit %d\n%s", role, code, stderr)
		}
		kid := strings.TrimSpace(stdout)
		k.public[role] = filepath.Join(k.dir, kid+".pem")
		if role == sign.RoleStation {
			k.station = filepath.Join(k.dir, kid+".key")
		} else {
			k.inspector = filepath.Join(k.dir, kid+".key")
		}
	}
	return k
}

// sealArgs returns the arguments of replay --seal of the sample day into
// dir.
func sealArgs(dir string, k sealKeys) []string {
	return append(replayArgs(dir), "--seal", "--station-key", k.station, "--inspector-key", k.inspector,
		"--pin-file", k.pinFile, "--certificate", "1521870093", "--approval", "A15250201")
}

// runTracectl runs tracectl and returns its exit status and output.
func runTracectl(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// verifyArgs returns the arguments of batch verify of file with the keys
// in dir, against the EPCIS schema when it is present.
func verifyArgs(t *testing.T, file, dir string) []string {
	args := []string{"batch", "verify", file, "--keys", dir}
	if _, err := os.Stat(epcisSchema); err != nil {
		t.Logf("the EPCIS schema %s is absent; batch verify skips the schema step: %v", epcisSchema, err)
		return args
	}
	return append(args, "--epcis-schema", epcisSchema)
}

// TestSealSampleDay replays the sample day with --seal, for each
// algorithm, exports the signed document and verifies it with batch
// verify and with the openssl procedure of docs/upload-signatures.md. It
// checks that a changed byte and a key directory without the inspector's
// key fail.
func TestSealSampleDay(t *testing.T) {
	if testing.Short() {
		t.Skip("records 375 carcasses per algorithm")
	}
	for _, alg := range []string{"ed25519", "sm2"} {
		t.Run(alg, func(t *testing.T) {
			keys := mustSealKeys(t, alg)
			dir := t.TempDir()
			code, stdout, stderr := runTracectl(sealArgs(dir, keys)...)
			if code != exitOK {
				t.Fatalf("replay --seal: exit %d\n%s", code, stderr)
			}
			var replayed, want map[string]any
			if err := json.Unmarshal([]byte(stdout), &replayed); err != nil {
				t.Fatalf("replay output %q: %v", stdout, err)
			}
			data, err := os.ReadFile(sample + ".summary.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(replayed, want) {
				t.Errorf("replay --seal summary =\n%s\nwant\n%s", stdout, data)
			}
			for _, w := range []string{"sealed into the outbox", "已凭动物产品检疫合格证明 1521870093 签发"} {
				if !strings.Contains(stderr, w) {
					t.Errorf("replay --seal stderr lacks %q:\n%s", w, stderr)
				}
			}
			sealed := stderr

			out := filepath.Join(t.TempDir(), "20261204-L1-1.jws")
			code, stdout, stderr = runTracectl("--data", dir, "batch", "export", "--batch", "20261204-L1-1", "--out", out)
			if code != exitOK {
				t.Fatalf("batch export: exit %d\n%s", code, stderr)
			}
			jws, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(jws)
			digest := hex.EncodeToString(sum[:])
			if !strings.Contains(stdout, "SHA-256 "+digest) || !strings.Contains(sealed, "SHA-256 "+digest) {
				t.Errorf("the exported file's digest %s is not the one export and replay --seal printed:\n%s%s", digest, stdout, sealed)
			}

			mustVerifyFile(t, out, keys.dir)
			t.Run("OpenSSL", func(t *testing.T) { mustVerifyWithOpenSSL(t, jws, keys.dir) })

			t.Run("ByteChanged", func(t *testing.T) {
				changed := bytes.Clone(jws)
				i := bytes.Index(changed, []byte(`"payload":"`)) + len(`"payload":"`) + len(changed)/4
				changed[i] ^= 'A' ^ 'B'
				if changed[i] == jws[i] {
					t.Fatal("the byte did not change")
				}
				bad := filepath.Join(t.TempDir(), "changed.jws")
				if err := os.WriteFile(bad, changed, 0o644); err != nil {
					t.Fatal(err)
				}
				code, stdout, _ := runTracectl("batch", "verify", bad, "--keys", keys.dir)
				if code != exitFailure {
					t.Errorf("batch verify of a changed document: exit %d, want %d\n%s", code, exitFailure, stdout)
				}
				for _, w := range []string{"signature 1", "signature 2", "did not verify", "验证失败", "Not verified"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("report lacks %q:\n%s", w, stdout)
					}
				}
			})

			t.Run("NoInspectorKey", func(t *testing.T) {
				partial := t.TempDir()
				pem, err := os.ReadFile(keys.public[sign.RoleStation])
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(partial, filepath.Base(keys.public[sign.RoleStation])), pem, 0o644); err != nil {
					t.Fatal(err)
				}
				code, stdout, _ := runTracectl("batch", "verify", out, "--keys", partial)
				if code != exitFailure {
					t.Errorf("batch verify without the inspector key: exit %d, want %d\n%s", code, exitFailure, stdout)
				}
				for _, w := range []string{"no verified inspector signature", "缺少验证通过的兽医签名", "no key with kid"} {
					if !strings.Contains(stdout, w) {
						t.Errorf("report lacks %q:\n%s", w, stdout)
					}
				}
			})

			if alg == "ed25519" {
				t.Run("DefaultSchemaMissing", func(t *testing.T) {
					// The default schema path is relative to the working
					// directory, which holds no ../shared here.
					code, stdout, _ := runTracectl("batch", "verify", out, "--keys", keys.dir)
					if code != exitOK {
						t.Errorf("batch verify without a schema: exit %d\n%s", code, stdout)
					}
					for _, w := range []string{"[SKIPPED] the EPCIS schema file " + defaultEPCISSchema, "[跳过]", "except the EPCIS schema"} {
						if !strings.Contains(stdout, w) {
							t.Errorf("report lacks %q:\n%s", w, stdout)
						}
					}
				})
			}
		})
	}
}

// mustVerifyFile runs batch verify on a good document and checks its
// report.
func mustVerifyFile(t *testing.T, file, keyDir string) {
	t.Helper()
	args := verifyArgs(t, file, keyDir)
	code, stdout, stderr := runTracectl(args...)
	if code != exitOK {
		t.Fatalf("batch verify: exit %d\n%s%s", code, stdout, stderr)
	}
	want := []string{"signature 1: station key", "signature 2: inspector key", "验证通过", "375 carcasses", "4806 packs",
		"product quarantine certificate 1521870093", "the platform's checks hold"}
	if slices.Contains(args, "--epcis-schema") {
		want = append(want, "validates against the EPCIS 2.0 JSON Schema", "Verified: the signatures, the EPCIS schema")
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("report lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "[FAILED]") || strings.Contains(stdout, "[未通过]") {
		t.Errorf("report of a good document has a failure:\n%s", stdout)
	}
}

// mustVerifyWithOpenSSL runs the openssl procedure of
// docs/upload-signatures.md, as written there, on a signed document and
// checks that it writes the document the JWS carries.
func mustVerifyWithOpenSSL(t *testing.T, jws []byte, keyDir string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skipf("openssl is not installed (make deps installs it): %v", err)
	}

	// Run the procedure as a platform engineer would.
	work := t.TempDir()
	script := filepath.Join(work, "verify-batch.sh")
	if err := os.WriteFile(script, []byte(opensslProcedure(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	jwsPath := filepath.Join(work, "batch.jws")
	if err := os.WriteFile(jwsPath, jws, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script, jwsPath, keyDir)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the openssl procedure failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "OK: 2 signatures verified") {
		t.Errorf("the openssl procedure printed:\n%s", out)
	}

	// The document it wrote is the payload.
	parsed, err := sign.Parse(jws)
	if err != nil {
		t.Fatal(err)
	}
	document, err := os.ReadFile(filepath.Join(work, "document.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(document, parsed.Payload()) {
		t.Errorf("the openssl procedure wrote %d bytes, want the %d bytes of the payload", len(document), len(parsed.Payload()))
	}
}

// opensslProcedure returns the sh code blocks of the procedure section
// of signaturesDoc, joined in order.
func opensslProcedure(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(signaturesDoc)
	if err != nil {
		t.Fatal(err)
	}
	var script strings.Builder
	inSection, inBlock, blocks := false, false, 0
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		switch ln := sc.Text(); {
		case inBlock && ln == "```":
			inBlock = false
		case inBlock:
			script.WriteString(ln + "\n")
		case ln == procedureHeading:
			inSection = true
		case inSection && strings.HasPrefix(ln, "## "):
			inSection = false
		case inSection && ln == "```sh":
			inBlock = true
			blocks++
		}
	}
	if blocks < 3 {
		t.Fatalf("%s: %d sh blocks under %q, want the whole procedure", signaturesDoc, blocks, procedureHeading)
	}
	return script.String()
}

func TestReplaySealFlags(t *testing.T) {
	keys := mustSealKeys(t, "ed25519")
	wrongPIN := filepath.Join(t.TempDir(), "wrong.pin")
	if err := os.WriteFile(wrongPIN, []byte("000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"KeyWithoutSeal", []string{"--station-key", keys.station}, "the options --station-key apply only with --seal"},
		{"SealWithoutKeys", []string{"--seal", "--certificate", "1521870093"}, "--seal needs --station-key"},
		{"BadCertificate", []string{"--seal", "--station-key", keys.station, "--inspector-key", keys.inspector,
			"--pin-file", keys.pinFile, "--certificate", "15 21"}, "is not a product quarantine certificate number"},
		{"SwappedKeys", []string{"--seal", "--station-key", keys.inspector, "--inspector-key", keys.station,
			"--pin-file", keys.pinFile, "--certificate", "1521870093"}, "--station-key needs a station key"},
		{"WrongPIN", []string{"--seal", "--station-key", keys.station, "--inspector-key", keys.inspector,
			"--pin-file", wrongPIN, "--certificate", "1521870093"}, "does not unlock the veterinarian's key"},
		{"BadDomain", []string{"--seal", "--station-key", keys.station, "--inspector-key", keys.inspector,
			"--pin-file", keys.pinFile, "--certificate", "1521870093", "--domain", "trace example"}, "is not a platform domain"},
		{"NoApproval", []string{"--seal", "--station-key", keys.station, "--inspector-key", keys.inspector,
			"--pin-file", keys.pinFile, "--certificate", "1521870093"}, "give it with --approval NO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			code, _, stderr := runTracectl(append(replayArgs(dir), tt.args...)...)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s", code, exitInvalid, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
			// Nothing was replayed.
			if code, _, stderr := runTracectl("--data", dir, "batch", "export", "--batch", "20261204-L1-1",
				"--out", filepath.Join(t.TempDir(), "x.jws")); code == exitOK {
				t.Errorf("a batch was sealed after a refused command line:\n%s", stderr)
			}
		})
	}
}

func TestBatchCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(t.TempDir(), "x.jws")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"NoSubcommand", []string{"batch"}, exitInvalid, "batch export --batch ID --out FILE"},
		{"ExportWithoutOut", []string{"--data", dir, "batch", "export", "--batch", "20261204-L1-1"}, exitInvalid, "needs --batch ID and --out FILE"},
		{"ExportBadBatch", []string{"--data", dir, "batch", "export", "--batch", "2026-12-04", "--out", out}, exitInvalid, "is not a batch id"},
		{"ExportNotSealed", []string{"--data", dir, "batch", "export", "--batch", "20261204-L1-1", "--out", out}, exitFailure, "has no sealed document"},
		{"VerifyWithoutKeys", []string{"batch", "verify", out}, exitInvalid, "needs the document FILE and --keys DIR"},
		{"VerifyMissingFile", []string{"batch", "verify", out, "--keys", dir}, exitInvalid, "no such file"},
		{"VerifyMissingSchema", []string{"batch", "verify", sample + ".summary.json", "--keys", dir, "--epcis-schema",
			filepath.Join(dir, "none.json")}, exitInvalid, "no such file"},
		{"VerifyNotJWS", []string{"batch", "verify", sample + ".summary.json", "--keys", dir}, exitFailure, "is not a signed batch document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runTracectl(tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, stdout, stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

// BenchmarkSignOffSampleDay measures the veterinarian's sign-off of the
// replayed sample day. The station reads the facts twice, for the check
// and for the document. It builds, checks and signs the document, which
// unlocks the inspector key with Argon2id, and seals it into the outbox.
// Each operation starts from a copy of the replayed database, made
// outside the timer.
func BenchmarkSignOffSampleDay(b *testing.B) {
	ctx := context.Background()
	template := b.TempDir()
	if code := run(replayArgs(template), io.Discard, io.Discard); code != exitOK {
		b.Fatalf("replay: exit %d", code)
	}
	seal := &sealRequest{approval: "A15250201"}
	db, err := openStore(ctx, globals{dataDir: template})
	if err != nil {
		b.Fatal(err)
	}
	if err := seal.prepare(ctx, db); err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}

	for _, alg := range []sign.Algorithm{sign.Ed25519, sign.SM2} {
		b.Run(string(alg), func(b *testing.B) {
			sealer := benchSealer(b, alg)
			var size int
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				copyDir(b, template, dir)
				db, err := openStore(ctx, globals{dataDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				st, err := line.NewStation(line.StationConfig{Store: store.NewLineStore(db), Registry: mustRegistry(b, db),
					Products: mustProducts(b, db), Sealer: sealer, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				day := line.BatchID{Day: line.Date{Year: 2026, Month: time.December, Day: 4}, Line: 1, Shift: 1}
				if _, err := st.Open(ctx, replayOperator, day, time.Date(2026, 12, 4, 7, 0, 0, 0, time.FixedZone("CST", 8*3600))); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				doc, err := st.SignOff(ctx, replayInspector, "1521870093", []byte(testPIN))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				size = len(doc.Body)
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(size), "doc-bytes")
		})
	}
}

// benchSealer returns a sealer with a new station key and a new
// inspector key of alg for replayInspector, under testPIN.
func benchSealer(b *testing.B, alg sign.Algorithm) *upload.Sealer {
	b.Helper()
	keys := make(map[sign.Role]*sign.PrivateKey)
	for _, role := range []sign.Role{sign.RoleStation, sign.RoleInspector} {
		var pin []byte
		if role == sign.RoleInspector {
			pin = []byte(testPIN)
		}
		pair, err := sign.GenerateKey(role, alg, pin)
		if err != nil {
			b.Fatal(err)
		}
		if keys[role], err = sign.ParsePrivateKey(pair.PrivatePEM); err != nil {
			b.Fatal(err)
		}
	}
	sealer, err := upload.NewSealer(upload.Options{Domain: demoDomain}, keys[sign.RoleStation],
		map[string]*sign.PrivateKey{replayInspector: keys[sign.RoleInspector]})
	if err != nil {
		b.Fatal(err)
	}
	return sealer
}

func mustRegistry(tb testing.TB, db *store.DB) *line.Registry {
	tb.Helper()
	reg, err := db.Registry(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

func mustProducts(tb testing.TB, db *store.DB) *line.ProductMaster {
	tb.Helper()
	m, err := db.Products(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// copyDir copies the regular files of a closed data directory.
func copyDir(tb testing.TB, from, to string) {
	tb.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}
