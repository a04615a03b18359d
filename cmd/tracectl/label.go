package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lambtrace/labels"
	"lambtrace/line"
)

// Demonstration defaults of the label command. A plant passes its own
// identity and its platform's domain.
const (
	demoDomain   = "trace.example.cn"
	demoPlant    = "示范屠宰厂 Demo plant"
	demoApproval = "A15250201"
)

// chinaTime is the zone of dates and times a label prints when the
// command picks them: China Standard Time, UTC+8 all year.
var chinaTime = time.FixedZone("CST", 8*60*60)

// labelOptions are the flags every label template takes.
type labelOptions struct {
	out          string
	dpi          int
	size         labels.Size
	domain       string
	plant        string
	approval     string
	font         string
	residentFont string
	registry     string
}

func (o *labelOptions) register(fset *flag.FlagSet, size labels.Size) {
	o.size = size
	fset.StringVar(&o.out, "out", "", "`directory` to write SERIAL.zpl and SERIAL.png to; created when missing")
	fset.IntVar(&o.dpi, "dpi", 203, "printer resolution in dots per inch: 203 or 300")
	fset.Var(&o.size, "size", "label size `WIDTHxHEIGHT` in mm, such as 60x40, 100x70 or 100x150")
	fset.StringVar(&o.domain, "domain", demoDomain, "platform `domain` of the GS1 Digital Link in the QR code")
	fset.StringVar(&o.plant, "plant", "", "plant `name` printed on the label; the default is the product master's plant, or a demo name")
	fset.StringVar(&o.approval, "approval", demoApproval, "the plant's slaughter approval `number`")
	fset.StringVar(&o.font, "font", "bitmap", "text as bitmap graphics from the bundled font (bitmap), or in a printer font (resident)")
	fset.StringVar(&o.residentFont, "resident-font", "E:NOTOSANSSC.TTF", "printer `path` of the font for --font resident")
	fset.StringVar(&o.registry, "registry", "", "registry export `FILE` for the animal's breed, origin and grassland status")
}

// config returns the layout configuration of the options.
func (o *labelOptions) config(plantFromMaster string) (labels.Config, error) {
	if o.out == "" {
		return labels.Config{}, &usageError{key: "label.cli.missing_flag", data: map[string]string{"flag": "out"}}
	}
	cfg := labels.Config{Size: o.size, DPI: o.dpi, Domain: o.domain, Plant: labels.Plant{Name: o.plant, Approval: o.approval}}
	if cfg.Plant.Name == "" {
		cfg.Plant.Name = plantFromMaster
	}
	if cfg.Plant.Name == "" {
		cfg.Plant.Name = demoPlant
	}
	switch o.font {
	case "bitmap":
	case "resident":
		cfg.Font, cfg.ResidentFont = labels.FontResident, o.residentFont
	default:
		return labels.Config{}, &usageError{key: "cli.bad_flag", data: map[string]string{"error": "--font must be bitmap or resident"}}
	}
	return cfg, cfg.Validate()
}

// readRegistry reads the registry the options name, or returns nil.
func (o *labelOptions) readRegistry() (*line.Registry, error) {
	if o.registry == "" {
		return nil, nil
	}
	reg, err := line.ReadRegistryFile(o.registry)
	if err != nil {
		return nil, &inputError{err}
	}
	return reg, nil
}

func runLabel(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{key: "label.cli.args"}
	}
	switch args[0] {
	case "pack":
		return labelPack(args[1:], stdout)
	case "carcass":
		return labelCarcass(args[1:], stdout)
	case "carton":
		return labelCarton(args[1:], stdout)
	}
	return &usageError{key: "label.cli.args"}
}

// labelPack writes a pack label, or a mixed-lot pack label with --lot.
func labelPack(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("label pack", flag.ContinueOnError)
	var o labelOptions
	o.register(fset, labels.Size60x40)
	productsPath := fset.String("products", "", "product master `FILE`")
	productKey := fset.String("product", "", "product `key` in the product master")
	grams := fset.Int64("weight-g", 0, "net weight in `grams`")
	serial := fset.String("serial", "", "pack `serial` (GS1 AI 21)")
	batch := fset.String("batch", "", "batch `id` (GS1 AI 10)")
	earTag := fset.String("ear-tag", "", "15-digit `ear tag` of the source animal; for --lot, a comma-separated list")
	lot := fset.String("lot", "", "mixed lot `id`: print a mixed-lot pack label")
	packed := fset.String("packed-on", "", "packing `date` YYYY-MM-DD; the default is today in China Standard Time")
	certificate := fset.String("certificate", "", "product quarantine certificate `number`, when the batch has one")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if err := requireFlags(map[string]string{"products": *productsPath, "product": *productKey, "serial": *serial, "batch": *batch, "ear-tag": *earTag}); err != nil {
		return err
	}

	master, product, err := readProduct(*productsPath, *productKey)
	if err != nil {
		return err
	}
	cfg, err := o.config(master.Plant)
	if err != nil {
		return err
	}
	packedOn, err := dateFlag("packed-on", *packed)
	if err != nil {
		return err
	}
	reg, err := o.readRegistry()
	if err != nil {
		return err
	}

	var facts labels.Facts
	if *lot == "" {
		source, err := sourceOf(*earTag, reg)
		if err != nil {
			return err
		}
		facts = labels.Pack{Product: product, NetWeight: line.Mass(*grams), PackedOn: packedOn, Batch: *batch,
			Serial: *serial, Source: source, Certificate: *certificate}
	} else {
		var sources []labels.Source
		for _, tag := range strings.Split(*earTag, ",") {
			source, err := sourceOf(strings.TrimSpace(tag), reg)
			if err != nil {
				return err
			}
			sources = append(sources, source)
		}
		facts = labels.MixedPack{Product: product, NetWeight: line.Mass(*grams), PackedOn: packedOn, Batch: *batch,
			Serial: *serial, Lot: *lot, Sources: sources, Certificate: *certificate}
	}
	return writeLabel(cfg, facts, o.out, *serial, stdout)
}

// labelCarcass writes a carcass label.
func labelCarcass(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("label carcass", flag.ContinueOnError)
	var o labelOptions
	o.register(fset, labels.Size100x70)
	number := fset.String("carcass", "", "carcass `number`, such as 20261204-0031")
	earTag := fset.String("ear-tag", "", "15-digit `ear tag` of the animal")
	owner := fset.String("owner", "", "consignment `owner`; the default is the owner in --registry")
	grams := fset.Int64("hot-weight-g", 0, "hot carcass weight in `grams`")
	killed := fset.String("killed-at", "", "kill `time` in RFC 3339, such as 2026-12-04T08:31:00+08:00; the default is now")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if err := requireFlags(map[string]string{"carcass": *number, "ear-tag": *earTag}); err != nil {
		return err
	}

	cfg, err := o.config("")
	if err != nil {
		return err
	}
	reg, err := o.readRegistry()
	if err != nil {
		return err
	}
	if *owner == "" && reg != nil {
		if a, ok := reg.AnimalByEarTag(line.EarTag(*earTag)); ok && a.Consignment != nil {
			*owner = a.Consignment.Owner.Name
		}
	}
	if err := requireFlags(map[string]string{"owner": *owner}); err != nil {
		return err
	}

	killedAt := time.Now().In(chinaTime)
	if *killed != "" {
		killedAt, err = time.Parse(time.RFC3339, *killed)
		if err != nil {
			return &usageError{key: "cli.bad_flag", data: map[string]string{"error": "--killed-at: expected an RFC 3339 time with a zone, such as 2026-12-04T08:31:00+08:00"}}
		}
	}
	facts := labels.Carcass{Number: *number, EarTag: line.EarTag(*earTag), Owner: *owner, HotWeight: line.Mass(*grams), KilledAt: killedAt}
	return writeLabel(cfg, facts, o.out, *number, stdout)
}

// labelCarton writes a carton label.
func labelCarton(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("label carton", flag.ContinueOnError)
	var o labelOptions
	o.register(fset, labels.Size100x150)
	productsPath := fset.String("products", "", "product master `FILE`")
	productKey := fset.String("product", "", "product `key` in the product master")
	gtin := fset.String("gtin", "", "the carton's GTIN-14; the default is the product's")
	grams := fset.Int64("weight-g", 0, "net weight of the carton's contents in `grams`")
	serial := fset.String("serial", "", "carton `serial` (GS1 AI 21)")
	batch := fset.String("batch", "", "batch `id` (GS1 AI 10)")
	packs := fset.Int("packs", 0, "number of packs in the carton; 0 leaves the line out")
	packed := fset.String("packed-on", "", "packing `date` YYYY-MM-DD (GS1 AI 13); the default is today in China Standard Time")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if err := requireFlags(map[string]string{"products": *productsPath, "product": *productKey, "serial": *serial, "batch": *batch}); err != nil {
		return err
	}

	master, product, err := readProduct(*productsPath, *productKey)
	if err != nil {
		return err
	}
	cfg, err := o.config(master.Plant)
	if err != nil {
		return err
	}
	packedOn, err := dateFlag("packed-on", *packed)
	if err != nil {
		return err
	}

	facts := labels.Carton{Product: product, GTIN: line.GTIN(*gtin), NetWeight: line.Mass(*grams), PackedOn: packedOn,
		Batch: *batch, Serial: *serial, Packs: *packs}
	return writeLabel(cfg, facts, o.out, *serial, stdout)
}

// requireFlags reports the first of the given flags that is empty, in
// the order the usage text lists them.
func requireFlags(values map[string]string) error {
	for _, name := range []string{"products", "product", "carcass", "serial", "batch", "ear-tag", "owner"} {
		if v, ok := values[name]; ok && v == "" {
			return &usageError{key: "label.cli.missing_flag", data: map[string]string{"flag": name}}
		}
	}
	return nil
}

// readProduct reads a product master and finds a product in it.
func readProduct(path, key string) (*line.ProductMaster, *line.Product, error) {
	master, err := line.ReadProductsFile(path)
	if err != nil {
		return nil, nil, &inputError{err}
	}
	product, ok := master.Product(key)
	if !ok {
		return nil, nil, &usageError{key: "label.cli.unknown_product", data: map[string]string{"product": key}}
	}
	return master, product, nil
}

// dateFlag parses a date flag, or returns today in China Standard Time.
func dateFlag(name, value string) (line.Date, error) {
	if value == "" {
		return line.DateOf(time.Now().In(chinaTime)), nil
	}
	d, err := line.ParseDate(value)
	if err != nil {
		return line.Date{}, &usageError{key: "cli.bad_flag", data: map[string]string{"error": "--" + name + ": " + err.Error()}}
	}
	return d, nil
}

// sourceOf returns the label facts of an animal: from the registry when
// one is given, otherwise only the tag's origin, without breed and
// without the grassland mark, which needs the registry's facts.
func sourceOf(tag string, reg *line.Registry) (labels.Source, error) {
	if reg == nil {
		league, county := labels.OriginOf(line.EarTag(tag), nil)
		return labels.Source{EarTag: line.EarTag(tag), League: league, County: county}, nil
	}
	a, ok := reg.AnimalByEarTag(line.EarTag(tag))
	if !ok {
		return labels.Source{}, &usageError{key: "label.cli.unknown_ear_tag", data: map[string]string{"ear_tag": tag}}
	}
	return labels.SourceOf(a, line.DefaultRules()), nil
}

// writeLabel lays out a label and writes DIR/NAME.zpl and DIR/NAME.png.
func writeLabel(cfg labels.Config, facts labels.Facts, dir, name string, stdout io.Writer) error {
	l, err := labels.Layout(cfg, facts)
	if err != nil {
		return err
	}
	png, err := l.PNG()
	if err != nil {
		return err
	}
	if name == "" || name != filepath.Base(name) || strings.ContainsAny(name, `/\`) {
		return &usageError{key: "cli.bad_flag", data: map[string]string{"error": fmt.Sprintf("%q cannot be a file name", name)}}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	zplPath, pngPath := filepath.Join(dir, name+".zpl"), filepath.Join(dir, name+".png")
	if err := os.WriteFile(zplPath, l.ZPL(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(pngPath, png, 0o644); err != nil {
		return err
	}
	data := map[string]string{"zpl": zplPath, "png": pngPath}
	for _, lang := range line.Langs {
		fmt.Fprintln(stdout, line.Translate(lang, "label.cli.written", data))
	}
	return nil
}
