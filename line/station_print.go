package line

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrNotFound reports a record the store does not hold. Store
// implementations wrap it.
var ErrNotFound = errors.New("not found")

// PrinterView is the last known state of one label printer.
type PrinterView struct {
	Name        string
	Known       bool // the printer was asked for its status at least once
	Status      PrinterStatus
	Err         error // the error of the last status request
	Pending     int   // jobs committed and not yet sent
	Unconfirmed int   // jobs sent and not yet confirmed
}

// printQueue holds one printer's committed jobs until Run sends them, in
// the order they were committed.
type printQueue struct {
	name    string
	printer Printer
	wake    chan struct{}

	mu        sync.Mutex // guards the fields below
	pending   []queuedJob
	sent      []PrintJob // sent and not yet confirmed
	known     bool
	status    PrinterStatus
	statusErr error
}

type queuedJob struct {
	job  PrintJob
	data []byte
}

func (q *printQueue) push(j queuedJob) {
	q.mu.Lock()
	q.pending = append(q.pending, j)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *printQueue) pop() (queuedJob, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) == 0 {
		return queuedJob{}, false
	}
	j := q.pending[0]
	q.pending = q.pending[1:]
	return j, true
}

func (q *printQueue) view() PrinterView {
	q.mu.Lock()
	defer q.mu.Unlock()
	return PrinterView{Name: q.name, Known: q.known, Status: q.status, Err: q.statusErr,
		Pending: len(q.pending), Unconfirmed: len(q.sent)}
}

// setPrinters makes one queue per printer name. Two printers given the
// same name are one printer, the first given.
func (s *Station) setPrinters(carcass, pack *LabelPrinter) error {
	named := func(lp *LabelPrinter) (*printQueue, error) {
		if lp == nil {
			return nil, nil
		}
		if lp.Name == "" || lp.Printer == nil {
			return nil, errors.New("station: a label printer needs a name and a printer")
		}
		for _, q := range s.queues {
			if q.name == lp.Name {
				return q, nil
			}
		}
		q := &printQueue{name: lp.Name, printer: lp.Printer, wake: make(chan struct{}, 1)}
		s.queues = append(s.queues, q)
		return q, nil
	}
	var err error
	if s.carcassQueue, err = named(carcass); err != nil {
		return err
	}
	s.packQueue, err = named(pack)
	return err
}

// Printers returns the state of every label printer.
func (s *Station) Printers() []PrinterView {
	views := make([]PrinterView, len(s.queues))
	for i, q := range s.queues {
		views[i] = q.view()
	}
	return views
}

// Run sends committed print jobs to their printers and watches the
// printers' status until ctx is done, then returns ctx.Err(). A job is
// sent once: a job the printer did not take is marked failed and
// published, and only a person prints it again. Jobs still waiting when
// Run returns stay queued in the store and are listed when the shift is
// opened again.
func (s *Station) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, q := range s.queues {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runPrinter(ctx, q)
		}()
	}
	wg.Wait()
	<-ctx.Done()
	return ctx.Err()
}

func (s *Station) runPrinter(ctx context.Context, q *printQueue) {
	s.log.Info("printer worker started", "printer", q.name)
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	s.checkPrinter(ctx, q)
	for {
		for ctx.Err() == nil {
			j, ok := q.pop()
			if !ok {
				break
			}
			s.send(ctx, q, j)
		}
		select {
		case <-ctx.Done():
			s.log.Info("printer worker stopped", "printer", q.name)
			return
		case <-q.wake:
		case <-ticker.C:
			s.checkPrinter(ctx, q)
		}
	}
}

// send prints one job and records the outcome. The record is written even
// when ctx ends during the print, because the bytes may have gone out.
func (s *Station) send(ctx context.Context, q *printQueue, j queuedJob) {
	record := context.WithoutCancel(ctx)
	err := q.printer.Print(ctx, j.data)
	if err != nil {
		s.log.Warn("print job failed", "job", j.job.ID, "serial", j.job.Serial, "printer", q.name, "err", err)
		if serr := s.store.SetPrintState(record, SystemActor, j.job.ID, PrintFailed, err.Error()); serr != nil {
			s.log.Error("record failed print job", "job", j.job.ID, "err", serr)
		}
		j.job.State, j.job.Error = PrintFailed, err.Error()
		s.publish(PrintFailedEvent{At: s.clock.Now(), Job: j.job, Error: err.Error()})
		return
	}
	if err := s.store.SetPrintState(record, SystemActor, j.job.ID, PrintSent, ""); err != nil {
		s.fault("record sent print job", err, "job", j.job.ID, "serial", j.job.Serial)
		return
	}
	j.job.State = PrintSent
	q.mu.Lock()
	q.sent = append(q.sent, j.job)
	q.mu.Unlock()
	s.publish(PrintSentEvent{At: s.clock.Now(), Job: j.job})
	s.checkPrinter(ctx, q)
}

// checkPrinter requests the printer's status and publishes a change. It
// confirms the jobs sent so far once the printer is ready with nothing
// left to print.
func (s *Station) checkPrinter(ctx context.Context, q *printQueue) {
	status, err := q.printer.Status(ctx)
	if ctx.Err() != nil {
		return
	}
	q.mu.Lock()
	changed := !q.known || !sameStatus(status, q.status) || errorText(err) != errorText(q.statusErr)
	q.known, q.status, q.statusErr = true, status, err
	var confirm []int64
	if err == nil && status.Ready() && status.LabelsPending == 0 {
		for _, j := range q.sent {
			confirm = append(confirm, j.ID)
		}
	}
	q.mu.Unlock()

	if changed {
		switch {
		case err != nil:
			s.log.Warn("printer status request failed", "printer", q.name, "err", err)
		case !status.Ready():
			s.log.Warn("printer not ready", "printer", q.name, "paper_out", status.PaperOut, "head_open", status.HeadOpen,
				"ribbon_out", status.RibbonOut, "paused", status.Paused)
		default:
			s.log.Info("printer ready", "printer", q.name)
		}
		s.publish(PrinterStatusChangedEvent{At: s.clock.Now(), Printer: q.name, Status: status, Err: err})
	}
	if len(confirm) == 0 {
		return
	}
	if err := s.store.ConfirmPrints(context.WithoutCancel(ctx), SystemActor, confirm); err != nil {
		s.log.Error("record confirmed print jobs", "printer", q.name, "jobs", len(confirm), "err", err)
		return
	}
	q.mu.Lock()
	q.sent = q.sent[len(confirm):]
	q.mu.Unlock()
	s.publish(PrintsConfirmedEvent{At: s.clock.Now(), Printer: q.name, Jobs: confirm})
}

func sameStatus(a, b PrinterStatus) bool {
	a.Raw, b.Raw = nil, nil
	return a.PaperOut == b.PaperOut && a.Paused == b.Paused && a.HeadOpen == b.HeadOpen && a.RibbonOut == b.RibbonOut &&
		a.HeadTooHot == b.HeadTooHot && a.BufferFull == b.BufferFull && a.LabelsPending == b.LabelsPending
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// printCarcassLabel renders and queues the first label of a carcass. A
// failure is logged and published, and the carcass stays entered: its
// label can be printed later with PrintLabel.
func (s *Station) printCarcassLabel(ctx context.Context, c CarcassRecord) {
	if s.labeler == nil || s.carcassQueue == nil {
		return
	}
	req, err := s.carcassLabel(c)
	if err == nil {
		err = s.queueLabel(ctx, s.operator, s.carcassQueue, req)
	}
	if err != nil {
		s.fault("print carcass label", err, "carcass", c.Number)
	}
}

// printPackLabel renders and queues the label of a new pack, as
// printCarcassLabel does for a carcass.
func (s *Station) printPackLabel(ctx context.Context, p PackRecord) {
	if s.labeler == nil || s.packQueue == nil {
		return
	}
	req, err := s.packLabel(p)
	if err == nil {
		err = s.queueLabel(ctx, s.operator, s.packQueue, req)
	}
	if err != nil {
		s.fault("print pack label", err, "serial", p.Serial)
	}
}

// queueLabel commits a first print job and hands it to its printer.
func (s *Station) queueLabel(ctx context.Context, actor string, q *printQueue, req PrintRequest) error {
	job, err := s.store.QueuePrint(ctx, actor, req)
	if err != nil {
		return fmt.Errorf("queue label %s: %w", req.Serial, err)
	}
	q.push(queuedJob{job: job, data: req.Data})
	s.publish(PrintQueuedEvent{At: s.clock.Now(), Job: job})
	return nil
}

func (s *Station) carcassLabel(c CarcassRecord) (PrintRequest, error) {
	data, err := s.labeler.CarcassLabel(CarcassLabel{Plant: s.plant, Batch: c.Batch, Number: c.Number, RFID: c.RFID,
		EarTag: c.EarTag, Animal: s.animalOf(&c), EnteredAt: c.EnteredAt, Held: c.State == CarcassHeld})
	if err != nil {
		return PrintRequest{}, fmt.Errorf("render label of carcass %s: %w", c.Number, err)
	}
	return PrintRequest{Serial: c.Number, Kind: LabelCarcass, Printer: s.carcassQueue.name, Data: data}, nil
}

func (s *Station) packLabel(p PackRecord) (PrintRequest, error) {
	product, ok := s.products.Product(p.Product)
	if !ok {
		return PrintRequest{}, fmt.Errorf("render label of pack %s: product %s is not in the product master", p.Serial, p.Product)
	}
	l := PackLabel{Plant: s.plant, Batch: p.Batch, Serial: p.Serial, Product: product, Net: p.Grams, PackedAt: p.PackedAt,
		Carcass: p.Carcass, Lot: p.Lot, Grassland: p.Grassland}
	if c, ok := s.carcasses[p.Carcass]; ok {
		l.EarTag, l.Animal = c.EarTag, s.animalOf(c)
	}
	data, err := s.labeler.PackLabel(l)
	if err != nil {
		return PrintRequest{}, fmt.Errorf("render label of pack %s: %w", p.Serial, err)
	}
	return PrintRequest{Serial: p.Serial, Kind: LabelPack, Printer: s.packQueue.name, Data: data}, nil
}

// label renders the label of a carcass or pack of the shift for a print
// a person asked for, and returns its printer's queue. It refuses the
// label of a blocked carcass and of its packs: they are voided, not
// printed again.
func (s *Station) label(ctx context.Context, kind LabelKind, serial string) (*printQueue, PrintRequest, error) {
	switch kind {
	case LabelCarcass:
		c, ok := s.carcasses[serial]
		switch {
		case !ok:
			return nil, PrintRequest{}, refuse(RefusedUnknownLabel, "serial", serial)
		case c.State == CarcassBlocked:
			return nil, PrintRequest{}, refuse(RefusedCarcassBlocked, "carcass", serial)
		case s.labeler == nil || s.carcassQueue == nil:
			return nil, PrintRequest{}, refuse(RefusedNoPrinter, "serial", serial)
		}
		req, err := s.carcassLabel(*c)
		return s.carcassQueue, req, err
	case LabelPack:
		if s.labeler == nil || s.packQueue == nil {
			return nil, PrintRequest{}, refuse(RefusedNoPrinter, "serial", serial)
		}
		p, err := s.store.Pack(ctx, serial)
		if errors.Is(err, ErrNotFound) {
			return nil, PrintRequest{}, refuse(RefusedUnknownLabel, "serial", serial)
		}
		if err != nil {
			return nil, PrintRequest{}, err
		}
		if c, ok := s.carcasses[p.Carcass]; ok && c.State == CarcassBlocked {
			return nil, PrintRequest{}, refuse(RefusedCarcassBlocked, "carcass", c.Number)
		}
		req, err := s.packLabel(p)
		return s.packQueue, req, err
	}
	return nil, PrintRequest{}, refuse(RefusedUnknownLabel, "serial", serial)
}

// PrintLabel prints the label of a carcass or pack of the shift that has
// no print job yet, or whose jobs all failed, for example after its
// printer was out of paper.
func (s *Station) PrintLabel(ctx context.Context, actor string, kind LabelKind, serial string) (PrintJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpen(); err != nil {
		return PrintJob{}, err
	}
	q, req, err := s.label(ctx, kind, serial)
	if err != nil {
		return PrintJob{}, err
	}
	job, err := s.store.QueuePrint(ctx, actor, req)
	if err != nil {
		return PrintJob{}, fmt.Errorf("print label %s: %w", serial, err)
	}
	q.push(queuedJob{job: job, data: req.Data})
	s.publish(PrintQueuedEvent{At: s.clock.Now(), Job: job})
	return job, nil
}

// Reprint prints a label again with the same content, for a label that
// was printed and is damaged or lost. The store checks that actor may
// reprint and that the label is not void.
func (s *Station) Reprint(ctx context.Context, actor, serial, reason string) (PrintJob, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireOpen(); err != nil {
		return PrintJob{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return PrintJob{}, refuse(RefusedReasonRequired)
	}
	jobs, err := s.store.PrintJobs(ctx, serial)
	if err != nil {
		return PrintJob{}, err
	}
	if len(jobs) == 0 {
		return PrintJob{}, refuse(RefusedLabelNotPrinted, "serial", serial)
	}
	q, req, err := s.label(ctx, jobs[0].Kind, serial)
	if err != nil {
		return PrintJob{}, err
	}
	job, err := s.store.QueueReprint(ctx, actor, jobs[len(jobs)-1].ID, req, reason)
	if err != nil {
		return PrintJob{}, fmt.Errorf("reprint label %s: %w", serial, err)
	}
	s.log.Info("label reprint queued", "serial", serial, "job", job.ID, "user", actor)
	q.push(queuedJob{job: job, data: req.Data})
	s.publish(PrintQueuedEvent{At: s.clock.Now(), Job: job})
	return job, nil
}

// VoidLabel makes a printed label invalid, so its serial is never printed
// again. The store checks that actor may void labels.
func (s *Station) VoidLabel(ctx context.Context, actor, serial, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return refuse(RefusedReasonRequired)
	}
	if err := s.store.VoidLabel(ctx, actor, serial, reason); err != nil {
		return fmt.Errorf("void label %s: %w", serial, err)
	}
	s.log.Info("label voided", "serial", serial, "user", actor)
	return nil
}

// ResolvePrint records what a person saw of a print job left unfinished
// by a restart: printed true when its label came out, false when it did
// not. The job then no longer needs a decision, and its label may be
// reprinted or voided.
func (s *Station) ResolvePrint(ctx context.Context, actor string, id int64, printed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.unfinished, func(j PrintJob) bool { return j.ID == id })
	if i < 0 {
		return refuse(RefusedUnknownPrintJob, "job", i64toa(id))
	}
	job := s.unfinished[i]
	var err error
	switch {
	case !printed:
		err = s.store.SetPrintState(ctx, actor, id, PrintFailed, "not printed, as "+actor+" saw after a restart")
	case job.State == PrintQueued:
		if err = s.store.SetPrintState(ctx, actor, id, PrintSent, ""); err == nil {
			err = s.store.SetPrintState(ctx, actor, id, PrintConfirmed, "")
		}
	default:
		err = s.store.SetPrintState(ctx, actor, id, PrintConfirmed, "")
	}
	if err != nil {
		return fmt.Errorf("resolve print job %d: %w", id, err)
	}
	s.unfinished = slices.Delete(s.unfinished, i, i+1)
	return nil
}
