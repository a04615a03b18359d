package sign_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lambtrace/upload/sign"
)

// procedureDoc is the document whose openssl procedure the test runs.
const procedureDoc = "../../docs/upload-signatures.md"

// procedureHeading starts the section of procedureDoc whose sh blocks
// make up the procedure.
const procedureHeading = "## Verifying a document with openssl"

// extractProcedure returns the sh code blocks of the procedure section,
// joined in order.
func extractProcedure(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(procedureDoc)
	if err != nil {
		t.Fatalf("read the procedure: %v", err)
	}
	var script strings.Builder
	inSection, inBlock, blocks := false, false, 0
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		ln := sc.Text()
		switch {
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
		t.Fatalf("%s: found %d sh blocks under %q, want the whole procedure", procedureDoc, blocks, procedureHeading)
	}
	return script.String()
}

// runProcedure runs the procedure on a document and a key directory and
// returns its exit status, output and the document it wrote.
func runProcedure(t *testing.T, script string, jws []byte, keyDir string) (int, string, []byte) {
	t.Helper()
	work := t.TempDir()
	scriptPath := filepath.Join(work, "verify-batch.sh")
	jwsPath := filepath.Join(work, "batch.jws")
	if err := os.WriteFile(scriptPath, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jwsPath, jws, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", scriptPath, jwsPath, keyDir)
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		exit, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run sh: %v", err)
		}
		code = exit.ExitCode()
	}
	document, _ := os.ReadFile(filepath.Join(work, "document.json"))
	return code, string(out), document
}

func TestOpenSSLProcedure(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed, so the documented procedure cannot run; install Debian's openssl package")
	}
	script := extractProcedure(t)
	payload, err := os.ReadFile("../../testdata/xilingol-2026-12-04.registry.json")
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name               string
		stationAlg, vetAlg sign.Algorithm
	}{
		{"Ed25519", sign.Ed25519, sign.Ed25519},
		{"SM2", sign.SM2, sign.SM2},
		{"Mixed", sign.Ed25519, sign.SM2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			keyDir := t.TempDir()
			k := MustKeys(t, tt.stationAlg, tt.vetAlg)
			for _, pair := range []*sign.KeyPair{k.stationPair, k.vetPair} {
				if err := pair.WriteFiles(keyDir); err != nil {
					t.Fatal(err)
				}
			}
			jws := MustSignBatch(t, k, payload)

			// Ensure the procedure accepts the document and recovers it.
			code, out, document := runProcedure(t, script, jws, keyDir)
			if code != 0 {
				t.Fatalf("procedure exit %d on a good document:\n%s", code, out)
			}
			if !bytes.Equal(document, payload) {
				t.Errorf("procedure wrote %d bytes, want the %d-byte payload", len(document), len(payload))
			}
			if n := strings.Count(out, "Signature Verified Successfully"); n != 2 {
				t.Errorf("openssl verified %d signatures, want 2:\n%s", n, out)
			}
			for _, want := range []string{"kid " + k.station.KID() + ", role station", "kid " + k.inspector.KID() + ", role inspector", "OK: 2 signatures verified"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}

			// Ensure white space and line breaks around the values change nothing.
			var indented bytes.Buffer
			if err := json.Indent(&indented, jws, "", "\t"); err != nil {
				t.Fatal(err)
			}
			if code, out, _ := runProcedure(t, script, bytes.ReplaceAll(indented.Bytes(), []byte("\n"), []byte("\r\n")), keyDir); code != 0 {
				t.Errorf("indented document: exit %d:\n%s", code, out)
			}

			// Ensure one changed payload byte fails.
			r := mustDecodeJWS(t, jws)
			changed := bytes.Clone(payload)
			changed[len(changed)/3] ^= 0x20
			r.Payload = b64.EncodeToString(changed)
			expectFailure(t, script, mustEncodeJWS(t, r), keyDir, "bad signature")

			// Ensure a changed role in a header fails.
			r = mustDecodeJWS(t, jws)
			header, _ := b64.DecodeString(r.Signatures[1].Protected)
			r.Signatures[1].Protected = b64.EncodeToString(bytes.Replace(header, []byte(`"inspector"`), []byte(`"station"`), 1))
			expectFailure(t, script, mustEncodeJWS(t, r), keyDir, "not registered as station")

			// Ensure a signature value moved to the other signature fails.
			r = mustDecodeJWS(t, jws)
			r.Signatures[0].Signature = r.Signatures[1].Signature
			expectFailure(t, script, mustEncodeJWS(t, r), keyDir, "signature 1: bad signature")

			// Ensure a document with only the station's signature fails.
			r = mustDecodeJWS(t, jws)
			r.Signatures = r.Signatures[:1]
			expectFailure(t, script, mustEncodeJWS(t, r), keyDir, "no verified inspector signature")
		})
	}
}

func TestOpenSSLProcedureKeyRegistry(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed, so the documented procedure cannot run; install Debian's openssl package")
	}
	script := extractProcedure(t)
	keyDir := t.TempDir()
	k := MustKeys(t, sign.SM2, sign.Ed25519)
	for _, pair := range []*sign.KeyPair{k.stationPair, k.vetPair} {
		if err := pair.WriteFiles(keyDir); err != nil {
			t.Fatal(err)
		}
	}
	jws := MustSignBatch(t, k, samplePayload)
	stationPEM := k.stationPair.PublicPath(keyDir)

	// Ensure a key registered for another role fails.
	edited := bytes.Replace(k.stationPair.PublicPEM, []byte("role: station"), []byte("role: inspector"), 1)
	if err := os.WriteFile(stationPEM, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	expectFailure(t, script, jws, keyDir, "is not registered as station")

	// Ensure a key file holding another key fails.
	other, _ := MustGenerate(t, sign.RoleStation, sign.SM2, nil)
	if err := os.WriteFile(stationPEM, other.PublicPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	expectFailure(t, script, jws, keyDir, "does not hold the key with kid "+k.station.KID())

	// Ensure an unregistered key fails.
	if err := os.Remove(stationPEM); err != nil {
		t.Fatal(err)
	}
	expectFailure(t, script, jws, keyDir, "kid "+k.station.KID()+" is not registered")

	// Ensure the SM2 user id matters to openssl: without distid the
	// signature fails, so the procedure's -pkeyopt is needed.
	if err := os.WriteFile(stationPEM, k.stationPair.PublicPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	noDistID := strings.Replace(script, "-pkeyopt distid:1234567812345678", "", 1)
	if noDistID == script {
		t.Fatal("the procedure has no -pkeyopt distid option")
	}
	expectFailure(t, noDistID, jws, keyDir, "signature 1: bad signature")
	if code, out, _ := runProcedure(t, script, jws, keyDir); code != 0 {
		t.Fatalf("procedure exit %d after restoring the key:\n%s", code, out)
	}
}

// expectFailure runs the procedure and checks that it fails with a
// message containing want and writes no document.
func expectFailure(t *testing.T, script string, jws []byte, keyDir, want string) {
	t.Helper()
	code, out, document := runProcedure(t, script, jws, keyDir)
	if code == 0 {
		t.Errorf("procedure exit 0, want a failure with %q:\n%s", want, out)
	}
	if !strings.Contains(out, "FAILED: ") || !strings.Contains(out, want) {
		t.Errorf("procedure output lacks %q:\n%s", want, out)
	}
	if document != nil {
		t.Errorf("procedure wrote a document although it failed")
	}
}
