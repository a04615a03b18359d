package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// defaultEPCISSchema is the path of the EPCIS 2.0 JSON Schema that batch
// verify reads when --epcis-schema is not given, relative to the working
// directory.
const defaultEPCISSchema = "../shared/reference/epcis/EPCIS-JSON-Schema.json"

// Limits of the verify report: the schema violations and the problems
// of the platform's checks it lists one by one.
const (
	maxViolationsListed = 10
	maxProblemsListed   = 50
)

// errNotVerified reports a document that batch verify did not verify. The
// report names each check that failed.
var errNotVerified = errors.New("batch document not verified")

func runBatch(g globals, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{key: "seal.batch_args"}
	}
	switch args[0] {
	case "export":
		return runBatchExport(g, args[1:], stdout)
	case "verify":
		return runBatchVerify(args[1:], stdout)
	}
	return &usageError{key: "seal.batch_args"}
}

// runBatchExport writes the sealed document of a batch, byte for byte as
// the outbox sends it, to --out.
func runBatchExport(g globals, args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("batch export", flag.ContinueOnError)
	batchID := fset.String("batch", "", "the batch `id`, such as 20261204-L1-1")
	out := fset.String("out", "", "the `file` that receives the signed document")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *batchID == "" || *out == "" {
		return &usageError{key: "seal.export_flags"}
	}
	if id, err := line.ParseBatchID(*batchID); err != nil || id.String() != *batchID {
		return &usageError{key: "seal.bad_batch", data: map[string]string{"batch": *batchID}}
	}
	if _, err := os.Stat(g.dataDir); errors.Is(err, os.ErrNotExist) {
		return &usageError{key: "cli.no_data_dir", data: map[string]string{"dir": g.dataDir}}
	}

	ctx := context.Background()
	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	doc, err := db.Document(ctx, *batchID)
	if errors.Is(err, store.ErrNotFound) {
		return &failure{key: "seal.not_sealed", data: map[string]string{"batch": *batchID, "dir": g.dataDir}}
	}
	if err != nil {
		return err
	}
	sum := sha256.Sum256(doc.Body)
	if digest := hex.EncodeToString(sum[:]); digest != doc.SHA256 {
		return &failure{key: "seal.export_digest", data: map[string]string{"batch": *batchID, "stored": doc.SHA256, "digest": digest}}
	}
	if err := writeFileAtomic(*out, doc.Body, 0o644); err != nil {
		return err
	}
	data := map[string]string{"batch": *batchID, "file": *out, "bytes": strconv.Itoa(len(doc.Body)), "sha256": doc.SHA256,
		"format": doc.Format}
	for _, lang := range line.Langs {
		fmt.Fprintln(stdout, line.Translate(lang, "seal.exported", data))
	}
	return nil
}

// writeFileAtomic writes data to a temporary file in the directory of
// path, syncs it and renames it to path, so path holds either its old
// content or all of data.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return &inputError{err: err}
	}
	tmp := f.Name()
	defer os.Remove(tmp)

	// Write and sync the content, then replace path with it.
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}

	// Sync the directory, so the rename survives a power cut.
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// runBatchVerify verifies a signed batch document offline, as the
// platform does, and writes a report in Chinese and English: both
// signatures against the key directory, the EPCIS part against the EPCIS
// 2.0 JSON Schema, and the platform's checks of upload.Check. It returns
// errNotVerified when anything fails.
func runBatchVerify(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("batch verify", flag.ContinueOnError)
	keyDir := fset.String("keys", "", "`directory` of registered public keys, <kid>.pem each")
	schemaPath := fset.String("epcis-schema", "", "the EPCIS 2.0 JSON Schema `file` (default "+defaultEPCISSchema+")")

	// The file comes first, before the flags.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{key: "cli.bad_flag", data: map[string]string{"error": err.Error()}}
	}
	if file == "" && fset.NArg() == 1 {
		file = fset.Arg(0)
	} else if fset.NArg() > 0 {
		return &usageError{key: "cli.extra_arguments", data: map[string]string{"arguments": strings.Join(fset.Args(), " ")}}
	}
	if file == "" || *keyDir == "" {
		return &usageError{key: "seal.verify_args"}
	}

	data, err := os.ReadFile(file)
	if err != nil {
		return &inputError{err: err}
	}
	keys, err := sign.LoadKeySet(*keyDir)
	if err != nil {
		return &inputError{err: err}
	}
	schema := *schemaPath
	explicit := schema != ""
	if !explicit {
		schema = defaultEPCISSchema
	}
	var validator *upload.Validator
	if _, err := os.Stat(schema); err == nil {
		if validator, err = upload.LoadValidator(schema); err != nil {
			return &inputError{err: err}
		}
	} else if explicit {
		return &inputError{err: err}
	}

	rep := &verifyReport{w: stdout}
	rep.line(statusInfo, "seal.verify.header", map[string]string{"file": file, "keys": *keyDir})
	doc := rep.signatures(data, keys)
	if doc != nil {
		rep.schema(doc, validator, schema)
		rep.checks(doc)
	}
	return rep.finish()
}

// Statuses of the report's lines.
const (
	statusInfo = "info"
	statusOK   = "ok"
	statusFail = "fail"
	statusSkip = "skip"
)

// verifyReport writes the lines of batch verify's report and counts the
// failed and skipped checks.
type verifyReport struct {
	w       io.Writer
	failed  int
	skipped bool
}

// line writes one finding in each language, marked with its status.
func (r *verifyReport) line(status, key string, data map[string]string) {
	r.emit(status, func(lang line.Lang) string { return line.Translate(lang, key, data) })
}

// emit writes one finding, which text renders in each language, marked
// with its status.
func (r *verifyReport) emit(status string, text func(line.Lang) string) {
	switch status {
	case statusFail:
		r.failed++
	case statusSkip:
		r.skipped = true
	}
	for _, lang := range line.Langs {
		t := text(lang)
		if status != statusInfo {
			t = "[" + line.Translate(lang, "seal.verify.status."+status, nil) + "] " + t
		}
		fmt.Fprintln(r.w, t)
	}
}

// signatures verifies both signatures and returns the parsed document,
// or nil when the file is not a JWS or its payload is not a batch
// document.
func (r *verifyReport) signatures(data []byte, keys *sign.KeySet) *upload.Document {
	report, err := sign.Verify(data, keys)
	if err != nil {
		r.line(statusFail, "seal.verify.jws_failed", map[string]string{"error": err.Error()})
		return nil
	}
	for _, res := range report.Results {
		h := res.Header
		d := map[string]string{"n": strconv.Itoa(res.Index), "kid": h.KID, "role": string(h.Role), "alg": h.Alg}
		if !h.SignedAt.IsZero() {
			d["signed"] = h.SignedAt.UTC().Format("2006-01-02T15:04:05Z")
		}
		if res.Verified() {
			r.line(statusOK, "seal.verify.signature_ok", d)
			continue
		}
		reason := signatureReason(res.Err)
		r.emit(statusFail, func(lang line.Lang) string {
			d["reason"] = line.Translate(lang, "seal.verify.reason."+reason, d)
			return line.Translate(lang, "seal.verify.signature_failed", d)
		})
	}
	for _, role := range sign.Roles {
		if !report.Verified(role) {
			r.line(statusFail, "seal.verify.role_missing", map[string]string{"role": string(role)})
		}
	}

	doc, err := upload.Parse(report.Payload)
	if err != nil {
		r.line(statusFail, "seal.verify.document_failed", map[string]string{"error": err.Error()})
		return nil
	}
	r.line(statusInfo, "seal.verify.document", map[string]string{"batch": doc.Batch.ID, "plant": doc.Plant.Name,
		"approval": doc.Plant.ApprovalNumber, "state": doc.Batch.State, "carcasses": strconv.Itoa(len(doc.Carcasses)),
		"packs": strconv.Itoa(len(doc.Packs)), "certificate": doc.Batch.ProductCertificate})
	return doc
}

// signatureReason names why a signature failed, as the key of a
// catalog message.
func signatureReason(err error) string {
	switch {
	case errors.Is(err, sign.ErrUnknownKID):
		return "unknown_kid"
	case errors.Is(err, sign.ErrWrongRole):
		return "wrong_role"
	case errors.Is(err, sign.ErrAlgorithmMismatch):
		return "algorithm"
	case errors.Is(err, sign.ErrMalformedHeader):
		return "malformed_header"
	}
	return "bad_signature"
}

// schema validates the EPCIS part, or reports the step skipped when no
// schema file was found.
func (r *verifyReport) schema(doc *upload.Document, v *upload.Validator, path string) {
	if v == nil {
		r.line(statusSkip, "seal.verify.schema_skipped", map[string]string{"schema": path})
		return
	}
	err := v.ValidateDocument(doc)
	var schemaErr *upload.SchemaError
	switch {
	case err == nil:
		r.line(statusOK, "seal.verify.schema_ok", map[string]string{"schema": path,
			"events": strconv.Itoa(len(doc.EPCIS.Body.EventList))})
	case errors.As(err, &schemaErr):
		violations := schemaErr.Violations()
		for i, text := range violations {
			if i == maxViolationsListed {
				r.line(statusInfo, "cli.more_problems", map[string]string{"count": strconv.Itoa(len(violations) - i)})
				break
			}
			r.line(statusFail, "seal.verify.schema_failed", map[string]string{"schema": path, "violation": text})
		}
	default:
		r.line(statusFail, "seal.verify.schema_failed", map[string]string{"schema": path, "violation": err.Error()})
	}
}

// checks runs the platform's checks of the document.
func (r *verifyReport) checks(doc *upload.Document) {
	problems := upload.Check(doc)
	if len(problems) == 0 {
		r.line(statusOK, "seal.verify.checks_ok", map[string]string{"carcasses": strconv.Itoa(len(doc.Carcasses)),
			"lots": strconv.Itoa(len(doc.Lots)), "consignments": strconv.Itoa(len(doc.Consignments)),
			"packs": strconv.Itoa(len(doc.Packs))})
		return
	}
	for i, p := range problems {
		if i == maxProblemsListed {
			r.line(statusInfo, "cli.more_problems", map[string]string{"count": strconv.Itoa(len(problems) - i)})
			r.failed += len(problems) - i
			break
		}
		r.emit(statusFail, func(lang line.Lang) string { return p.Message(lang) + " (" + p.Code + ")" })
	}
}

// finish writes the verdict and returns errNotVerified unless every check
// held.
func (r *verifyReport) finish() error {
	switch {
	case r.failed > 0:
		r.line(statusInfo, "seal.verify.result_failed", map[string]string{"count": strconv.Itoa(r.failed)})
		return errNotVerified
	case r.skipped:
		r.line(statusInfo, "seal.verify.result_ok_skipped", nil)
	default:
		r.line(statusInfo, "seal.verify.result_ok", nil)
	}
	return nil
}
