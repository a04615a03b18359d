package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// storeSignOff is a SignOffService over the station and its store, for
// the tests of the sign-off screen. It checks the batch, the user and the
// PIN in the store and records the certificate. Then it builds and checks
// the batch document with upload, signs it with real keys and seals it
// into the store's outbox.
type storeSignOff struct {
	db        *store.DB
	st        *line.Station
	station   *sign.PrivateKey
	inspector *sign.PrivateKey
	domain    string
	now       func() time.Time
	public    [][]byte // the public key files of both keys
}

// newStoreSignOff makes fresh Ed25519 keys: the station's and vet1's,
// encrypted under testPIN.
func newStoreSignOff(t *testing.T, r *rig) *storeSignOff {
	t.Helper()
	s := &storeSignOff{db: r.db, st: r.st, domain: "trace.example.cn", now: r.clock.Now}
	key := func(role sign.Role, pin []byte) *sign.PrivateKey {
		pair, err := sign.GenerateKey(role, sign.Ed25519, pin)
		if err != nil {
			t.Fatal(err)
		}
		k, err := sign.ParsePrivateKey(pair.PrivatePEM)
		if err != nil {
			t.Fatal(err)
		}
		s.public = append(s.public, pair.PublicPEM)
		return k
	}
	s.station, s.inspector = key(sign.RoleStation, nil), key(sign.RoleInspector, []byte(testPIN))
	return s
}

// publicKeys returns the public keys of the station and the inspector.
func (s *storeSignOff) publicKeys(t *testing.T) []sign.PublicKey {
	t.Helper()
	var keys []sign.PublicKey
	for _, data := range s.public {
		k, err := sign.ParsePublicKey(data)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

func (s *storeSignOff) BatchFacts(ctx context.Context, batch line.BatchID) (*line.BatchFacts, error) {
	return s.db.BatchFacts(ctx, batch.String())
}

func (s *storeSignOff) Blockers(ctx context.Context, batch line.BatchID) ([]Explanation, error) {
	facts, err := s.db.BatchFacts(ctx, batch.String())
	if err != nil {
		return nil, err
	}
	var out []Explanation
	for _, r := range s.blockers(facts) {
		out = append(out, r)
	}
	return out, nil
}

// blockers refuses a batch with held carcasses.
func (s *storeSignOff) blockers(facts *line.BatchFacts) []*SignOffRefusal {
	summary := SummarizeBatch(facts, s.st.Rules().MaxLossBP)
	if len(summary.OpenHolds) == 0 {
		return nil
	}
	return []*SignOffRefusal{{Reason: RefusedSignHeld, Data: map[string]string{
		"count": strconv.Itoa(len(summary.OpenHolds)), "carcasses": strings.Join(summary.OpenHolds, "、")}}}
}

func (s *storeSignOff) SignOff(ctx context.Context, req SignOffRequest, progress func(SignOffProgress)) (SignOffResult, error) {
	step := func(st SignOffStep) {
		if progress != nil {
			progress(SignOffProgress{Step: st})
		}
	}
	id := req.Batch.String()

	// Check the batch, the certificate number, the user and the PIN.
	step(StepCheck)
	facts, err := s.db.BatchFacts(ctx, id)
	if err != nil {
		return SignOffResult{}, err
	}
	switch facts.State {
	case line.BatchOpen, line.BatchCutting, line.BatchReview:
	default:
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignState, Data: map[string]string{"state": string(facts.State)}}
	}
	if blockers := s.blockers(facts); len(blockers) > 0 {
		return SignOffResult{}, blockers[0]
	}
	if !line.ValidProductCertificate(req.Certificate) {
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignCertificate, Data: map[string]string{"certificate": req.Certificate}}
	}
	u, err := s.db.CheckPIN(ctx, req.Vet, req.PIN)
	switch {
	case errors.Is(err, store.ErrWrongPIN):
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignPIN}
	case err != nil:
		return SignOffResult{}, err
	case u.Role != store.RoleVet:
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignRole, Data: map[string]string{"user": req.Vet}}
	}

	// Put the batch under review with the certificate number.
	step(StepReview)
	err = s.db.Update(ctx, store.Actor(req.Vet), func(tx *store.Tx) error {
		b, err := tx.Batch(id)
		if err != nil {
			return err
		}
		for _, to := range []line.BatchState{line.BatchCutting, line.BatchReview} {
			if b.State == line.BatchOpen || b.State == line.BatchCutting && to == line.BatchReview {
				if err := tx.AdvanceBatch(id, to); err != nil {
					return err
				}
				b.State = to
			}
		}
		return tx.SetProductCertificate(id, req.Certificate)
	})
	if err != nil {
		return SignOffResult{}, err
	}

	// Build the document, check it as the platform will and sign it.
	step(StepSign)
	if facts, err = s.db.BatchFacts(ctx, id); err != nil {
		return SignOffResult{}, err
	}
	doc, err := upload.Build(facts, upload.Options{Domain: s.domain, Rules: s.st.Rules()})
	if err != nil {
		return SignOffResult{}, err
	}
	if problems := upload.Check(doc); len(problems) > 0 {
		texts := make([]string, len(problems))
		for i, p := range problems {
			texts[i] = p.Message(line.LangZH)
		}
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignProblems, Data: map[string]string{"problems": strings.Join(texts, "；")}}
	}
	body, err := doc.Canonical()
	if err != nil {
		return SignOffResult{}, err
	}

	// Sign with the station's key and the veterinarian's.
	signed, err := sign.Sign(body, s.now(),
		sign.Signer{Key: s.station}, sign.Signer{Key: s.inspector, PIN: []byte(req.PIN)})
	if errors.Is(err, sign.ErrWrongPIN) {
		return SignOffResult{}, &SignOffRefusal{Reason: RefusedSignPIN}
	}
	if err != nil {
		return SignOffResult{}, err
	}

	// Seal and queue for upload.
	step(StepSeal)
	if err := s.advance(ctx, req.Vet, id, line.BatchSigned); err != nil {
		return SignOffResult{}, err
	}
	if err := s.db.Seal(ctx, store.Actor(req.Vet), id, "batch+jws", signed); err != nil {
		return SignOffResult{}, err
	}
	if err := s.advance(ctx, req.Vet, id, line.BatchSealed); err != nil {
		return SignOffResult{}, err
	}
	d, err := s.db.Document(ctx, id)
	if err != nil {
		return SignOffResult{}, fmt.Errorf("read sealed document: %w", err)
	}
	return SignOffResult{SHA256: d.SHA256, SealedAt: d.SealedAt}, nil
}

func (s *storeSignOff) advance(ctx context.Context, actor, id string, to line.BatchState) error {
	return s.db.Update(ctx, store.Actor(actor), func(tx *store.Tx) error { return tx.AdvanceBatch(id, to) })
}
