package scale

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// Profile is the Modbus register map of one indicator model. Profiles are
// data: the built-in ones below and any a plant adds in its configuration
// with ParseProfile go through the same Validate and Decode.
//
// Addresses are written as the indicator's manual writes them. With
// AddressBase 1 the manual counts registers from 1 (holding register
// "40008" is written 8) and the wire address is one less. With
// AddressBase 0 the address is sent unchanged.
type Profile struct {
	Name        string   `json:"name"`
	Source      string   `json:"source,omitempty"` // manual or document the map comes from
	AddressBase int      `json:"address_base"`     // 0 or 1
	Function    byte     `json:"function"`         // 3 read holding registers, 4 read input registers
	Unit        string   `json:"unit"`             // "kg" or "g": the unit of the weight register
	Weight      Register `json:"weight"`
	Decimals    Decimals `json:"decimals"`
	Sign        Sign     `json:"sign"`
	Stable      *Bit     `json:"stable,omitempty"`
	Overload    *Bit     `json:"overload,omitempty"`
	Underload   *Bit     `json:"underload,omitempty"`
	Net         *Bit     `json:"net,omitempty"`
	Division    Division `json:"division"`
	Zero        *Command `json:"zero,omitempty"`
	Tare        *Command `json:"tare,omitempty"`
}

// Register is a numeric value of one or two registers.
type Register struct {
	Address   uint16    `json:"address"`
	Type      Type      `json:"type"`
	WordOrder WordOrder `json:"word_order,omitempty"` // for 32-bit types; empty means ABCD
}

// Type is the encoding of a register value.
type Type string

// Register value types.
const (
	Int16   Type = "i16"
	Int32   Type = "i32"
	Uint32  Type = "u32"
	Float32 Type = "f32"
)

// words returns how many registers a value of type t occupies.
func (t Type) words() int {
	if t == Int16 {
		return 1
	}
	return 2
}

// WordOrder is the byte order of a 32-bit value spread over two registers.
// A is the most significant byte: ABCD is big-endian with the high word
// first, CDAB has the low word first, BADC swaps the bytes in each word
// and DCBA is little-endian.
type WordOrder string

// Word orders of 32-bit values.
const (
	ABCD WordOrder = "ABCD"
	CDAB WordOrder = "CDAB"
	BADC WordOrder = "BADC"
	DCBA WordOrder = "DCBA"
)

// Decimals is the source of the number of decimals of an integer weight:
// Fixed, or a field of a status register when Register is set.
// The field is (register >> Shift) & Mask. Without Map the field is the
// decimal count itself, and with Map it is looked up there.
type Decimals struct {
	Fixed    int            `json:"fixed"`
	Register *uint16        `json:"register,omitempty"`
	Shift    uint8          `json:"shift,omitempty"`
	Mask     uint16         `json:"mask,omitempty"`
	Map      map[uint16]int `json:"map,omitempty"`
}

// Sign is the encoding of a negative weight. With Bit nil the weight
// register is two's complement (or a signed float). With Bit set the
// register holds the absolute value and the bit set means negative.
type Sign struct {
	Bit *Bit `json:"bit,omitempty"`
}

// Bit is one status bit: bit Bit (0 is the least significant) of the
// register at Address. Inverted means the flag is true when the bit is 0,
// as for a "motion" bit used as the stable flag.
type Bit struct {
	Address  uint16 `json:"address"`
	Bit      uint8  `json:"bit"`
	Inverted bool   `json:"inverted,omitempty"`
}

// Division is the scale interval: Fixed in grams, or read from Register
// and scaled like the weight. When neither is set, an integer weight
// reports one count (for example 10 g with 2 decimals in kg) and a float
// weight reports 0.
type Division struct {
	Fixed    int64     `json:"fixed_g,omitempty"`
	Register *Register `json:"register,omitempty"`
}

// Command is a zero or tare action. A "write" command writes Value to the
// register at Address. An "edge" command sets bit Bit of that register and
// then clears it again, for indicators that act on a 0→1 transition.
type Command struct {
	Kind    string `json:"kind"` // "write" or "edge"
	Address uint16 `json:"address"`
	Value   uint16 `json:"value,omitempty"`
	Bit     uint8  `json:"bit,omitempty"`
}

// Command kinds.
const (
	CommandWrite = "write"
	CommandEdge  = "edge"
)

// ErrProfile reports a profile that cannot be used. Every error from
// Validate and ParseProfile wraps it.
var ErrProfile = errors.New("invalid scale profile")

// wire converts an address written in the profile to the address sent on
// the wire.
func (p *Profile) wire(address uint16) uint16 {
	return address - uint16(p.AddressBase)
}

// Validate checks that p is complete and consistent.
func (p *Profile) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrProfile, p.Name, fmt.Sprintf(format, args...))
	}
	if p.Name == "" {
		return fmt.Errorf("%w: the name is missing", ErrProfile)
	}
	if p.AddressBase != 0 && p.AddressBase != 1 {
		return fail("address_base is %d, expected 0 or 1", p.AddressBase)
	}

	if p.Function != 3 && p.Function != 4 {
		return fail("function is %d, expected 3 (holding registers) or 4 (input registers)", p.Function)
	}
	if p.Unit != "kg" && p.Unit != "g" {
		return fail("unit is %q, expected \"kg\" or \"g\"", p.Unit)
	}

	if err := p.validateRegister("weight", p.Weight); err != nil {
		return err
	}
	if p.Division.Register != nil {
		if err := p.validateRegister("division register", *p.Division.Register); err != nil {
			return err
		}
	}

	if p.Division.Fixed < 0 {
		return fail("division fixed_g is %d, expected a positive number of grams", p.Division.Fixed)
	}
	if p.Decimals.Fixed < 0 || p.Decimals.Fixed > 6 {
		return fail("decimals fixed is %d, expected 0 to 6", p.Decimals.Fixed)
	}
	if p.Decimals.Register != nil && p.Decimals.Mask == 0 {
		return fail("decimals register is set but mask is 0")
	}
	for field, count := range p.Decimals.Map {
		if count < 0 || count > 6 {
			return fail("decimals map gives %d for field %d, expected 0 to 6", count, field)
		}
	}

	bits := map[string]*Bit{"sign": p.Sign.Bit, "stable": p.Stable, "overload": p.Overload, "underload": p.Underload, "net": p.Net}
	for name, b := range bits {
		if b == nil {
			continue
		}
		if b.Bit > 15 {
			return fail("%s bit is %d, expected 0 to 15", name, b.Bit)
		}
		if int(b.Address) < p.AddressBase {
			return fail("%s address %d is below address_base %d", name, b.Address, p.AddressBase)
		}
	}

	for name, c := range map[string]*Command{"zero": p.Zero, "tare": p.Tare} {
		if c == nil {
			continue
		}
		if c.Kind != CommandWrite && c.Kind != CommandEdge {
			return fail("%s kind is %q, expected %q or %q", name, c.Kind, CommandWrite, CommandEdge)
		}
		if c.Kind == CommandEdge && c.Bit > 15 {
			return fail("%s bit is %d, expected 0 to 15", name, c.Bit)
		}
		if int(c.Address) < p.AddressBase {
			return fail("%s address %d is below address_base %d", name, c.Address, p.AddressBase)
		}
	}
	return nil
}

func (p *Profile) validateRegister(name string, r Register) error {
	switch r.Type {
	case Int16, Int32, Uint32, Float32:
	default:
		return fmt.Errorf("%w %q: %s type is %q, expected i16, i32, u32 or f32", ErrProfile, p.Name, name, r.Type)
	}
	switch r.WordOrder {
	case "", ABCD, CDAB, BADC, DCBA:
	default:
		return fmt.Errorf("%w %q: %s word_order is %q, expected ABCD, CDAB, BADC or DCBA", ErrProfile, p.Name, name, r.WordOrder)
	}
	if int(r.Address) < p.AddressBase {
		return fmt.Errorf("%w %q: %s address %d is below address_base %d", ErrProfile, p.Name, name, r.Address, p.AddressBase)
	}
	if int(p.wire(r.Address))+r.Type.words() > 0x10000 {
		return fmt.Errorf("%w %q: %s at %d runs past the last register", ErrProfile, p.Name, name, r.Address)
	}
	return nil
}

// HasStableFlag reports whether the indicator reports its own stable flag.
// Without one, Decode reports every reading as unstable, so the Window
// that judges its readings needs IgnoreStableFlag.
func (p *Profile) HasStableFlag() bool { return p.Stable != nil }

// ParseProfile parses a profile from JSON and validates it. Unknown
// fields are rejected, so a misspelt key does not silently fall back to a
// default.
func ParseProfile(data []byte) (Profile, error) {
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var p Profile
	if err := decoder.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// Profiles returns the built-in profiles sorted by name.
func Profiles() []Profile {
	list := builtinProfiles()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

// LookupProfile returns the built-in profile called name.
func LookupProfile(name string) (Profile, bool) {
	for _, p := range builtinProfiles() {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}
