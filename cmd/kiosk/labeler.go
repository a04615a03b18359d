package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"lambtrace/labels"
	"lambtrace/line"
)

// previewsPerTemplate is how many labels of each template the labeler
// also draws as PNG previews into its preview directory.
const previewsPerTemplate = 3

// labeler implements line.Labeler with package labels: carcass labels on
// the carcass printer's stock and pack labels on the pack printer's. A
// lot pack's label names the animals whose trim went on to the lot, as
// lots recorded them.
type labeler struct {
	carcass, pack labels.Config // stock and density; the plant comes with each label
	rules         *line.Rules
	registry      *line.Registry
	lots          *lotSources

	// previewDir, when not empty, receives PNG previews of the first
	// labels of each template.
	previewDir string
	log        *slog.Logger
	mu         sync.Mutex
	previews   map[string]int // previews written per template
}

var _ line.Labeler = (*labeler)(nil)

// CarcassLabel lays out a carcass label. The station prints it when the
// tag read enters the carcass, so it has no hot weight yet.
func (l *labeler) CarcassLabel(c line.CarcassLabel) ([]byte, error) {
	if c.Animal == nil || c.Animal.Consignment == nil {
		return nil, fmt.Errorf("carcass %s: ear tag %q is not in the registry, so the label has no owner", c.Number, c.EarTag)
	}
	// NOTE: labels.Carcass has no mark for a carcass held for a quality
	// decision (c.Held); the hold shows on the kiosk, not on the label.
	facts := labels.Carcass{Number: c.Number, EarTag: c.EarTag, Owner: c.Animal.Consignment.Owner.Name, KilledAt: c.EnteredAt}
	return l.render("carcass", l.carcass, c.Plant, facts, c.Number)
}

// PackLabel lays out the label of a pack from a carcass or from a mixed
// lot.
func (l *labeler) PackLabel(p line.PackLabel) ([]byte, error) {
	if p.Lot == "" {
		source := labels.SourceOf(p.Animal, l.rules)
		// The store decided whether the pack may claim grassland lamb.
		source.Grassland = p.Grassland
		facts := labels.Pack{Product: p.Product, NetWeight: p.Net, PackedOn: line.DateOf(p.PackedAt), Batch: p.Batch.String(),
			Serial: p.Serial, Source: source}
		return l.render("pack", l.pack, p.Plant, facts, p.Serial)
	}

	tags := l.lots.of(p.Lot)
	if len(tags) == 0 {
		return nil, fmt.Errorf("pack %s: lot %s has no recorded trim, so the label names no animal", p.Serial, p.Lot)
	}
	sources := make([]labels.Source, 0, len(tags))
	for _, tag := range tags {
		a, ok := l.registry.AnimalByEarTag(tag)
		if !ok {
			return nil, fmt.Errorf("pack %s: ear tag %s of lot %s is not in the registry", p.Serial, tag, p.Lot)
		}
		sources = append(sources, labels.SourceOf(a, l.rules))
	}
	facts := labels.MixedPack{Product: p.Product, NetWeight: p.Net, PackedOn: line.DateOf(p.PackedAt), Batch: p.Batch.String(),
		Serial: p.Serial, Lot: p.Lot, Sources: sources}
	return l.render("mixed-pack", l.pack, p.Plant, facts, p.Serial)
}

// render lays out facts on a printer's stock with the station's plant and
// returns the ZPL job. The first labels of each template are also drawn
// as previews.
func (l *labeler) render(template string, stock labels.Config, plant line.Plant, facts labels.Facts, serial string) ([]byte, error) {
	stock.Plant = labels.Plant{Name: plant.Name, Approval: plant.Approval}
	lay, err := labels.Layout(stock, facts)
	if err != nil {
		return nil, err
	}
	if l.previewDir != "" && l.takePreview(template) {
		if err := l.writePreview(lay, serial); err != nil {
			l.log.Warn("label preview not written", "template", template, "serial", serial, "err", err)
		}
	}
	return lay.ZPL(), nil
}

func (l *labeler) takePreview(template string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.previews == nil {
		l.previews = make(map[string]int)
	}
	if l.previews[template] >= previewsPerTemplate {
		return false
	}
	l.previews[template]++
	return true
}

func (l *labeler) writePreview(lay *labels.Label, serial string) error {
	png, err := lay.PNG()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(l.previewDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(l.previewDir, serial+".png"), png, 0o644)
}

// lotSources is the station's store that also notes, as each weighing of
// trim sent on to a mixed lot is stored, the ear tag of the animal it came
// from, so the lot's pack labels can name them. It is safe for concurrent
// use.
type lotSources struct {
	line.Store

	mu   sync.Mutex
	tags map[string][]line.EarTag // lot id to the distinct ear tags, in the order their trim came
}

func newLotSources(s line.Store) *lotSources {
	return &lotSources{Store: s, tags: make(map[string][]line.EarTag)}
}

// AddOutput stores an output weighing and notes the source of trim sent
// on to a lot.
func (s *lotSources) AddOutput(ctx context.Context, actor string, out line.OutputRequest) (line.OutputResult, error) {
	res, err := s.Store.AddOutput(ctx, actor, out)
	if err == nil && res.Refused == nil && out.Weighing.ToLot != "" && res.Carcass != nil {
		s.add(out.Weighing.ToLot, res.Carcass.EarTag)
	}
	return res, err
}

// seed notes the counted sources of lots stored before a restart.
func (s *lotSources) seed(lots []line.LotFact) {
	for _, lot := range lots {
		for _, src := range lot.Sources {
			if src.Counted {
				s.add(lot.ID, src.EarTag)
			}
		}
	}
}

func (s *lotSources) add(lot string, tag line.EarTag) {
	if tag == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.tags[lot], tag) {
		s.tags[lot] = append(s.tags[lot], tag)
	}
}

// of returns the ear tags of a lot's sources.
func (s *lotSources) of(lot string) []line.EarTag {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.tags[lot])
}
