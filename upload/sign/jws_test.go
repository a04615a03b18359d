package sign_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"lambtrace/upload/sign"
)

func TestParseRejects(t *testing.T) {
	k := MustKeys(t, sign.Ed25519, sign.Ed25519)
	good := MustSignBatch(t, k, samplePayload)
	r := mustDecodeJWS(t, good)
	p, s0, s1 := r.Payload, r.Signatures[0], r.Signatures[1]
	sig := func(x rawSignature) string {
		return `{"protected":"` + x.Protected + `","signature":"` + x.Signature + `"}`
	}
	sigs := `[` + sig(s0) + `,` + sig(s1) + `]`

	for _, tt := range []struct {
		name string
		doc  string
	}{
		{"Empty", ``},
		{"NotAnObject", `[]`},
		{"NoPayload", `{"signatures":` + sigs + `}`},
		{"NoSignatures", `{"payload":"` + p + `"}`},
		{"EmptySignatures", `{"payload":"` + p + `","signatures":[]}`},
		{"DuplicatePayload", `{"payload":"` + p + `","payload":"` + p + `","signatures":` + sigs + `}`},
		{"DuplicateSignatures", `{"payload":"` + p + `","signatures":` + sigs + `,"signatures":` + sigs + `}`},
		{"UnknownMember", `{"payload":"` + p + `","signatures":` + sigs + `,"note":"x"}`},
		{"UnprotectedHeader", `{"payload":"` + p + `","signatures":[{"header":{"kid":"x"},"protected":"` + s0.Protected + `","signature":"` + s0.Signature + `"}]}`},
		{"DuplicateSignatureMember", `{"payload":"` + p + `","signatures":[{"protected":"` + s0.Protected + `","signature":"` + s0.Signature + `","signature":"` + s1.Signature + `"}]}`},
		{"NoSignatureMember", `{"payload":"` + p + `","signatures":[{"protected":"` + s0.Protected + `"}]}`},
		{"EscapedPayload", `{"payload":"\u0065` + p[1:] + `","signatures":` + sigs + `}`},
		{"EscapedName", `{"p\u0061yload":"` + p + `","signatures":` + sigs + `}`},
		{"PaddedPayload", `{"payload":"` + p + `=","signatures":` + sigs + `}`},
		{"StandardBase64", `{"payload":"` + strings.ReplaceAll(p, "_", "/") + `+","signatures":` + sigs + `}`},
		{"NewlineInPayload", `{"payload":"` + p[:4] + `\n` + p[4:] + `","signatures":` + sigs + `}`},
		{"PayloadNumber", `{"payload":1,"signatures":` + sigs + `}`},
		{"SignatureNotObject", `{"payload":"` + p + `","signatures":["x"]}`},
		{"TrailingData", `{"payload":"` + p + `","signatures":` + sigs + `} {}`},
		{"TrailingGarbage", `{"payload":"` + p + `","signatures":` + sigs + `}x`},
		{"Unterminated", `{"payload":"` + p + `","signatures":` + sigs},
		{"TooManySignatures", `{"payload":"` + p + `","signatures":[` + strings.Repeat(sig(s0)+",", sign.MaxSignatures) + sig(s1) + `]}`},
		{"InvalidUTF8", `{"payload":"` + p + "\xff" + `","signatures":` + sigs + `}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sign.Parse([]byte(tt.doc)); !errors.Is(err, sign.ErrMalformed) {
				t.Errorf("Parse error = %v, want ErrMalformed", err)
			}
			if _, err := sign.VerifyBatch([]byte(tt.doc), k.set); !errors.Is(err, sign.ErrMalformed) {
				t.Errorf("VerifyBatch error = %v, want ErrMalformed", err)
			}
		})
	}

	// Ensure the accepted variants verify: member order, white space.
	reordered := "{\n  \"signatures\": [{\"signature\":\"" + s1.Signature + "\", \"protected\":\"" + s1.Protected + "\"},\r\n\t" + sig(s0) + "],\n  \"payload\": \"" + p + "\"\n}\n"
	if _, err := sign.VerifyBatch([]byte(reordered), k.set); err != nil {
		t.Errorf("reordered members: %v", err)
	}
}

func TestSignatureHeaderRejects(t *testing.T) {
	const kid = "0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		name   string
		header string
	}{
		{"Empty", ``},
		{"NotJSON", `alg=EdDSA`},
		{"Array", `["EdDSA"]`},
		{"MissingSigT", `{"alg":"EdDSA","kid":"` + kid + `","role":"station"}`},
		{"MissingKID", `{"alg":"EdDSA","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"UnknownAlg", `{"alg":"ES256","kid":"` + kid + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"NoneAlg", `{"alg":"none","kid":"` + kid + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"UpperCaseKID", `{"alg":"EdDSA","kid":"` + strings.ToUpper(kid) + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"PathInKID", `{"alg":"EdDSA","kid":"../../../../etc/passwd","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"UnknownRole", `{"alg":"EdDSA","kid":"` + kid + `","role":"admin","sigT":"2026-12-04T08:30:00Z"}`},
		{"DateOnly", `{"alg":"EdDSA","kid":"` + kid + `","role":"station","sigT":"2026-12-04"}`},
		{"UnixTime", `{"alg":"EdDSA","kid":"` + kid + `","role":"station","sigT":1796373000}`},
		{"Crit", `{"alg":"EdDSA","crit":["sigT"],"kid":"` + kid + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"DuplicateAlg", `{"alg":"EdDSA","alg":"SM2-SM3","kid":"` + kid + `","role":"station","sigT":"2026-12-04T08:30:00Z"}`},
		{"EscapedRole", `{"alg":"EdDSA","kid":"` + kid + `","role":"st\u0061tion","sigT":"2026-12-04T08:30:00Z"}`},
		{"TrailingData", `{"alg":"EdDSA","kid":"` + kid + `","role":"station","sigT":"2026-12-04T08:30:00Z"}{}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := sign.Signature{Protected: b64.EncodeToString([]byte(tt.header)), Value: "AAAA"}
			if h, err := s.Header(); err == nil {
				t.Errorf("Header() = %+v, want an error", h)
			}
		})
	}
	// Ensure a header in another zone parses to the same instant.
	s := sign.Signature{Protected: b64.EncodeToString([]byte(`{"alg":"SM2-SM3","kid":"` + kid + `","role":"inspector","sigT":"2026-12-04T16:30:00+08:00"}`))}
	h, err := s.Header()
	if err != nil {
		t.Fatal(err)
	}
	if !h.SignedAt.Equal(signedAt) || h.Role != sign.RoleInspector || h.Alg != sign.JOSESM2SM3 || h.KID != kid {
		t.Errorf("Header() = %+v", h)
	}
	if _, err := (sign.Signature{Protected: "e30="}).Header(); err == nil {
		t.Error("padded protected header accepted")
	}
}

func TestVerifyReportsMalformedHeader(t *testing.T) {
	k := MustKeys(t, sign.SM2, sign.SM2)
	r := mustDecodeJWS(t, MustSignBatch(t, k, samplePayload))
	r.Signatures[1].Protected = r.Signatures[1].Protected + "A"
	report, err := sign.VerifyBatch(mustEncodeJWS(t, r), k.set)
	if !errors.Is(err, sign.ErrMalformedHeader) {
		t.Fatalf("VerifyBatch error = %v, want ErrMalformedHeader", err)
	}
	if !report.Results[0].Verified() || report.Results[1].Verified() {
		t.Errorf("results = %v, want the first verified and the second not", report.Results)
	}
	if !bytes.Equal(report.Payload, samplePayload) {
		t.Errorf("Payload = %q", report.Payload)
	}
}
