// Package upload turns a batch into the document the station sends to the
// league platform, and checks such a document on either side.
//
// # Document
//
// Build makes a Document in the format lambtrace-batch/1 from the facts
// the store read for one batch. The document states the plant, the batch
// and its consignments with their head counts. It states the carcasses
// with weighings and inspections, the decisions and releases, lab
// results, by-products, mixed lots and packs with their label history. It
// gives the mass balance of every carcass and lot with its tolerance, and
// the journal head. It also carries an EPCIS 2.0 document whose events
// are made from the same body, so a receiver can rebuild the events and
// compare them. Masses are integer
// grams and times are RFC 3339 with their zone offset. docs/upload-protocol.md
// specifies every field.
//
// Canonical returns the bytes a signer signs: the same facts always give
// the same bytes.
//
// # Checks
//
// Check repeats the station's checks on a document alone: the mass
// balance of every carcass and lot, the head counts, the grassland claims
// of packs, the uniqueness of pack serials and ear tags, the references
// between lists and the EPCIS events. Each problem has a code and renders
// in Chinese and English from the catalogs. A Validator checks the EPCIS
// part against the official EPCIS 2.0 JSON Schema, loaded from a path
// given at run time.
//
// # Delivery
//
// A Worker delivers the sealed documents of the station's outbox to the
// platform through a Client. Each is posted with its batch id and its
// Content-Digest, so that a repeat is recognized. The platform's signed
// Receipt is verified before a delivery counts. Failed attempts are
// retried with capped exponential backoff and jitter; a Rejection with
// machine-readable reasons is final. The outbox's state is in the store,
// so a worker resumes after a restart. ReadOutbox returns every
// document's upload state for the kiosk and `tracectl outbox`.
// docs/platform.md specifies the protocol, and package
// lambtrace/upload/platform is the reference receiver.
package upload
