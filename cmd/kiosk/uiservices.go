package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"lambtrace/devices/tap"
	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/ui"
	"lambtrace/upload"
)

// The services the kiosk's screens need beyond the station, over the
// store, the configuration and the drivers. Package ui defines each
// interface.

// uiUsers implements ui.Users over the store's users.
type uiUsers struct{ db *store.DB }

func (u uiUsers) ActiveUsers(ctx context.Context) ([]ui.User, error) {
	users, err := u.db.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []ui.User
	for _, su := range users {
		if su.Active {
			out = append(out, ui.User{ID: su.ID, Name: su.Name, Role: ui.Role(su.Role)})
		}
	}
	return out, nil
}

func (u uiUsers) CheckPIN(ctx context.Context, id, pin string) (ui.User, error) {
	su, err := u.db.CheckPIN(ctx, id, pin)
	switch {
	case errors.Is(err, store.ErrWrongPIN):
		return ui.User{}, ui.ErrWrongPIN
	case errors.Is(err, store.ErrNoPIN):
		return ui.User{}, ui.ErrNoPIN
	case errors.Is(err, store.ErrUserInactive):
		return ui.User{}, ui.ErrUserInactive
	case errors.Is(err, store.ErrNotFound):
		return ui.User{}, ui.ErrUnknownUser
	case err != nil:
		return ui.User{}, err
	}
	return ui.User{ID: su.ID, Name: su.Name, Role: ui.Role(su.Role)}, nil
}

// scaleSilence is how long a scale may deliver no reading, in wall time,
// before the status bar reports that it does not reply. Indicators in use send
// several readings a second.
const scaleSilence = 2 * time.Second

// linkWatch notes when each scale last delivered a reading, for the
// status bar. It is safe for concurrent use.
type linkWatch struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// deliverReading notes a reading's arrival and hands it on to next.
func (l *linkWatch) deliverReading(next func(line.Reading)) func(line.Reading) {
	return func(r line.Reading) {
		l.mu.Lock()
		if l.last == nil {
			l.last = make(map[string]time.Time)
		}
		l.last[r.Scale] = time.Now()
		l.mu.Unlock()
		next(r)
	}
}

func (l *linkWatch) lastReading(scale string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.last[scale]
	return t, ok
}

// uiStatus implements ui.StatusSource: the reader is connected while its
// serial device exists, a scale works while it delivers readings, and a
// printer as the station last saw it. The platform link fails while the
// last upload attempt of a queued batch failed, and the outbox counts
// the sealed batches the platform has not accepted.
type uiStatus struct {
	k        *kiosk
	links    *linkWatch
	platform string // the platform's URL; empty when the station uploads nothing
}

func (s uiStatus) Status(ctx context.Context) ui.StatusReport {
	var r ui.StatusReport
	r.Links = append(r.Links, s.reader())
	for _, sc := range s.k.cfg.Scales {
		r.Links = append(r.Links, s.scale(sc.ID))
	}
	for _, p := range s.k.station.Printers() {
		r.Links = append(r.Links, ui.PrinterLink(p))
	}
	items, err := upload.ReadOutbox(ctx, s.k.db)
	if err != nil {
		s.k.log.Warn("outbox not read for the status bar", "err", err)
		r.Outbox.Problem = ui.Message{Key: "ui.status.problem.unknown"}
		return r
	}
	failing := false
	for _, it := range items {
		switch it.State {
		case upload.OutboxQueued, upload.OutboxSending:
			r.Outbox.Waiting++
			failing = failing || it.LastError != ""
		case upload.OutboxRejected:
			r.Outbox.Rejected++
		}
	}
	if s.platform != "" {
		link := ui.LinkStatus{Kind: ui.LinkPlatform, ID: s.platform, OK: !failing}
		if failing {
			link.Problem = ui.Message{Key: "ui.status.problem.platform_unreachable"}
			r.Outbox.Problem = link.Problem
		}
		r.Links = append(r.Links, link)
	}
	return r
}

func (s uiStatus) reader() ui.LinkStatus {
	id := s.k.cfg.Reader.ID
	if _, err := os.Stat(s.k.cfg.Reader.Port); err != nil {
		return ui.LinkStatus{Kind: ui.LinkReader, ID: id, Problem: ui.Message{Key: "ui.status.problem.disconnected"}}
	}
	return ui.LinkStatus{Kind: ui.LinkReader, ID: id, OK: true}
}

func (s uiStatus) scale(id string) ui.LinkStatus {
	last, ok := s.links.lastReading(id)
	switch {
	case !ok:
		return ui.LinkStatus{Kind: ui.LinkScale, ID: id, Problem: ui.Message{Key: "ui.status.problem.no_data"}}
	case time.Since(last) > scaleSilence:
		return ui.LinkStatus{Kind: ui.LinkScale, ID: id, Problem: ui.Message{Key: "ui.status.problem.no_reply"}, Since: last}
	}
	return ui.LinkStatus{Kind: ui.LinkScale, ID: id, OK: true}
}

// uiRecords implements ui.Records over the registry and the store.
type uiRecords struct{ k *kiosk }

func (r uiRecords) Consignments() []*line.Consignment { return r.k.registry.Consignments }

func (r uiRecords) LabResults(ctx context.Context) ([]line.LabResult, error) {
	facts, err := r.k.db.BatchFacts(ctx, r.k.shift.Batch.String())
	if err != nil {
		return nil, err
	}
	return facts.LabResults, nil
}

func (r uiRecords) PrintJobs(ctx context.Context, serial string) ([]line.PrintJob, error) {
	return r.k.lots.PrintJobs(ctx, serial)
}

// uiSignOff implements ui.SignOffService with the station's sign-off.
type uiSignOff struct{ k *kiosk }

func (s uiSignOff) BatchFacts(ctx context.Context, batch line.BatchID) (*line.BatchFacts, error) {
	return s.k.db.BatchFacts(ctx, batch.String())
}

func (s uiSignOff) Blockers(ctx context.Context, batch line.BatchID) ([]ui.Explanation, error) {
	if batch != s.k.shift.Batch {
		return nil, fmt.Errorf("batch %s is not the shift's batch %s", batch, s.k.shift.Batch)
	}
	refusals, err := s.k.station.CheckSignOff(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ui.Explanation, len(refusals))
	for i, r := range refusals {
		out[i] = r
	}
	return out, nil
}

// SignOff signs off the shift's batch and passes on the station's
// progress events while it runs. A refusal is a *line.RefusalError,
// whose Text gives the reason.
func (s uiSignOff) SignOff(ctx context.Context, req ui.SignOffRequest, progress func(ui.SignOffProgress)) (ui.SignOffResult, error) {
	if req.Batch != s.k.shift.Batch {
		return ui.SignOffResult{}, fmt.Errorf("batch %s is not the shift's batch %s", req.Batch, s.k.shift.Batch)
	}
	sub := s.k.station.Subscribe(64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sub.C {
			if p, ok := ev.(line.SignOffProgressEvent); ok && progress != nil {
				progress(ui.SignOffProgress{Step: ui.SignOffStep(p.Step)})
			}
		}
	}()
	doc, err := s.k.station.SignOff(ctx, req.Vet, req.Certificate, []byte(req.PIN))
	sub.Close()
	<-done
	if err != nil {
		return ui.SignOffResult{}, err
	}
	sealed, err := s.k.db.Document(ctx, req.Batch.String())
	if err != nil {
		return ui.SignOffResult{}, err
	}
	return ui.SignOffResult{SHA256: doc.SHA256(), SealedAt: sealed.SealedAt}, nil
}

// uiDevices implements ui.Devices over the configuration and the
// drivers and their taps.
type uiDevices struct {
	k      *kiosk
	status uiStatus
}

func (d uiDevices) Devices(ctx context.Context) []ui.Device {
	var out []ui.Device
	report := d.status.Status(ctx)
	link := func(kind ui.LinkKind, id string) ui.LinkStatus {
		for _, l := range report.Links {
			if l.Kind == kind && l.ID == id {
				return l
			}
		}
		return ui.LinkStatus{Kind: kind, ID: id, Problem: ui.Message{Key: "ui.status.problem.unknown"}}
	}
	r := d.k.cfg.Reader
	out = append(out, ui.Device{Kind: ui.LinkReader, ID: r.ID, Address: r.Port, Link: link(ui.LinkReader, r.ID)})
	for _, s := range d.k.cfg.Scales {
		address := s.Address
		if address == "" {
			address = s.Port
		}
		dev := ui.Device{Kind: ui.LinkScale, ID: s.ID, Address: address, Link: link(ui.LinkScale, s.ID)}
		if m, ok := d.k.devices.modbus[s.ID]; ok {
			dev.CanZero, dev.CanTare = m.Profile.Zero != nil, m.Profile.Tare != nil
		}
		out = append(out, dev)
	}
	for _, p := range d.k.cfg.Printers {
		address := p.Address
		if address == "" {
			address = p.Port
		}
		out = append(out, ui.Device{Kind: ui.LinkPrinter, ID: p.ID, Address: address, Link: link(ui.LinkPrinter, p.ID)})
	}
	return out
}

// Raw returns the chunks of the device's tap. A printer's chunks carry
// wall time, which a simulated line's clock turns into line time like
// the other devices' chunks.
func (d uiDevices) Raw(id string) []ui.RawChunk {
	chunks := d.k.devices.taps[id].Chunks()
	if len(chunks) == 0 {
		return nil
	}
	_, printer := d.printerRole(id)
	clock, simulated := d.k.clock.(*lineClock)
	out := make([]ui.RawChunk, len(chunks))
	for i, c := range chunks {
		at := c.At
		if printer && simulated {
			at = clock.at(at)
		}
		out[i] = ui.RawChunk{At: at, Sent: c.Dir == tap.Sent, Data: c.Data, Size: c.Size}
	}
	return out
}

// printerRole returns the role of the printer id.
func (d uiDevices) printerRole(id string) (string, bool) {
	for role, name := range d.k.devices.names {
		if name == id {
			return role, true
		}
	}
	return "", false
}

func (d uiDevices) Zero(ctx context.Context, scale string) error {
	m, ok := d.k.devices.modbus[scale]
	if !ok {
		return fmt.Errorf("scale %s takes no zero command: only a Modbus indicator does", scale)
	}
	return m.Zero(ctx)
}

func (d uiDevices) Tare(ctx context.Context, scale string) error {
	m, ok := d.k.devices.modbus[scale]
	if !ok {
		return fmt.Errorf("scale %s takes no tare command: only a Modbus indicator does", scale)
	}
	return m.Tare(ctx)
}

// TestPrint prints a frame and a QR code holding the printer's id, with
// no text, outside any print job.
func (d uiDevices) TestPrint(ctx context.Context, printer string) error {
	role, ok := d.printerRole(printer)
	if !ok {
		return fmt.Errorf("printer %s is not configured", printer)
	}
	job := fmt.Sprintf("^XA^CI28^FO20,20^GB300,300,4^FS^FO60,60^BQN,2,6^FDMA,%s^FS^PQ1^XZ", filepath.Base(printer))
	return d.k.devices.printers[role].Print(ctx, []byte(job))
}

// uiUploads implements ui.Uploads over the store's outbox and the upload
// worker, which is nil when the station uploads nothing.
type uiUploads struct {
	k      *kiosk
	worker *upload.Worker
}

// Batches returns the shift's batch while it is not sealed, and every
// sealed batch, newest first.
func (u uiUploads) Batches(ctx context.Context) ([]ui.BatchUpload, error) {
	items, err := upload.ReadOutbox(ctx, u.k.db)
	if err != nil {
		return nil, err
	}
	var out []ui.BatchUpload
	shift := u.k.station.Snapshot()
	if shift.State != line.BatchSealed && shift.State != line.BatchUploaded {
		out = append(out, ui.BatchUpload{Batch: shift.Batch, State: shift.State})
	}
	for i := len(items) - 1; i >= 0; i-- {
		it := items[i]
		batch, err := line.ParseBatchID(it.BatchID)
		if err != nil {
			return nil, fmt.Errorf("outbox: %w", err)
		}
		b := ui.BatchUpload{Batch: batch, State: line.BatchSealed, Upload: ui.UploadState(it.State), Attempts: it.Attempts,
			SealedAt: it.SealedAt, NextAttemptAt: it.NextAttemptAt, LastError: it.LastError, DeliveredAt: it.DeliveredAt}
		if it.Receipt != nil {
			b.State, b.Receipt = line.BatchUploaded, strconv.FormatInt(it.Receipt.ID, 10)
		}
		if it.Rejection != nil {
			b.Status = it.Rejection.Status
			for _, r := range it.Rejection.Reasons {
				b.Rejection = append(b.Rejection, ui.RejectReason{Code: r.Code, Subject: r.Subject, Text: r.Message})
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// RetryNow makes one upload attempt of a queued batch now.
func (u uiUploads) RetryNow(ctx context.Context, batch line.BatchID) error {
	if u.worker == nil {
		return errors.New("this station has no platform to upload to: set platform.url in the configuration")
	}
	_, err := u.worker.RetryNow(ctx, batch.String())
	return err
}
