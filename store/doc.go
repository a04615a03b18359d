// Package store keeps everything the station records in one SQLite
// database under the data directory, with an append-only journal whose
// entries are hash-chained, so that nothing committed is lost or changed
// without detection.
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: a transaction that
// returned from Commit survives a power cut. All writes go through one
// connection in immediate transactions, so two writers never meet and a
// writer never waits on a reader. Reads use a separate pool of read-only
// connections, and each read transaction sees one consistent snapshot.
//
// # Journal
//
// Every write transaction appends its changes to the journal in the same
// transaction. A journaled row carries the sequence number of the entry
// that last wrote it, and the entry holds the row's full image, so Verify
// can check both the chain and every row against it: an edit made to the
// database file with another tool breaks one or the other.
package store
