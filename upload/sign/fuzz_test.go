package sign_test

import (
	"bytes"
	"testing"

	"lambtrace/upload/sign"
)

// FuzzParse checks that Parse never panics, that what it accepts
// survives Marshal and Parse again unchanged, and that Verify reports on
// every signature of an accepted document.
func FuzzParse(f *testing.F) {
	k := MustKeys(f, sign.Ed25519, sign.SM2)
	f.Add(MustSignBatch(f, k, samplePayload))
	f.Add(MustSignBatch(f, k, nil))
	f.Add([]byte(`{"payload":"","signatures":[{"protected":"e30","signature":""}]}`))
	f.Add([]byte(`{"signatures":[{"signature":"AA","protected":"eyJhbGciOiJFZERTQSJ9"}],"payload":"YQ"}`))
	f.Add([]byte(`{"payload":"\u0041","signatures":[]}`))
	f.Add([]byte(`[{"payload":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := sign.Parse(data)
		if err != nil {
			return
		}
		again, err := sign.Parse(j.Marshal())
		if err != nil {
			t.Fatalf("Parse(Marshal(j)) failed: %v", err)
		}
		if !bytes.Equal(again.Payload(), j.Payload()) || len(again.Signatures) != len(j.Signatures) {
			t.Fatalf("round trip changed the JWS")
		}
		for i := range j.Signatures {
			if again.Signatures[i] != j.Signatures[i] {
				t.Fatalf("round trip changed signature %d", i+1)
			}
		}
		report, err := sign.Verify(data, k.set)
		if err != nil {
			t.Fatalf("Verify failed on a document Parse accepts: %v", err)
		}
		if len(report.Results) != len(j.Signatures) {
			t.Fatalf("%d results for %d signatures", len(report.Results), len(j.Signatures))
		}
	})
}
