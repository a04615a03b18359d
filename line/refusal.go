package line

import "maps"

// RefusalReason names why the station did not do what an operator, a
// device or quality staff asked. Each reason has a message in the
// translation catalogs under "station.refused.<reason>".
type RefusalReason string

// Refusal reasons.
const (
	RefusedNoShift            RefusalReason = "no_shift"            // no shift is open
	RefusedShiftNotOpen       RefusalReason = "shift_not_open"      // the batch has gone on to review
	RefusedUnknownCarcass     RefusalReason = "unknown_carcass"     // not a carcass of this shift
	RefusedCarcassBlocked     RefusalReason = "carcass_blocked"     // a blocked carcass yields nothing
	RefusedCarcassHeld        RefusalReason = "carcass_held"        // quality must release it first
	RefusedCarcassClosed      RefusalReason = "carcass_closed"      // its cutting is closed
	RefusedNotHeld            RefusalReason = "not_held"            // only a held carcass is released
	RefusedNoChilledWeight    RefusalReason = "no_chilled_weight"   // weigh the carcass on the carcass scale first
	RefusedChilledRecorded    RefusalReason = "chilled_recorded"    // the chilled weight is recorded already
	RefusedAlreadyInspected   RefusalReason = "already_inspected"   // the inspection result is recorded already
	RefusedInspection         RefusalReason = "invalid_inspection"  // result, reason or condemned weight missing or wrong
	RefusedNoHookCarcass      RefusalReason = "no_hook_carcass"     // a hot weight came but no carcass waits for one
	RefusedHotRecorded        RefusalReason = "hot_recorded"        // the carcass has its hot weight already
	RefusedNoCuttingTarget    RefusalReason = "no_cutting_target"   // pick a carcass or a lot first
	RefusedNoOutput           RefusalReason = "no_output"           // pick a product or a by-product bin first
	RefusedUnknownProduct     RefusalReason = "unknown_product"     // not in the product master
	RefusedMixedProduct       RefusalReason = "mixed_product"       // a mixed product is packed from a lot
	RefusedLotProduct         RefusalReason = "lot_product"         // a lot packs only its own product
	RefusedUnknownByproduct   RefusalReason = "unknown_byproduct"   // not a by-product bin
	RefusedNotLotSource       RefusalReason = "not_lot_source"      // only trim goes on to a lot
	RefusedUnknownLot         RefusalReason = "unknown_lot"         // not a lot of this shift
	RefusedLotExists          RefusalReason = "lot_exists"          // the lot id is taken
	RefusedLotClosed          RefusalReason = "lot_closed"          // the lot is closed
	RefusedMassExcess         RefusalReason = "mass_excess"         // the mass balance refused the weighing
	RefusedNotSteady          RefusalReason = "not_steady"          // the scale has no steady weight
	RefusedAlreadyCaptured    RefusalReason = "already_captured"    // take the load off the scale first
	RefusedBelowMinimum       RefusalReason = "below_minimum"       // the weight is too small to tell from an empty scale
	RefusedUnknownScale       RefusalReason = "unknown_scale"       // the scale has no role at this station
	RefusedNoDivision         RefusalReason = "no_division"         // the reading names no scale division
	RefusedReasonRequired     RefusalReason = "reason_required"     // a release, block, reprint or void needs a reason
	RefusedUnknownConsignment RefusalReason = "unknown_consignment" // not a consignment of the registry
	RefusedLabSampleRecorded  RefusalReason = "lab_sample_recorded" // the sample's result is recorded already
	RefusedInvalidLabResult   RefusalReason = "invalid_lab_result"  // sample, analytes or result missing or wrong
	RefusedNoPrinter          RefusalReason = "no_printer"          // no labeler or printer for this label
	RefusedUnknownLabel       RefusalReason = "unknown_label"       // no carcass or pack has this serial
	RefusedUnknownPrintJob    RefusalReason = "unknown_print_job"   // no unfinished print job has this id
	RefusedLabelNotPrinted    RefusalReason = "label_not_printed"   // a reprint needs an earlier job

	// Reasons of sign-off. The first group is what SignOffBlockers finds
	// in a batch's facts.
	RefusedSignOffEmpty       RefusalReason = "signoff_empty"       // the batch has no carcass
	RefusedSignOffHeld        RefusalReason = "signoff_held"        // carcasses are held for review
	RefusedSignOffLotHeld     RefusalReason = "signoff_lot_held"    // lots have an unreleased review decision
	RefusedSignOffCutting     RefusalReason = "signoff_cutting"     // carcasses that are not blocked have an open cutting
	RefusedSignOffLotOpen     RefusalReason = "signoff_lot_open"    // mixed lots are open
	RefusedSignOffPrints      RefusalReason = "signoff_prints"      // print jobs wait for a printer or a person
	RefusedSignOffLab         RefusalReason = "signoff_lab"         // consignments have no lab result
	RefusedSignOffUnavailable RefusalReason = "signoff_unavailable" // the station has no sealer
	RefusedSignOffDone        RefusalReason = "signoff_done"        // the batch is sealed already
	RefusedSignOffCertificate RefusalReason = "signoff_certificate" // the certificate number is missing or invalid
	RefusedSignOffVet         RefusalReason = "signoff_vet"         // no veterinarian named
	RefusedSignOffNotSigned   RefusalReason = "signoff_not_signed"  // the sealer refused, such as for a wrong PIN
)

// RefusalReasons lists every refusal reason, for the catalog tests and
// the documentation.
var RefusalReasons = []RefusalReason{
	RefusedNoShift, RefusedShiftNotOpen, RefusedUnknownCarcass, RefusedCarcassBlocked, RefusedCarcassHeld,
	RefusedCarcassClosed, RefusedNotHeld, RefusedNoChilledWeight, RefusedChilledRecorded, RefusedAlreadyInspected,
	RefusedInspection, RefusedNoHookCarcass, RefusedHotRecorded, RefusedNoCuttingTarget, RefusedNoOutput,
	RefusedUnknownProduct, RefusedMixedProduct, RefusedLotProduct, RefusedUnknownByproduct, RefusedNotLotSource,
	RefusedUnknownLot, RefusedLotExists, RefusedLotClosed, RefusedMassExcess, RefusedNotSteady,
	RefusedAlreadyCaptured, RefusedBelowMinimum, RefusedUnknownScale, RefusedNoDivision, RefusedReasonRequired,
	RefusedUnknownConsignment, RefusedLabSampleRecorded, RefusedInvalidLabResult, RefusedNoPrinter,
	RefusedUnknownLabel, RefusedUnknownPrintJob, RefusedLabelNotPrinted,
	RefusedSignOffEmpty, RefusedSignOffHeld, RefusedSignOffLotHeld, RefusedSignOffCutting, RefusedSignOffLotOpen,
	RefusedSignOffPrints, RefusedSignOffLab, RefusedSignOffUnavailable, RefusedSignOffDone, RefusedSignOffCertificate,
	RefusedSignOffVet, RefusedSignOffNotSigned,
}

// Localized is implemented by errors that carry a message for people in
// each supported language, such as a sealer's report of a wrong PIN.
type Localized interface {
	Message(lang Lang) string
}

// Refusal is the reason the station did not do something, in a form a
// screen shows in the operator's language.
type Refusal struct {
	Reason RefusalReason
	Data   map[string]string // the facts the message names, such as "carcass"
	// Decision is the mass.excess decision stored for a weighing the mass
	// balance refused. Its Reason text gives the excess.
	Decision *Decision
	// Cause is the reason another part gave, such as the sealer's
	// wrong PIN. The message renders it as {{.cause}}.
	Cause Localized
}

// Text renders the refusal in lang. A mass-balance refusal renders its
// decision's reason.
func (r Refusal) Text(lang Lang) string {
	if r.Decision != nil {
		return r.Decision.Reason(lang)
	}
	data := r.Data
	if r.Cause != nil {
		data = maps.Clone(r.Data)
		if data == nil {
			data = make(map[string]string, 1)
		}
		data["cause"] = r.Cause.Message(lang)
	}
	return Translate(lang, "station.refused."+string(r.Reason), data)
}

// RefusalError is the error a station command returns when it refuses.
type RefusalError struct {
	Refusal
}

func (e *RefusalError) Error() string { return "station: " + e.Text(LangEN) }

// Unwrap returns the refusal's cause when it is an error, so that
// errors.Is finds, for example, the signing package's wrong-PIN error.
func (e *RefusalError) Unwrap() error {
	err, _ := e.Cause.(error)
	return err
}

// refuse builds a *RefusalError from a reason and pairs of data keys and
// values.
func refuse(reason RefusalReason, kv ...string) *RefusalError {
	data := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	return &RefusalError{Refusal{Reason: reason, Data: data}}
}
