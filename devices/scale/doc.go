// Package scale reads weighing indicators over Modbus TCP and Modbus RTU
// and decides when a weight is steady enough to accept.
//
// A Profile is an indicator's register map as data. It names the function
// that reads the weight and the addresses of the weight, its decimals, its
// sign and the stable, overload, underload and net bits. It also gives the
// order of the two registers of a 32-bit value and the zero and tare
// commands. Profiles lists the built-in maps, and ParseProfile reads a
// plant's own from JSON. Decode turns one poll's registers into a
// line.Reading with the weight in whole grams, and ModbusScale runs the
// polling with github.com/goburrow/modbus. Window accepts a weight only
// when the indicator reports it stable and the last readings agree within
// one division for long enough.
//
// # Protocol
//
// Modbus addresses on the wire are 0-based. Manuals often number holding
// registers from 40001, so a profile states its AddressBase. A 32-bit
// value occupies two registers, and indicators differ in the order of the
// four bytes A (most significant) to D: 12.34 as a big-endian float is
// 0x4145 0x70A4 in ABCD order and 0x70A4 0x4145 in CDAB order. Read in the
// wrong order the value is astronomically large or almost zero, which
// Decode rejects with ErrImplausible rather than passing it on.
//
// Over RTU every character is 1 start bit, 8 data bits, an optional parity
// bit and 1 or 2 stop bits, and frames are separated by at least 3.5
// character times of silence. A read of n registers sends 8 bytes and
// receives 5+2n bytes.
package scale
