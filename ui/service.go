package ui

import (
	"context"
	"errors"
	"time"

	"lambtrace/line"
)

// Station is the part of the line service the screens drive, in the
// words of line. *line.Station implements it; docs/station.md describes
// each method. Commands that record something block for one store
// transaction, so screens call them from an ActionButton's job, never on
// the fyne goroutine.
type Station interface {
	// Reads.
	Subscribe(buffer int) *line.Subscription
	Snapshot() line.Snapshot
	Carcass(number string) (line.CarcassRecord, bool)
	Animal(tag line.EarTag) (*line.Animal, bool)
	Products() *line.ProductMaster
	Rules() *line.Rules
	Decisions(ctx context.Context, carcass string) ([]line.DecisionRecord, error)
	Balance(ctx context.Context, carcass, lot string) (line.MassFigures, line.Mass, error)
	Printers() []line.PrinterView

	// The signed-in user, under whom device input is recorded.
	SetOperator(user string)

	// Carcass entry and cutting.
	TargetHotWeight(number string) error
	SelectCarcass(number string) error
	SelectLot(id string) error
	SelectProduct(key string) error
	SelectByproduct(kind, toLot string) error
	Capture(ctx context.Context, scale string) error
	CloseCarcass(ctx context.Context, actor, number string) (line.MassFigures, error)
	OpenLot(ctx context.Context, actor, id, product string) (line.LotRecord, error)
	CloseLot(ctx context.Context, actor, id string) (line.MassFigures, error)

	// Quality and the veterinarian.
	RecordInspection(ctx context.Context, actor string, in line.InspectionInput) (line.CarcassRecord, error)
	RecordLabResult(ctx context.Context, actor string, t line.LabTest) ([]string, error)
	Release(ctx context.Context, actor, number, reason string) (line.CarcassRecord, error)
	Block(ctx context.Context, actor, number, reason string) (line.CarcassRecord, error)
	ReleaseLot(ctx context.Context, actor, id, reason string) error

	// Labels.
	PrintLabel(ctx context.Context, actor string, kind line.LabelKind, serial string) (line.PrintJob, error)
	Reprint(ctx context.Context, actor, serial, reason string) (line.PrintJob, error)
	VoidLabel(ctx context.Context, actor, serial, reason string) error
	ResolvePrint(ctx context.Context, actor string, job int64, printed bool) error
}

var _ Station = (*line.Station)(nil)

// Role is a user's set of permissions at the station. The values are the
// store's role names.
type Role string

// Roles.
const (
	RoleOperator Role = "operator" // runs the line: entry and cutting
	RoleQuality  Role = "quality"  // quality staff: holds, releases, reprints, voids
	RoleVet      Role = "vet"      // the resident veterinarian: inspection and sign-off
	RoleAdmin    Role = "admin"    // users and settings
)

// Roles lists every role in the order the login screen groups users.
var Roles = []Role{RoleOperator, RoleQuality, RoleVet, RoleAdmin}

// User is a person who signs in at the kiosk.
type User struct {
	ID   string
	Name string
	Role Role
}

// Errors of Users.CheckPIN. An implementation returns an error for which
// errors.Is reports one of these, or another error for a failure such as
// a database error.
var (
	ErrWrongPIN     = errors.New("wrong PIN")
	ErrNoPIN        = errors.New("user has no PIN")
	ErrUserInactive = errors.New("user is deactivated")
	ErrUnknownUser  = errors.New("unknown user")
)

// Users lists the people who may sign in and checks their PINs. cmd/kiosk
// implements it over the store's users; the kiosk adds the lockout after
// failed PINs (see LockoutPolicy), because the store does not limit
// attempts.
type Users interface {
	// ActiveUsers returns the users who may sign in, for the login tiles.
	ActiveUsers(ctx context.Context) ([]User, error)
	// CheckPIN returns the user when pin is theirs. It takes tens of
	// milliseconds (Argon2id), so the kiosk calls it off the fyne
	// goroutine.
	CheckPIN(ctx context.Context, id, pin string) (User, error)
}

// LinkKind is the kind of thing the status bar shows.
type LinkKind string

// Link kinds, in the order of the status bar.
const (
	LinkReader   LinkKind = "reader"
	LinkScale    LinkKind = "scale"
	LinkPrinter  LinkKind = "printer"
	LinkPlatform LinkKind = "platform"
)

// LinkKinds lists the link kinds in the order of the status bar.
var LinkKinds = []LinkKind{LinkReader, LinkScale, LinkPrinter, LinkPlatform}

// Message is a text for a person, as a catalog key and its data, so the
// kiosk renders it in the language on screen. The zero Message is empty.
type Message struct {
	Key  string
	Data map[string]string
}

// Text renders m in lang.
func (m Message) Text(lang line.Lang) string {
	if m.Key == "" {
		return ""
	}
	return line.Translate(lang, m.Key, m.Data)
}

// LinkStatus is the state of one device or of the platform link.
type LinkStatus struct {
	Kind LinkKind
	ID   string // the id in the configuration, such as "hook-1"
	OK   bool
	// Problem names the fault when OK is false, in words for the floor.
	// Use the ui.status.problem.* keys or keys of the caller's own
	// catalog.
	Problem Message
	Since   time.Time // when the link entered its current state; zero if unknown
}

// OutboxStatus is the state of the queue of sealed batches waiting for the
// platform.
type OutboxStatus struct {
	Waiting  int     // sealed batches not yet accepted by the platform
	Rejected int     // batches the platform rejected, which need a person
	Problem  Message // the last upload error, empty when uploads work
}

// StatusReport is the content of the status bar.
type StatusReport struct {
	Links  []LinkStatus
	Outbox OutboxStatus
}

// StatusSource reports the state of devices, the platform link and the
// outbox. The kiosk calls Status every Config.StatusInterval off the fyne
// goroutine, with a context that ends after one interval. An
// implementation returns the last state it knows instead of waiting for a
// device.
type StatusSource interface {
	Status(ctx context.Context) StatusReport
}

// PrinterLink turns the station's view of a printer into a LinkStatus,
// for a StatusSource that reports printers through the station.
func PrinterLink(v line.PrinterView) LinkStatus {
	ls := LinkStatus{Kind: LinkPrinter, ID: v.Name, OK: true}
	switch {
	case v.Err != nil:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.no_reply"}
	case !v.Known:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.unknown"}
	case v.Status.PaperOut:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.paper_out"}
	case v.Status.RibbonOut:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.ribbon_out"}
	case v.Status.HeadOpen:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.head_open"}
	case v.Status.HeadTooHot:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.head_hot"}
	case v.Status.Paused:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.paused"}
	case v.Status.BufferFull:
		ls.OK, ls.Problem = false, Message{Key: "ui.status.problem.buffer_full"}
	}
	return ls
}
