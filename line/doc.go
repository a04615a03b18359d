// Package line is the domain of the lamb processing line: identifiers
// (ear tags, RFID numbers, carcass numbers, pack serials, batch ids, GS1
// keys), masses in integer grams, the registry and product master, the
// intake rules and their decisions, the carcass and batch state machines,
// and the mass balance of carcasses and mixed lots.
//
// The package imports nothing else from this module. Devices, storage,
// labels, upload and the kiosk build on its types.
package line
