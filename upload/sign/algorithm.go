package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/emmansun/gmsm/sm2"
)

// Algorithm is a signature algorithm, named as configuration and
// `tracectl keys new --alg` name it.
type Algorithm string

// Supported algorithms.
const (
	// Ed25519 is EdDSA over edwards25519 (RFC 8032), JOSE name "EdDSA"
	// (RFC 8037). The JWS signature is the 64-byte Ed25519 signature.
	Ed25519 Algorithm = "ed25519"

	// SM2 is the SM2 signature (GB/T 32918.2) with SM3 as the hash and
	// the user id DefaultSM2UID. The JWS signature is the DER SEQUENCE
	// of the two INTEGERs r and s (GB/T 35276), which openssl reads as
	// it is.
	SM2 Algorithm = "sm2"
)

// JOSE "alg" values written in the protected header.
const (
	// JOSEEdDSA is the registered JOSE name of Ed25519 signatures.
	JOSEEdDSA = "EdDSA"

	// JOSESM2SM3 names SM2 signatures with SM3. The IANA JOSE registry
	// has no name for SM2, so this one is this project's own.
	JOSESM2SM3 = "SM2-SM3"
)

// DefaultSM2UID is the signer's distinguishing identifier in SM2
// signatures: the default user id of GB/T 35276, which openssl takes as
// -pkeyopt distid:1234567812345678.
const DefaultSM2UID = "1234567812345678"

// Algorithms lists the supported algorithms.
var Algorithms = []Algorithm{Ed25519, SM2}

// ParseAlgorithm returns the algorithm named s ("ed25519" or "sm2").
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range Algorithms {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown signature algorithm %q, want ed25519 or sm2", s)
}

// JOSE returns the "alg" header value of a.
func (a Algorithm) JOSE() string {
	switch a {
	case Ed25519:
		return JOSEEdDSA
	case SM2:
		return JOSESM2SM3
	}
	return ""
}

// algorithmOfJOSE returns the algorithm whose "alg" header value is s.
func algorithmOfJOSE(s string) (Algorithm, bool) {
	for _, a := range Algorithms {
		if a.JOSE() == s {
			return a, true
		}
	}
	return "", false
}

// Role is the capacity in which a key signs.
type Role string

// Roles of the batch signatures.
const (
	// RoleStation is the station's own key: the document is what the
	// station recorded.
	RoleStation Role = "station"

	// RoleInspector is the resident official veterinarian's personal
	// key: the veterinarian reviewed and signed off the batch.
	RoleInspector Role = "inspector"

	// RolePlatform is the league platform's key. It signs the receipts
	// the platform returns for delivered batches, never a batch.
	RolePlatform Role = "platform"
)

// Roles lists the roles of the batch signatures, in the order a batch
// document carries them.
var Roles = []Role{RoleStation, RoleInspector}

// ParseRole returns the role named s: "station", "inspector" or
// "platform".
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{RoleStation, RoleInspector, RolePlatform} {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown key role %q, want station, inspector or platform", s)
}

// algorithmOfPublicKey returns the algorithm of a parsed public key, or
// an error for key types this package does not sign with.
func algorithmOfPublicKey(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", errors.New("Ed25519 public key of wrong length")
		}
		return Ed25519, nil
	case *ecdsa.PublicKey:
		if sm2.IsSM2PublicKey(k) {
			return SM2, nil
		}
		return "", fmt.Errorf("EC public key on curve %s, want the SM2 curve", k.Curve.Params().Name)
	}
	return "", fmt.Errorf("public key of type %T, want Ed25519 or SM2", pub)
}

// signWith signs the JWS signing input with key, which is an
// ed25519.PrivateKey or a *sm2.PrivateKey.
func signWith(key crypto.Signer, input []byte) ([]byte, error) {
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, input), nil
	case *sm2.PrivateKey:
		// The option makes gmsm hash the message itself: SM3 over Z, which
		// covers the user id and the public key, then over the message.
		sig, err := k.Sign(rand.Reader, input, sm2.NewSM2SignerOption(true, []byte(DefaultSM2UID)))
		if err != nil {
			return nil, fmt.Errorf("sm2 sign: %w", err)
		}
		return sig, nil
	}
	return nil, fmt.Errorf("private key of type %T, want Ed25519 or SM2", key)
}

// verifyWith reports whether sig is a valid signature of input under pub.
func verifyWith(pub crypto.PublicKey, input, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return len(k) == ed25519.PublicKeySize && ed25519.Verify(k, input, sig)
	case *ecdsa.PublicKey:
		return sm2.IsSM2PublicKey(k) && sm2.VerifyASN1WithSM2(k, []byte(DefaultSM2UID), input, sig)
	}
	return false
}
