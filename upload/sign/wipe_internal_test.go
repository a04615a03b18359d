package sign

import (
	"crypto"
	"crypto/ed25519"
	"math/big"
	"testing"
	"time"
)

// TestSignWipesDecryptedKey checks that Sign zeroes an inspector key's
// decrypted PKCS #8 bytes and its key material before returning.
func TestSignWipesDecryptedKey(t *testing.T) {
	restore := SetKDFParams(256, 1, 1)
	defer restore()
	pin := []byte("482916")
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			pair, err := GenerateKey(RoleInspector, alg, pin)
			if err != nil {
				t.Fatal(err)
			}
			key, err := ParsePrivateKey(pair.PrivatePEM)
			if err != nil {
				t.Fatal(err)
			}

			var wiped int
			testHookWiped = func(signer crypto.Signer, der []byte, words []big.Word) {
				wiped++
				if len(der) == 0 {
					t.Error("no decrypted DER was wiped")
				}
				for _, b := range der {
					if b != 0 {
						t.Fatal("decrypted DER not zeroed")
					}
				}
				switch k := signer.(type) {
				case ed25519.PrivateKey:
					for _, b := range k {
						if b != 0 {
							t.Fatal("Ed25519 key not zeroed")
						}
					}
				default:
					if len(words) == 0 {
						t.Error("no SM2 scalar words were wiped")
					}
					for _, w := range words {
						if w != 0 {
							t.Fatal("SM2 scalar not zeroed")
						}
					}
				}
			}
			defer func() { testHookWiped = nil }()

			if _, err := Sign([]byte("payload"), time.Now(), Signer{Key: key, PIN: pin}); err != nil {
				t.Fatal(err)
			}
			if wiped != 1 {
				t.Errorf("wipe ran %d times, want 1", wiped)
			}
			if key.signer != nil {
				t.Error("the encrypted key kept a decrypted signer")
			}
		})
	}
}
