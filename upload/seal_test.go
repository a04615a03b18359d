package upload_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// sealPIN is the veterinarian's PIN in the sealer tests.
var sealPIN = []byte("482916")

// sealerKeys are a station key and vet1's inspector key, and the key set
// that verifies them.
type sealerKeys struct {
	station, inspector *sign.PrivateKey
	set                *sign.KeySet
}

func mustSealerKeys(t *testing.T) sealerKeys {
	t.Helper()
	var k sealerKeys
	set, err := sign.NewKeySet()
	if err != nil {
		t.Fatal(err)
	}
	k.set = set
	for _, role := range []sign.Role{sign.RoleStation, sign.RoleInspector} {
		var pin []byte
		if role == sign.RoleInspector {
			pin = sealPIN
		}
		pair, err := sign.GenerateKey(role, sign.Ed25519, pin)
		if err != nil {
			t.Fatal(err)
		}
		key, err := sign.ParsePrivateKey(pair.PrivatePEM)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := sign.ParsePublicKey(pair.PublicPEM)
		if err != nil {
			t.Fatal(err)
		}
		if err := set.Add(pub); err != nil {
			t.Fatal(err)
		}
		if role == sign.RoleStation {
			k.station = key
		} else {
			k.inspector = key
		}
	}
	return k
}

func TestNewSealerRejects(t *testing.T) {
	k := mustSealerKeys(t)
	vets := map[string]*sign.PrivateKey{"vet1": k.inspector}
	tests := []struct {
		name       string
		domain     string
		station    *sign.PrivateKey
		inspectors map[string]*sign.PrivateKey
		want       string
	}{
		{"ErrDomain", "trace example", k.station, vets, "invalid platform domain"},
		{"ErrNoStationKey", "trace.example.cn", nil, vets, "station key is missing"},
		{"ErrStationRole", "trace.example.cn", k.inspector, vets, "not a station key"},
		{"ErrNoInspector", "trace.example.cn", k.station, nil, "no inspector key"},
		{"ErrInspectorRole", "trace.example.cn", k.station, map[string]*sign.PrivateKey{"vet1": k.station}, "key of vet1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := upload.NewSealer(upload.Options{Domain: tt.domain}, tt.station, tt.inspectors)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("NewSealer = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSealerSeal(t *testing.T) {
	ctx := context.Background()
	db, batch := mustRecordBatch(t, t.TempDir())
	facts, err := db.BatchFacts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	k := mustSealerKeys(t)
	opts := upload.Options{Domain: testDomain}
	sealer, err := upload.NewSealer(opts, k.station, map[string]*sign.PrivateKey{"vet1": k.inspector})
	if err != nil {
		t.Fatal(err)
	}

	// Ensure the signed payload is the document Build makes, and both
	// signatures verify.
	doc, err := sealer.Seal(facts, "vet1", sealPIN, shiftStart.Add(9*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != upload.SignedFormat {
		t.Errorf("format = %q, want %q", doc.Format, upload.SignedFormat)
	}
	report, err := sign.VerifyBatch(doc.Body, k.set)
	if err != nil {
		t.Fatalf("VerifyBatch: %v", err)
	}
	built, err := upload.Build(facts, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := built.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(report.Payload, want) {
		t.Error("the signed payload is not the canonical document Build makes from the facts")
	}
	if string(sealPIN) != "482916" {
		t.Errorf("Seal changed the PIN to %q", sealPIN)
	}

	t.Run("ErrWrongPIN", func(t *testing.T) {
		_, err := sealer.Seal(facts, "vet1", []byte("000000"), shiftStart)
		var se *upload.SealError
		if !errors.As(err, &se) || !errors.Is(err, sign.ErrWrongPIN) {
			t.Fatalf("Seal with a wrong PIN = %v, want a *SealError wrapping sign.ErrWrongPIN", err)
		}
		mustLocalize(t, se, "PIN")
	})
	t.Run("ErrUnknownVet", func(t *testing.T) {
		_, err := sealer.Seal(facts, "vet2", sealPIN, shiftStart)
		var se *upload.SealError
		if !errors.As(err, &se) || se.Key != "seal.no_inspector_key" {
			t.Fatalf("Seal by a veterinarian without a key = %v", err)
		}
		mustLocalize(t, se, "vet2")
	})
	t.Run("ErrNoApproval", func(t *testing.T) {
		f := *facts
		f.Plant.ApprovalNumber = ""
		_, err := sealer.Seal(&f, "vet1", sealPIN, shiftStart)
		var se *upload.SealError
		if !errors.As(err, &se) || se.Key != "seal.no_approval" {
			t.Fatalf("Seal without an approval number = %v", err)
		}
		mustLocalize(t, se, batch)
	})
	t.Run("ErrCheck", func(t *testing.T) {
		// A carcass with packs stated as blocked: the platform rejects
		// its packs, so nothing is signed.
		f := *facts
		f.Carcasses = append([]line.CarcassFact(nil), facts.Carcasses...)
		number := facts.Packs[0].Carcass
		for i := range f.Carcasses {
			if f.Carcasses[i].Number == number {
				f.Carcasses[i].State = line.CarcassBlocked
			}
		}
		_, err := sealer.Seal(&f, "vet1", sealPIN, shiftStart)
		var ce *upload.CheckError
		if !errors.As(err, &ce) {
			t.Fatalf("Seal of a document with problems = %v, want a *CheckError", err)
		}
		if !slices.ContainsFunc(ce.Problems, func(p upload.Problem) bool { return p.Code == upload.ProblemPackBlocked }) {
			t.Errorf("problems = %v, want %s among them", ce.Problems, upload.ProblemPackBlocked)
		}
		mustLocalize(t, ce, number)
	})
}

// mustLocalize checks that a sealer error renders in every language and
// names want.
func mustLocalize(t *testing.T, err line.Localized, want string) {
	t.Helper()
	for _, lang := range line.Langs {
		text := err.Message(lang)
		if !strings.Contains(text, want) || strings.HasPrefix(text, "seal.") || strings.HasPrefix(text, "sign.") {
			t.Errorf("Message(%s) = %q, want it to name %q", lang, text, want)
		}
	}
}
