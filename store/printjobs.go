package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"lambtrace/line"
)

var (
	_ = journaled("print_jobs", "id")
	_ = journaled("label_voids", "label_serial")
)

// LabelKind is the item a label goes on, which fixes the form of its
// serial.
type LabelKind string

// Label kinds.
const (
	LabelCarcass LabelKind = "carcass" // serial is the carcass number, "20261204-0031"
	LabelPack    LabelKind = "pack"    // serial is the 12-digit pack serial
	LabelCarton  LabelKind = "carton"  // serial is the carton's 18-digit SSCC (GS1 AI 00)
)

// PrintJobState is the progress of a print job from the store to the
// label.
type PrintJobState string

// Print job states. A job starts queued, goes to sent when its bytes have
// been written to the printer, and ends confirmed when the printer reports
// the label printed, or failed. A queued job that was never sent may fail
// too. No other change is allowed.
const (
	PrintQueued    PrintJobState = "queued"
	PrintSent      PrintJobState = "sent"
	PrintConfirmed PrintJobState = "confirmed"
	PrintFailed    PrintJobState = "failed"
)

var printTransitions = map[PrintJobState][]PrintJobState{
	PrintQueued: {PrintSent, PrintFailed},
	PrintSent:   {PrintConfirmed, PrintFailed},
}

func (s PrintJobState) valid() bool {
	switch s {
	case PrintQueued, PrintSent, PrintConfirmed, PrintFailed:
		return true
	}
	return false
}

// Errors of the print functions. Callers test them with errors.Is.
var (
	ErrLabelVoided     = errors.New("label is void and cannot be printed")
	ErrAlreadyPrinted  = errors.New("label already has a print job; print it again as a reprint")
	ErrJobInProgress   = errors.New("a print job of the label is still queued or sent; mark it confirmed or failed first")
	ErrReasonRequired  = errors.New("a reason is required")
	errNoFailureText   = errors.New("a failed print job needs the printer's error")
	errFailureTextOnly = errors.New("only a failed print job has an error")
)

// reprintRoles are the roles that may reprint or void a label.
var reprintRoles = []Role{RoleQuality, RoleAdmin}

// PrintRequest is a label to print.
type PrintRequest struct {
	Serial  string
	Kind    LabelKind
	Printer string // the printer's name in the configuration, 1 to 64 characters
	ZPL     []byte // the exact bytes that will go to the printer
}

// PrintJob is one attempt to print a label.
type PrintJob struct {
	ID        int64
	Serial    string
	Kind      LabelKind
	Printer   string
	ZPLSHA256 string // hex SHA-256 of the bytes sent
	State     PrintJobState
	ReprintOf int64  // the job this one prints again; 0 for a first print
	Reason    string // the reason given for a reprint
	Error     string // the printer's error for a failed job
	CreatedAt time.Time
	UpdatedAt time.Time
	User      Actor // who queued the job
}

// LabelVoid records that a printed label is no longer valid.
type LabelVoid struct {
	Serial string
	Kind   LabelKind
	Reason string
	User   Actor
	At     time.Time
}

// QueuePrint commits a print job in state queued and returns its id.
//
// The job is on disk when QueuePrint returns, and only then may the
// caller send req.ZPL to the printer, followed by SetPrintJobState with
// PrintSent, and later PrintConfirmed or PrintFailed. So every label
// that leaves a printer has a job, even if the station loses power while
// printing.
//
// A label whose serial is void cannot be queued (ErrLabelVoided). A label
// that already has a job in any state but failed cannot be queued again
// (ErrAlreadyPrinted): use QueueReprint. After only failed jobs, QueuePrint
// queues a new first print.
func (db *DB) QueuePrint(ctx context.Context, actor Actor, req PrintRequest) (int64, error) {
	var id int64
	err := db.Update(ctx, actor, func(tx *Tx) error {
		var err error
		id, err = tx.QueuePrint(req)
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// QueuePrint adds a print job in state queued within the transaction,
// with the same checks as DB.QueuePrint, and returns its id. The job is
// committed with the transaction, and the label may be sent only after
// Update has returned nil: a rolled back job does not exist.
func (tx *Tx) QueuePrint(req PrintRequest) (int64, error) {
	if err := validatePrint(req); err != nil {
		return 0, err
	}
	if err := tx.checkPrintable(req.Serial); err != nil {
		return 0, err
	}
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM print_jobs WHERE label_serial = ? AND state <> 'failed'",
		req.Serial).Scan(&n)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, fmt.Errorf("print label %s: %w", req.Serial, ErrAlreadyPrinted)
	}
	return tx.insertPrintJob(req, 0, "")
}

// QueueReprint commits a job that prints the label of job `of` again, on
// a printer with the given bytes, and returns its id. The contract of
// QueuePrint holds: send the bytes only after it returns.
//
// The actor must be an active quality or admin user (*PermissionError),
// the reason must not be blank (ErrReasonRequired), the label must not be
// void (ErrLabelVoided), and no job of the label may still be queued or
// sent (ErrJobInProgress).
func (db *DB) QueueReprint(ctx context.Context, actor Actor, of int64, printer string, zpl []byte, reason string) (int64, error) {
	var id int64
	err := db.Update(ctx, actor, func(tx *Tx) error {
		orig, err := loadPrintJob(ctx, tx.tx, of)
		if err != nil {
			return err
		}
		if err := tx.requireRole("reprint label "+orig.Serial, reprintRoles...); err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return fmt.Errorf("reprint label %s: %w", orig.Serial, ErrReasonRequired)
		}
		req := PrintRequest{Serial: orig.Serial, Kind: orig.Kind, Printer: printer, ZPL: zpl}
		if err := validatePrint(req); err != nil {
			return err
		}
		if err := tx.checkPrintable(req.Serial); err != nil {
			return err
		}
		var busy int
		err = tx.tx.QueryRowContext(ctx, "SELECT count(*) FROM print_jobs WHERE label_serial = ? AND state IN ('queued', 'sent')",
			req.Serial).Scan(&busy)
		if err != nil {
			return err
		}
		if busy > 0 {
			return fmt.Errorf("reprint label %s: %w", req.Serial, ErrJobInProgress)
		}
		id, err = tx.insertPrintJob(req, of, reason)
		return err
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

// SetPrintJobState moves a job to state to. The allowed changes are
// queued to sent or failed, and sent to confirmed or failed. Any other
// returns a *line.TransitionError naming the job and both states.
// failure is the printer's error, which PrintFailed requires and the
// other states reject. A job of a void label cannot be marked sent
// (ErrLabelVoided).
func (db *DB) SetPrintJobState(ctx context.Context, actor Actor, id int64, to PrintJobState, failure string) error {
	return db.Update(ctx, actor, func(tx *Tx) error { return tx.SetPrintJobState(id, to, failure) })
}

// SetPrintJobState moves a job to state to within the transaction, with
// the checks of DB.SetPrintJobState.
func (tx *Tx) SetPrintJobState(id int64, to PrintJobState, failure string) error {
	if !to.valid() {
		return fmt.Errorf("print job %d: invalid state %q", id, to)
	}
	failure = strings.TrimSpace(failure)
	if to == PrintFailed && failure == "" {
		return fmt.Errorf("print job %d: %w", id, errNoFailureText)
	}
	if to != PrintFailed && failure != "" {
		return fmt.Errorf("print job %d: %w", id, errFailureTextOnly)
	}
	row, err := loadRow(tx.ctx, tx.tx, "print_jobs", Row{"id": id})
	if err != nil {
		return fmt.Errorf("print job %d: %w", id, err)
	}
	from := PrintJobState(row.text("state"))
	if !slices.Contains(printTransitions[from], to) {
		return &line.TransitionError{Entity: "print job", ID: strconv.FormatInt(id, 10), From: string(from), To: string(to)}
	}
	if to == PrintSent {
		if err := tx.checkPrintable(row.text("label_serial")); err != nil {
			return err
		}
	}
	row["state"] = string(to)
	row["error"] = nullable(failure)
	row["updated_at"] = tx.at
	return tx.Put("print_jobs", row)
}

// VoidLabel makes a printed label invalid, so that its serial is never
// printed again. The actor must be an active quality or admin user
// (*PermissionError) and the reason must not be blank (ErrReasonRequired).
// The label must have a print job (ErrNotFound) and must not be void
// already (ErrLabelVoided).
func (db *DB) VoidLabel(ctx context.Context, actor Actor, serial, reason string) error {
	return db.Update(ctx, actor, func(tx *Tx) error {
		if err := tx.requireRole("void label "+serial, reprintRoles...); err != nil {
			return err
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return fmt.Errorf("void label %s: %w", serial, ErrReasonRequired)
		}
		var kind string
		err := tx.tx.QueryRowContext(ctx, "SELECT kind FROM print_jobs WHERE label_serial = ? ORDER BY id DESC LIMIT 1",
			serial).Scan(&kind)
		if err != nil {
			return fmt.Errorf("void label %s: print jobs of the label: %w", serial, notFound(err))
		}
		if err := tx.checkPrintable(serial); err != nil {
			return err
		}
		return tx.Put("label_voids", Row{"label_serial": serial, "kind": kind, "reason": reason,
			"user_id": string(tx.actor), "at": tx.at})
	})
}

// PrintJob returns one print job, or ErrNotFound.
func (db *DB) PrintJob(ctx context.Context, id int64) (PrintJob, error) {
	return loadPrintJob(ctx, db.reader, id)
}

// PrintJobs returns the jobs of one label in the order they were queued.
func (db *DB) PrintJobs(ctx context.Context, serial string) ([]PrintJob, error) {
	rows, err := db.reader.QueryContext(ctx, "SELECT id FROM print_jobs WHERE label_serial = ? ORDER BY id", serial)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	jobs := make([]PrintJob, 0, len(ids))
	for _, id := range ids {
		j, err := loadPrintJob(ctx, db.reader, id)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// LabelVoid returns the void of a label, or ErrNotFound if it is valid.
func (db *DB) LabelVoid(ctx context.Context, serial string) (LabelVoid, error) {
	row, err := loadRow(ctx, db.reader, "label_voids", Row{"label_serial": serial})
	if err != nil {
		return LabelVoid{}, fmt.Errorf("void of label %s: %w", serial, err)
	}
	at, err := row.timestamp("at")
	if err != nil {
		return LabelVoid{}, fmt.Errorf("void of label %s: %w", serial, err)
	}
	return LabelVoid{Serial: serial, Kind: LabelKind(row.text("kind")), Reason: row.text("reason"),
		User: Actor(row.text("user_id")), At: at}, nil
}

// checkPrintable returns ErrLabelVoided if the serial is void.
func (tx *Tx) checkPrintable(serial string) error {
	var n int
	if err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM label_voids WHERE label_serial = ?", serial).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("label %s: %w", serial, ErrLabelVoided)
	}
	return nil
}

func (tx *Tx) insertPrintJob(req PrintRequest, reprintOf int64, reason string) (int64, error) {
	id, err := tx.NextCounter("print_job")
	if err != nil {
		return 0, err
	}
	sum := sha256.Sum256(req.ZPL)
	var of any
	if reprintOf > 0 {
		of = reprintOf
	}
	err = tx.Put("print_jobs", Row{
		"id": id, "label_serial": req.Serial, "kind": string(req.Kind), "printer": req.Printer,
		"zpl_sha256": hex.EncodeToString(sum[:]), "state": string(PrintQueued), "reprint_of": of,
		"reason": nullable(reason), "error": nil, "created_at": tx.at, "updated_at": tx.at, "user_id": string(tx.actor),
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func loadPrintJob(ctx context.Context, q querier, id int64) (PrintJob, error) {
	row, err := loadRow(ctx, q, "print_jobs", Row{"id": id})
	if err != nil {
		return PrintJob{}, fmt.Errorf("print job %d: %w", id, err)
	}
	j := PrintJob{
		ID: id, Serial: row.text("label_serial"), Kind: LabelKind(row.text("kind")), Printer: row.text("printer"),
		ZPLSHA256: row.text("zpl_sha256"), State: PrintJobState(row.text("state")), ReprintOf: row.integer("reprint_of"),
		Reason: row.text("reason"), Error: row.text("error"), User: Actor(row.text("user_id")),
	}
	var errCreated, errUpdated error
	j.CreatedAt, errCreated = row.timestamp("created_at")
	j.UpdatedAt, errUpdated = row.timestamp("updated_at")
	if err := errors.Join(errCreated, errUpdated); err != nil {
		return PrintJob{}, fmt.Errorf("print job %d: %w", id, err)
	}
	return j, nil
}

func validatePrint(req PrintRequest) error {
	if err := validateSerial(req.Kind, req.Serial); err != nil {
		return err
	}
	if n := len([]rune(req.Printer)); n < 1 || n > 64 || strings.IndexFunc(req.Printer, unicode.IsControl) >= 0 {
		return fmt.Errorf("print label %s: invalid printer name %q: use 1 to 64 printable characters", req.Serial, req.Printer)
	}
	if len(req.ZPL) == 0 {
		return fmt.Errorf("print label %s: the ZPL is empty", req.Serial)
	}
	return nil
}

// validateSerial checks that a serial has the form its label kind needs.
func validateSerial(kind LabelKind, serial string) error {
	var err error
	switch kind {
	case LabelCarcass:
		_, _, err = line.ParseCarcassNumber(serial)
	case LabelPack:
		_, _, err = line.ParsePackSerial(serial)
	case LabelCarton:
		err = validateSSCC(serial)
	default:
		return fmt.Errorf("label %s: invalid kind %q: use carcass, pack or carton", serial, kind)
	}
	return err
}

// validateSSCC checks an 18-digit Serial Shipping Container Code and its
// GS1 mod-10 check digit.
//
// NOTE: cartons are not built yet. The SSCC is the GS1 key for a logistic
// unit, and is assumed here to be what a carton label carries.
func validateSSCC(s string) error {
	bad := &line.IDError{Kind: "sscc", Value: s, Problem: line.ProblemLength, Detail: "expected 18 digits"}
	if len(s) != 18 || strings.IndexFunc(s, func(c rune) bool { return c < '0' || c > '9' }) >= 0 {
		return bad
	}
	sum, weight := 0, 3
	for i := 16; i >= 0; i-- {
		sum += int(s[i]-'0') * weight
		weight = 4 - weight // 3 and 1 alternate from the right
	}
	if want := byte('0' + (10-sum%10)%10); s[17] != want {
		return &line.IDError{Kind: "sscc", Value: s, Problem: line.ProblemCheck, Detail: fmt.Sprintf("expected check digit %c", want)}
	}
	return nil
}
