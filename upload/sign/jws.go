package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrMalformed means a document is not a JWS in the form this package
// writes. Parse and Verify wrap it with the detail.
var ErrMalformed = errors.New("malformed JWS")

// MaxSignatures bounds the signatures Parse accepts, so that a document
// cannot make Verify run for long. A batch document has two.
const MaxSignatures = 16

// Names in the JWS JSON serialization (RFC 7515 §7.2.1).
const (
	memberPayload    = "payload"
	memberSignatures = "signatures"
	memberProtected  = "protected"
	memberHeader     = "header"
	memberSignature  = "signature"
)

// Names in the protected header.
const (
	paramAlg      = "alg"
	paramKID      = "kid"
	paramRole     = "role"
	paramSignedAt = "sigT"
)

// b64 is the base64url encoding of JWS: no padding, and the unused bits
// of the last character must be zero.
var b64 = base64.RawURLEncoding.Strict()

// JWS is a parsed JWS in general JSON serialization.
type JWS struct {
	payload    []byte
	payloadB64 string
	Signatures []Signature
}

// Signature is one element of the "signatures" array, as the two
// base64url texts the document carries.
type Signature struct {
	Protected string // the protected header, base64url
	Value     string // the signature, base64url
}

// Header is the protected header of a signature.
type Header struct {
	Alg      string    // "EdDSA" or "SM2-SM3"
	KID      string    // key id, 32 lowercase hex digits
	Role     Role      // "station" or "inspector"
	SignedAt time.Time // the "sigT" parameter: the signer's clock when signing
}

// headerJSON is the layout of the protected header. Sign writes the
// members in this order.
type headerJSON struct {
	Alg      string `json:"alg"`
	KID      string `json:"kid"`
	Role     Role   `json:"role"`
	SignedAt string `json:"sigT"`
}

// Payload returns the decoded payload: the bytes that were signed,
// before base64url encoding. The caller must not modify it.
func (j *JWS) Payload() []byte { return j.payload }

// signingInput returns the bytes signature s covers: the protected
// header and the payload as base64url texts joined by a dot (RFC 7515
// §5.1).
func (j *JWS) signingInput(s Signature) []byte {
	input := make([]byte, 0, len(s.Protected)+1+len(j.payloadB64))
	input = append(input, s.Protected...)
	input = append(input, '.')
	return append(input, j.payloadB64...)
}

// Marshal encodes j in general JSON serialization, on one line.
func (j *JWS) Marshal() []byte {
	size := len(j.payloadB64) + 32
	for _, s := range j.Signatures {
		size += len(s.Protected) + len(s.Value) + 32
	}
	b := make([]byte, 0, size)
	b = append(b, `{"`+memberPayload+`":"`...)
	b = append(b, j.payloadB64...)
	b = append(b, `","`+memberSignatures+`":[`...)
	for i, s := range j.Signatures {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"`+memberProtected+`":"`...)
		b = append(b, s.Protected...)
		b = append(b, `","`+memberSignature+`":"`...)
		b = append(b, s.Value...)
		b = append(b, `"}`...)
	}
	return append(b, "]}"...)
}

// Header decodes the protected header. The header must be a JSON object
// with exactly the string members alg, kid, role and sigT, each once.
// They must hold a supported algorithm, a key id of 32 hex digits, a
// known role and an RFC 3339 time; anything else is an error.
func (s Signature) Header() (Header, error) {
	if s.Protected == "" {
		return Header{}, errors.New("no protected header")
	}
	raw, err := decodeBase64URL(s.Protected)
	if err != nil {
		return Header{}, fmt.Errorf("protected header: %w", err)
	}
	return parseHeader(raw)
}

// Bytes decodes the signature value.
func (s Signature) Bytes() ([]byte, error) {
	if s.Value == "" {
		return nil, errors.New("empty signature")
	}
	return decodeBase64URL(s.Value)
}

// Parse decodes a JWS in general JSON serialization. It accepts what
// Sign writes, with any white space and member order: the members
// payload and signatures, and protected and signature in each signature.
// It rejects an unprotected header, a duplicate member, an escape
// sequence in a string, and base64url with padding. This strictness
// makes every verifier read the same values, including the grep-based
// shell procedure in docs/upload-signatures.md. Problems inside one
// signature are left for Verify to report per signature.
func Parse(data []byte) (*JWS, error) {
	j, err := parseJWS(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return j, nil
}

func parseJWS(data []byte) (*JWS, error) {
	r := newStrictReader(data)
	j := &JWS{}
	seen := make(map[string]bool)
	err := r.object(func(name string) error {
		if seen[name] {
			return fmt.Errorf("member %q given twice", name)
		}
		seen[name] = true
		switch name {
		case memberPayload:
			s, err := r.string()
			if err != nil {
				return fmt.Errorf("payload: %w", err)
			}
			if j.payload, err = decodeBase64URL(s); err != nil {
				return fmt.Errorf("payload: %w", err)
			}
			j.payloadB64 = s
			return nil
		case memberSignatures:
			return r.array(func() error {
				if len(j.Signatures) == MaxSignatures {
					return fmt.Errorf("more than %d signatures", MaxSignatures)
				}
				s, err := parseSignature(r)
				if err != nil {
					return fmt.Errorf("signature %d: %w", len(j.Signatures)+1, err)
				}
				j.Signatures = append(j.Signatures, s)
				return nil
			})
		}
		return fmt.Errorf("unsupported member %q", name)
	})
	if err != nil {
		return nil, err
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if !seen[memberPayload] {
		return nil, errors.New("no payload member; detached payloads are not supported")
	}
	if len(j.Signatures) == 0 {
		return nil, errors.New("no signatures")
	}
	return j, nil
}

func parseSignature(r *strictReader) (Signature, error) {
	var s Signature
	seen := make(map[string]bool)
	err := r.object(func(name string) error {
		if seen[name] {
			return fmt.Errorf("member %q given twice", name)
		}
		seen[name] = true
		var err error
		switch name {
		case memberProtected:
			s.Protected, err = r.string()
		case memberSignature:
			s.Value, err = r.string()
		case memberHeader:
			err = errors.New("unprotected header given; every header parameter must be protected")
		default:
			err = fmt.Errorf("unsupported member %q", name)
		}
		return err
	})
	if err != nil {
		return s, err
	}
	if !seen[memberSignature] {
		return s, errors.New("no signature member")
	}
	return s, nil
}

func parseHeader(raw []byte) (Header, error) {
	var h Header
	r := newStrictReader(raw)
	seen := make(map[string]bool)
	err := r.object(func(name string) error {
		if seen[name] {
			return fmt.Errorf("parameter %q given twice", name)
		}
		seen[name] = true
		value, err := r.string()
		if err != nil {
			return fmt.Errorf("parameter %q: %w", name, err)
		}
		switch name {
		case paramAlg:
			if _, ok := algorithmOfJOSE(value); !ok {
				return fmt.Errorf("alg %q is not %s or %s", value, JOSEEdDSA, JOSESM2SM3)
			}
			h.Alg = value
		case paramKID:
			if !validKID(value) {
				return fmt.Errorf("kid %q is not 32 lowercase hex digits", value)
			}
			h.KID = value
		case paramRole:
			role, err := ParseRole(value)
			if err != nil {
				return err
			}
			h.Role = role
		case paramSignedAt:
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return fmt.Errorf("sigT %q is not an RFC 3339 time with a zone", value)
			}
			h.SignedAt = t
		default:
			return fmt.Errorf("unsupported parameter %q", name)
		}
		return nil
	})
	if err != nil {
		return h, err
	}
	if err := r.end(); err != nil {
		return h, err
	}
	for _, name := range []string{paramAlg, paramKID, paramRole, paramSignedAt} {
		if !seen[name] {
			return h, fmt.Errorf("parameter %q missing", name)
		}
	}
	return h, nil
}

// decodeBase64URL decodes unpadded base64url and rejects any character
// outside its alphabet. encoding/base64 rejects all of them but the line
// breaks, which it skips, so those are checked first.
func decodeBase64URL(s string) ([]byte, error) {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("line break at offset %d in base64url", i)
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64url: %v", err)
	}
	return b, nil
}

// strictReader reads JSON token by token with encoding/json, rejecting
// string tokens that contain escape sequences or invalid UTF-8: such a
// string is exactly its raw text between the quotes.
type strictReader struct {
	data []byte
	dec  *json.Decoder
	last int64 // input offset after the previous token
}

func newStrictReader(data []byte) *strictReader {
	return &strictReader{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
}

// token returns the next token and its raw text, without the white
// space and separators before it.
func (r *strictReader) token() (json.Token, []byte, error) {
	tok, err := r.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("unexpected end of JSON")
		}
		return nil, nil, err
	}
	off := r.dec.InputOffset()
	raw := bytes.TrimLeft(r.data[r.last:off], " \t\r\n,:")
	r.last = off
	return tok, raw, nil
}

func (r *strictReader) string() (string, error) {
	tok, raw, err := r.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want a string, got %s", describeToken(tok))
	}
	if len(raw) != len(s)+2 || string(raw[1:len(raw)-1]) != s {
		return "", errors.New("string contains an escape sequence or invalid UTF-8")
	}
	return s, nil
}

func (r *strictReader) delim(want json.Delim) error {
	tok, _, err := r.token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %s", want, describeToken(tok))
	}
	return nil
}

// object reads an object, calling member for each name; member must
// read the value.
func (r *strictReader) object(member func(name string) error) error {
	if err := r.delim('{'); err != nil {
		return err
	}
	for r.dec.More() {
		name, err := r.string()
		if err != nil {
			return fmt.Errorf("member name: %w", err)
		}
		if err := member(name); err != nil {
			return err
		}
	}
	return r.delim('}')
}

// array reads an array, calling element for each element; element must
// read it.
func (r *strictReader) array(element func() error) error {
	if err := r.delim('['); err != nil {
		return err
	}
	for r.dec.More() {
		if err := element(); err != nil {
			return err
		}
	}
	return r.delim(']')
}

// end checks that nothing but white space follows the value read.
func (r *strictReader) end() error {
	if _, err := r.dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", v.String())
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// encodeHeader returns the protected header of a new signature as
// base64url.
func encodeHeader(alg Algorithm, kid string, role Role, signedAt time.Time) (string, error) {
	h := headerJSON{Alg: alg.JOSE(), KID: kid, Role: role, SignedAt: signedAt.UTC().Format(time.RFC3339)}
	raw, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	return b64.EncodeToString(raw), nil
}
