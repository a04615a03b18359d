package ui

import (
	"context"
	"time"

	"lambtrace/line"
)

// The office screens (quality, sign-off, batches, devices, settings) need
// more from outside than Station gives. Each need is an interface of its
// own here, so cmd/kiosk can wire the screens it has parts for; the
// sign-off's interface is in signoff_service.go.

// Records reads what the quality screen shows beside the station's own
// state. cmd/kiosk implements it over the registry and the store.
type Records interface {
	// Consignments returns the registry's consignments, for the lab
	// results.
	Consignments() []*line.Consignment
	// LabResults returns the β-agonist results recorded so far.
	LabResults(ctx context.Context) ([]line.LabResult, error)
	// PrintJobs returns the print jobs of a label in the order they were
	// queued; none for a serial never printed.
	PrintJobs(ctx context.Context, serial string) ([]line.PrintJob, error)
}

// UploadState is the progress of a sealed batch on its way to the platform.
type UploadState string

// Upload states. A batch not sealed yet has none.
const (
	UploadNone      UploadState = ""
	UploadQueued    UploadState = "queued" // waiting for its first attempt or a retry
	UploadSending   UploadState = "sending"
	UploadDelivered UploadState = "delivered"
	UploadRejected  UploadState = "rejected"
)

// BatchUpload is a batch of the station and its upload.
type BatchUpload struct {
	Batch         line.BatchID
	State         line.BatchState
	Upload        UploadState
	Attempts      int
	SealedAt      time.Time
	NextAttemptAt time.Time // when a queued batch is due
	LastError     string    // the error of the last failed attempt of a queued batch
	DeliveredAt   time.Time
	Receipt       string // the platform's receipt number of a delivered batch
	// Rejection is the platform's reasons for a rejected batch, with the
	// HTTP status of the refusal.
	Rejection []RejectReason
	Status    int
}

// RejectReason is one of the platform's reasons for rejecting a batch.
type RejectReason struct {
	Code    string // such as "signature.unknown_kid"
	Subject string // the kid, carcass, serial or ear tag concerned, if one
	// Text is the platform's message by language; the screen falls back
	// to English and then to the code.
	Text map[line.Lang]string
}

// Uploads lists the station's batches with their upload state and starts
// an upload at once. cmd/kiosk implements it over the store's outbox and
// the upload worker.
type Uploads interface {
	// Batches returns the station's batches, newest first.
	Batches(ctx context.Context) ([]BatchUpload, error)
	// RetryNow makes the upload worker attempt a queued batch now instead
	// of at its next attempt time. It returns once the attempt ended or
	// ctx is done.
	RetryNow(ctx context.Context, batch line.BatchID) error
}

// DeviceKind is the kind of a device on the devices screen.
type DeviceKind = LinkKind

// Device is one configured device.
type Device struct {
	Kind    DeviceKind
	ID      string // the id in the configuration
	Address string // the serial port, or the host and port, it is connected to
	Link    LinkStatus
	// CanZero and CanTare report whether a scale's profile has the
	// command; a stream scale usually has neither.
	CanZero, CanTare bool
}

// RawChunk is bytes a device sent or was sent, as the driver read or
// wrote them, for commissioning.
type RawChunk struct {
	At   time.Time
	Sent bool // written to the device; false for bytes read from it
	Data []byte
	// Size is the chunk's length on the wire. When it is larger than
	// len(Data), Data holds only the chunk's first bytes.
	Size int
}

// Devices reports the configured devices and sends them the commands of
// the devices screen. cmd/kiosk implements it over the drivers.
type Devices interface {
	// Devices returns every configured device with its status. It must
	// return quickly and never wait for a device.
	Devices(ctx context.Context) []Device
	// Raw returns the last bytes exchanged with a device, oldest first.
	Raw(id string) []RawChunk
	// Zero zeroes a scale and Tare tares it.
	Zero(ctx context.Context, scale string) error
	Tare(ctx context.Context, scale string) error
	// TestPrint prints a test label on a printer, outside any print job.
	TestPrint(ctx context.Context, printer string) error
}

// Account is a user as the settings screen manages them.
type Account struct {
	User
	Active bool
	HasPIN bool
}

// KeyInfo is a signing key the station holds.
type KeyInfo struct {
	KID       string
	Role      string // station or inspector
	Algorithm string // ed25519 or sm2
	Encrypted bool   // unlocked by a PIN
}

// Settings reads and changes the station's users, thresholds, platform
// link and keys for the admin's settings screen. actor is the admin who
// makes the change. cmd/kiosk implements it over the store and the
// configuration.
type Settings interface {
	Accounts(ctx context.Context) ([]Account, error)
	// SaveAccount creates a user, or changes the name, role and active
	// flag of one, keeping the PIN.
	SaveAccount(ctx context.Context, actor string, a Account, create bool) error
	SetPIN(ctx context.Context, actor, id, pin string) error

	// Rules returns the thresholds saved for the next start, and
	// SaveRules saves them. The station keeps the rules it started with
	// until it restarts, so a batch is judged by one set of thresholds.
	Rules(ctx context.Context) (line.Rules, error)
	SaveRules(ctx context.Context, actor string, r line.Rules) error

	PlatformURL(ctx context.Context) (string, error)
	SetPlatformURL(ctx context.Context, actor, url string) error

	Keys(ctx context.Context) ([]KeyInfo, error)
	// NewKey makes a signing key: an inspector key is encrypted under
	// pin, a station key takes none.
	NewKey(ctx context.Context, actor, role, algorithm, pin string) (KeyInfo, error)
}
