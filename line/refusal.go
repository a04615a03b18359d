package line

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
}

// Refusal is the reason the station did not do something, in a form a
// screen shows in the operator's language.
type Refusal struct {
	Reason RefusalReason
	Data   map[string]string // the facts the message names, such as "carcass"
	// Decision is the mass.excess decision stored for a weighing the mass
	// balance refused. Its Reason text gives the excess.
	Decision *Decision
}

// Text renders the refusal in lang. A mass-balance refusal renders its
// decision's reason.
func (r Refusal) Text(lang Lang) string {
	if r.Decision != nil {
		return r.Decision.Reason(lang)
	}
	return Translate(lang, "station.refused."+string(r.Reason), r.Data)
}

// RefusalError is the error a station command returns when it refuses.
type RefusalError struct {
	Refusal
}

func (e *RefusalError) Error() string { return "station: " + e.Text(LangEN) }

// refuse builds a *RefusalError from a reason and pairs of data keys and
// values.
func refuse(reason RefusalReason, kv ...string) *RefusalError {
	data := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		data[kv[i]] = kv[i+1]
	}
	return &RefusalError{Refusal{Reason: reason, Data: data}}
}
