package rfid

// Format is the reader output format that a line or frame was decoded from.
type Format uint8

// Reader output formats. FormatUnknown is the zero value, which DecodeLine
// returns with an error when the input matches no format.
const (
	FormatUnknown Format = iota
	FormatAllflex        // "LA 982 000000255895"
	FormatTIRIS          // "LA 00000 0 156 000011051555"
	FormatDigits         // "156000011051556"
	FormatSpaced         // "156 000011051554"
	FormatWL134          // 30-byte binary frame of a WL-134 module
)

// String returns the format's name for logs and error messages.
func (f Format) String() string {
	switch f {
	case FormatAllflex:
		return "Allflex"
	case FormatTIRIS:
		return "TIRIS S2000"
	case FormatDigits:
		return "15 digits"
	case FormatSpaced:
		return "spaced digits"
	case FormatWL134:
		return "WL-134 frame"
	case FormatAllflexCustom:
		return "Allflex configurable"
	case FormatAllflexCustomHex:
		return "Allflex configurable hex"
	case FormatDotHex:
		return "dot-hex"
	case FormatBiomark:
		return "Biomark"
	default:
		return "unknown"
	}
}
