package scale

// builtinProfiles returns fresh copies of the shipped profiles, so a
// caller that changes one cannot change another caller's.
//
// The maps come from vendor manuals; none has been confirmed on the line's
// own indicators. Read the registers with a Modbus client (mbpoll or
// modpoll) before commissioning and override the profile in the
// configuration where the indicator differs.
func builtinProfiles() []Profile {
	return []Profile{
		ind570(), id551pn(), ft112(), ci600d(), dgt4x(), w100(), pr5410(), ei4000(),
	}
}

func address(a uint16) *uint16 { return &a }

// ind570 is the Mettler Toledo IND570 with the Modbus TCP option (RTU on
// COM1 to COM3), from the register list of the Mettler Toledo IND570
// Modbus connector documentation: 32-bit floats at 0-based addresses,
// 1002 displayed weight, 8 gross, 12 net, 203 increment, command
// registers 21 tare and 23 zero written with function 6. The indicator
// answers to unit id 0 by default, which is the RTU broadcast address, so
// it must be changed on the indicator before RTU polling can work.
// NOTE: the source calls this map interoperability-verified only: the
// word order (register 990 can swap it), the scaling, the command value 1
// and the bits of status register 1004 were not confirmed on hardware, so
// this profile reports no stable flag.
func ind570() Profile {
	return Profile{
		Name:        "ind570",
		Source:      "Mettler Toledo IND570 Modbus connector register list",
		AddressBase: 0,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 1002, Type: Float32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 3},
		Division:    Division{Register: &Register{Address: 203, Type: Float32, WordOrder: ABCD}},
		Zero:        &Command{Kind: CommandWrite, Address: 23, Value: 1},
		Tare:        &Command{Kind: CommandWrite, Address: 21, Value: 1},
	}
}

// id551pn is the Tuna ID551PN weighing controller, scale 1, from its user
// manual (Modbus section, pages 22–23): 40001–40002 displayed weight as a
// float, status word 40005 (bit 9 under zero, bit 10 over capacity, bit 11
// net, bit 12 motion) and the demand word 40006, which acts on a 0→1 edge
// of bit 11 (zero) or bit 12 (tare). Scales 2 to 4 start at 40007, 40013
// and 40019. NOTE: the manual does not state the float word order; ABCD
// is assumed.
func id551pn() Profile {
	return Profile{
		Name:        "id551pn",
		Source:      "Tuna ID551PN user manual, Modbus registers",
		AddressBase: 1,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 1, Type: Float32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
		Stable:      &Bit{Address: 5, Bit: 12, Inverted: true},
		Overload:    &Bit{Address: 5, Bit: 10},
		Underload:   &Bit{Address: 5, Bit: 9},
		Net:         &Bit{Address: 5, Bit: 11},
		Zero:        &Command{Kind: CommandEdge, Address: 6, Bit: 11},
		Tare:        &Command{Kind: CommandEdge, Address: 6, Bit: 12},
	}
}

// ft112 is the Flintec FT-112 indicator, from its technical manual (page
// 120): 40001 actual weight (net in net mode) as 32 bits, the 32-bit
// status 40007 (B2 unstable, B3 net, B27–B31 decimal point from x.xxxx to
// none) and the command register 40025 (1 zero, 2 tare, 3 clear tare).
// NOTE: the word order of the 32-bit values and the coding of B27–B31 are
// not stated; high word first and one bit per decimal point position
// (B27 four decimals … B31 none) are assumed.
func ft112() Profile {
	return Profile{
		Name:        "ft112",
		Source:      "Flintec FT-112 technical manual, Modbus register map",
		AddressBase: 1,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 1, Type: Int32, WordOrder: ABCD},
		Decimals: Decimals{
			Register: address(7), Shift: 11, Mask: 0x1F,
			Map: map[uint16]int{1: 4, 2: 3, 4: 2, 8: 1, 16: 0},
		},
		Stable: &Bit{Address: 8, Bit: 2, Inverted: true},
		Net:    &Bit{Address: 8, Bit: 3},
		Zero:   &Command{Kind: CommandWrite, Address: 25, Value: 1},
		Tare:   &Command{Kind: CommandWrite, Address: 25, Value: 2},
	}
}

// ci600d is the CAS CI-600D indicator, from its manual (page 82): gross
// weight in 40008–40009 and net weight in 40010–40011, 32-bit integers
// with the high word first, at most 32 registers per request. The map has
// no status bits and no zero or tare command. NOTE: the decimal point is
// not in the map; 2 decimals is assumed and must match the indicator's
// setting.
func ci600d() Profile {
	return Profile{
		Name:        "ci600d",
		Source:      "CAS CI-600D manual, Modbus register map",
		AddressBase: 1,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 8, Type: Int32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
	}
}

// dgt4x is the Dini Argeo DGT4X indicator, scale 1, from its manual (pages
// 13 and 58): gross weight at 40203 and net at 40214 as absolute values
// without sign or decimals, the status word 40202 (b0 gross sign, b1
// stable, b2 underload, b3 overload, b6 tare active) and the command
// register 40001 (0x01 zero, 0x02 tare). NOTE: the width of the weight
// (two registers, high word first) and its decimals (2) are assumed.
func dgt4x() Profile {
	return Profile{
		Name:        "dgt4x",
		Source:      "Dini Argeo DGT4X manual, Modbus registers",
		AddressBase: 1,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 203, Type: Uint32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
		Sign:        Sign{Bit: &Bit{Address: 202, Bit: 0}},
		Stable:      &Bit{Address: 202, Bit: 1},
		Underload:   &Bit{Address: 202, Bit: 2},
		Overload:    &Bit{Address: 202, Bit: 3},
		Net:         &Bit{Address: 202, Bit: 6},
		Zero:        &Command{Kind: CommandWrite, Address: 1, Value: 0x01},
		Tare:        &Command{Kind: CommandWrite, Address: 1, Value: 0x02},
	}
}

// w100 is the Laumas W100 weight transmitter, from a public TypeScript
// driver for it: the weight at 0-based registers 7–8 (high word first) and
// a command register at 5. NOTE: the driver does not give the command
// values or the decimals, so this profile has no zero or tare command and
// assumes 2 decimals.
func w100() Profile {
	return Profile{
		Name:        "w100",
		Source:      "public TypeScript driver for the Laumas W100",
		AddressBase: 0,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 7, Type: Int32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
	}
}

// pr5410 is the Sartorius (Minebea) PR 5410, also sold by Fairbanks, from
// its manual (page 117): gross weight in words 16–17, most significant
// first, status bits 33 above maximum, 35 below zero and 38 stable, and
// command bits 112 zero and 113 tare. NOTE: the manual numbers bits across
// the register area; bit n is taken as bit n%16 of word n/16, counted from
// the least significant bit, and 2 decimals are assumed.
func pr5410() Profile {
	return Profile{
		Name:        "pr5410",
		Source:      "Fairbanks/Sartorius PR 5410 manual, Modbus data",
		AddressBase: 0,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 16, Type: Int32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
		Stable:      &Bit{Address: 2, Bit: 6},
		Overload:    &Bit{Address: 2, Bit: 1},
		Underload:   &Bit{Address: 2, Bit: 3},
		Zero:        &Command{Kind: CommandEdge, Address: 7, Bit: 0},
		Tare:        &Command{Kind: CommandEdge, Address: 7, Bit: 1},
	}
}

// ei4000 is the Eagle EI-4000 indicator, from its manual (page 30): gross
// weight in kilograms as a float at 0x2000 (0x1000 is pounds). The map has
// no status bits and no zero or tare command. NOTE: the float word order
// is not stated; ABCD is assumed.
func ei4000() Profile {
	return Profile{
		Name:        "ei4000",
		Source:      "Eagle EI-4000 manual, Modbus registers",
		AddressBase: 0,
		Function:    3,
		Unit:        "kg",
		Weight:      Register{Address: 0x2000, Type: Float32, WordOrder: ABCD},
		Decimals:    Decimals{Fixed: 2},
	}
}
