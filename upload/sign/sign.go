package sign

import (
	"errors"
	"fmt"
	"time"
)

// Signer is one signature to make: a key and, when the key is encrypted,
// the PIN that unlocks it. Sign neither changes nor keeps the PIN; the
// caller zeroes it when done.
type Signer struct {
	Key *PrivateKey
	PIN []byte
}

// Sign signs payload with each signer, in order, and returns the JWS in
// general JSON serialization. Every protected header carries alg, kid,
// role and sigT, which is signedAt in UTC to the second.
//
// An encrypted key is decrypted for its one signature only, and the
// decrypted key is zeroed before Sign returns. A wrong PIN fails with an
// error wrapping ErrWrongPIN, a missing one with ErrPINRequired, and no
// signature is made.
func Sign(payload []byte, signedAt time.Time, signers ...Signer) ([]byte, error) {
	if len(signers) == 0 {
		return nil, errors.New("sign: no signers given")
	}
	if len(signers) > MaxSignatures {
		return nil, fmt.Errorf("sign: %d signers given, at most %d", len(signers), MaxSignatures)
	}
	if signedAt.IsZero() {
		return nil, errors.New("sign: signing time not set")
	}
	seen := make(map[string]bool)
	for i, s := range signers {
		if s.Key == nil {
			return nil, fmt.Errorf("sign: signer %d has no key", i+1)
		}
		if seen[s.Key.kid] {
			return nil, fmt.Errorf("sign: key %s given twice", s.Key.kid)
		}
		seen[s.Key.kid] = true
	}

	j := &JWS{payload: payload, payloadB64: b64.EncodeToString(payload)}
	for _, s := range signers {
		sig, err := j.sign(s, signedAt)
		if err != nil {
			return nil, fmt.Errorf("sign with %s key %s: %w", s.Key.role, s.Key.kid, err)
		}
		j.Signatures = append(j.Signatures, sig)
	}
	return j.Marshal(), nil
}

// sign makes one signature over j's payload.
func (j *JWS) sign(s Signer, signedAt time.Time) (Signature, error) {
	k := s.Key
	protected, err := encodeHeader(k.alg, k.kid, k.role, signedAt)
	if err != nil {
		return Signature{}, err
	}
	sig := Signature{Protected: protected}

	signer := k.signer
	if k.sealed != nil {
		unlocked, wipe, err := k.sealed.unlock(s.PIN)
		if err != nil {
			return Signature{}, err
		}
		defer wipe()
		signer = unlocked
	}
	value, err := signWith(signer, j.signingInput(sig))
	if err != nil {
		return Signature{}, err
	}
	sig.Value = b64.EncodeToString(value)
	return sig, nil
}
