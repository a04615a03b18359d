package scale

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"lambtrace/line"
)

// ErrImplausible reports a weight register whose value cannot be a weight,
// which almost always means a wrong word order or address in the profile.
var ErrImplausible = errors.New("implausible weight")

// ErrMissingRegister reports a register that Decode needs but was not given.
var ErrMissingRegister = errors.New("missing register")

// smallestFloatWeight is the smallest non-zero float weight, in the
// profile's unit, that Decode accepts. A float read in the wrong word
// order often comes out between 1e-45 and 1e-38 (25.5 stored as 41CC 0000
// and read with the words swapped is about 2.4e-41), far below any scale
// division.
const smallestFloatWeight = 1e-6

// Decode converts the registers of one poll into a reading. Keys of
// registers are 0-based wire addresses, as the driver reads them. A float
// weight is rounded to the nearest gram here and nowhere else. Decode
// returns an error wrapping ErrMissingRegister or ErrImplausible rather
// than a made-up value; the Scale and At fields are left for the caller.
func Decode(p Profile, registers map[uint16]uint16) (line.Reading, error) {
	var r line.Reading
	flags := []struct {
		bit  *Bit
		dest *bool
	}{
		{p.Stable, &r.Stable}, {p.Overload, &r.Overload}, {p.Underload, &r.Underload}, {p.Net, &r.Net},
	}
	for _, f := range flags {
		if f.bit == nil {
			continue
		}
		set, err := p.readBit(registers, *f.bit)
		if err != nil {
			return line.Reading{}, err
		}
		*f.dest = set
	}

	decimals, err := p.decimals(registers)
	if err != nil {
		return line.Reading{}, err
	}
	r.Decimals = decimals

	negative := false
	if p.Sign.Bit != nil {
		negative, err = p.readBit(registers, *p.Sign.Bit)
		if err != nil {
			return line.Reading{}, err
		}
	}
	grams, err := p.grams("weight", p.Weight, registers, decimals)
	if err != nil {
		return line.Reading{}, err
	}
	if negative {
		grams = -grams
	}
	r.Grams = grams

	switch {
	case p.Division.Fixed > 0:
		r.Division = line.Mass(p.Division.Fixed)
	case p.Division.Register != nil:
		division, err := p.grams("division", *p.Division.Register, registers, decimals)
		if err != nil {
			return line.Reading{}, err
		}
		r.Division = division
	case p.Weight.Type != Float32:
		r.Division = p.countGrams(decimals)
	}
	return r, nil
}

// countGrams returns the mass of one count of an integer weight, or 0 when
// a count is smaller than a gram.
func (p *Profile) countGrams(decimals int) line.Mass {
	grams := int64(1)
	if p.Unit == "kg" {
		grams = 1000
	}
	for i := 0; i < decimals; i++ {
		grams /= 10
	}
	return line.Mass(grams)
}

func (p *Profile) readWord(registers map[uint16]uint16, address uint16) (uint16, error) {
	wire := p.wire(address)
	value, ok := registers[wire]
	if !ok {
		return 0, fmt.Errorf("decode %s: %w at wire address %d", p.Name, ErrMissingRegister, wire)
	}
	return value, nil
}

func (p *Profile) readBit(registers map[uint16]uint16, b Bit) (bool, error) {
	word, err := p.readWord(registers, b.Address)
	if err != nil {
		return false, err
	}
	set := word&(1<<b.Bit) != 0
	return set != b.Inverted, nil
}

func (p *Profile) decimals(registers map[uint16]uint16) (int, error) {
	d := p.Decimals
	if d.Register == nil {
		return d.Fixed, nil
	}
	word, err := p.readWord(registers, *d.Register)
	if err != nil {
		return 0, err
	}
	field := (word >> d.Shift) & d.Mask
	if d.Map == nil {
		if field > 6 {
			return 0, fmt.Errorf("decode %s: decimal field is %d, expected 0 to 6", p.Name, field)
		}
		return int(field), nil
	}
	count, ok := d.Map[field]
	if !ok {
		return 0, fmt.Errorf("decode %s: decimal field 0x%X at address %d has no entry in the decimals map", p.Name, field, *d.Register)
	}
	return count, nil
}

// raw32 assembles a 32-bit value from two registers read in the given
// word order.
func raw32(first, second uint16, order WordOrder) uint32 {
	swapBytes := func(w uint16) uint16 { return w<<8 | w>>8 }
	switch order {
	case CDAB:
		return uint32(second)<<16 | uint32(first)
	case BADC:
		return uint32(swapBytes(first))<<16 | uint32(swapBytes(second))
	case DCBA:
		return uint32(swapBytes(second))<<16 | uint32(swapBytes(first))
	default:
		return uint32(first)<<16 | uint32(second)
	}
}

// grams reads register reg and converts it to grams. Integers are scaled
// by decimals exactly; a float is in the profile's unit already.
func (p *Profile) grams(name string, reg Register, registers map[uint16]uint16, decimals int) (line.Mass, error) {
	first, err := p.readWord(registers, reg.Address)
	if err != nil {
		return 0, err
	}
	var second uint16
	if reg.Type.words() == 2 {
		second, err = p.readWord(registers, reg.Address+1)
		if err != nil {
			return 0, err
		}
	}
	unitGrams := int64(1)
	if p.Unit == "kg" {
		unitGrams = 1000
	}

	var counts int64
	switch reg.Type {
	case Int16:
		counts = int64(int16(first))
	case Int32:
		counts = int64(int32(raw32(first, second, reg.WordOrder)))
	case Uint32:
		counts = int64(raw32(first, second, reg.WordOrder))
	case Float32:
		value := float64(math.Float32frombits(raw32(first, second, reg.WordOrder)))
		return p.floatGrams(name, reg, value*float64(unitGrams), value)
	default:
		return 0, fmt.Errorf("decode %s: %s type %q is not supported", p.Name, name, reg.Type)
	}

	// counts × unitGrams / 10^decimals, exact when a count is a whole number
	// of grams, rounded half away from zero otherwise.
	numerator := counts * unitGrams
	divisor := int64(1)
	for i := 0; i < decimals; i++ {
		divisor *= 10
	}
	grams := numerator / divisor
	if remainder := numerator % divisor; 2*abs(remainder) >= divisor {
		if numerator < 0 {
			grams--
		} else {
			grams++
		}
	}
	if abs(grams) > int64(line.MaxMass) {
		return 0, fmt.Errorf("decode %s: %w: %s %d counts is beyond %s; check the word order and address", p.Name, ErrImplausible, name, counts, line.MaxMass)
	}
	return line.Mass(grams), nil
}

func (p *Profile) floatGrams(name string, reg Register, grams, value float64) (line.Mass, error) {
	switch {
	case math.IsNaN(value) || math.IsInf(value, 0):
		return 0, fmt.Errorf("decode %s: %w: %s is %v; check the word order (%s) and address", p.Name, ErrImplausible, name, value, orderName(reg.WordOrder))
	case value != 0 && math.Abs(value) < smallestFloatWeight:
		return 0, fmt.Errorf("decode %s: %w: %s is %g %s, too close to zero; check the word order (%s) and address", p.Name, ErrImplausible, name, value, p.Unit, orderName(reg.WordOrder))
	case math.Abs(grams) > float64(line.MaxMass):
		return 0, fmt.Errorf("decode %s: %w: %s is %g %s; check the word order (%s) and address", p.Name, ErrImplausible, name, value, p.Unit, orderName(reg.WordOrder))
	}
	return line.Mass(math.Round(grams)), nil
}

func orderName(order WordOrder) WordOrder {
	if order == "" {
		return ABCD
	}
	return order
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// span is a run of consecutive wire addresses read in one request.
type span struct {
	Start, Count uint16
}

// maxSpanGap is the largest run of unused registers that is still read
// rather than split into a second request; one request is far cheaper than
// a few extra registers, above all over RTU.
const maxSpanGap = 8

// maxSpanCount stays under the 125 registers a Modbus read may request and
// at the 32 some indicators (the CAS CI-600D) accept.
const maxSpanCount = 32

// spans returns the wire address ranges Decode needs, merged into as few
// requests as the limits above allow.
func (p *Profile) spans() []span {
	set := map[uint16]bool{}
	addRegister := func(reg Register) {
		for i := 0; i < reg.Type.words(); i++ {
			set[p.wire(reg.Address)+uint16(i)] = true
		}
	}
	addRegister(p.Weight)
	if p.Division.Fixed == 0 && p.Division.Register != nil {
		addRegister(*p.Division.Register)
	}
	if p.Decimals.Register != nil {
		set[p.wire(*p.Decimals.Register)] = true
	}
	for _, b := range []*Bit{p.Sign.Bit, p.Stable, p.Overload, p.Underload, p.Net} {
		if b != nil {
			set[p.wire(b.Address)] = true
		}
	}

	addresses := make([]int, 0, len(set))
	for a := range set {
		addresses = append(addresses, int(a))
	}
	sort.Ints(addresses)

	var result []span
	for _, a := range addresses {
		if n := len(result); n > 0 {
			last := &result[n-1]
			end := int(last.Start) + int(last.Count)
			if a-end <= maxSpanGap && a-int(last.Start)+1 <= maxSpanCount {
				last.Count = uint16(a - int(last.Start) + 1)
				continue
			}
		}
		result = append(result, span{Start: uint16(a), Count: 1})
	}
	return result
}
