package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"lambtrace/upload/sign"
)

// Keys are the keys the platform has registered for batch signatures,
// each with the plant it is registered for. A station key belongs to one
// plant. A veterinarian's key belongs to a plant when it is registered
// there, and signs for any plant otherwise.
type Keys struct {
	set     *sign.KeySet
	plantOf map[string]string // kid → approval number; absent for a key of any plant
}

// LoadKeys reads the registered keys from dir. A key file is named
// <kid>.pem, and its role line is the role the key signs in
// (sign.ReadPublicKeyFile):
//
//	DIR/<kid>.pem                    an inspector key of any plant
//	DIR/<approval number>/<kid>.pem  a station or inspector key of that plant
//
// A station key directly in dir, a platform key, and a kid registered
// twice are errors. Other files are ignored.
func LoadKeys(dir string) (*Keys, error) {
	k := &Keys{plantOf: make(map[string]string)}
	var err error
	if k.set, err = sign.LoadKeySet(dir); err != nil {
		return nil, err
	}
	for _, key := range k.set.Keys() {
		switch key.Role {
		case sign.RoleStation:
			return nil, fmt.Errorf("%s: station key %s is not in the directory of its plant: move it to %s",
				dir, key.KID, filepath.Join(dir, "<approval number>", key.KID+".pem"))
		case sign.RolePlatform:
			return nil, fmt.Errorf("%s: %s is a platform key; register only station and inspector keys", dir, key.KID)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read key directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		plant := e.Name()
		plantKeys, err := sign.LoadKeySet(filepath.Join(dir, plant))
		if err != nil {
			return nil, err
		}
		for _, key := range plantKeys.Keys() {
			if key.Role == sign.RolePlatform {
				return nil, fmt.Errorf("%s: %s is a platform key; register only station and inspector keys", filepath.Join(dir, plant), key.KID)
			}
			if err := k.set.Add(key); err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(dir, plant), err)
			}
			k.plantOf[key.KID] = plant
		}
	}
	if len(k.set.Keys()) == 0 {
		return nil, errors.New(dir + ": no <kid>.pem key files: register the plants' station keys and the veterinarians' keys")
	}
	return k, nil
}

// Set returns the registered keys as a sign.KeySet.
func (k *Keys) Set() *sign.KeySet { return k.set }

// Plant returns the approval number of the plant a key is registered
// for, or "" for a key of any plant.
func (k *Keys) Plant(kid string) string { return k.plantOf[kid] }

// NewKeys returns the keys of set as keys of any plant, for an offline
// check of a document against a flat directory of key files.
func NewKeys(set *sign.KeySet) *Keys {
	return &Keys{set: set, plantOf: make(map[string]string)}
}
