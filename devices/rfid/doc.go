// Package rfid decodes what livestock ear-tag readers send into the
// 15-digit ISO 11784 number line.RFID. The decoders do no serial I/O.
// Reader, the serial driver, cuts lines and frames from the port and
// passes them to the decoders.
//
// DecodeLine accepts one text line in any of these formats:
//
//	LA 982 000000255895          Allflex
//	LA 00000 0 156 000011051555  TIRIS S2000
//	156000011051556              15 digits
//	156 000011051554             spaced digits
//
// Fields are separated by exactly one space. A leading STX (0x02),
// spaces around the line and a trailing CR, LF or CR LF are ignored.
//
// The Allflex RS320 stick reader user guide and the Allflex panel and
// portal reader user manual (version 2.4, April 2006) give the first two
// formats. "LA" means line mode with an animal-coded read-only tag, and
// both FDX-B and HDX ISO tags produce it, followed by the 3-digit country
// or manufacturer code and the 12-digit national identification code. The
// TIRIS S2000 format, which the panel reader manual calls a de facto
// standard, inserts the tag's 5-digit reserved field and its 1-digit
// data-block flag after "LA". The prefix "LR" marks an HDX industrial
// tag: an application code and a 16-digit number that is not an ISO 11784
// animal number, so DecodeLine rejects it with ErrIndustrialTag.
//
// DecodeFrame accepts the 30-byte frame of the 134.2 kHz reader modules
// sold as WL-134, with the layout that the wl_134 component of ESPHome
// (esphome/components/wl_134) reads:
//
//	byte  0       STX (0x02)
//	bytes 1–10    national identification code, 10 ASCII hex digits,
//	              least significant digit first
//	bytes 11–14   country code, 4 ASCII hex digits, least significant first
//	byte  15      data-block flag, '0' or '1'
//	byte  16      animal flag, '0' or '1'
//	bytes 17–26   reserved, 10 ASCII hex digits
//	byte  27      checksum: XOR of bytes 1–26
//	byte  28      bitwise inverse of the checksum
//	byte  29      ETX (0x03)
//
// ESPHome reads only upper-case hex digits. DecodeFrame accepts lower
// case too, because the checksum still protects the frame.
// DecodeFrameHex accepts the same frame written as 60 hex digits, as
// line-run files store it. DecodeLine also accepts a whole frame, so a
// caller that does not know the reader type can pass whatever it read.
//
// A country code is 10 bits wide in ISO 11784, but a value above 999
// cannot be written in three digits, so it is rejected like a national
// identification code above line.MaxRFIDNational (38 bits). Numbers are
// kept as strings throughout, so a leading zero, as in "036…", survives.
//
// Every failure is a *DecodeError that wraps one of the Err* sentinel
// errors, so callers can test the cause with errors.Is.
package rfid
