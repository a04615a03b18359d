package ui

import (
	"context"
	"maps"
	"time"

	"lambtrace/line"
)

// SignOffService signs and seals a batch for the sign-off screen. The
// kiosk connects it to the line service; the screen only reads the
// batch's facts and requests the sign-off.
type SignOffService interface {
	// BatchFacts returns every fact of a batch, for the summary.
	BatchFacts(ctx context.Context, batch line.BatchID) (*line.BatchFacts, error)

	// Blockers returns what keeps the batch from being signed now, such
	// as held carcasses or open cuttings, each with its text for the
	// veterinarian; none when the sign-off may go ahead.
	Blockers(ctx context.Context, batch line.BatchID) ([]Explanation, error)

	// SignOff checks the batch, records the product certificate number,
	// signs the batch document with the station's key and the
	// veterinarian's key unlocked by req.PIN, seals it and queues it for
	// upload. It calls progress, which may be nil, at the start of each
	// step, from the goroutine SignOff runs on.
	//
	// A sign-off the service will not carry out, such as one while a
	// carcass is held or with a wrong PIN, returns an error with a
	// Text(line.Lang) string method that gives the reason for the
	// veterinarian. Any other error is a failure.
	SignOff(ctx context.Context, req SignOffRequest, progress func(SignOffProgress)) (SignOffResult, error)
}

// Explanation is a reason shown to a person, such as a *line.Refusal or a
// *SignOffRefusal, rendered in the language on screen.
type Explanation interface {
	Text(lang line.Lang) string
}

// SignOffRequest holds the values the veterinarian enters to sign a batch.
type SignOffRequest struct {
	Batch       line.BatchID
	Vet         string // the user id of the veterinarian signed in
	Certificate string // the product quarantine certificate number (动物产品检疫合格证明)
	PIN         string // unlocks the veterinarian's signing key
}

// SignOffStep is one step of a sign-off, in the order they run. The
// values are the station's names of its sign-off steps.
type SignOffStep string

// Sign-off steps. Each has a label in the catalogs under
// "ui.office.signoff.step.<step>".
const (
	StepCheck  SignOffStep = "checking" // nothing keeps the batch from being signed
	StepReview SignOffStep = "review"   // the batch is closed to the line and the certificate recorded
	StepSign   SignOffStep = "signing"  // the document is built, checked and signed
	StepSeal   SignOffStep = "sealing"  // the signed document is sealed and queued for upload
)

// SignOffSteps lists the steps in order, for the progress display.
var SignOffSteps = []SignOffStep{StepCheck, StepReview, StepSign, StepSeal}

// SignOffProgress reports the step a sign-off has reached.
type SignOffProgress struct {
	Step SignOffStep
}

// SignOffResult is a sealed batch.
type SignOffResult struct {
	SHA256   string // hex SHA-256 of the sealed document
	SealedAt time.Time
}

// SignOffRefusal is a sign-off the service would not carry out, with a
// reason the screen shows. Reason is a key suffix of the catalogs,
// "ui.office.signoff.refused.<reason>", and Data holds the values its
// message names. A SignOffService may return it, or any error with a
// Text(line.Lang) string method.
type SignOffRefusal struct {
	Reason string
	Data   map[string]string
}

// Sign-off refusal reasons.
const (
	RefusedSignHeld        = "held"        // carcasses are held: data "carcasses", "count"
	RefusedSignState       = "state"       // the batch is past review: data "state"
	RefusedSignCertificate = "certificate" // the certificate number is not valid: data "certificate"
	RefusedSignRole        = "role"        // the user is not a veterinarian: data "user"
	RefusedSignPIN         = "pin"         // the PIN is wrong
	RefusedSignProblems    = "problems"    // the platform would reject the document: data "problems"
)

func (r *SignOffRefusal) Error() string {
	return "sign-off refused: " + r.Text(line.LangEN)
}

// Text renders the refusal in lang. A batch state in Data is rendered
// as its name in lang.
func (r *SignOffRefusal) Text(lang line.Lang) string {
	data := r.Data
	if state, ok := data["state"]; ok {
		data = maps.Clone(data)
		data["state"] = line.Translate(lang, "ui.office.batch_state."+state, nil)
	}
	return line.Translate(lang, "ui.office.signoff.refused."+r.Reason, data)
}
