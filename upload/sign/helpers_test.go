package sign_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"lambtrace/upload/sign"
)

// signedAt is the signing time of the tests: 16:30 in Beijing.
var signedAt = time.Date(2026, 12, 4, 16, 30, 0, 0, time.FixedZone("CST", 8*3600))

// testPIN is the veterinarian's PIN in the tests.
var testPIN = []byte("482916")

// TestMain makes key encryption cheap for every test but
// TestDefaultKDFParams, which sets the defaults back.
func TestMain(m *testing.M) {
	restore := sign.SetKDFParams(256, 1, 1)
	code := m.Run()
	restore()
	os.Exit(code)
}

// testKeys is a station key and an inspector key with their key set.
type testKeys struct {
	station, inspector   *sign.PrivateKey
	stationPair, vetPair *sign.KeyPair
	set                  *sign.KeySet
}

// MustGenerate makes a key pair and parses its private key back.
func MustGenerate(tb testing.TB, role sign.Role, alg sign.Algorithm, pin []byte) (*sign.KeyPair, *sign.PrivateKey) {
	tb.Helper()
	pair, err := sign.GenerateKey(role, alg, pin)
	if err != nil {
		tb.Fatalf("GenerateKey(%s, %s): %v", role, alg, err)
	}
	key, err := sign.ParsePrivateKey(pair.PrivatePEM)
	if err != nil {
		tb.Fatalf("ParsePrivateKey of a new %s %s key: %v", role, alg, err)
	}
	return pair, key
}

// MustPublic parses the public key file of pair.
func MustPublic(tb testing.TB, pair *sign.KeyPair) sign.PublicKey {
	tb.Helper()
	pub, err := sign.ParsePublicKey(pair.PublicPEM)
	if err != nil {
		tb.Fatalf("ParsePublicKey: %v", err)
	}
	return pub
}

// MustKeys makes a station key with stationAlg and an inspector key with
// vetAlg, both registered in one key set.
func MustKeys(tb testing.TB, stationAlg, vetAlg sign.Algorithm) testKeys {
	tb.Helper()
	var k testKeys
	k.stationPair, k.station = MustGenerate(tb, sign.RoleStation, stationAlg, nil)
	k.vetPair, k.inspector = MustGenerate(tb, sign.RoleInspector, vetAlg, testPIN)
	set, err := sign.NewKeySet(MustPublic(tb, k.stationPair), MustPublic(tb, k.vetPair))
	if err != nil {
		tb.Fatalf("NewKeySet: %v", err)
	}
	k.set = set
	return k
}

// MustSignBatch signs payload with both keys of k.
func MustSignBatch(tb testing.TB, k testKeys, payload []byte) []byte {
	tb.Helper()
	jws, err := sign.Sign(payload, signedAt, sign.Signer{Key: k.station}, sign.Signer{Key: k.inspector, PIN: testPIN})
	if err != nil {
		tb.Fatalf("Sign: %v", err)
	}
	return jws
}

// rawJWS is the JSON layout of a JWS, for tests that edit one.
type rawJWS struct {
	Payload    string         `json:"payload"`
	Signatures []rawSignature `json:"signatures"`
}

type rawSignature struct {
	Protected string `json:"protected"`
	Signature string `json:"signature"`
}

func mustDecodeJWS(tb testing.TB, data []byte) rawJWS {
	tb.Helper()
	var r rawJWS
	if err := json.Unmarshal(data, &r); err != nil {
		tb.Fatalf("decode JWS: %v", err)
	}
	return r
}

func mustEncodeJWS(tb testing.TB, r rawJWS) []byte {
	tb.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		tb.Fatalf("encode JWS: %v", err)
	}
	return data
}

// samplePayload is a small batch-like document.
var samplePayload = []byte(`{"format":"lambtrace-batch/1","batch":"B20261204-01","carcasses":375}` + "\n")
