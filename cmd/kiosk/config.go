package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"lambtrace/devices/rfid"
	"lambtrace/devices/scale"
	"lambtrace/labels"
	"lambtrace/line"
)

// Config is the kiosk's configuration file, TOML. Every field may be left
// out; DefaultConfig gives the value of a missing one. Durations are
// whole milliseconds.
type Config struct {
	// DataDir is the data directory of the station database, relative to
	// the configuration file. The -data flag overrides it.
	DataDir string `toml:"data_dir"`
	// Language of the screens: "zh-CN" (the default) or "en".
	Language string `toml:"language"`
	// Simulated starts simulators for every device and points the
	// drivers at them, as -sim does.
	Simulated bool `toml:"simulated"`

	Plant    PlantConfig     `toml:"plant"`
	Station  StationConfig   `toml:"station"`
	Rules    RulesConfig     `toml:"rules"`
	Platform PlatformConfig  `toml:"platform"`
	Reader   ReaderConfig    `toml:"reader"`
	Scales   []ScaleConfig   `toml:"scales"`
	Printers []PrinterConfig `toml:"printers"`

	// ImportRoots are the glob patterns of the directories the first
	// start searches for the product master and the registry export,
	// relative to the configuration file. Empty means ui.DefaultImportRoots:
	// the mount points of USB sticks.
	ImportRoots []string `toml:"import_roots"`
}

// PlantConfig is the plant's identity as labels print it.
type PlantConfig struct {
	// Name is the plant's name, Chinese first. Empty takes the name in
	// the product master.
	Name string `toml:"name"`
	// Approval is the plant's slaughter approval number (定点屠宰证号).
	Approval string `toml:"approval_number"`
}

// StationConfig names the station and its shift.
type StationConfig struct {
	ID    string `toml:"id"`    // the station's name in every journal entry
	Line  int    `toml:"line"`  // the line number in batch ids, 1 to 99
	Shift int    `toml:"shift"` // the shift number in batch ids, 1 to 9
	// ManualCapture takes a weight only when the operator taps the
	// screen's capture or print button, not as soon as it is steady.
	ManualCapture bool `toml:"manual_capture"`
}

// RulesConfig overrides thresholds of the default rules. A field left out
// keeps the default of line.DefaultRules.
type RulesConfig struct {
	MaxTaggingAgeDays       *int              `toml:"max_tagging_age_days"`
	MinTagLeadDays          *int              `toml:"min_tag_lead_days"`
	MinDeclarationLeadHours *int              `toml:"min_declaration_lead_hours"`
	ForageFeedingSystems    []int             `toml:"forage_feeding_systems"`
	DressingMinBP           *int64            `toml:"dressing_min_bp"`
	DressingMaxBP           *int64            `toml:"dressing_max_bp"`
	MaxLossBP               *int64            `toml:"max_loss_bp"`
	Severities              map[string]string `toml:"severities"` // rule code to "block" or "review"
}

// PlatformConfig is the league platform the station uploads to.
type PlatformConfig struct {
	URL string `toml:"url"`
	// Domain is the host of the GS1 Digital Link URIs in the labels' QR
	// codes.
	Domain     string `toml:"domain"`
	StationKey string `toml:"station_key"` // key file of the station's signing key
	// InspectorKeys are the key files of the veterinarians' signing keys,
	// by the veterinarian's user id.
	InspectorKeys map[string]string `toml:"inspector_keys"`
}

// ReaderConfig is the ear-tag reader.
type ReaderConfig struct {
	ID   string `toml:"id"`
	Port string `toml:"port"` // serial device, best a /dev/serial/by-id link
	Baud int    `toml:"baud"`
	// Format is the reader's output format: "auto" (every format the
	// decoders know, lines and WL-134 frames mixed), "allflex", "tiris",
	// "digits", "spaced", "wl134", "allflex-custom", "dot-hex" or
	// "biomark".
	Format        string `toml:"format"`
	DedupWindowMS int    `toml:"dedup_window_ms"`
}

// Scale roles and protocols.
const (
	RoleHook    = "hook"    // hot carcass weights at the kill line
	RoleCarcass = "carcass" // chilled carcass weights at the cutting table
	RolePack    = "pack"    // packs and by-products at the cutting table

	ProtocolModbusTCP = "modbus-tcp"
	ProtocolModbusRTU = "modbus-rtu"
	ProtocolASCII     = "ascii" // a continuous stream on a serial line
)

// ScaleConfig is one scale.
type ScaleConfig struct {
	ID       string `toml:"id"`
	Role     string `toml:"role"`     // hook, carcass or pack
	Protocol string `toml:"protocol"` // modbus-tcp, modbus-rtu or ascii

	Address string `toml:"address"` // host:port of a Modbus TCP indicator
	Port    string `toml:"port"`    // serial device for Modbus RTU and ASCII
	Baud    int    `toml:"baud"`
	UnitID  int    `toml:"unit_id"` // Modbus unit id

	// Profile names a built-in Modbus register map (see
	// scale.Profiles), and ProfileFile a JSON one of the plant's own,
	// relative to the configuration file.
	Profile     string `toml:"profile"`
	ProfileFile string `toml:"profile_file"`

	Format   string `toml:"format"` // ASCII stream format: toledo, yaohua, and, keli or yaohua-line
	Checksum bool   `toml:"checksum"`

	// DivisionG is the scale interval in grams, which the mass balance's
	// tolerance is made of. It overrides what the indicator reports.
	DivisionG int64 `toml:"division_g"`

	PollIntervalMS int `toml:"poll_interval_ms"` // Modbus polling period
	WindowSamples  int `toml:"window_samples"`   // readings a steady weight needs
	WindowSpanMS   int `toml:"window_span_ms"`   // time those readings must cover
}

// PrinterConfig is one label printer.
type PrinterConfig struct {
	ID   string `toml:"id"`
	Role string `toml:"role"` // carcass or pack: the labels it prints

	Address string `toml:"address"` // host or host:port of a printer on TCP 9100
	Port    string `toml:"port"`    // serial device of a printer on a serial line
	Baud    int    `toml:"baud"`

	DPI          int    `toml:"dpi"`        // 203 or 300
	LabelSize    string `toml:"label_size"` // WIDTHxHEIGHT in mm, such as 60x40
	Font         string `toml:"font"`       // bitmap (the bundled font) or resident
	ResidentFont string `toml:"resident_font"`
}

// Demonstration values of the default configuration. A plant sets its
// own in its configuration file.
const (
	demoApproval = "A15250201"
	demoDomain   = "trace.example.cn"
)

// DefaultConfig returns the configuration of a station with simulated
// devices: an ear-tag reader, a Modbus TCP hook scale, an ASCII carcass
// scale, a Modbus TCP pack scale and two ZPL printers.
func DefaultConfig() *Config {
	return &Config{
		DataDir:   "data",
		Language:  string(line.LangZH),
		Simulated: true,
		Plant:     PlantConfig{Approval: demoApproval},
		Station:   StationConfig{ID: "kiosk-1", Line: 1, Shift: 1},
		Platform:  PlatformConfig{Domain: demoDomain},
		Reader:    ReaderConfig{ID: "reader-1", Format: "auto", Baud: rfid.DefaultBaudRate},
		Scales: []ScaleConfig{
			{ID: "hook-1", Role: RoleHook, Protocol: ProtocolModbusTCP, Profile: "id551pn", UnitID: 1, DivisionG: 20},
			{ID: "chill-1", Role: RoleCarcass, Protocol: ProtocolASCII, Format: "and", Baud: 9600, DivisionG: 20},
			{ID: "cut-1", Role: RolePack, Protocol: ProtocolModbusTCP, Profile: "id551pn", UnitID: 1, DivisionG: 2},
		},
		Printers: []PrinterConfig{
			{ID: "zebra-kill", Role: RoleCarcass, DPI: 203, LabelSize: "100x70", Font: "bitmap"},
			{ID: "zebra-cut", Role: RolePack, DPI: 203, LabelSize: "60x40", Font: "bitmap"},
		},
	}
}

// LoadConfig reads a configuration file over the defaults. Relative paths
// in it are taken from the file's directory. Keys the kiosk does not know
// are an error, so a misspelt key does not silently keep a default.
func LoadConfig(path string) (*Config, error) {
	cfg := DefaultConfig()
	// A file lists its own devices: the default ones do not mix in.
	cfg.Scales, cfg.Printers, cfg.Simulated = nil, nil, false
	meta, err := toml.DecodeFile(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("read configuration %s: %w", path, err)
	}
	if undecoded := meta.Undecoded(); len(undecoded) > 0 {
		keys := make([]string, len(undecoded))
		for i, k := range undecoded {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("configuration %s: unknown keys %s", path, strings.Join(keys, ", "))
	}

	// A file without devices has the default ones.
	if !meta.IsDefined("scales") {
		cfg.Scales = DefaultConfig().Scales
	}
	if !meta.IsDefined("printers") {
		cfg.Printers = DefaultConfig().Printers
	}

	base := filepath.Dir(path)
	relative := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	relative(&cfg.DataDir)
	relative(&cfg.Platform.StationKey)
	for vet, path := range cfg.Platform.InspectorKeys {
		relative(&path)
		cfg.Platform.InspectorKeys[vet] = path
	}
	for i := range cfg.Scales {
		relative(&cfg.Scales[i].ProfileFile)
	}
	for i := range cfg.ImportRoots {
		relative(&cfg.ImportRoots[i])
	}
	return cfg, nil
}

// Validate checks the configuration and returns every problem found.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.Language != string(line.LangZH) && c.Language != string(line.LangEN) {
		bad("language %q: expected zh-CN or en", c.Language)
	}
	if strings.TrimSpace(c.Plant.Approval) == "" {
		bad("plant.approval_number is missing")
	}
	if c.Station.ID == "" {
		bad("station.id is missing")
	}
	if _, err := c.batch(line.Date{Year: 2026, Month: 1, Day: 1}); err != nil {
		bad("station: %v", err)
	}
	if c.Platform.Domain == "" {
		bad("platform.domain is missing: the labels' QR codes need the platform's domain")
	}
	if _, err := c.rules(); err != nil {
		bad("rules: %v", err)
	}
	if _, err := readerFormat(c.Reader.Format); err != nil {
		bad("reader %s: %v", c.Reader.ID, err)
	}
	if c.Reader.ID == "" {
		bad("reader.id is missing")
	}
	if !c.Simulated && c.Reader.Port == "" {
		bad("reader %s: port is missing", c.Reader.ID)
	}

	ids := map[string]bool{c.Reader.ID: true}
	roles := map[string]string{}
	for _, s := range c.Scales {
		if err := s.validate(c.Simulated); err != nil {
			bad("scale %s: %v", s.ID, err)
		}
		if ids[s.ID] {
			bad("device id %q is used twice", s.ID)
		}
		ids[s.ID] = true
		if other, ok := roles[s.Role]; ok {
			bad("scales %s and %s both have the role %s", other, s.ID, s.Role)
		}
		roles[s.Role] = s.ID
	}
	printerRoles := map[string]string{}
	for _, p := range c.Printers {
		if err := p.validate(c.Simulated); err != nil {
			bad("printer %s: %v", p.ID, err)
		}
		if ids[p.ID] {
			bad("device id %q is used twice", p.ID)
		}
		ids[p.ID] = true
		if other, ok := printerRoles[p.Role]; ok {
			bad("printers %s and %s both have the role %s", other, p.ID, p.Role)
		}
		printerRoles[p.Role] = p.ID
	}
	return errors.Join(errs...)
}

func (s ScaleConfig) validate(simulated bool) error {
	if s.ID == "" {
		return errors.New("id is missing")
	}
	if !slices.Contains([]string{RoleHook, RoleCarcass, RolePack}, s.Role) {
		return fmt.Errorf("role %q: expected hook, carcass or pack", s.Role)
	}
	if s.DivisionG < 0 || s.WindowSamples < 0 || s.WindowSpanMS < 0 || s.PollIntervalMS < 0 {
		return errors.New("division_g, window_samples, window_span_ms and poll_interval_ms cannot be negative")
	}
	switch s.Protocol {
	case ProtocolModbusTCP, ProtocolModbusRTU:
		if _, err := s.profile(); err != nil {
			return err
		}
		if s.UnitID < 0 || s.UnitID > 247 {
			return fmt.Errorf("unit_id %d: expected 0 to 247", s.UnitID)
		}
		if !simulated && s.Protocol == ProtocolModbusTCP && s.Address == "" {
			return errors.New("address is missing")
		}
		if !simulated && s.Protocol == ProtocolModbusRTU && s.Port == "" {
			return errors.New("port is missing")
		}
	case ProtocolASCII:
		if _, err := scale.ParseStreamFormat(s.Format); err != nil {
			return err
		}
		if !simulated && s.Port == "" {
			return errors.New("port is missing")
		}
	default:
		return fmt.Errorf("protocol %q: expected modbus-tcp, modbus-rtu or ascii", s.Protocol)
	}
	return nil
}

// profile returns the scale's Modbus register map with its configured
// division.
func (s ScaleConfig) profile() (scale.Profile, error) {
	var p scale.Profile
	switch {
	case s.ProfileFile != "":
		data, err := os.ReadFile(s.ProfileFile)
		if err != nil {
			return p, fmt.Errorf("profile_file: %w", err)
		}
		if p, err = scale.ParseProfile(data); err != nil {
			return p, fmt.Errorf("profile_file %s: %w", s.ProfileFile, err)
		}
	case s.Profile != "":
		var ok bool
		if p, ok = scale.LookupProfile(s.Profile); !ok {
			names := make([]string, 0)
			for _, b := range scale.Profiles() {
				names = append(names, b.Name)
			}
			return p, fmt.Errorf("profile %q is not built in: use one of %s, or profile_file", s.Profile, strings.Join(names, ", "))
		}
	default:
		return p, errors.New("profile or profile_file is missing")
	}
	if s.DivisionG > 0 {
		p.Division = scale.Division{Fixed: s.DivisionG}
	}
	return p, nil
}

// window returns the scale's stability window settings.
func (s ScaleConfig) window() *scale.Window {
	return &scale.Window{Samples: s.WindowSamples, Span: time.Duration(s.WindowSpanMS) * time.Millisecond}
}

func (p PrinterConfig) validate(simulated bool) error {
	if p.ID == "" {
		return errors.New("id is missing")
	}
	if p.Role != RoleCarcass && p.Role != RolePack {
		return fmt.Errorf("role %q: expected carcass or pack", p.Role)
	}
	if !simulated && p.Address == "" && p.Port == "" {
		return errors.New("address or port is missing")
	}
	if p.Address != "" && p.Port != "" {
		return errors.New("address and port are both set: a printer is on TCP or on a serial line")
	}
	_, err := p.layout(placeholderPlant, demoDomain)
	return err
}

// placeholderPlant is the plant used to check a printer's stock, because
// the station gives its plant with each label.
var placeholderPlant = labels.Plant{Name: "-", Approval: "-"}

// layout returns the label layout configuration of the printer's stock.
func (p PrinterConfig) layout(plant labels.Plant, domain string) (labels.Config, error) {
	size, err := labels.ParseSize(p.LabelSize)
	if err != nil {
		return labels.Config{}, fmt.Errorf("label_size: %w", err)
	}
	cfg := labels.Config{Size: size, DPI: p.DPI, Plant: plant, Domain: domain}
	switch p.Font {
	case "", "bitmap":
	case "resident":
		cfg.Font, cfg.ResidentFont = labels.FontResident, p.ResidentFont
	default:
		return labels.Config{}, fmt.Errorf("font %q: expected bitmap or resident", p.Font)
	}
	return cfg, cfg.Validate()
}

// rules returns the default rules with the configured thresholds.
func (c *Config) rules() (*line.Rules, error) {
	r := line.DefaultRules()
	rc := c.Rules
	if rc.MaxTaggingAgeDays != nil {
		r.MaxTaggingAgeDays = *rc.MaxTaggingAgeDays
	}
	if rc.MinTagLeadDays != nil {
		r.MinTagLeadDays = *rc.MinTagLeadDays
	}
	if rc.MinDeclarationLeadHours != nil {
		r.MinDeclarationLead = time.Duration(*rc.MinDeclarationLeadHours) * time.Hour
	}
	if rc.ForageFeedingSystems != nil {
		r.ForageFeedingSystems = rc.ForageFeedingSystems
	}
	if rc.DressingMinBP != nil {
		r.DressingMinBP = *rc.DressingMinBP
	}
	if rc.DressingMaxBP != nil {
		r.DressingMaxBP = *rc.DressingMaxBP
	}
	if rc.MaxLossBP != nil {
		r.MaxLossBP = *rc.MaxLossBP
	}

	if r.MaxTaggingAgeDays < 0 || r.MinTagLeadDays < 0 || r.MinDeclarationLead < 0 || r.MaxLossBP < 0 {
		return nil, errors.New("day, hour and basis point thresholds cannot be negative")
	}
	if r.DressingMinBP <= 0 || r.DressingMinBP >= r.DressingMaxBP || r.DressingMaxBP > 10000 {
		return nil, fmt.Errorf("dressing band %d–%d bp: expected 0 < min < max ≤ 10000", r.DressingMinBP, r.DressingMaxBP)
	}

	for code, sev := range rc.Severities {
		if !slices.Contains(line.Codes, line.Code(code)) {
			return nil, fmt.Errorf("severities: unknown rule code %q", code)
		}
		if sev != string(line.SeverityBlock) && sev != string(line.SeverityReview) {
			return nil, fmt.Errorf("severities: %s = %q: expected block or review", code, sev)
		}
		if r.Severities == nil {
			r.Severities = make(map[line.Code]line.Severity)
		}
		r.Severities[line.Code(code)] = line.Severity(sev)
	}
	return r, nil
}

// batch returns the id of the configured line's and shift's batch on day.
func (c *Config) batch(day line.Date) (line.BatchID, error) {
	id := line.BatchID{Day: day, Line: c.Station.Line, Shift: c.Station.Shift}
	return id, id.Validate()
}

// scale returns the scale with a role, and false when none has it.
func (c *Config) scale(role string) (ScaleConfig, bool) {
	for _, s := range c.Scales {
		if s.Role == role {
			return s, true
		}
	}
	return ScaleConfig{}, false
}

// readerFormat returns the reader format of a configuration name; empty
// means auto.
func readerFormat(name string) (rfid.Format, error) {
	if name == "" {
		return rfid.FormatUnknown, nil
	}
	return rfid.ParseFormat(name)
}
