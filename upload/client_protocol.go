package upload

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"lambtrace/line"
	"lambtrace/upload/sign"
)

// The upload protocol between a station and the league platform, as
// docs/platform.md specifies it.
const (
	// BatchesPath is the path, under the platform URL, that takes signed
	// batch documents by POST.
	BatchesPath = "/api/v1/batches"

	// HeaderBatchID names the batch id of an upload request. The
	// platform rejects a request whose document has another batch id.
	HeaderBatchID = "Lambtrace-Batch-Id"

	// HeaderContentDigest carries the SHA-256 digest of the request body
	// as RFC 9530 writes it: sha-256=:<base64>:. Together with the batch
	// id it makes the request idempotent.
	HeaderContentDigest = "Content-Digest"

	// ContentTypeJWS is the media type of a JWS in JSON serialization
	// (RFC 7515 §9.2), used for batch documents and receipts.
	ContentTypeJWS = "application/jose+json"

	// ContentTypeProblem is the media type of an RFC 9457 problem
	// details object, used for rejections.
	ContentTypeProblem = "application/problem+json"

	// ReceiptFormat is the format tag of a receipt's payload.
	ReceiptFormat = "lambtrace-receipt/1"
)

// ContentDigest returns the Content-Digest header value of body: its
// SHA-256 digest, base64 between colons (RFC 9530 §2).
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// ParseContentDigest returns the hex SHA-256 digest that a Content-Digest
// header value states. Other algorithms in the value are skipped, and a
// value without sha-256 is an error.
func ParseContentDigest(value string) (string, error) {
	for member := range strings.SplitSeq(value, ",") {
		name, encoded, ok := strings.Cut(strings.TrimSpace(member), "=")
		if !ok || strings.ToLower(name) != "sha-256" {
			continue
		}
		if len(encoded) < 2 || encoded[0] != ':' || encoded[len(encoded)-1] != ':' {
			return "", fmt.Errorf("content digest %q: the sha-256 value is not a byte sequence between colons", value)
		}
		sum, err := base64.StdEncoding.DecodeString(encoded[1 : len(encoded)-1])
		if err != nil || len(sum) != sha256.Size {
			return "", fmt.Errorf("content digest %q: the sha-256 value is not 32 bytes in base64", value)
		}
		return hex.EncodeToString(sum), nil
	}
	return "", fmt.Errorf("content digest %q has no sha-256 value", value)
}

// Receipt is the payload of the platform's signed receipt for a
// delivered batch. The platform signs it as a JWS with its key in role
// platform; the station stores the JWS byte for byte.
type Receipt struct {
	Format string `json:"format"` // ReceiptFormat

	// ID numbers the receipt on the platform, from 1.
	ID int64 `json:"id"`

	// Plant is the approval number of the plant the document names.
	Plant   string `json:"plant"`
	BatchID string `json:"batch_id"`

	// DocumentSHA256 is the hex SHA-256 digest of the signed document as
	// received: the request body, byte for byte.
	DocumentSHA256 string    `json:"document_sha256"`
	ReceivedAt     time.Time `json:"received_at"`

	// Signatures are the document's signatures the platform verified.
	Signatures []ReceiptSignature `json:"signatures"`

	// Checks name the checks the platform ran and passed, such as
	// "signatures" and "epcis_schema".
	Checks []string `json:"checks"`
}

// ReceiptSignature is one verified signature of a received document.
type ReceiptSignature struct {
	KID      string    `json:"kid"`
	Role     sign.Role `json:"role"`
	SignedAt time.Time `json:"signed_at"`
}

// ErrInvalidReceipt means a receipt is not a receipt for the document it
// should acknowledge, is malformed, or its signature does not verify.
var ErrInvalidReceipt = errors.New("invalid receipt")

// VerifyReceipt verifies a receipt JWS against the platform's registered
// keys and checks that it acknowledges the document with this batch id
// and hex SHA-256 digest. Every signature must verify, and one must be
// in role platform. Errors wrap ErrInvalidReceipt.
func VerifyReceipt(jws []byte, keys *sign.KeySet, batchID, documentSHA256 string) (*Receipt, error) {
	report, err := sign.Verify(jws, keys)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidReceipt, err)
	}
	if err := report.Check(sign.RolePlatform); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidReceipt, err)
	}
	r, err := decodeReceipt(report.Payload)
	if err != nil {
		return nil, err
	}
	switch {
	case r.BatchID != batchID:
		return nil, fmt.Errorf("%w: it acknowledges batch %s, not %s", ErrInvalidReceipt, r.BatchID, batchID)
	case r.DocumentSHA256 != documentSHA256:
		return nil, fmt.Errorf("%w: it acknowledges a document with SHA-256 %s, but the document sent has %s", ErrInvalidReceipt, r.DocumentSHA256, documentSHA256)
	}
	return r, nil
}

// ReadReceipt decodes a stored receipt JWS without verifying its
// signature, for display. Only VerifyReceipt makes it trustworthy.
func ReadReceipt(jws []byte) (*Receipt, error) {
	j, err := sign.Parse(jws)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidReceipt, err)
	}
	return decodeReceipt(j.Payload())
}

// decodeReceipt decodes a receipt payload strictly: no unknown members,
// the right format, and every required member present.
func decodeReceipt(payload []byte) (*Receipt, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	r := &Receipt{}
	if err := dec.Decode(r); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrInvalidReceipt, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the payload", ErrInvalidReceipt)
	}
	switch {
	case r.Format != ReceiptFormat:
		return nil, fmt.Errorf("%w: format %q, want %s", ErrInvalidReceipt, r.Format, ReceiptFormat)
	case r.ID < 1:
		return nil, fmt.Errorf("%w: id %d is not positive", ErrInvalidReceipt, r.ID)
	case r.BatchID == "" || r.DocumentSHA256 == "" || r.ReceivedAt.IsZero():
		return nil, fmt.Errorf("%w: batch_id, document_sha256 or received_at missing", ErrInvalidReceipt)
	}
	return r, nil
}

// Rejection is the platform's refusal of a document: an RFC 9457 problem
// details object with the machine-readable reasons as an extension
// member. The platform sends it with ContentTypeProblem and a 4xx
// status.
type Rejection struct {
	Type    string   `json:"type"`  // a URN naming the kind of problem, such as "urn:lambtrace:problem:rejected"
	Title   string   `json:"title"` // a short English summary of the kind
	Status  int      `json:"status"`
	Detail  string   `json:"detail,omitempty"`
	BatchID string   `json:"batch_id,omitempty"`
	Reasons []Reason `json:"reasons"`
}

// Reason is one reason for a rejection.
type Reason struct {
	// Code names the reason, such as "signature.unknown_kid"; the table
	// in docs/platform.md lists the codes.
	Code string `json:"code"`

	// Subject names what the reason is about, when there is one thing:
	// a kid, a carcass number, a pack serial, an ear tag.
	Subject string `json:"subject,omitempty"`

	// Message is the reason in words, keyed by locale ("zh-CN", "en").
	Message map[line.Lang]string `json:"message"`
}

// Text returns the reason's message in lang, falling back to the other
// locales and then to the code.
func (r Reason) Text(lang line.Lang) string {
	if m := r.Message[lang]; m != "" {
		return m
	}
	for _, other := range line.Langs {
		if m := r.Message[other]; m != "" {
			return m
		}
	}
	return r.Code
}

// Codes returns the codes of the rejection's reasons, each with its
// subject in brackets when it has one: "signature.bad(3f2a…)".
func (r *Rejection) Codes() []string {
	codes := make([]string, 0, len(r.Reasons))
	for _, reason := range r.Reasons {
		code := reason.Code
		if reason.Subject != "" {
			code += "(" + reason.Subject + ")"
		}
		codes = append(codes, code)
	}
	return codes
}

// decodeRejection decodes a problem details body. It returns nil unless
// the body is a Rejection with at least one reason that has a code.
func decodeRejection(body []byte) *Rejection {
	r := &Rejection{}
	if err := json.Unmarshal(body, r); err != nil || len(r.Reasons) == 0 {
		return nil
	}
	for _, reason := range r.Reasons {
		if reason.Code == "" {
			return nil
		}
	}
	return r
}
