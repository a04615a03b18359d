package sign_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"lambtrace/upload/sign"
)

var b64 = base64.RawURLEncoding

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name               string
		stationAlg, vetAlg sign.Algorithm
	}{
		{"Ed25519", sign.Ed25519, sign.Ed25519},
		{"SM2", sign.SM2, sign.SM2},
		{"Mixed", sign.SM2, sign.Ed25519},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k := MustKeys(t, tt.stationAlg, tt.vetAlg)
			jws := MustSignBatch(t, k, samplePayload)

			report, err := sign.VerifyBatch(jws, k.set)
			if err != nil {
				t.Fatalf("VerifyBatch: %v", err)
			}
			if !bytes.Equal(report.Payload, samplePayload) {
				t.Errorf("Payload = %q, want %q", report.Payload, samplePayload)
			}
			if len(report.Results) != 2 {
				t.Fatalf("%d results, want 2", len(report.Results))
			}
			for i, want := range []struct {
				key *sign.PrivateKey
				alg string
			}{{k.station, tt.stationAlg.JOSE()}, {k.inspector, tt.vetAlg.JOSE()}} {
				h := report.Results[i].Header
				if h.KID != want.key.KID() || h.Role != want.key.Role() || h.Alg != want.alg {
					t.Errorf("result %d header = %+v, want kid %s role %s alg %s", i+1, h, want.key.KID(), want.key.Role(), want.alg)
				}
				if !h.SignedAt.Equal(signedAt) || h.SignedAt.Location().String() != "UTC" {
					t.Errorf("result %d signed at %v, want %v in UTC", i+1, h.SignedAt, signedAt)
				}
			}
		})
	}
}

func TestSignHeaderLayout(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	r := mustDecodeJWS(t, MustSignBatch(t, k, samplePayload))
	if r.Payload != b64.EncodeToString(samplePayload) {
		t.Errorf("payload = %q, want the base64url of the document", r.Payload)
	}
	want := []string{
		`{"alg":"EdDSA","kid":"` + k.station.KID() + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`,
		`{"alg":"SM2-SM3","kid":"` + k.inspector.KID() + `","role":"inspector","sigT":"2026-12-04T08:30:00Z"}`,
	}
	for i, s := range r.Signatures {
		header, err := b64.DecodeString(s.Protected)
		if err != nil {
			t.Fatalf("signature %d: %v", i+1, err)
		}
		if string(header) != want[i] {
			t.Errorf("protected header %d = %s, want %s", i+1, header, want[i])
		}
	}
	sig, _ := b64.DecodeString(r.Signatures[0].Signature)
	if len(sig) != 64 {
		t.Errorf("Ed25519 signature is %d bytes, want 64", len(sig))
	}
	sig, _ = b64.DecodeString(r.Signatures[1].Signature)
	if len(sig) < 8 || sig[0] != 0x30 {
		t.Errorf("SM2 signature % x is not a DER SEQUENCE", sig)
	}
}

func TestVerifyTamperedPayload(t *testing.T) {
	for _, alg := range sign.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := MustKeys(t, alg, alg)
			r := mustDecodeJWS(t, MustSignBatch(t, k, samplePayload))
			changed := bytes.Clone(samplePayload)
			changed[len(changed)/2] ^= 0x01
			r.Payload = b64.EncodeToString(changed)

			report, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set)
			if !errors.Is(err, sign.ErrBadSignature) {
				t.Fatalf("VerifyBatch error = %v, want ErrBadSignature", err)
			}
			for _, res := range report.Results {
				if res.Verified() {
					t.Errorf("%v: verified over a changed payload", res)
				}
			}
			var verr *sign.VerifyError
			if !errors.As(err, &verr) || len(verr.Missing) != 2 {
				t.Errorf("error %v does not name both roles as missing", err)
			}
		})
	}
}

func TestVerifyTamperedHeader(t *testing.T) {
	k := MustKeys(t, sign.SM2, sign.Ed25519)
	original := mustDecodeJWS(t, MustSignBatch(t, k, samplePayload))
	edit := func(i int, from, to string) []byte {
		r := mustDecodeJWS(t, mustEncodeJWS(t, original))
		header, _ := b64.DecodeString(r.Signatures[i].Protected)
		if !strings.Contains(string(header), from) {
			t.Fatalf("header %s lacks %q", header, from)
		}
		r.Signatures[i].Protected = b64.EncodeToString([]byte(strings.Replace(string(header), from, to, 1)))
		return mustEncodeJWS(t, r)
	}
	for _, tt := range []struct {
		name string
		jws  []byte
		want error
	}{
		{"SigningTime", edit(0, "08:30:00Z", "08:31:00Z"), sign.ErrBadSignature},
		{"SigningTimeInspector", edit(1, "2026-12-04", "2026-12-05"), sign.ErrBadSignature},
		{"RoleOfStation", edit(0, `"station"`, `"inspector"`), sign.ErrWrongRole},
		{"Algorithm", edit(0, `"SM2-SM3"`, `"EdDSA"`), sign.ErrAlgorithmMismatch},
		{"ExtraParameter", edit(1, `"role"`, `"typ":"JWT","role"`), sign.ErrMalformedHeader},
		{"DuplicateParameter", edit(1, `"role":"inspector"`, `"role":"inspector","role":"inspector"`), sign.ErrMalformedHeader},
		{"NotJSON", edit(1, `{`, `[`), sign.ErrMalformedHeader},
		{"NoZone", edit(0, "08:30:00Z", "08:30:00"), sign.ErrMalformedHeader},
	} {
		t.Run(tt.name, func(t *testing.T) {
			report, err := sign.VerifyBatch(tt.jws, k.set)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyBatch error = %v, want %v", err, tt.want)
			}
			verified := 0
			for _, res := range report.Results {
				if res.Verified() {
					verified++
				}
			}
			if verified != 1 {
				t.Errorf("%d signatures verified, want 1 (the untouched one)", verified)
			}
		})
	}
}

func TestVerifySwappedSignatures(t *testing.T) {
	for _, alg := range sign.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			k := MustKeys(t, alg, alg)
			signed := MustSignBatch(t, k, samplePayload)

			// Ensure swapping the two signature values breaks both.
			r := mustDecodeJWS(t, signed)
			r.Signatures[0].Signature, r.Signatures[1].Signature = r.Signatures[1].Signature, r.Signatures[0].Signature
			report, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set)
			if !errors.Is(err, sign.ErrBadSignature) {
				t.Fatalf("swapped values: error = %v, want ErrBadSignature", err)
			}
			for _, res := range report.Results {
				if !errors.Is(res.Err, sign.ErrBadSignature) {
					t.Errorf("swapped values: %v, want a bad signature", res)
				}
			}

			// Ensure swapping the two protected headers breaks both.
			r = mustDecodeJWS(t, signed)
			r.Signatures[0].Protected, r.Signatures[1].Protected = r.Signatures[1].Protected, r.Signatures[0].Protected
			if _, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set); !errors.Is(err, sign.ErrBadSignature) {
				t.Fatalf("swapped headers: error = %v, want ErrBadSignature", err)
			}

			// Ensure the order of whole signatures does not matter.
			r = mustDecodeJWS(t, signed)
			r.Signatures[0], r.Signatures[1] = r.Signatures[1], r.Signatures[0]
			if _, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set); err != nil {
				t.Fatalf("reordered signatures: %v", err)
			}

			// Ensure a signature moved onto another document fails.
			other := mustDecodeJWS(t, MustSignBatch(t, k, []byte(`{"batch":"B20261205-01"}`)))
			r = mustDecodeJWS(t, signed)
			r.Signatures[1] = other.Signatures[1]
			if _, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set); !errors.Is(err, sign.ErrBadSignature) {
				t.Fatalf("signature from another document: error = %v, want ErrBadSignature", err)
			}
		})
	}
}

func TestVerifyUnknownKID(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	stranger, strangerKey := MustGenerate(t, sign.RoleInspector, sign.SM2, testPIN)
	jws, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: k.station}, sign.Signer{Key: strangerKey, PIN: testPIN})
	if err != nil {
		t.Fatal(err)
	}
	report, err := sign.VerifyBatch(jws, k.set)
	if !errors.Is(err, sign.ErrUnknownKID) {
		t.Fatalf("VerifyBatch error = %v, want ErrUnknownKID", err)
	}
	if !report.Results[0].Verified() {
		t.Errorf("station signature: %v", report.Results[0])
	}
	if got := report.Results[1].Header.KID; got != stranger.KID {
		t.Errorf("result names kid %s, want %s", got, stranger.KID)
	}
	if report.Verified(sign.RoleInspector) {
		t.Error("Verified(inspector) = true with an unregistered inspector key")
	}
	if !strings.Contains(err.Error(), "no verified inspector signature") {
		t.Errorf("error %q does not name the missing role", err)
	}
}

func TestVerifyWrongRole(t *testing.T) {
	k := MustKeys(t, sign.SM2, sign.SM2)
	// Ensure a station signature alone does not make a batch, although
	// it is valid.
	jws, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: k.station})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign.VerifyBatch(jws, k.set); err == nil || !strings.Contains(err.Error(), "no verified inspector signature") {
		t.Fatalf("one station signature: error = %v, want a missing inspector", err)
	}

	// Ensure a key signs only in the role it is registered for.
	vetAsStation := MustPublic(t, k.vetPair)
	vetAsStation.Role = sign.RoleStation
	set, err := sign.NewKeySet(MustPublic(t, k.stationPair), vetAsStation)
	if err != nil {
		t.Fatal(err)
	}
	report, err := sign.VerifyBatch(MustSignBatch(t, k, samplePayload), set)
	if !errors.Is(err, sign.ErrWrongRole) {
		t.Fatalf("VerifyBatch error = %v, want ErrWrongRole", err)
	}
	if !errors.Is(report.Results[1].Err, sign.ErrWrongRole) {
		t.Errorf("inspector signature: %v, want a wrong role", report.Results[1])
	}
}

func TestVerifyPlatformRole(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	platformPair, platform := MustGenerate(t, sign.RolePlatform, sign.SM2, nil)
	if platform.Encrypted() {
		t.Error("a platform key is encrypted, want it stored for unattended signing")
	}
	receipts, err := sign.NewKeySet(MustPublic(t, platformPair))
	if err != nil {
		t.Fatal(err)
	}
	receipt, err := sign.Sign([]byte(`{"format":"receipt"}`), signedAt, sign.Signer{Key: platform})
	if err != nil {
		t.Fatal(err)
	}
	report, err := sign.Verify(receipt, receipts)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Check(sign.RolePlatform); err != nil {
		t.Errorf("platform signature: %v", err)
	}

	// Ensure a platform signature does not stand in for a station's.
	if err := k.set.Add(MustPublic(t, platformPair)); err != nil {
		t.Fatal(err)
	}
	jws, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: platform}, sign.Signer{Key: k.inspector, PIN: testPIN})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sign.VerifyBatch(jws, k.set); err == nil || !strings.Contains(err.Error(), "no verified station signature") {
		t.Errorf("platform and inspector signatures: error = %v, want a missing station signature", err)
	}
}

func TestVerifyExtraSignature(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.Ed25519)
	_, extra := MustGenerate(t, sign.RoleStation, sign.Ed25519, nil)
	jws, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: k.station}, sign.Signer{Key: k.inspector, PIN: testPIN}, sign.Signer{Key: extra})
	if err != nil {
		t.Fatal(err)
	}
	report, err := sign.Verify(jws, k.set)
	if err != nil {
		t.Fatal(err)
	}
	if !report.Verified(sign.RoleStation) || !report.Verified(sign.RoleInspector) {
		t.Errorf("both roles should verify: %v", report.Results)
	}
	// Ensure a batch with an unverifiable third signature is rejected.
	if err := report.Check(sign.RoleStation, sign.RoleInspector); !errors.Is(err, sign.ErrUnknownKID) {
		t.Errorf("Check error = %v, want ErrUnknownKID", err)
	}
}

func TestSignErrors(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	for _, tt := range []struct {
		name    string
		signers []sign.Signer
		want    error
	}{
		{"NoPIN", []sign.Signer{{Key: k.station}, {Key: k.inspector}}, sign.ErrPINRequired},
		{"WrongPIN", []sign.Signer{{Key: k.station}, {Key: k.inspector, PIN: []byte("482917")}}, sign.ErrWrongPIN},
		{"LetterInPIN", []sign.Signer{{Key: k.inspector, PIN: []byte("48291x")}}, sign.ErrInvalidPIN},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jws, err := sign.Sign(samplePayload, signedAt, tt.signers...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign error = %v, want %v", err, tt.want)
			}
			if jws != nil {
				t.Error("Sign returned a document with an error")
			}
			if strings.Contains(err.Error(), "48291") {
				t.Errorf("error %q quotes the PIN", err)
			}
		})
	}
	if _, err := sign.Sign(samplePayload, signedAt); err == nil {
		t.Error("Sign with no signers succeeded")
	}
	if _, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: k.station}, sign.Signer{Key: k.station}); err == nil {
		t.Error("Sign with one key twice succeeded")
	}
	if _, err := sign.Sign(samplePayload, signedAt, sign.Signer{}); err == nil {
		t.Error("Sign with a nil key succeeded")
	}
}

func TestSignEmptyPayload(t *testing.T) {
	k := MustKeys(t, sign.SM2, sign.Ed25519)
	report, err := sign.VerifyBatch(MustSignBatch(t, k, nil), k.set)
	if err != nil {
		t.Fatalf("VerifyBatch: %v", err)
	}
	if len(report.Payload) != 0 {
		t.Errorf("Payload = %q, want empty", report.Payload)
	}
}

func TestVerifyResultString(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.Ed25519)
	report, err := sign.VerifyBatch(MustSignBatch(t, k, samplePayload), k.set)
	if err != nil {
		t.Fatal(err)
	}
	got := report.Results[1].String()
	want := "signature 2 (kid " + k.inspector.KID() + ", role inspector, alg EdDSA, signed 2026-12-04T08:30:00Z): verified"
	if got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestMarshalParseRoundTrip(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	jws := MustSignBatch(t, k, samplePayload)
	parsed, err := sign.Parse(jws)
	if err != nil {
		t.Fatal(err)
	}
	if got := parsed.Marshal(); !bytes.Equal(got, jws) {
		t.Errorf("Marshal(Parse(jws)) = %s, want %s", got, jws)
	}
	// Ensure Parse accepts the same document indented.
	var indented bytes.Buffer
	if err := json.Indent(&indented, jws, "", "  "); err != nil {
		t.Fatal(err)
	}
	if _, err := sign.VerifyBatch(indented.Bytes(), k.set); err != nil {
		t.Errorf("indented document: %v", err)
	}
}
