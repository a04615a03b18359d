package sign

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Errors of key files. Functions wrap them with the file and the detail,
// so test for them with errors.Is.
var (
	// ErrInvalidKeyFile means a key file is damaged or not in the format
	// of this package.
	ErrInvalidKeyFile = errors.New("invalid key file")

	// ErrKeyExists means a key file to be written already exists.
	ErrKeyExists = errors.New("key file already exists")
)

// PEM block types.
const (
	pemPublicKey           = "PUBLIC KEY"
	pemPrivateKey          = "PRIVATE KEY"
	pemEncryptedPrivateKey = "LAMBTRACE ENCRYPTED PRIVATE KEY"
)

// maxKeyFileSize bounds what ReadPrivateKeyFile and ReadPublicKeyFile
// read. Real key files are well under 1 KiB.
const maxKeyFileSize = 64 << 10

// kidBytes is how many leading bytes of the SHA-256 digest of the
// public key make the key id: 16 bytes, 32 hex digits.
const kidBytes = 16

// KeyID returns the key id of a public key given as its DER
// SubjectPublicKeyInfo: the first 16 bytes of its SHA-256 digest in
// lowercase hex. `openssl asn1parse -in KID.pem -noout -out spki.der`
// followed by `openssl dgst -sha256 spki.der` shows the same digits.
func KeyID(spkiDER []byte) string {
	sum := sha256.Sum256(spkiDER)
	return hex.EncodeToString(sum[:kidBytes])
}

// validKID reports whether s has the form of a key id. Key ids become
// file names, so nothing else may reach the file system.
func validKID(s string) bool {
	if len(s) != 2*kidBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// PublicKey is a verification key with the role it is registered for.
type PublicKey struct {
	KID       string
	Role      Role
	Algorithm Algorithm
	Key       crypto.PublicKey // ed25519.PublicKey or *ecdsa.PublicKey on the SM2 curve
}

// newPublicKey builds the PublicKey of pub, deriving its key id.
func newPublicKey(pub crypto.PublicKey, role Role) (PublicKey, []byte, error) {
	alg, err := algorithmOfPublicKey(pub)
	if err != nil {
		return PublicKey{}, nil, err
	}
	spki, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return PublicKey{}, nil, fmt.Errorf("encode public key: %w", err)
	}
	return PublicKey{KID: KeyID(spki), Role: role, Algorithm: alg, Key: pub}, spki, nil
}

// MarshalPublicKey encodes k as the content of its <kid>.pem file: the
// attribute lines kid, role and alg, then the SubjectPublicKeyInfo in a
// PEM block of type PUBLIC KEY. openssl and other PEM readers skip text
// before the block.
func MarshalPublicKey(k PublicKey) ([]byte, error) {
	spki, err := smx509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	var b bytes.Buffer
	writeAttributes(&b, KeyID(spki), k.Role, k.Algorithm)
	if err := pem.Encode(&b, &pem.Block{Type: pemPublicKey, Bytes: spki}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ParsePublicKey decodes a <kid>.pem file. It checks that the kid and
// alg attributes match the key.
func ParsePublicKey(data []byte) (PublicKey, error) {
	attrs, block, err := decodeKeyFile(data, pemPublicKey)
	if err != nil {
		return PublicKey{}, err
	}
	pub, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: public key: %v", ErrInvalidKeyFile, err)
	}
	k, _, err := newPublicKey(pub, attrs.role)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: %v", ErrInvalidKeyFile, err)
	}
	if err := attrs.check(k.KID, k.Algorithm); err != nil {
		return PublicKey{}, err
	}
	return k, nil
}

// ReadPublicKeyFile reads and decodes a <kid>.pem file.
func ReadPublicKeyFile(path string) (PublicKey, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return PublicKey{}, err
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// PrivateKey is a signing key as read from its <kid>.key file. A key
// stored encrypted stays encrypted in memory: Sign decrypts it with the
// PIN for one call and then zeroes the decrypted bytes.
type PrivateKey struct {
	kid    string
	role   Role
	alg    Algorithm
	signer crypto.Signer // nil when the key is encrypted
	sealed *sealedKey    // nil when the key is not encrypted
}

// KID returns the key id.
func (k *PrivateKey) KID() string { return k.kid }

// Role returns the role the key signs in.
func (k *PrivateKey) Role() Role { return k.role }

// Algorithm returns the key's signature algorithm.
func (k *PrivateKey) Algorithm() Algorithm { return k.alg }

// Encrypted reports whether the key needs a PIN to sign.
func (k *PrivateKey) Encrypted() bool { return k.sealed != nil }

// ParsePrivateKey decodes a <kid>.key file. An unencrypted key is parsed
// at once. An encrypted key is only checked for form, so a wrong PIN
// shows up when signing. An inspector key must be encrypted.
func ParsePrivateKey(data []byte) (*PrivateKey, error) {
	attrs, block, err := decodeKeyFile(data, pemPrivateKey, pemEncryptedPrivateKey)
	if err != nil {
		return nil, err
	}
	if block.Type == pemEncryptedPrivateKey {
		sealed, err := parseSealedKey(attrs, block)
		if err != nil {
			return nil, err
		}
		return &PrivateKey{kid: attrs.kid, role: attrs.role, alg: attrs.alg, sealed: sealed}, nil
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: unexpected PEM headers in an unencrypted key", ErrInvalidKeyFile)
	}
	if attrs.role == RoleInspector {
		return nil, fmt.Errorf("%w: an inspector key must be encrypted under the veterinarian's PIN", ErrInvalidKeyFile)
	}
	signer, err := parsePKCS8(block.Bytes, attrs)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{kid: attrs.kid, role: attrs.role, alg: attrs.alg, signer: signer}, nil
}

// ReadPrivateKeyFile reads and decodes a <kid>.key file.
func ReadPrivateKeyFile(path string) (*PrivateKey, error) {
	data, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	k, err := ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// parsePKCS8 parses a PKCS #8 private key and checks it against the
// attributes of its file.
func parsePKCS8(der []byte, attrs keyAttributes) (crypto.Signer, error) {
	key, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: private key: %v", ErrInvalidKeyFile, err)
	}
	var signer crypto.Signer
	switch k := key.(type) {
	case ed25519.PrivateKey:
		signer = k
	case *sm2.PrivateKey:
		signer = k
	default:
		return nil, fmt.Errorf("%w: private key of type %T, want Ed25519 or SM2", ErrInvalidKeyFile, key)
	}
	pub, _, err := newPublicKey(signer.Public(), attrs.role)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKeyFile, err)
	}
	if err := attrs.check(pub.KID, pub.Algorithm); err != nil {
		return nil, err
	}
	return signer, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrInvalidKeyFile, maxKeyFileSize)
	}
	return data, nil
}

// keyAttributes are the attribute lines before the PEM block of a key
// file: "kid: …", "role: …" and "alg: …" (the JOSE name).
type keyAttributes struct {
	kid  string
	role Role
	alg  Algorithm
}

func writeAttributes(w io.Writer, kid string, role Role, alg Algorithm) {
	fmt.Fprintf(w, "kid: %s\nrole: %s\nalg: %s\n", kid, role, alg.JOSE())
}

// check reports whether the attributes name the key with this kid and
// algorithm.
func (a keyAttributes) check(kid string, alg Algorithm) error {
	if a.kid != kid {
		return fmt.Errorf("%w: kid attribute %s does not match the key, whose kid is %s", ErrInvalidKeyFile, a.kid, kid)
	}
	if a.alg != alg {
		return fmt.Errorf("%w: alg attribute %s does not match the %s key", ErrInvalidKeyFile, a.alg.JOSE(), alg)
	}
	return nil
}

// decodeKeyFile splits a key file into its attributes and its one PEM
// block, which must be of one of the given types. Blank lines and lines
// starting with # are allowed before the block, and white space after it.
func decodeKeyFile(data []byte, types ...string) (keyAttributes, *pem.Block, error) {
	var attrs keyAttributes
	begin := bytes.Index(data, []byte("-----BEGIN "))
	if begin < 0 {
		return attrs, nil, fmt.Errorf("%w: no PEM block", ErrInvalidKeyFile)
	}
	if err := attrs.parse(data[:begin]); err != nil {
		return attrs, nil, err
	}
	block, rest := pem.Decode(data[begin:])
	if block == nil {
		return attrs, nil, fmt.Errorf("%w: PEM block cannot be decoded", ErrInvalidKeyFile)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return attrs, nil, fmt.Errorf("%w: data after the PEM block", ErrInvalidKeyFile)
	}
	for _, t := range types {
		if block.Type == t {
			return attrs, block, nil
		}
	}
	return attrs, nil, fmt.Errorf("%w: PEM block of type %q, want %s", ErrInvalidKeyFile, block.Type, strings.Join(types, " or "))
}

func (a *keyAttributes) parse(text []byte) error {
	seen := make(map[string]bool)
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		ln := strings.TrimSpace(sc.Text())
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		name, value, ok := strings.Cut(ln, ":")
		value = strings.TrimSpace(value)
		if !ok {
			return fmt.Errorf("%w: line %d: want name: value before the PEM block", ErrInvalidKeyFile, n)
		}
		if seen[name] {
			return fmt.Errorf("%w: line %d: attribute %s given twice", ErrInvalidKeyFile, n, name)
		}
		seen[name] = true
		switch name {
		case "kid":
			if !validKID(value) {
				return fmt.Errorf("%w: line %d: kid %q is not 32 lowercase hex digits", ErrInvalidKeyFile, n, value)
			}
			a.kid = value
		case "role":
			r, err := ParseRole(value)
			if err != nil {
				return fmt.Errorf("%w: line %d: %v", ErrInvalidKeyFile, n, err)
			}
			a.role = r
		case "alg":
			alg, ok := algorithmOfJOSE(value)
			if !ok {
				return fmt.Errorf("%w: line %d: alg %q, want %s or %s", ErrInvalidKeyFile, n, value, JOSEEdDSA, JOSESM2SM3)
			}
			a.alg = alg
		default:
			return fmt.Errorf("%w: line %d: unknown attribute %q", ErrInvalidKeyFile, n, name)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidKeyFile, err)
	}
	for _, name := range []string{"kid", "role", "alg"} {
		if !seen[name] {
			return fmt.Errorf("%w: attribute %s missing before the PEM block", ErrInvalidKeyFile, name)
		}
	}
	return nil
}

// KeyPair is a new key in the encoding of its two files.
type KeyPair struct {
	KID        string
	Role       Role
	Algorithm  Algorithm
	PrivatePEM []byte // content of <kid>.key
	PublicPEM  []byte // content of <kid>.pem
}

// GenerateKey makes a new key for role. An inspector key is encrypted
// under pin, so pin is required. Station and platform keys sign
// unattended, so they are stored unencrypted and pin must be empty.
func GenerateKey(role Role, alg Algorithm, pin []byte) (*KeyPair, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	switch {
	case role == RoleInspector && len(pin) == 0:
		return nil, fmt.Errorf("inspector key: %w", ErrPINRequired)
	case role != RoleInspector && len(pin) != 0:
		return nil, fmt.Errorf("a %s key signs without a person present, so it takes no PIN", role)
	}
	if len(pin) != 0 {
		if err := ValidatePIN(pin); err != nil {
			return nil, err
		}
	}

	var signer crypto.Signer
	switch alg {
	case Ed25519:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate Ed25519 key: %w", err)
		}
		signer = priv
	case SM2:
		priv, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate SM2 key: %w", err)
		}
		signer = priv
	default:
		return nil, fmt.Errorf("unknown signature algorithm %q, want ed25519 or sm2", alg)
	}
	defer wipeSigner(signer, nil)

	pub, _, err := newPublicKey(signer.Public(), role)
	if err != nil {
		return nil, err
	}
	publicPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
	der, err := smx509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	defer clear(der)
	attrs := keyAttributes{kid: pub.KID, role: role, alg: alg}
	var b bytes.Buffer
	writeAttributes(&b, pub.KID, role, alg)
	block := &pem.Block{Type: pemPrivateKey, Bytes: der}
	if len(pin) != 0 {
		if block, err = sealKey(der, pin, attrs, keyKDFParams); err != nil {
			return nil, err
		}
	}
	if err := pem.Encode(&b, block); err != nil {
		return nil, err
	}
	return &KeyPair{KID: pub.KID, Role: role, Algorithm: alg, PrivatePEM: b.Bytes(), PublicPEM: publicPEM}, nil
}

// PrivatePath returns the path of the private key file in dir.
func (p *KeyPair) PrivatePath(dir string) string { return filepath.Join(dir, p.KID+".key") }

// PublicPath returns the path of the public key file in dir.
func (p *KeyPair) PublicPath(dir string) string { return filepath.Join(dir, p.KID+".pem") }

// WriteFiles writes <kid>.key (mode 0600) and <kid>.pem (mode 0644) into
// dir, which is created with mode 0700 when missing. It never replaces a
// file: when either exists it returns an error wrapping ErrKeyExists and
// leaves the directory as it was. Each file is written to a temporary
// file, synced and then linked into place, so a crash leaves either the
// whole file or none.
func (p *KeyPair) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	for _, path := range []string{p.PrivatePath(dir), p.PublicPath(dir)} {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w", path, ErrKeyExists)
		}
	}
	if err := writeNewFile(p.PrivatePath(dir), p.PrivatePEM, 0o600); err != nil {
		return err
	}
	if err := writeNewFile(p.PublicPath(dir), p.PublicPEM, 0o644); err != nil {
		os.Remove(p.PrivatePath(dir))
		return err
	}
	return syncDir(dir)
}

// writeNewFile creates path with data, failing with ErrKeyExists when
// path exists.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// A hard link, unlike a rename, fails when the target exists.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s: %w", path, ErrKeyExists)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
