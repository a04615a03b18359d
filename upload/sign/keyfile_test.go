package sign_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"lambtrace/upload/sign"
)

func TestGenerateKeyFiles(t *testing.T) {
	for _, tt := range []struct {
		role      sign.Role
		alg       sign.Algorithm
		pin       []byte
		blockType string
	}{
		{sign.RoleStation, sign.Ed25519, nil, "PRIVATE KEY"},
		{sign.RoleStation, sign.SM2, nil, "PRIVATE KEY"},
		{sign.RoleInspector, sign.Ed25519, testPIN, "LAMBTRACE ENCRYPTED PRIVATE KEY"},
		{sign.RoleInspector, sign.SM2, testPIN, "LAMBTRACE ENCRYPTED PRIVATE KEY"},
	} {
		t.Run(string(tt.role)+"-"+string(tt.alg), func(t *testing.T) {
			pair, key := MustGenerate(t, tt.role, tt.alg, tt.pin)
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(pair.KID) {
				t.Fatalf("kid %q is not 32 lowercase hex digits", pair.KID)
			}
			if key.KID() != pair.KID || key.Role() != tt.role || key.Algorithm() != tt.alg {
				t.Errorf("parsed key = %s %s %s, want %s %s %s", key.KID(), key.Role(), key.Algorithm(), pair.KID, tt.role, tt.alg)
			}
			if got, want := key.Encrypted(), tt.pin != nil; got != want {
				t.Errorf("Encrypted() = %v, want %v", got, want)
			}
			attrs := "kid: " + pair.KID + "\nrole: " + string(tt.role) + "\nalg: " + tt.alg.JOSE() + "\n"
			for name, file := range map[string][]byte{"private": pair.PrivatePEM, "public": pair.PublicPEM} {
				if !bytes.HasPrefix(file, []byte(attrs)) {
					t.Errorf("%s key file does not start with the attributes %q:\n%s", name, attrs, file)
				}
			}

			// Ensure the kid is the SHA-256 of the SubjectPublicKeyInfo.
			block, _ := pem.Decode(pair.PublicPEM)
			if block == nil || block.Type != "PUBLIC KEY" {
				t.Fatalf("public key file has no PUBLIC KEY block:\n%s", pair.PublicPEM)
			}
			sum := sha256.Sum256(block.Bytes)
			if want := hex.EncodeToString(sum[:16]); pair.KID != want {
				t.Errorf("kid = %s, want %s", pair.KID, want)
			}
			if got := sign.KeyID(block.Bytes); got != pair.KID {
				t.Errorf("KeyID = %s, want %s", got, pair.KID)
			}

			block, _ = pem.Decode(pair.PrivatePEM)
			if block == nil || block.Type != tt.blockType {
				t.Fatalf("private key file has no %s block:\n%s", tt.blockType, pair.PrivatePEM)
			}
			if tt.pin != nil && len(block.Headers) != 5 {
				t.Errorf("encrypted key headers = %v, want KDF, Salt, PIN-Check, Cipher and Nonce", block.Headers)
			}

			pub := MustPublic(t, pair)
			if pub.KID != pair.KID || pub.Role != tt.role || pub.Algorithm != tt.alg {
				t.Errorf("public key = %s %s %s, want %s %s %s", pub.KID, pub.Role, pub.Algorithm, pair.KID, tt.role, tt.alg)
			}
		})
	}
}

func TestGenerateKeyPINRules(t *testing.T) {
	for _, tt := range []struct {
		name string
		role sign.Role
		pin  []byte
		want error
	}{
		{"InspectorWithoutPIN", sign.RoleInspector, nil, sign.ErrPINRequired},
		{"ShortPIN", sign.RoleInspector, []byte("123"), sign.ErrInvalidPIN},
		{"LongPIN", sign.RoleInspector, bytes.Repeat([]byte("1"), 33), sign.ErrInvalidPIN},
		{"LetterInPIN", sign.RoleInspector, []byte("12a4"), sign.ErrInvalidPIN},
		{"NewlineInPIN", sign.RoleInspector, []byte("1234\n"), sign.ErrInvalidPIN},
		{"StationWithPIN", sign.RoleStation, testPIN, nil},
		{"PlatformWithPIN", sign.RolePlatform, testPIN, nil},
		{"UnknownRole", sign.Role("admin"), nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pair, err := sign.GenerateKey(tt.role, sign.Ed25519, tt.pin)
			if err == nil {
				t.Fatalf("GenerateKey succeeded with kid %s", pair.KID)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := sign.GenerateKey(sign.RoleStation, sign.Algorithm("rsa"), nil); err == nil {
		t.Error("GenerateKey with algorithm rsa succeeded")
	}
}

func TestWriteFilesRefusesOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	pair, _ := MustGenerate(t, sign.RoleInspector, sign.SM2, testPIN)
	if err := pair.WriteFiles(dir); err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	for path, mode := range map[string]os.FileMode{pair.PrivatePath(dir): 0o600, pair.PublicPath(dir): 0o644} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", path, info.Mode().Perm(), mode)
		}
	}

	// Ensure a second write of either file fails and changes nothing.
	before, _ := os.ReadFile(pair.PrivatePath(dir))
	other := *pair
	other.PrivatePEM = []byte("replaced")
	if err := other.WriteFiles(dir); !errors.Is(err, sign.ErrKeyExists) {
		t.Fatalf("second WriteFiles error = %v, want ErrKeyExists", err)
	}
	if after, _ := os.ReadFile(pair.PrivatePath(dir)); !bytes.Equal(before, after) {
		t.Error("second WriteFiles changed the private key file")
	}
	if err := os.Remove(pair.PrivatePath(dir)); err != nil {
		t.Fatal(err)
	}
	if err := other.WriteFiles(dir); !errors.Is(err, sign.ErrKeyExists) {
		t.Fatalf("WriteFiles with only the .pem present: error = %v, want ErrKeyExists", err)
	}
	if _, err := os.Stat(pair.PrivatePath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WriteFiles left a private key behind: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want the one .pem file", len(entries))
	}

	// Ensure the files read back.
	if err := os.WriteFile(pair.PrivatePath(dir), before, 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := sign.ReadPrivateKeyFile(pair.PrivatePath(dir))
	if err != nil || key.KID() != pair.KID {
		t.Fatalf("ReadPrivateKeyFile: %v", err)
	}
	set, err := sign.LoadKeySet(dir)
	if err != nil {
		t.Fatalf("LoadKeySet: %v", err)
	}
	if got, ok := set.Lookup(pair.KID); !ok || got.Role != sign.RoleInspector {
		t.Errorf("Lookup(%s) = %+v, %v", pair.KID, got, ok)
	}
}

func TestLoadKeySetFileName(t *testing.T) {
	dir := t.TempDir()
	pair, _ := MustGenerate(t, sign.RoleStation, sign.Ed25519, nil)
	if err := os.WriteFile(filepath.Join(dir, "station.pem"), pair.PublicPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sign.LoadKeySet(dir); err == nil || !strings.Contains(err.Error(), pair.KID+".pem") {
		t.Errorf("LoadKeySet error = %v, want one naming %s.pem", err, pair.KID)
	}
	if _, err := sign.LoadKeySet(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadKeySet of a missing directory: error = %v", err)
	}
}

func TestKeySetAdd(t *testing.T) {
	pair, _ := MustGenerate(t, sign.RoleStation, sign.SM2, nil)
	pub := MustPublic(t, pair)
	set, err := sign.NewKeySet(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Add(pub); err == nil {
		t.Error("adding a kid twice succeeded")
	}
	other, _ := MustGenerate(t, sign.RoleStation, sign.SM2, nil)
	forged := MustPublic(t, other)
	forged.KID = pub.KID[:31] + "0"
	if pub.KID == forged.KID {
		forged.KID = pub.KID[:31] + "1"
	}
	if err := set.Add(forged); err == nil {
		t.Error("adding a key under a kid that is not its own succeeded")
	}
	noRole := MustPublic(t, other)
	noRole.Role = ""
	if err := set.Add(noRole); err == nil {
		t.Error("adding a key without a role succeeded")
	}
	if n := len(set.Keys()); n != 1 {
		t.Errorf("set holds %d keys, want 1", n)
	}
}

func TestWrongPIN(t *testing.T) {
	for _, alg := range sign.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			_, key := MustGenerate(t, sign.RoleInspector, alg, testPIN)
			for _, pin := range []string{"482915", "4829160", "0000", "48291"} {
				_, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: key, PIN: []byte(pin)})
				if !errors.Is(err, sign.ErrWrongPIN) {
					t.Errorf("PIN %s: error = %v, want ErrWrongPIN", pin, err)
				}
			}
			if _, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: key, PIN: testPIN}); err != nil {
				t.Errorf("right PIN after wrong ones: %v", err)
			}
		})
	}
}

// TestDefaultKDFParams runs one encrypted key through the parameters
// that new keys get outside the tests.
func TestDefaultKDFParams(t *testing.T) {
	restore := sign.SetKDFParams(64*1024, 3, 2)
	defer restore()
	k := MustKeys(t, sign.Ed25519, sign.SM2)
	block, _ := pem.Decode(k.vetPair.PrivatePEM)
	if got, want := block.Headers["KDF"], "argon2id,v=19,m=65536,t=3,p=2"; got != want {
		t.Errorf("KDF header = %q, want %q", got, want)
	}
	if _, err := sign.VerifyBatch(MustSignBatch(t, k, samplePayload), k.set); err != nil {
		t.Fatalf("VerifyBatch: %v", err)
	}
	if _, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: k.inspector, PIN: []byte("482917")}); !errors.Is(err, sign.ErrWrongPIN) {
		t.Errorf("wrong PIN: error = %v, want ErrWrongPIN", err)
	}
}

func TestDamagedKeyFiles(t *testing.T) {
	station, _ := MustGenerate(t, sign.RoleStation, sign.SM2, nil)
	vet, _ := MustGenerate(t, sign.RoleInspector, sign.Ed25519, testPIN)
	other, _ := MustGenerate(t, sign.RoleStation, sign.Ed25519, nil)

	// reencode replaces the PEM block of a key file, keeping its
	// attribute lines.
	reencode := func(file []byte, edit func(b *pem.Block)) []byte {
		begin := bytes.Index(file, []byte("-----BEGIN"))
		block, _ := pem.Decode(file)
		edit(block)
		return append(bytes.Clone(file[:begin]), pem.EncodeToMemory(block)...)
	}
	replace := func(file []byte, from, to string) []byte {
		if !bytes.Contains(file, []byte(from)) {
			t.Fatalf("key file lacks %q:\n%s", from, file)
		}
		return bytes.Replace(file, []byte(from), []byte(to), 1)
	}
	// Cases a parser must reject outright.
	unparsable := []struct {
		name string
		file []byte
	}{
		{"Empty", nil},
		{"Truncated", station.PrivatePEM[:len(station.PrivatePEM)/2]},
		{"NoAttributes", station.PrivatePEM[bytes.Index(station.PrivatePEM, []byte("-----BEGIN")):]},
		{"UnknownAttribute", append([]byte("owner: plant 7\n"), station.PrivatePEM...)},
		{"RepeatedAttribute", append([]byte("role: station\n"), station.PrivatePEM...)},
		{"KIDOfAnotherKey", replace(station.PrivatePEM, station.KID, other.KID)},
		{"AlgorithmAttribute", replace(station.PrivatePEM, "alg: SM2-SM3", "alg: EdDSA")},
		{"PublicKeyBlock", station.PublicPEM},
		{"TwoBlocks", append(bytes.Clone(station.PrivatePEM), station.PrivatePEM[bytes.Index(station.PrivatePEM, []byte("-----BEGIN")):]...)},
		{"FlippedDER", reencode(station.PrivatePEM, func(b *pem.Block) { b.Bytes[len(b.Bytes)/2] ^= 0xff })},
		{"PlainInspectorKey", replace(station.PrivatePEM, "role: station", "role: inspector")},
		{"HeaderOnPlainKey", reencode(station.PrivatePEM, func(b *pem.Block) { b.Headers = map[string]string{"Cipher": "none"} })},
		{"UnknownCipher", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["Cipher"] = "AES-128-CBC" })},
		{"HugeMemory", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["KDF"] = "argon2id,v=19,m=4194304,t=3,p=2" })},
		{"ZeroPasses", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["KDF"] = "argon2id,v=19,m=65536,t=0,p=2" })},
		{"Argon2i", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["KDF"] = "argon2i,v=19,m=65536,t=3,p=2" })},
		{"ShortSalt", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["Salt"] = "AAAA" })},
		{"UnknownHeader", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["Comment"] = "vet" })},
		{"MissingNonce", reencode(vet.PrivatePEM, func(b *pem.Block) { delete(b.Headers, "Nonce") })},
	}
	for _, tt := range unparsable {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sign.ParsePrivateKey(tt.file); !errors.Is(err, sign.ErrInvalidKeyFile) {
				t.Errorf("ParsePrivateKey error = %v, want ErrInvalidKeyFile", err)
			}
		})
	}

	// Cases that parse but cannot sign: the encrypted part and the
	// attributes bound to it are checked when the PIN unlocks the key.
	unusable := []struct {
		name string
		file []byte
		want error
	}{
		{"FlippedCiphertext", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Bytes[3] ^= 0x01 }), sign.ErrInvalidKeyFile},
		{"ChangedNonce", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["Nonce"] = "AAAAAAAAAAAAAAAA" }), sign.ErrInvalidKeyFile},
		{"RoleEdited", replace(vet.PrivatePEM, "role: inspector", "role: station"), sign.ErrInvalidKeyFile},
		{"ChangedPINCheck", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["PIN-Check"] = "AAAAAAAAAAAAAAAAAAAAAA==" }), sign.ErrWrongPIN},
		{"ChangedSalt", reencode(vet.PrivatePEM, func(b *pem.Block) { b.Headers["Salt"] = "AAAAAAAAAAAAAAAAAAAAAA==" }), sign.ErrWrongPIN},
	}
	for _, tt := range unusable {
		t.Run(tt.name, func(t *testing.T) {
			key, err := sign.ParsePrivateKey(tt.file)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if _, err := sign.Sign(samplePayload, signedAt, sign.Signer{Key: key, PIN: testPIN}); !errors.Is(err, tt.want) {
				t.Errorf("Sign error = %v, want %v", err, tt.want)
			}
		})
	}

	// Public key files.
	for _, tt := range []struct {
		name string
		file []byte
	}{
		{"PrivateKeyAsPublic", station.PrivatePEM},
		{"PublicKIDOfAnotherKey", replace(station.PublicPEM, station.KID, other.KID)},
		{"FlippedSPKI", reencode(station.PublicPEM, func(b *pem.Block) { b.Bytes[len(b.Bytes)-10] ^= 0xff })},
		{"NoRole", replace(station.PublicPEM, "role: station\n", "")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sign.ParsePublicKey(tt.file); !errors.Is(err, sign.ErrInvalidKeyFile) {
				t.Errorf("ParsePublicKey error = %v, want ErrInvalidKeyFile", err)
			}
		})
	}
}

func TestReadKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := sign.ReadPrivateKeyFile(filepath.Join(dir, "missing.key")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want ErrNotExist", err)
	}
	big := filepath.Join(dir, "big.key")
	if err := os.WriteFile(big, bytes.Repeat([]byte("#\n"), 40000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sign.ReadPrivateKeyFile(big); !errors.Is(err, sign.ErrInvalidKeyFile) {
		t.Errorf("80 KB file: error = %v, want ErrInvalidKeyFile", err)
	}
}

func TestValidatePIN(t *testing.T) {
	for _, pin := range []string{"1234", "00000000", strings.Repeat("9", 32)} {
		if err := sign.ValidatePIN([]byte(pin)); err != nil {
			t.Errorf("ValidatePIN(%q) = %v, want nil", pin, err)
		}
	}
	for _, pin := range []string{"", "123", strings.Repeat("9", 33), "12 34", "１２３４"} {
		if err := sign.ValidatePIN([]byte(pin)); !errors.Is(err, sign.ErrInvalidPIN) {
			t.Errorf("ValidatePIN(%q) = %v, want ErrInvalidPIN", pin, err)
		}
	}
}
