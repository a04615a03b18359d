// Package dayrun drives a recorded line run (lambtrace-linerun/1) through
// the station service, as the people and devices on the line would: lab
// results and mixed lots first, then for each pass its inspection and
// its cutting, then the lots' packs. tracectl replay gives the station
// the weights directly; the kiosk's simulated line puts them on
// simulated scales that the real drivers read. Both use the steps here,
// so both record the same day.
//
// It also holds what both need around a run: decoding what the reader
// sent, importing the input files once, the summary of the recorded
// batch, and the plan that continues a day a stopped run left half done.
package dayrun

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"lambtrace/devices/rfid"
	"lambtrace/line"
)

// ReleaseReason is the reason recorded with every release under the
// default quality policy of the day check.
const ReleaseReason = "released under the default quality policy of the day check"

// Actors are the users a run records in the journal.
type Actors struct {
	Operator  string // device input and the commands of the cutting table
	Quality   string // releases under the default quality policy
	Inspector string // inspection and lab results from the line run
}

// Policy returns the default quality policy of the day check, which
// releases every review hold at once under a.Quality and never blocks.
func (a Actors) Policy() *line.ReleasePolicy {
	return &line.ReleasePolicy{User: a.Quality, Reason: ReleaseReason}
}

// Weigh puts one load of grams on a scale whose division is division, and
// returns once the station has taken or refused the weight. It returns
// an error when the station never judged it.
type Weigh func(ctx context.Context, scale string, grams, division line.Mass) error

// Line drives a station through the steps of a line run. Station, Run,
// Scales, Actors and Weigh are required.
type Line struct {
	Station *line.Station
	Run     *line.LineRun
	Scales  line.ScaleRoles
	Actors  Actors
	Weigh   Weigh
	// Now gives the time of the condemned parts' weighing that the
	// inspector enters; the station's clock. time.Now when nil.
	Now func() time.Time
}

func (l *Line) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

// Prepare opens the line run's mixed lots and records its lab results,
// leaving out the lots and lab samples plan lists as done.
func (l *Line) Prepare(ctx context.Context, plan *Plan) error {
	for _, lot := range l.Run.Lots {
		if plan.lotOpen(lot.ID) {
			continue
		}
		if _, err := l.Station.OpenLot(ctx, l.Actors.Operator, lot.ID, lot.Product); err != nil {
			return fmt.Errorf("open lot %s: %w", lot.ID, err)
		}
	}
	for _, t := range l.Run.LabTests {
		if plan.labRecorded(t.Sample) {
			continue
		}
		if _, err := l.Station.RecordLabResult(ctx, l.Actors.Inspector, *t); err != nil {
			return fmt.Errorf("record lab result %s: %w", t.Sample, err)
		}
	}
	return nil
}

// Inspect records the synchronous inspection of pass p for its carcass.
// The condemned parts of a partial condemnation are entered as a steady
// reading of the pack scale.
func (l *Line) Inspect(ctx context.Context, p *line.Pass, carcass string) error {
	in := line.InspectionInput{Carcass: carcass, Result: p.Inspection, Reason: p.Reason}
	if p.Condemned > 0 {
		in.Condemned = &line.Reading{Scale: l.Scales.Pack, At: l.now(), Grams: p.Condemned,
			Division: l.Run.PackScale.Division, Stable: true}
	}
	if _, err := l.Station.RecordInspection(ctx, l.Actors.Inspector, in); err != nil {
		return fmt.Errorf("inspect carcass %s: %w", carcass, err)
	}
	return nil
}

// Cut takes the carcass of pass p through the cutting table: its chilled
// weight, every cut and by-product, and the close. from holds how far an
// earlier run got with it. A blocked carcass cannot be picked, so it
// yields nothing; Cut then returns true.
func (l *Line) Cut(ctx context.Context, p *line.Pass, carcass string, from PassPlan) (blocked bool, err error) {
	var refusal *line.RefusalError
	if err := l.Station.SelectCarcass(carcass); errors.As(err, &refusal) && refusal.Reason == line.RefusedCarcassBlocked {
		return true, nil
	} else if err != nil {
		return false, fmt.Errorf("pick carcass %s: %w", carcass, err)
	}
	if !from.Chilled {
		if err := l.Weigh(ctx, l.Scales.Carcass, p.Chilled, l.Run.CarcassScale.Division); err != nil {
			return false, fmt.Errorf("chilled weight of carcass %s: %w", carcass, err)
		}
	}

	// Cuts come first and by-products after, as the day check weighs
	// them; from.Outputs of them were judged before.
	for i, cut := range p.Cuts {
		if i < from.Outputs {
			continue
		}
		if err := l.Station.SelectProduct(cut.Product); err != nil {
			return false, fmt.Errorf("pick product %s for carcass %s: %w", cut.Product, carcass, err)
		}
		if err := l.Weigh(ctx, l.Scales.Pack, cut.Weight, l.Run.PackScale.Division); err != nil {
			return false, fmt.Errorf("pack %d of carcass %s: %w", i+1, carcass, err)
		}
	}
	for i, b := range p.Byproducts {
		if len(p.Cuts)+i < from.Outputs {
			continue
		}
		toLot := ""
		if b.Kind == line.LotSource {
			toLot = p.TrimToLot
		}
		if err := l.Station.SelectByproduct(b.Kind, toLot); err != nil {
			return false, fmt.Errorf("pick by-product %s for carcass %s: %w", b.Kind, carcass, err)
		}
		if err := l.Weigh(ctx, l.Scales.Pack, b.Weight, l.Run.PackScale.Division); err != nil {
			return false, fmt.Errorf("by-product %s of carcass %s: %w", b.Kind, carcass, err)
		}
	}
	if _, err := l.Station.CloseCarcass(ctx, l.Actors.Operator, carcass); err != nil {
		return false, fmt.Errorf("close carcass %s: %w", carcass, err)
	}
	return false, nil
}

// PackLot weighs a mixed lot's packs and closes the lot. from holds how
// far an earlier run got with it.
func (l *Line) PackLot(ctx context.Context, lot *line.LotRun, from LotPlan) error {
	if from.Closed {
		return nil
	}
	if err := l.Station.SelectLot(lot.ID); err != nil {
		return fmt.Errorf("pick lot %s: %w", lot.ID, err)
	}
	for i, g := range lot.Packs {
		if i < from.Outputs {
			continue
		}
		if err := l.Weigh(ctx, l.Scales.Pack, g, l.Run.PackScale.Division); err != nil {
			return fmt.Errorf("pack %d of lot %s: %w", i+1, lot.ID, err)
		}
	}
	if _, err := l.Station.CloseLot(ctx, l.Actors.Operator, lot.ID); err != nil {
		return fmt.Errorf("close lot %s: %w", lot.ID, err)
	}
	return nil
}

// DecodePass decodes what the reader sent for a pass with the decoders
// the station's readers use.
func DecodePass(p *line.Pass) (line.RFID, error) {
	if p.ReaderFrame != nil {
		return rfid.DecodeFrame(p.ReaderFrame)
	}
	id, _, err := rfid.DecodeLine(p.ReaderLine)
	return id, err
}

// ReaderText returns what the reader sent for a pass, printable: the text
// line, or the frame as hex.
func ReaderText(p *line.Pass) string {
	if p.ReaderFrame != nil {
		return fmt.Sprintf("%x", p.ReaderFrame)
	}
	return strings.ToValidUTF8(p.ReaderLine, "?")
}

// ReaderBytes returns the bytes the reader sent on its serial line for a
// pass: the text line with CR LF, or the binary frame as it is.
// NOTE: a text line holding a CR or LF reaches a reader driver as two
// lines, where the day check decodes it as one read.
func ReaderBytes(p *line.Pass) []byte {
	if p.ReaderFrame != nil {
		return append([]byte(nil), p.ReaderFrame...)
	}
	return []byte(p.ReaderLine + "\r\n")
}
