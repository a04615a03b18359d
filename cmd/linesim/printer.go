package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"lambtrace/devices/sim"
	"lambtrace/line"
)

// jobPollInterval is how often the printer subcommand looks for new jobs
// to write to the --jobs directory.
const jobPollInterval = 100 * time.Millisecond

// textModeReply is the reply to ~HS in text-mode, standing in for a
// printer set to another command language: it does not start with STX.
const textModeReply = "PRINTER READY\r\n"

// printerCommands are the stdin commands. Each has its help under the
// catalog key device.linesim.printer.<name>.
var printerCommands = []string{"paper-out", "head-open", "pause", "silent", "text-mode", "ok", "jobs"}

func printerCommandNames() string {
	return strings.Join(printerCommands, ", ")
}

func newPrinterCommand() *command {
	fs := newFlagSet("printer")
	addr := fs.String("addr", "127.0.0.1:9100", "device.linesim.flag.addr_printer")
	jobs := fs.String("jobs", "", "device.linesim.flag.jobs")

	var listen string
	c := &command{name: "printer", flags: fs}
	c.check = func() error {
		var err error
		listen, err = loopbackAddress(*addr)
		if err != nil {
			return err
		}
		if *jobs != "" && !isDir(*jobs) {
			return newMessage("device.linesim.jobs_not_dir", "dir", *jobs)
		}
		return nil
	}
	c.run = func(ctx context.Context, s *session) error {
		return runPrinter(ctx, s, listen, *jobs)
	}
	return c
}

func runPrinter(ctx context.Context, s *session, address, jobsDir string) error {
	printer := sim.NewPrinter()
	log := s.logger.With(keyDevice, "printer")
	server, err := listenLoopback(address, log, func(conn net.Conn) error { return printer.Serve(conn) })
	if err != nil {
		return fmt.Errorf("listen for zpl on %s: %w", address, err)
	}
	log = log.With(keyAddr, server.Addr())
	log.Info("zpl printer started", "jobs_dir", jobsDir)
	s.ready(server.Addr())

	go readPrinterCommands(s.stdin, s.stdout, printer, log)
	// The writer stops after the server, so it writes every job received
	// before the stop.
	writerCtx, stopWriter := context.WithCancel(context.Background())
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		writeJobs(writerCtx, printer, jobsDir, log)
	}()

	err = server.Run(ctx)
	stopWriter()
	<-writerDone
	log.Info("zpl printer stopped", "jobs", printer.JobCount(), "status_requests", printer.StatusRequests())
	return err
}

// readPrinterCommands applies the commands read from in until in ends.
// It is not stopped at shutdown, because a read from stdin cannot be
// interrupted; the printer's methods stay safe to call.
func readPrinterCommands(in io.Reader, out io.Writer, printer *sim.Printer, log *slog.Logger) {
	scanner := bufio.NewScanner(in)
	for scanner.Scan() {
		name := strings.ToLower(strings.TrimSpace(scanner.Text()))
		if name == "" {
			continue
		}
		if err := applyPrinterCommand(name, out, printer); err != nil {
			var m *message
			if errors.As(err, &m) {
				for _, lang := range line.Langs {
					fmt.Fprintln(out, m.text(lang))
				}
			} else {
				fmt.Fprintln(out, err)
			}
			continue
		}
		if name != "jobs" {
			log.Info("printer state changed", "command", name)
		}
	}
}

func applyPrinterCommand(name string, out io.Writer, printer *sim.Printer) error {
	state := printer.State()
	switch name {
	case "paper-out":
		state.PaperOut = true
	case "head-open":
		state.HeadOpen = true
	case "pause":
		state.Paused = true
	case "silent":
		printer.SetSilent(true)
		return nil
	case "text-mode":
		printer.SetNonZPLReply([]byte(textModeReply))
		return nil
	case "ok":
		state = sim.PrinterState{}
		printer.SetSilent(false)
		printer.SetNonZPLReply(nil)
	case "jobs":
		jobs := printer.Jobs()
		for _, lang := range line.Langs {
			fmt.Fprintln(out, line.Translate(lang, "device.linesim.printer.jobs_received", map[string]string{"count": strconv.Itoa(len(jobs))}))
		}
		for i, job := range jobs {
			fmt.Fprintf(out, "%04d  %d B\n", i+1, len(job))
		}
		return nil
	default:
		m := newMessage("device.linesim.printer.unknown_command", "command", name)
		m.detail = newMessage("device.linesim.printer.commands")
		return m
	}
	printer.SetState(state)
	return nil
}

// writeJobs writes each new job to dir as NNNN.zpl until ctx is done,
// and once more after. Without a directory it only logs each job.
// NOTE: the printer keeps every job in memory until the command ends.
func writeJobs(ctx context.Context, printer *sim.Printer, dir string, log *slog.Logger) {
	written := 0
	flush := func() {
		if printer.JobCount() == written {
			return
		}
		jobs := printer.Jobs()
		for ; written < len(jobs); written++ {
			number := written + 1
			if dir == "" {
				log.Info("job received", "job", number, "bytes", len(jobs[written]))
				continue
			}
			path := filepath.Join(dir, fmt.Sprintf("%04d.zpl", number))
			if err := os.WriteFile(path, jobs[written], 0o644); err != nil {
				log.Error("write job failed", "job", number, keyError, err)
				continue
			}
			log.Info("job received", "job", number, "bytes", len(jobs[written]), "file", path)
		}
	}

	ticker := time.NewTicker(jobPollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			flush()
			return
		case <-ticker.C:
			flush()
		}
	}
}
