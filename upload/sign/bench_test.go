package sign_test

import (
	"math/rand/v2"
	"testing"

	"lambtrace/upload/sign"
)

// benchPayloadSize is the size of the benchmark payload, about the size
// of a batch document of one long shift.
const benchPayloadSize = 5_000_000

func benchPayload() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([]byte, benchPayloadSize)
	for i := range p {
		p[i] = byte(' ' + r.IntN(95))
	}
	return p
}

// BenchmarkSign measures one signature over a 5 MB payload with an
// unencrypted key: encoding the payload, building the JWS and signing.
func BenchmarkSign(b *testing.B) {
	payload := benchPayload()
	for _, alg := range sign.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			_, key := MustGenerate(b, sign.RoleStation, alg, nil)
			b.SetBytes(benchPayloadSize)
			for b.Loop() {
				if _, err := sign.Sign(payload, signedAt, sign.Signer{Key: key}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures Verify of a one-signature JWS over a 5 MB
// payload: parsing, decoding and checking the signature.
func BenchmarkVerify(b *testing.B) {
	payload := benchPayload()
	for _, alg := range sign.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			pair, key := MustGenerate(b, sign.RoleStation, alg, nil)
			set, err := sign.NewKeySet(MustPublic(b, pair))
			if err != nil {
				b.Fatal(err)
			}
			jws, err := sign.Sign(payload, signedAt, sign.Signer{Key: key})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(benchPayloadSize)
			for b.Loop() {
				report, err := sign.Verify(jws, set)
				if err != nil || !report.Verified(sign.RoleStation) {
					b.Fatalf("Verify: %v %v", err, report)
				}
			}
		})
	}
}

// BenchmarkSignBatch measures a sign-off: the station and inspector
// signatures over a 5 MB payload, with the inspector key unlocked under
// the default Argon2id parameters.
func BenchmarkSignBatch(b *testing.B) {
	restore := sign.SetKDFParams(64*1024, 3, 2)
	defer restore()
	payload := benchPayload()
	for _, alg := range sign.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			k := MustKeys(b, alg, alg)
			b.SetBytes(benchPayloadSize)
			for b.Loop() {
				MustSignBatch(b, k, payload)
			}
		})
	}
}

// BenchmarkVerifyBatch measures VerifyBatch of a document with both
// signatures over a 5 MB payload.
func BenchmarkVerifyBatch(b *testing.B) {
	payload := benchPayload()
	for _, alg := range sign.Algorithms {
		b.Run(string(alg), func(b *testing.B) {
			k := MustKeys(b, alg, alg)
			jws := MustSignBatch(b, k, payload)
			b.SetBytes(benchPayloadSize)
			for b.Loop() {
				if _, err := sign.VerifyBatch(jws, k.set); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
