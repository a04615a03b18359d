package platform

import (
	"encoding/json"
	"net/http"
	"strconv"

	"lambtrace/line"
	"lambtrace/upload"
)

// Reason codes of the platform's own checks. Each code's message is the
// catalog key "platform.reason." + code. The checks of the document
// itself have the codes of upload.Check, and their messages come from
// the upload catalog.
const (
	ReasonTooLarge      = "request.too_large"     // the body is over the size limit
	ReasonContentType   = "request.content_type"  // the body is not a JWS in JSON serialization
	ReasonBodyUnread    = "request.body"          // the body could not be read to its end
	ReasonDigest        = "request.digest"        // Content-Digest is invalid or differs from the body
	ReasonBatchHeader   = "request.batch_header"  // Lambtrace-Batch-Id differs from the document's batch id
	ReasonJWSMalformed  = "jws.malformed"         // the body is not a JWS the station signs
	ReasonSigHeader     = "signature.header"      // a protected header is malformed
	ReasonSigUnknownKID = "signature.unknown_kid" // no registered key has the kid
	ReasonSigWrongRole  = "signature.wrong_role"  // the kid is registered for another role
	ReasonSigAlgorithm  = "signature.algorithm"   // alg is not the algorithm of the registered key
	ReasonSigBad        = "signature.bad"         // the signature does not verify
	ReasonSigMissing    = "signature.missing"     // no verified signature in a required role
	ReasonSigPlant      = "signature.plant"       // the key is registered for another plant
	ReasonDocument      = "document.malformed"    // the payload is not a lambtrace-batch/1 document
	ReasonDomain        = "document.domain"       // the document names another platform domain
	ReasonSchema        = "epcis.schema"          // the EPCIS part breaks the EPCIS 2.0 schema
	ReasonConflict      = "batch.conflict"        // the batch id arrived before with other content
	ReasonSerial        = "platform.serial"       // a pack serial arrived in an earlier batch
	ReasonLink          = "platform.digital_link" // a pack's Digital Link names a pack of an earlier batch
	ReasonEarTag        = "platform.ear_tag"      // an ear tag arrived in an earlier batch
	ReasonTruncated     = "reasons.truncated"     // more reasons than a response lists
	ReasonLeagueMissing = "registry.league"       // no league given
	ReasonSinceInvalid  = "registry.since"        // since is not an RFC 3339 time
	ReasonLeagueUnknown = "registry.unknown"      // no registry export for the league
	ReasonPackNotFound  = "pack.not_found"        // no pack received under the Digital Link
)

// maxReasons bounds the reasons one response lists.
const maxReasons = 500

// Problem types of the rejections, one per kind of refusal.
const (
	problemRequest   = "urn:lambtrace:problem:request"
	problemSignature = "urn:lambtrace:problem:signature"
	problemDocument  = "urn:lambtrace:problem:document"
	problemConflict  = "urn:lambtrace:problem:conflict"
	problemNotFound  = "urn:lambtrace:problem:not-found"
)

var problemTitles = map[string]string{
	problemRequest:   "invalid request",
	problemSignature: "signatures do not verify",
	problemDocument:  "batch document rejected",
	problemConflict:  "batch already received with other content",
	problemNotFound:  "not found",
}

// newReason makes a reason of the platform's own with its message in
// every locale.
func newReason(code, subject string, data map[string]string) upload.Reason {
	if data == nil {
		data = map[string]string{}
	}
	data["subject"] = subject
	r := upload.Reason{Code: code, Subject: subject, Message: make(map[line.Lang]string)}
	for _, lang := range line.Langs {
		r.Message[lang] = line.Translate(lang, "platform.reason."+code, data)
	}
	return r
}

// problemReason turns a problem that upload.Check found into a reason.
func problemReason(p upload.Problem) upload.Reason {
	r := upload.Reason{Code: p.Code, Subject: p.ID, Message: make(map[line.Lang]string)}
	for _, lang := range line.Langs {
		r.Message[lang] = p.Message(lang)
	}
	return r
}

// rejection is a refusal to send: its status, problem type and reasons.
type rejection struct {
	status  int
	problem string
	reasons []upload.Reason
}

func reject(status int, problem string, reasons ...upload.Reason) *rejection {
	return &rejection{status: status, problem: problem, reasons: reasons}
}

// writeRejection sends a rejection as RFC 9457 problem details and notes
// its codes for the request's log line.
func writeRejection(w http.ResponseWriter, r *http.Request, batchID string, rej *rejection) {
	reasons := rej.reasons
	if len(reasons) > maxReasons {
		more := len(reasons) - maxReasons + 1
		reasons = append(reasons[:maxReasons-1:maxReasons-1], newReason(ReasonTruncated, "", map[string]string{"count": strconv.Itoa(more)}))
	}
	codes := make([]string, 0, len(reasons))
	for _, reason := range reasons {
		codes = append(codes, reason.Code)
	}
	noteRequest(r.Context(), "reasons", codes)

	body, err := json.Marshal(upload.Rejection{
		Type: rej.problem, Title: problemTitles[rej.problem], Status: rej.status,
		BatchID: batchID, Reasons: reasons,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", upload.ContentTypeProblem)
	w.WriteHeader(rej.status)
	w.Write(body)
}
