package sign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Reasons a signature does not verify. Result.Err and VerifyError wrap
// them, so test for them with errors.Is.
var (
	// ErrMalformedHeader means the protected header cannot be decoded or
	// breaks the rules of Signature.Header.
	ErrMalformedHeader = errors.New("malformed protected header")

	// ErrUnknownKID means no registered key has the header's kid.
	ErrUnknownKID = errors.New("unknown kid")

	// ErrWrongRole means the header's role is not the role the key is
	// registered for.
	ErrWrongRole = errors.New("wrong role")

	// ErrAlgorithmMismatch means the header's alg is not the algorithm
	// of the registered key.
	ErrAlgorithmMismatch = errors.New("algorithm does not match the key")

	// ErrBadSignature means the signature value is not a valid signature
	// of this header and payload under the registered key.
	ErrBadSignature = errors.New("bad signature")
)

// KeySet is the registered verification keys, by kid. It is safe for
// concurrent use.
type KeySet struct {
	mu   sync.RWMutex
	keys map[string]PublicKey
}

// NewKeySet returns a key set holding keys.
func NewKeySet(keys ...PublicKey) (*KeySet, error) {
	s := &KeySet{keys: make(map[string]PublicKey)}
	for _, k := range keys {
		if err := s.Add(k); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// LoadKeySet reads every <kid>.pem file in dir, as ReadPublicKeyFile
// does. It ignores other files, so private keys may sit in the same
// directory, and fails when a file's name is not its key's kid.
func LoadKeySet(dir string) (*KeySet, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read key directory: %w", err)
	}
	s := &KeySet{keys: make(map[string]PublicKey)}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		k, err := ReadPublicKeyFile(path)
		if err != nil {
			return nil, err
		}
		if name := strings.TrimSuffix(filepath.Base(path), ".pem"); name != k.KID {
			return nil, fmt.Errorf("%s: %w: the file's key has kid %s, so the file must be named %s.pem", path, ErrInvalidKeyFile, k.KID, k.KID)
		}
		if err := s.Add(k); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add registers k. It fails when k's kid is not the kid of its key, when
// its role or algorithm is not supported, or when the kid is already
// registered.
func (s *KeySet) Add(k PublicKey) error {
	if _, err := ParseRole(string(k.Role)); err != nil {
		return fmt.Errorf("register key %s: %w", k.KID, err)
	}
	derived, _, err := newPublicKey(k.Key, k.Role)
	if err != nil {
		return fmt.Errorf("register key %s: %w", k.KID, err)
	}
	if derived.KID != k.KID || derived.Algorithm != k.Algorithm {
		return fmt.Errorf("register key %s: the key is a %s key with kid %s", k.KID, derived.Algorithm, derived.KID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = make(map[string]PublicKey)
	}
	if _, dup := s.keys[k.KID]; dup {
		return fmt.Errorf("register key %s: kid already registered", k.KID)
	}
	s.keys[k.KID] = k
	return nil
}

// Lookup returns the key registered under kid. A nil KeySet holds no
// keys.
func (s *KeySet) Lookup(kid string) (PublicKey, bool) {
	if s == nil {
		return PublicKey{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[kid]
	return k, ok
}

// Keys returns the registered keys, sorted by kid.
func (s *KeySet) Keys() []PublicKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]PublicKey, 0, len(s.keys))
	for _, k := range s.keys {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].KID < keys[j].KID })
	return keys
}

// Result is the outcome of verifying one signature.
type Result struct {
	Index  int    // position in the "signatures" array, from 1
	Header Header // the protected header; zero when it could not be decoded
	Err    error  // nil when the signature verified
}

// Verified reports whether the signature verified.
func (r Result) Verified() bool { return r.Err == nil }

// String describes the result on one line, for reports.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "signature %d", r.Index)
	if r.Header.KID != "" {
		fmt.Fprintf(&b, " (kid %s, role %s, alg %s, signed %s)", r.Header.KID, r.Header.Role, r.Header.Alg, r.Header.SignedAt.Format(time.RFC3339))
	}
	if r.Err != nil {
		fmt.Fprintf(&b, ": %v", r.Err)
	} else {
		b.WriteString(": verified")
	}
	return b.String()
}

// Report is the outcome of verifying a JWS.
type Report struct {
	Payload []byte   // the decoded payload; trust it only when Check passes
	Results []Result // one per signature, in document order
}

// Verified reports whether a signature in role verified.
func (r *Report) Verified(role Role) bool {
	for _, res := range r.Results {
		if res.Verified() && res.Header.Role == role {
			return true
		}
	}
	return false
}

// Check returns nil when every signature verified and each of roles has
// a verified signature, and a *VerifyError otherwise.
func (r *Report) Check(roles ...Role) error {
	e := &VerifyError{}
	for _, res := range r.Results {
		if !res.Verified() {
			e.Failed = append(e.Failed, res)
		}
	}
	for _, role := range roles {
		if !r.Verified(role) {
			e.Missing = append(e.Missing, role)
		}
	}
	if len(e.Failed) == 0 && len(e.Missing) == 0 {
		return nil
	}
	return e
}

// VerifyError lists why a JWS did not verify. It unwraps to the errors
// of the failed signatures.
type VerifyError struct {
	Failed  []Result // signatures that did not verify
	Missing []Role   // required roles without a verified signature
}

func (e *VerifyError) Error() string {
	var parts []string
	for _, res := range e.Failed {
		parts = append(parts, res.String())
	}
	for _, role := range e.Missing {
		parts = append(parts, fmt.Sprintf("no verified %s signature", role))
	}
	return "signatures do not verify: " + strings.Join(parts, "; ")
}

func (e *VerifyError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, res := range e.Failed {
		errs = append(errs, res.Err)
	}
	return errs
}

// Verify checks every signature of a JWS against keys. It returns an
// error wrapping ErrMalformed only when the document is not a JWS that
// Parse accepts. Otherwise the report lists for each signature which kid
// and role verified, or why not.
func Verify(data []byte, keys *KeySet) (*Report, error) {
	j, err := Parse(data)
	if err != nil {
		return nil, err
	}
	r := &Report{Payload: j.payload}
	for i, s := range j.Signatures {
		h, err := j.verifySignature(s, keys)
		r.Results = append(r.Results, Result{Index: i + 1, Header: h, Err: err})
	}
	return r, nil
}

// VerifyBatch verifies a batch document: every signature must verify,
// and there must be a verified station signature and a verified
// inspector signature. On failure it returns the report with a
// *VerifyError, or only an error wrapping ErrMalformed.
func VerifyBatch(data []byte, keys *KeySet) (*Report, error) {
	r, err := Verify(data, keys)
	if err != nil {
		return nil, err
	}
	return r, r.Check(RoleStation, RoleInspector)
}

// verifySignature checks one signature: header, kid, role, algorithm,
// then the signature value.
func (j *JWS) verifySignature(s Signature, keys *KeySet) (Header, error) {
	h, err := s.Header()
	if err != nil {
		return Header{}, fmt.Errorf("%w: %v", ErrMalformedHeader, err)
	}
	k, ok := keys.Lookup(h.KID)
	if !ok {
		return h, fmt.Errorf("%w: no registered key has kid %s", ErrUnknownKID, h.KID)
	}
	if h.Role != k.Role {
		return h, fmt.Errorf("%w: the header has role %s, but kid %s is registered as %s", ErrWrongRole, h.Role, h.KID, k.Role)
	}
	if h.Alg != k.Algorithm.JOSE() {
		return h, fmt.Errorf("%w: the header has alg %s, but kid %s is an %s key", ErrAlgorithmMismatch, h.Alg, h.KID, k.Algorithm.JOSE())
	}
	value, err := s.Bytes()
	if err != nil {
		return h, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if !verifyWith(k.Key, j.signingInput(s), value) {
		return h, fmt.Errorf("%w: it does not match the payload and header under kid %s", ErrBadSignature, h.KID)
	}
	return h, nil
}
