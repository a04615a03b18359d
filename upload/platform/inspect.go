package platform

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"lambtrace/line"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// Names of the checks that a receipt lists as passed.
const (
	CheckSignatures = "signatures"   // both signatures, by keys registered for the plant
	CheckSchema     = "epcis_schema" // the EPCIS part against the EPCIS 2.0 JSON Schema
	CheckDocument   = "document"     // upload.CheckRules: balances, head counts, claims, uniqueness within the batch
	CheckUniqueness = "uniqueness"   // pack serials and ear tags against the batches received before
)

// InspectOptions are the keys, schema, rules and domain that Inspect
// checks a document against.
type InspectOptions struct {
	Keys   *Keys
	Schema *upload.Validator // nil: the EPCIS part is not validated
	Rules  *line.Rules       // nil: line.DefaultRules()
	Domain string            // the platform domain the document must name; empty: any
}

// Inspection is the outcome of checking a signed document on its own,
// before it is compared with the batches received earlier.
type Inspection struct {
	Report   *sign.Report     // the signatures; nil when the body is not a JWS
	Document *upload.Document // nil when the payload is not a batch document
	Checks   []string         // the checks run and passed

	rejected *rejection // nil when every check passed
}

// OK reports whether every check passed.
func (in *Inspection) OK() bool { return in.rejected == nil }

// Reasons returns why the document was rejected, or nil.
func (in *Inspection) Reasons() []upload.Reason {
	if in.rejected == nil {
		return nil
	}
	return in.rejected.reasons
}

// Status returns the HTTP status of the platform's response to a
// rejected document, or 0 when every check passed.
func (in *Inspection) Status() int {
	if in.rejected == nil {
		return 0
	}
	return in.rejected.status
}

// Inspect checks a signed batch document on its own: the JWS and both
// signatures, that the keys are registered for the document's plant,
// the document's form and domain, the EPCIS schema, and the checks of
// upload.CheckRules. It stops at the first stage that fails, so a
// document whose signatures do not verify is not read further.
func Inspect(body []byte, opts InspectOptions) *Inspection {
	in := &Inspection{}
	report, err := sign.VerifyBatch(body, opts.Keys.Set())
	in.Report = report
	if report == nil {
		in.rejected = reject(http.StatusBadRequest, problemRequest, newReason(ReasonJWSMalformed, "", map[string]string{"error": errorDetail(err)}))
		return in
	}
	if err != nil {
		in.rejected = reject(http.StatusUnprocessableEntity, problemSignature, signatureReasons(err)...)
		return in
	}

	doc, err := upload.Parse(report.Payload)
	if err != nil {
		in.rejected = reject(http.StatusUnprocessableEntity, problemDocument, newReason(ReasonDocument, "", map[string]string{"error": errorDetail(err)}))
		return in
	}
	in.Document = doc
	if reasons := plantReasons(report, opts.Keys, doc.Plant.ApprovalNumber); len(reasons) > 0 {
		in.rejected = reject(http.StatusUnprocessableEntity, problemSignature, reasons...)
		return in
	}
	in.Checks = append(in.Checks, CheckSignatures)

	if opts.Domain != "" && doc.PlatformDomain != opts.Domain {
		in.rejected = reject(http.StatusUnprocessableEntity, problemDocument,
			newReason(ReasonDomain, doc.PlatformDomain, map[string]string{"domain": opts.Domain}))
		return in
	}

	// The schema validation and the document checks read the document
	// only, so they run side by side. A schema violation is reported
	// before the checks' problems.
	var problems []upload.Problem
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		problems = upload.CheckRules(doc, opts.Rules)
	}()
	var schemaErr error
	if opts.Schema != nil {
		schemaErr = opts.Schema.ValidateDocument(doc)
	}
	<-checked
	if schemaErr != nil {
		in.rejected = reject(http.StatusUnprocessableEntity, problemDocument, schemaReasons(schemaErr)...)
		return in
	}
	if opts.Schema != nil {
		in.Checks = append(in.Checks, CheckSchema)
	}
	if len(problems) > 0 {
		reasons := make([]upload.Reason, 0, len(problems))
		for _, p := range problems {
			reasons = append(reasons, problemReason(p))
		}
		in.rejected = reject(http.StatusUnprocessableEntity, problemDocument, reasons...)
		return in
	}
	in.Checks = append(in.Checks, CheckDocument)
	return in
}

// signatureReasons lists a reason per failed signature and per missing
// role of a *sign.VerifyError.
func signatureReasons(err error) []upload.Reason {
	var ve *sign.VerifyError
	if !errors.As(err, &ve) {
		return []upload.Reason{newReason(ReasonSigBad, "", map[string]string{"error": errorDetail(err)})}
	}
	var reasons []upload.Reason
	for _, res := range ve.Failed {
		code := ReasonSigBad
		switch {
		case errors.Is(res.Err, sign.ErrMalformedHeader):
			code = ReasonSigHeader
		case errors.Is(res.Err, sign.ErrUnknownKID):
			code = ReasonSigUnknownKID
		case errors.Is(res.Err, sign.ErrWrongRole):
			code = ReasonSigWrongRole
		case errors.Is(res.Err, sign.ErrAlgorithmMismatch):
			code = ReasonSigAlgorithm
		}
		subject := res.Header.KID
		if subject == "" {
			subject = "#" + strconv.Itoa(res.Index)
		}
		reasons = append(reasons, newReason(code, subject, map[string]string{
			"index": strconv.Itoa(res.Index), "role": string(res.Header.Role), "alg": res.Header.Alg, "error": errorDetail(res.Err),
		}))
	}
	for _, role := range ve.Missing {
		reasons = append(reasons, newReason(ReasonSigMissing, string(role), map[string]string{"role": string(role)}))
	}
	return reasons
}

// plantReasons lists the verified signatures whose key is registered
// for another plant than the document's.
func plantReasons(report *sign.Report, keys *Keys, plant string) []upload.Reason {
	var reasons []upload.Reason
	for _, res := range report.Results {
		if registered := keys.Plant(res.Header.KID); registered != "" && registered != plant {
			reasons = append(reasons, newReason(ReasonSigPlant, res.Header.KID, map[string]string{
				"role": string(res.Header.Role), "registered": registered, "plant": plant,
			}))
		}
	}
	return reasons
}

// schemaReasons lists a reason per schema violation.
func schemaReasons(err error) []upload.Reason {
	var se *upload.SchemaError
	if !errors.As(err, &se) {
		return []upload.Reason{newReason(ReasonSchema, "", map[string]string{"error": errorDetail(err)})}
	}
	var reasons []upload.Reason
	for _, v := range se.Violations() {
		pointer, detail, _ := strings.Cut(v, ": ")
		reasons = append(reasons, newReason(ReasonSchema, pointer, map[string]string{"error": detail}))
	}
	if len(reasons) == 0 {
		reasons = append(reasons, newReason(ReasonSchema, "", map[string]string{"error": errorDetail(err)}))
	}
	return reasons
}

// errorDetail returns an error's text for a reason's message, or "".
func errorDetail(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
