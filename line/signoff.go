package line

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Sealer makes the signed document of a batch. The upload package
// implements it: it builds the batch document from the facts, checks it
// as the platform would and signs it with the station's key and the
// veterinarian's key.
type Sealer interface {
	// Seal builds, checks and signs the document of a batch. vet is the
	// user id of the veterinarian who signs, and pin unlocks that
	// veterinarian's key; at is the signing time. Seal neither keeps nor
	// changes pin. An error a person can act on, such as a wrong PIN or
	// a document the platform would reject, implements Localized.
	Seal(f *BatchFacts, vet string, pin []byte, at time.Time) (SealedDocument, error)
}

// SealedDocument is a signed batch document as it goes into the outbox.
type SealedDocument struct {
	Format string // the name of the body's format, stored with it
	Body   []byte // the signed document, byte for byte as sent
}

// SHA256 returns the hex SHA-256 digest of the body, which identifies the
// document in the outbox and at the platform.
func (d SealedDocument) SHA256() string {
	sum := sha256.Sum256(d.Body)
	return hex.EncodeToString(sum[:])
}

// SignOffStep is a step of the sign-off that the sign-off screen shows
// while it runs.
type SignOffStep string

// Sign-off steps, in order. A refused sign-off stops after checking and
// publishes a SignOffRefusedEvent.
const (
	SignOffChecking SignOffStep = "checking" // the batch's facts are read and checked
	SignOffReview   SignOffStep = "review"   // the batch is closed to the line and the certificate recorded
	SignOffSigning  SignOffStep = "signing"  // the document is built, checked and signed
	SignOffSealing  SignOffStep = "sealing"  // the signed document is stored and queued for upload
)

// maxListed is how many carcasses, lots, labels or consignments a
// sign-off refusal names before it gives only the count.
const maxListed = 10

// Lengths of a product quarantine certificate number that the station,
// the sign-off screen and tracectl accept. The numbers seen so far have
// 10 or 11 digits, and an electronic certificate's number starts with
// the province code. The maximum leaves room for letters and hyphens of
// other issuing systems.
//
// NOTE: no published rule fixes the form of the number, so the minimum
// of 10 is a judgement that rejects a number cut short on the pad.
const (
	MinProductCertificateLen = 10
	MaxProductCertificateLen = 32
)

// SignOffBlockers returns what keeps the veterinarian from signing off a
// batch, judged from its facts, as refusals whose texts name the items
// concerned. A batch may be signed off when none is returned. In this
// order, it finds:
//
//   - a batch without carcasses (signoff_empty), and nothing else then;
//   - carcasses held for review (signoff_held), and lots with a review
//     decision that is not released (signoff_lot_held);
//   - carcasses that are not blocked and whose cutting is not closed
//     (signoff_cutting), and mixed lots that are still open
//     (signoff_lot_open);
//   - pack labels whose last print job is queued or sent, so the printer
//     never reported it printed, or failed while the label is not void
//     (signoff_prints);
//   - when RequireLabResult is set, consignments that have a carcass in
//     the batch that is not blocked and no β-agonist result
//     (signoff_lab).
//
// A blocked carcass needs nothing: it yields no labelled pack.
func (r *Rules) SignOffBlockers(f *BatchFacts) []Refusal {
	batch := f.Batch.String()
	if len(f.Carcasses) == 0 {
		return []Refusal{{Reason: RefusedSignOffEmpty, Data: map[string]string{"batch": batch}}}
	}

	// Carcasses: held, or with their cutting still open.
	var held, open []string
	yielding := make(map[string]bool) // consignments with a carcass that is not blocked
	for _, c := range f.Carcasses {
		if c.State == CarcassBlocked {
			continue
		}
		if c.Consignment != "" {
			yielding[c.Consignment] = true
		}
		switch {
		case c.State == CarcassHeld:
			held = append(held, c.Number)
		case c.Stage != CarcassClosed:
			open = append(open, c.Number)
		}
	}

	// Lots: review decisions not released, and lots still open.
	var heldLots, openLots []string
	for _, d := range f.Decisions {
		if d.Lot != "" && !d.Blocks() && d.Release == nil && !slices.Contains(heldLots, d.Lot) {
			heldLots = append(heldLots, d.Lot)
		}
	}
	for _, l := range f.Lots {
		if l.State != string(LotClosed) {
			openLots = append(openLots, l.ID)
		}
	}

	// Consignments without a lab result.
	var noLab []string
	if r.RequireLabResult {
		tested := make(map[string]bool)
		for _, t := range f.LabResults {
			tested[t.Consignment] = true
		}
		for c := range yielding {
			if !tested[c] {
				noLab = append(noLab, c)
			}
		}
		slices.Sort(noLab)
	}

	var out []Refusal
	add := func(reason RefusalReason, key string, items []string) {
		if len(items) > 0 {
			out = append(out, listRefusal(reason, batch, key, items))
		}
	}
	add(RefusedSignOffHeld, "carcasses", held)
	add(RefusedSignOffLotHeld, "lots", heldLots)
	add(RefusedSignOffCutting, "carcasses", open)
	add(RefusedSignOffLotOpen, "lots", openLots)
	add(RefusedSignOffPrints, "labels", unresolvedLabels(f))
	add(RefusedSignOffLab, "consignments", noLab)
	return out
}

// unresolvedLabels returns the serials of the pack labels that are not
// void and whose last print job is not confirmed: the printer never
// reported it printed, or it failed.
func unresolvedLabels(f *BatchFacts) []string {
	var serials []string
	for _, p := range f.Packs {
		if p.Void != nil || len(p.Prints) == 0 {
			continue
		}
		if last := p.Prints[len(p.Prints)-1]; last.State != string(PrintConfirmed) {
			serials = append(serials, p.Serial)
		}
	}
	return serials
}

// listRefusal makes a sign-off refusal that names items under key, at
// most maxListed of them, and gives their count.
func listRefusal(reason RefusalReason, batch, key string, items []string) Refusal {
	listed := strings.Join(items, ", ")
	if len(items) > maxListed {
		listed = strings.Join(items[:maxListed], ", ") + " …"
	}
	return Refusal{Reason: reason, Data: map[string]string{"batch": batch, "count": strconv.Itoa(len(items)), key: listed}}
}

// ValidProductCertificate reports whether s has the form of a product
// quarantine certificate number (动物产品检疫合格证明编号):
// MinProductCertificateLen to MaxProductCertificateLen digits, capital
// letters A to Z and hyphens, neither starting nor ending with a hyphen.
// The printed forms carry a serial of digits. The form of electronic
// certificates' numbers is not fixed, so the check allows letters and
// hyphens too.
func ValidProductCertificate(s string) bool {
	if len(s) < MinProductCertificateLen || len(s) > MaxProductCertificateLen ||
		strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// certificateLimits returns the data of a message that states the
// lengths of a certificate number.
func certificateLimits() []string {
	return []string{"min", strconv.Itoa(MinProductCertificateLen), "max", strconv.Itoa(MaxProductCertificateLen)}
}

// CheckSignOff returns what keeps the veterinarian from signing off the
// shift's batch now, for the sign-off screen to show before the PIN is
// asked for. These are the blockers of the batch's facts (see
// Rules.SignOffBlockers) and the print jobs that still wait for a printer
// or, after a restart, for a person's decision. An empty list means
// SignOff may go ahead. It returns a *RefusalError when sign-off is not
// possible at all: no shift, no sealer or a sealed batch.
func (s *Station) CheckSignOff(ctx context.Context) ([]Refusal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSignable(); err != nil {
		return nil, err
	}
	_, blockers, err := s.signOffBlockers(ctx)
	return blockers, err
}

// SignOff is the veterinarian's sign-off of the shift's batch. It checks
// that nothing keeps the batch from being signed (see CheckSignOff), then
// closes the batch to the line by moving it to review and records the
// product quarantine certificate number. It reads the batch's facts
// again, so the document states the certificate, and has the Sealer build,
// check and sign the document with the station's key and vet's key,
// which pin unlocks. Last, the store seals the document into the outbox
// and the batch goes through signed to sealed.
//
// A blocker, an invalid certificate number or a sealer error a person
// can act on, such as a wrong PIN, returns a *RefusalError. A blocker
// also publishes a SignOffRefusedEvent that lists every blocker, and
// nothing changes. After a refusal by the sealer the
// batch stays in review with the certificate recorded, the line records
// nothing more, and SignOff may be called again. Each step is published
// as a SignOffProgressEvent, and the end as a BatchSealedEvent.
//
// SignOff zeroes pin before it returns, whatever the outcome.
func (s *Station) SignOff(ctx context.Context, vet, certificate string, pin []byte) (SealedDocument, error) {
	defer clear(pin)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireSignable(); err != nil {
		return SealedDocument{}, err
	}
	certificate = strings.TrimSpace(certificate)
	switch {
	case strings.TrimSpace(vet) == "":
		return SealedDocument{}, refuse(RefusedSignOffVet)
	case !ValidProductCertificate(certificate):
		return SealedDocument{}, refuse(RefusedSignOffCertificate, append([]string{"certificate", certificate}, certificateLimits()...)...)
	}
	batch := s.batch
	s.log.Info("sign-off started", "batch", batch.String(), "vet", vet, "certificate", certificate)

	// Check the batch before anything changes, so quality staff can still
	// release, block and close what the refusal names.
	s.publish(SignOffProgressEvent{At: s.clock.Now(), Batch: batch, Step: SignOffChecking})
	_, blockers, err := s.signOffBlockers(ctx)
	if err != nil {
		return SealedDocument{}, err
	}
	if len(blockers) > 0 {
		reasons := make([]RefusalReason, len(blockers))
		for i, b := range blockers {
			reasons[i] = b.Reason
		}
		s.log.Info("sign-off refused", "batch", batch.String(), "vet", vet, "reasons", reasons)
		s.publish(SignOffRefusedEvent{At: s.clock.Now(), Batch: batch, Refusals: blockers})
		return SealedDocument{}, &RefusalError{Refusal: blockers[0]}
	}

	// Close the batch to the line and record the certificate.
	if err := s.store.ReviewBatch(ctx, vet, batch, certificate); err != nil {
		return SealedDocument{}, fmt.Errorf("sign off batch %s: review: %w", batch, err)
	}
	s.batchState = BatchReview
	s.publish(SignOffProgressEvent{At: s.clock.Now(), Batch: batch, Step: SignOffReview})

	// Read the facts again, now with the certificate, and sign them.
	s.publish(SignOffProgressEvent{At: s.clock.Now(), Batch: batch, Step: SignOffSigning})
	facts, err := s.store.BatchFacts(ctx, batch)
	if err != nil {
		return SealedDocument{}, fmt.Errorf("sign off batch %s: %w", batch, err)
	}
	at := s.clock.Now()
	doc, err := s.sealer.Seal(facts, vet, pin, at)
	if err != nil {
		var cause Localized
		if errors.As(err, &cause) {
			s.log.Info("sign-off not signed", "batch", batch.String(), "vet", vet, "err", err)
			return SealedDocument{}, &RefusalError{Refusal{Reason: RefusedSignOffNotSigned,
				Data: map[string]string{"batch": batch.String()}, Cause: cause}}
		}
		return SealedDocument{}, fmt.Errorf("sign off batch %s: %w", batch, err)
	}

	// Seal the document into the outbox.
	s.publish(SignOffProgressEvent{At: s.clock.Now(), Batch: batch, Step: SignOffSealing})
	if err := s.store.SealBatch(ctx, vet, batch, doc); err != nil {
		return SealedDocument{}, fmt.Errorf("sign off batch %s: seal: %w", batch, err)
	}
	s.batchState = BatchSealed
	s.cutting = Cutting{}
	digest := doc.SHA256()
	s.log.Info("batch sealed", "batch", batch.String(), "vet", vet, "certificate", certificate,
		"sha256", digest, "bytes", len(doc.Body))
	s.publish(BatchSealedEvent{At: at, Batch: batch, By: vet, Certificate: certificate, Format: doc.Format,
		SHA256: digest, Size: len(doc.Body)})
	return doc, nil
}

// requireSignable refuses sign-off when no shift is open, the station
// has no sealer or the batch is sealed already.
func (s *Station) requireSignable() error {
	if err := s.requireOpen(); err != nil {
		return err
	}
	if s.sealer == nil {
		return refuse(RefusedSignOffUnavailable)
	}
	if s.batchState == BatchSealed || s.batchState == BatchUploaded {
		return refuse(RefusedSignOffDone, "batch", s.batch.String(), "state", string(s.batchState))
	}
	return nil
}

// signOffBlockers reads the batch's facts and returns them with what
// keeps the batch from being signed off: the facts' blockers and the
// station's print jobs that wait for a printer or a decision. The
// caller holds s.mu.
func (s *Station) signOffBlockers(ctx context.Context) (*BatchFacts, []Refusal, error) {
	facts, err := s.store.BatchFacts(ctx, s.batch)
	if err != nil {
		return nil, nil, fmt.Errorf("sign off batch %s: %w", s.batch, err)
	}
	blockers := s.rules.SignOffBlockers(facts)
	waiting := s.waitingLabels()
	if len(waiting) == 0 {
		return facts, blockers, nil
	}

	// The jobs the station holds join the pack labels the facts name,
	// each label once, in the order the rules put the refusal.
	i := slices.IndexFunc(blockers, func(r Refusal) bool { return r.Reason == RefusedSignOffPrints })
	labels := unresolvedLabels(facts)
	for _, serial := range waiting {
		if !slices.Contains(labels, serial) {
			labels = append(labels, serial)
		}
	}
	r := listRefusal(RefusedSignOffPrints, s.batch.String(), "labels", labels)
	if i >= 0 {
		blockers[i] = r
		return facts, blockers, nil
	}
	at := slices.IndexFunc(blockers, func(r Refusal) bool { return r.Reason == RefusedSignOffLab })
	if at < 0 {
		at = len(blockers)
	}
	return facts, slices.Insert(blockers, at, r), nil
}

// waitingLabels returns the serials of labels whose print jobs the
// station still holds: jobs left unfinished by a restart and jobs that
// wait for their printer or for its confirmation.
func (s *Station) waitingLabels() []string {
	var serials []string
	add := func(serial string) {
		if !slices.Contains(serials, serial) {
			serials = append(serials, serial)
		}
	}
	for _, j := range s.unfinished {
		add(j.Serial)
	}
	for _, q := range s.queues {
		q.mu.Lock()
		for _, j := range q.pending {
			add(j.job.Serial)
		}
		for _, j := range q.sent {
			add(j.Serial)
		}
		q.mu.Unlock()
	}
	return serials
}
