package platform_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lambtrace/upload/sign"
)

// receiptDoc is the document whose receipt procedure the test runs.
const receiptDoc = "../../docs/platform.md"

// receiptHeading starts the section of receiptDoc whose sh block is the
// procedure.
const receiptHeading = "### Verifying a receipt with openssl"

// extractReceiptProcedure returns the sh block of the receipt procedure.
func extractReceiptProcedure(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(receiptDoc)
	if err != nil {
		t.Fatal(err)
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
		case ln == receiptHeading:
			inSection = true
		case inSection && strings.HasPrefix(ln, "#"):
			inSection = false
		case inSection && ln == "```sh":
			inBlock = true
			blocks++
		}
	}
	if blocks != 1 {
		t.Fatalf("%s: found %d sh blocks under %q, want 1", receiptDoc, blocks, receiptHeading)
	}
	return script.String()
}

// runReceiptProcedure runs the procedure on a receipt and a key file and
// returns its exit status, standard output and standard error.
func runReceiptProcedure(t *testing.T, script string, receipt, pem []byte) (int, string, string) {
	t.Helper()
	work := t.TempDir()
	paths := map[string][]byte{"verify-receipt.sh": []byte(script), "receipt.jws": receipt, "platform.pem": pem}
	for name, data := range paths {
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("sh", "verify-receipt.sh", "receipt.jws", "platform.pem")
	cmd.Dir = work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	default:
		t.Fatalf("run sh: %v", err)
		return 0, "", ""
	}
}

func TestReceiptOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed; the procedure needs it")
	}
	script := extractReceiptProcedure(t)
	payload := []byte(`{"format":"lambtrace-receipt/1","id":7,"batch_id":"20261204-L1-1"}`)
	for _, alg := range []sign.Algorithm{sign.Ed25519, sign.SM2} {
		t.Run(string(alg), func(t *testing.T) {
			pair, err := sign.GenerateKey(sign.RolePlatform, alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			key, err := sign.ParsePrivateKey(pair.PrivatePEM)
			if err != nil {
				t.Fatal(err)
			}
			receipt, err := sign.Sign(payload, time.Date(2026, 12, 4, 19, 0, 0, 0, beijing), sign.Signer{Key: key})
			if err != nil {
				t.Fatal(err)
			}

			code, stdout, stderr := runReceiptProcedure(t, script, receipt, pair.PublicPEM)
			if code != 0 || stdout != string(payload) {
				t.Fatalf("exit %d, stdout %q\n%s", code, stdout, stderr)
			}

			// One byte of the payload changed.
			var parts map[string]json.RawMessage
			if err := json.Unmarshal(receipt, &parts); err != nil {
				t.Fatal(err)
			}
			changed := bytes.Replace(payload, []byte(`"id":7`), []byte(`"id":8`), 1)
			parts["payload"], _ = json.Marshal(base64.RawURLEncoding.EncodeToString(changed))
			tampered, _ := json.Marshal(parts)
			if code, stdout, stderr := runReceiptProcedure(t, script, tampered, pair.PublicPEM); code != 1 || stdout != "" || !strings.Contains(stderr, "FAILED: bad signature") {
				t.Errorf("changed payload: exit %d, stdout %q\n%s", code, stdout, stderr)
			}

			// The same payload signed by a station key is no receipt.
			stationPair, err := sign.GenerateKey(sign.RoleStation, alg, nil)
			if err != nil {
				t.Fatal(err)
			}
			station, err := sign.ParsePrivateKey(stationPair.PrivatePEM)
			if err != nil {
				t.Fatal(err)
			}
			forged, err := sign.Sign(payload, time.Date(2026, 12, 4, 19, 0, 0, 0, beijing), sign.Signer{Key: station})
			if err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := runReceiptProcedure(t, script, forged, stationPair.PublicPEM); code != 1 || !strings.Contains(stderr, "not a platform signature") {
				t.Errorf("station signature: exit %d\n%s", code, stderr)
			}
		})
	}
}
