package store

import (
	"context"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

// phcPattern is the PHC string of an Argon2id hash with the parameters
// of new PINs, a 16-byte salt (22 base64 characters) and a 32-byte hash
// (43 characters).
var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestPINHashFormat(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	err := db.Update(ctx, System, func(tx *Tx) error {
		return tx.CreateUser(User{ID: "op7", Name: "Sarangerel", Role: RoleOperator, Active: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPIN(ctx, System, "op7", "2468"); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.reader.QueryRowContext(ctx, "SELECT pin_hash FROM users WHERE id = 'op7'").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !phcPattern.MatchString(stored) {
		t.Fatalf("stored PIN hash %q does not match %s", stored, phcPattern)
	}
	salt, err := base64.RawStdEncoding.DecodeString(strings.Split(stored, "$")[4])
	if err != nil || len(salt) != 16 {
		t.Errorf("salt = %d bytes, %v; want 16", len(salt), err)
	}
	if strings.Contains(stored, "2468") {
		t.Error("the stored hash contains the PIN")
	}
}

func TestPINHashSalted(t *testing.T) {
	a, errA := hashPIN("2468", pinParams)
	b, errB := hashPIN("2468", pinParams)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Error("two hashes of one PIN are equal; the salt is not random")
	}
	for _, h := range []string{a, b} {
		if ok, err := verifyPIN("2468", h); !ok || err != nil {
			t.Errorf("verifyPIN(right PIN) = %v, %v", ok, err)
		}
		if ok, err := verifyPIN("2469", h); ok || err != nil {
			t.Errorf("verifyPIN(wrong PIN) = %v, %v", ok, err)
		}
	}
}

func TestParsePHCInvalid(t *testing.T) {
	good, err := hashPIN("2468", argon2Params{memory: 64, time: 1, threads: 1, keyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Split(good, "$")
	with := func(i int, v string) string {
		f := append([]string(nil), fields...)
		f[i] = v
		return strings.Join(f, "$")
	}
	tests := map[string]string{
		"Argon2i":      with(1, "argon2i"),
		"Version16":    with(2, "v=16"),
		"HugeMemory":   with(3, "m=4194304,t=1,p=1"),
		"ManyPasses":   with(3, "m=64,t=1000,p=1"),
		"NoThreads":    with(3, "m=64,t=1,p=0"),
		"MissingParam": with(3, "m=64,t=1"),
		"ExtraParam":   with(3, "m=64,t=1,p=1,x=2"),
		"BadSalt":      with(4, "!!!"),
		"ShortSalt":    with(4, "AAAA"),
		"ShortHash":    with(5, "AAAA"),
		"TooFewFields": strings.Join(fields[:5], "$"),
		"Empty":        "",
	}
	for name, phc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, _, _, err := parsePHC(phc); err == nil {
				t.Errorf("parsePHC(%q) succeeded", phc)
			} else if strings.Contains(err.Error(), fields[5]) {
				t.Errorf("parsePHC error %q quotes the hash", err)
			}
		})
	}
	if _, _, _, err := parsePHC(good); err != nil {
		t.Errorf("parsePHC(%q) = %v", good, err)
	}
}
