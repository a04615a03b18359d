package upload

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"lambtrace/line"
	"lambtrace/upload/sign"
)

// SignedFormat names the form of a sealed batch document in the outbox: a
// lambtrace-batch/1 document as the payload of a JWS in general JSON
// serialization.
const SignedFormat = "lambtrace-batch/1+jws"

// Sealer makes the signed documents of batches at the station: it builds
// a document from the facts, checks it as the platform would and signs
// it with the station's key and the signing veterinarian's key. It
// implements line.Sealer and is safe for concurrent use.
type Sealer struct {
	opts       Options
	station    *sign.PrivateKey
	inspectors map[string]*sign.PrivateKey // by the veterinarian's user id
}

var _ line.Sealer = (*Sealer)(nil)

// NewSealer returns a sealer that builds documents with opts and signs
// them with station, a key of role station, and with the inspector key
// of the veterinarian who signs off, from inspectors by user id. It fails
// when opts has no valid platform domain or a key has the wrong role.
func NewSealer(opts Options, station *sign.PrivateKey, inspectors map[string]*sign.PrivateKey) (*Sealer, error) {
	if err := checkDomain(opts.Domain); err != nil {
		return nil, fmt.Errorf("new sealer: %w", err)
	}
	if station == nil || station.Role() != sign.RoleStation {
		return nil, fmt.Errorf("new sealer: the station key is missing or is not a %s key", sign.RoleStation)
	}
	if len(inspectors) == 0 {
		return nil, fmt.Errorf("new sealer: no inspector key")
	}
	for vet, k := range inspectors {
		if k == nil || k.Role() != sign.RoleInspector {
			return nil, fmt.Errorf("new sealer: the key of %s is missing or is not an %s key", vet, sign.RoleInspector)
		}
	}
	return &Sealer{opts: opts, station: station, inspectors: maps.Clone(inspectors)}, nil
}

// Seal builds the document of a batch from its facts and checks it with
// CheckRules under the sealer's rules. It then signs the canonical bytes
// with the station's key and with vet's inspector key, which pin
// unlocks, both at the signing time at. It neither keeps nor changes
// pin.
//
// Seal returns a *SealError when the veterinarian has no key here, when
// the plant's approval number is not set or when the key does not sign,
// such as for a wrong PIN. It returns a *CheckError listing the problems
// of a document the platform would reject, which is then not signed.
func (s *Sealer) Seal(f *line.BatchFacts, vet string, pin []byte, at time.Time) (line.SealedDocument, error) {
	key := s.inspectors[vet]
	switch {
	case f == nil:
		return line.SealedDocument{}, fmt.Errorf("seal: no facts")
	case key == nil:
		return line.SealedDocument{}, &SealError{Key: "seal.no_inspector_key", Data: map[string]string{"vet": vet}}
	case f.Plant.ApprovalNumber == "":
		return line.SealedDocument{}, &SealError{Key: "seal.no_approval", Data: map[string]string{"batch": f.Batch.String()}}
	}

	doc, err := Build(f, s.opts)
	if err != nil {
		return line.SealedDocument{}, fmt.Errorf("seal batch %s: %w", f.Batch, err)
	}
	if err := Err(doc.Batch.ID, CheckRules(doc, s.opts.Rules)); err != nil {
		return line.SealedDocument{}, err
	}
	payload, err := doc.Canonical()
	if err != nil {
		return line.SealedDocument{}, fmt.Errorf("seal batch %s: %w", f.Batch, err)
	}
	body, err := sign.Sign(payload, at, sign.Signer{Key: s.station}, sign.Signer{Key: key, PIN: pin})
	if err != nil {
		if k := sign.MessageKey(err); k != "" {
			return line.SealedDocument{}, &SealError{Key: k, Err: err}
		}
		return line.SealedDocument{}, fmt.Errorf("seal batch %s: %w", f.Batch, err)
	}
	return line.SealedDocument{Format: SignedFormat, Body: body}, nil
}

// SealError is a reason Seal did not sign that a person can act on. Key
// and Data name its message in the translation catalogs, and Err is the
// underlying error, if any.
type SealError struct {
	Key  string
	Data map[string]string
	Err  error
}

func (e *SealError) Error() string {
	msg := "seal: " + line.Translate(line.LangEN, e.Key, e.Data)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *SealError) Unwrap() error { return e.Err }

// Message renders the reason in lang.
func (e *SealError) Message(lang line.Lang) string { return line.Translate(lang, e.Key, e.Data) }

// checkErrorListed is how many problems CheckError.Message names.
const checkErrorListed = 3

// Message renders the problems in lang: their count and the first few
// messages.
func (e *CheckError) Message(lang line.Lang) string {
	listed := make([]string, 0, checkErrorListed)
	for i, p := range e.Problems {
		if i == checkErrorListed {
			break
		}
		listed = append(listed, p.Message(lang))
	}
	return line.Translate(lang, "seal.problems", map[string]string{
		"batch": e.BatchID, "count": strconv.Itoa(len(e.Problems)), "problems": strings.Join(listed, "; "),
		"more": strconv.Itoa(len(e.Problems) - len(listed))})
}
