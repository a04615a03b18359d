package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"lambtrace/line"
	"lambtrace/upload/sign"
)

// maxPINFileSize bounds what --pin-file reads; a PIN is at most 32
// digits.
const maxPINFileSize = 1024

// runKeys runs `keys new`: it makes a signing key, writes <kid>.key and
// <kid>.pem into --out and prints the kid alone on standard output, so
// scripts can capture it. The file names go to standard error.
func runKeys(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "new" {
		return &usageError{key: "sign.keys_args"}
	}
	fset := flag.NewFlagSet("keys new", flag.ContinueOnError)
	roleName := fset.String("role", "", "`role` of the key: station, inspector or platform")
	algName := fset.String("alg", "", "signature `algorithm`: ed25519 or sm2")
	outDir := fset.String("out", "", "`directory` that receives <kid>.key and <kid>.pem; created when missing")
	pinFile := fset.String("pin-file", "", "`file` holding the veterinarian's PIN on one line; required for an inspector key")
	if err := parseFlags(fset, args[1:]); err != nil {
		return err
	}

	role, err := sign.ParseRole(*roleName)
	if err != nil {
		return &usageError{key: "sign.bad_role", data: map[string]string{"value": *roleName}}
	}
	alg, err := sign.ParseAlgorithm(*algName)
	if err != nil {
		return &usageError{key: "sign.bad_alg", data: map[string]string{"value": *algName}}
	}
	switch {
	case *outDir == "":
		return &usageError{key: "sign.out_required"}
	case role == sign.RoleInspector && *pinFile == "":
		return &usageError{key: "sign.pin_file_required"}
	case role != sign.RoleInspector && *pinFile != "":
		return &usageError{key: "sign.pin_file_station", data: map[string]string{"role": string(role)}}
	}

	var pin []byte
	if *pinFile != "" {
		if pin, err = readPINFile(*pinFile); err != nil {
			return err
		}
		defer clear(pin)
	}
	pair, err := sign.GenerateKey(role, alg, pin)
	if err != nil {
		return err
	}
	if err := pair.WriteFiles(*outDir); err != nil {
		if errors.Is(err, sign.ErrKeyExists) {
			return &failure{key: "sign.key_exists_path", data: map[string]string{"path": pair.PrivatePath(*outDir)}}
		}
		return err
	}

	fmt.Fprintln(stdout, pair.KID)
	data := map[string]string{
		"role": string(role), "kid": pair.KID, "alg": alg.JOSE(),
		"private": pair.PrivatePath(*outDir), "public": pair.PublicPath(*outDir),
	}
	for _, lang := range line.Langs {
		fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, "sign.key_written", data))
	}
	return nil
}

// readPINFile reads a PIN file: the PIN on one line, with or without a
// final line break. Its errors never quote the PIN.
func readPINFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &inputError{err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPINFileSize+1))
	if err != nil {
		return nil, &inputError{err: err}
	}
	pin := bytes.TrimSuffix(bytes.TrimSuffix(data, []byte("\n")), []byte("\r"))
	if len(data) > maxPINFileSize || sign.ValidatePIN(pin) != nil {
		clear(data)
		return nil, &usageError{key: "sign.pin_file_invalid", data: map[string]string{"file": path}}
	}
	return pin, nil
}
