package sign

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/crypto/argon2"
)

// Errors of PINs.
var (
	// ErrWrongPIN means the PIN does not unlock the key.
	ErrWrongPIN = errors.New("wrong PIN")

	// ErrPINRequired means an encrypted key, or a new inspector key, was
	// given no PIN.
	ErrPINRequired = errors.New("PIN required")

	// ErrInvalidPIN means a PIN is not 4 to 32 ASCII digits.
	ErrInvalidPIN = errors.New("a PIN is 4 to 32 digits")
)

// PIN length limits, in digits.
const (
	minPINLen = 4
	maxPINLen = 32
)

// ValidatePIN returns an error wrapping ErrInvalidPIN unless pin is 4 to
// 32 ASCII digits, what the kiosk's PIN pad can enter. The error never
// quotes the PIN.
func ValidatePIN(pin []byte) error {
	if len(pin) < minPINLen || len(pin) > maxPINLen {
		return fmt.Errorf("%w: got %d characters", ErrInvalidPIN, len(pin))
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: got a character that is not a digit", ErrInvalidPIN)
		}
	}
	return nil
}

// kdfParams are Argon2id cost parameters (RFC 9106).
type kdfParams struct {
	memory  uint32 // KiB
	time    uint32 // passes over the memory
	threads uint8
}

// keyKDFParams are the parameters of newly encrypted keys: 64 MiB, 3
// passes and 2 lanes. One derivation took about 180 ms on a 2-core AMD
// EPYC virtual machine with Go 1.26.8. The veterinarian waits for it once
// per sign-off, and each guess at the PIN costs an attacker who copied
// the file as much. The parameters are stored in each key file, so
// changing them affects only keys made afterwards.
var keyKDFParams = kdfParams{memory: 64 * 1024, time: 3, threads: 2}

// Limits on the parameters read from a key file, so that an edited file
// cannot make Sign allocate gigabytes or run for minutes.
const (
	maxKDFMemory  = 256 * 1024 // KiB
	maxKDFTime    = 10
	maxKDFThreads = 16
)

// Sizes in bytes of the parts of an encrypted key.
const (
	saltLen     = 16
	aeadKeyLen  = 32 // AES-256
	pinCheckLen = 16
	nonceLen    = 12 // the GCM standard nonce
)

// PEM header names and values of an encrypted key.
const (
	headerKDF      = "KDF"
	headerSalt     = "Salt"
	headerPINCheck = "PIN-Check"
	headerCipher   = "Cipher"
	headerNonce    = "Nonce"
	cipherAESGCM   = "AES-256-GCM"
)

// sealedKey is an encrypted private key as stored in its file.
//
// Argon2id derives 48 bytes from the PIN and the salt. The first 32 are
// the AES-256-GCM key that encrypts the PKCS #8 DER of the private key.
// The last 16 are stored as the PIN check. Comparing them distinguishes a
// wrong PIN from a damaged file, and gives an attacker nothing that the
// GCM tag does not already give. The additional data of GCM binds the
// kid, role, alg and every header, so an edited attribute makes the key
// unusable instead of changing what it signs as.
type sealedKey struct {
	attrs      keyAttributes
	params     kdfParams
	salt       []byte
	pinCheck   []byte
	nonce      []byte
	ciphertext []byte
}

// sealKey encrypts the PKCS #8 DER of a private key under pin.
func sealKey(der, pin []byte, attrs keyAttributes, params kdfParams) (*pem.Block, error) {
	s := &sealedKey{attrs: attrs, params: params, salt: make([]byte, saltLen), nonce: make([]byte, nonceLen)}
	if _, err := rand.Read(s.salt); err != nil {
		return nil, fmt.Errorf("read random salt: %w", err)
	}
	if _, err := rand.Read(s.nonce); err != nil {
		return nil, fmt.Errorf("read random nonce: %w", err)
	}
	derived := s.derive(pin)
	defer clear(derived)
	s.pinCheck = append([]byte(nil), derived[aeadKeyLen:]...)

	aead, err := newAEAD(derived[:aeadKeyLen])
	if err != nil {
		return nil, err
	}
	s.ciphertext = aead.Seal(nil, s.nonce, der, s.additionalData())
	return &pem.Block{Type: pemEncryptedPrivateKey, Headers: s.headers(), Bytes: s.ciphertext}, nil
}

// parseSealedKey reads the headers of an encrypted key block.
func parseSealedKey(attrs keyAttributes, block *pem.Block) (*sealedKey, error) {
	s := &sealedKey{attrs: attrs, ciphertext: block.Bytes}
	for name := range block.Headers {
		switch name {
		case headerKDF, headerSalt, headerPINCheck, headerCipher, headerNonce:
		default:
			return nil, fmt.Errorf("%w: unknown PEM header %q", ErrInvalidKeyFile, name)
		}
	}
	if c := block.Headers[headerCipher]; c != cipherAESGCM {
		return nil, fmt.Errorf("%w: cipher %q, want %s", ErrInvalidKeyFile, c, cipherAESGCM)
	}
	var err error
	if s.params, err = parseKDF(block.Headers[headerKDF]); err != nil {
		return nil, fmt.Errorf("%w: %s header: %v", ErrInvalidKeyFile, headerKDF, err)
	}
	for _, h := range []struct {
		name string
		dst  *[]byte
		size int
	}{
		{headerSalt, &s.salt, saltLen},
		{headerPINCheck, &s.pinCheck, pinCheckLen},
		{headerNonce, &s.nonce, nonceLen},
	} {
		b, err := base64.StdEncoding.Strict().DecodeString(block.Headers[h.name])
		if err != nil || len(b) != h.size {
			return nil, fmt.Errorf("%w: %s header is not %d bytes in base64", ErrInvalidKeyFile, h.name, h.size)
		}
		*h.dst = b
	}
	return s, nil
}

func (s *sealedKey) headers() map[string]string {
	b64 := base64.StdEncoding
	return map[string]string{
		headerKDF:      s.params.String(),
		headerSalt:     b64.EncodeToString(s.salt),
		headerPINCheck: b64.EncodeToString(s.pinCheck),
		headerCipher:   cipherAESGCM,
		headerNonce:    b64.EncodeToString(s.nonce),
	}
}

// additionalData is the GCM additional data: the attributes and headers
// in a fixed order and form.
func (s *sealedKey) additionalData() []byte {
	var b strings.Builder
	b.WriteString("lambtrace encrypted private key 1\n")
	writeAttributes(&b, s.attrs.kid, s.attrs.role, s.attrs.alg)
	h := s.headers()
	for _, name := range []string{headerKDF, headerSalt, headerPINCheck, headerCipher, headerNonce} {
		fmt.Fprintf(&b, "%s: %s\n", name, h[name])
	}
	return []byte(b.String())
}

// derive runs Argon2id over the PIN.
func (s *sealedKey) derive(pin []byte) []byte {
	p := s.params
	return argon2.IDKey(pin, s.salt, p.time, p.memory, p.threads, aeadKeyLen+pinCheckLen)
}

// unlock decrypts the key with pin. The caller must call wipe when done
// with the key: it zeroes the decrypted key and everything derived from
// the PIN that this package holds.
func (s *sealedKey) unlock(pin []byte) (signer crypto.Signer, wipe func(), err error) {
	if len(pin) == 0 {
		return nil, nil, ErrPINRequired
	}
	if err := ValidatePIN(pin); err != nil {
		return nil, nil, err
	}
	derived := s.derive(pin)
	defer clear(derived)
	if subtle.ConstantTimeCompare(derived[aeadKeyLen:], s.pinCheck) != 1 {
		return nil, nil, ErrWrongPIN
	}

	aead, err := newAEAD(derived[:aeadKeyLen])
	if err != nil {
		return nil, nil, err
	}
	der, err := aead.Open(nil, s.nonce, s.ciphertext, s.additionalData())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the PIN is right but the encrypted key or its headers were changed", ErrInvalidKeyFile)
	}
	signer, err = parsePKCS8(der, s.attrs)
	if err != nil {
		clear(der)
		return nil, nil, err
	}
	return signer, func() { wipeSigner(signer, der) }, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	return aead, nil
}

// String formats the parameters as the KDF header value, in the manner
// of the PHC string format: argon2id,v=19,m=65536,t=3,p=2.
func (p kdfParams) String() string {
	return fmt.Sprintf("argon2id,v=%d,m=%d,t=%d,p=%d", argon2.Version, p.memory, p.time, p.threads)
}

// parseKDF parses a KDF header value and checks it against the limits.
func parseKDF(s string) (kdfParams, error) {
	var p kdfParams
	fields := strings.Split(s, ",")
	if len(fields) != 5 || fields[0] != "argon2id" || fields[1] != "v="+strconv.Itoa(argon2.Version) {
		return p, fmt.Errorf("want argon2id,v=%d,m=…,t=…,p=…", argon2.Version)
	}
	values := make([]uint64, 3)
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[2+i], name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, fmt.Errorf("parameter %s missing or not a number", name)
		}
		values[i] = n
	}
	m, t, threads := values[0], values[1], values[2]
	switch {
	case threads < 1 || threads > maxKDFThreads:
		return p, fmt.Errorf("p=%d is outside 1 to %d", threads, maxKDFThreads)
	case t < 1 || t > maxKDFTime:
		return p, fmt.Errorf("t=%d is outside 1 to %d", t, maxKDFTime)
	case m < 8*threads || m > maxKDFMemory:
		return p, fmt.Errorf("m=%d KiB is outside %d to %d", m, 8*threads, maxKDFMemory)
	}
	return kdfParams{memory: uint32(m), time: uint32(t), threads: uint8(threads)}, nil
}

// wipeSigner zeroes a private key and the DER it was parsed from.
//
// NOTE: this zeroes only memory this package holds. Copies made inside
// encoding/asn1, gmsm's scalar arithmetic and the AES key schedule stay
// in freed memory until it is reused.
func wipeSigner(signer crypto.Signer, der []byte) {
	clear(der)
	var words []big.Word
	switch k := signer.(type) {
	case ed25519.PrivateKey:
		clear(k)
	case *sm2.PrivateKey:
		if k.D != nil {
			words = k.D.Bits()
			clear(words)
		}
	}
	if testHookWiped != nil {
		testHookWiped(signer, der, words)
	}
}

// testHookWiped, when set by a test, receives what wipeSigner zeroed.
var testHookWiped func(signer crypto.Signer, der []byte, words []big.Word)
