package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strconv"

	"lambtrace/line"
	"lambtrace/store"
)

// openStore opens the station database in the data directory. Its log
// lines go to standard error at warning level and above, so they do not
// mix with the command's output.
func openStore(ctx context.Context, g globals) (*store.DB, error) {
	station, err := os.Hostname()
	if err != nil || station == "" {
		station = "station"
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(ctx, g.dataDir, store.Options{Station: station, Logger: logger})
	if err != nil {
		return nil, err
	}
	return db, nil
}

// actor names the person running tracectl in the journal.
func actor() store.Actor {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return store.Actor("cli:" + u.Username)
	}
	return store.Actor("cli")
}

func runImport(g globals, args []string, stdout io.Writer) error {
	if len(args) != 2 || (args[0] != "registry" && args[0] != "products") {
		return &usageError{key: "cli.import_args"}
	}
	kind, path := args[0], args[1]
	data, err := os.ReadFile(path)
	if err != nil {
		return &inputError{err: err}
	}
	ctx := context.Background()
	src := store.SourceOf(path, data)

	var importFn func(db *store.DB) error
	var counts map[string]string
	switch kind {
	case "registry":
		reg, err := line.ParseRegistry(data, path)
		if err != nil {
			return &inputError{err: err}
		}
		importFn = func(db *store.DB) error { return db.ImportRegistry(ctx, actor(), reg, src) }
		counts = map[string]string{"consignments": strconv.Itoa(len(reg.Consignments)), "animals": strconv.Itoa(reg.AnimalCount())}
	case "products":
		m, err := line.ParseProducts(data, path)
		if err != nil {
			return &inputError{err: err}
		}
		importFn = func(db *store.DB) error { return db.ImportProducts(ctx, actor(), m, src) }
		counts = map[string]string{"products": strconv.Itoa(len(m.Products)), "byproducts": strconv.Itoa(len(m.Byproducts))}
	}

	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := importFn(db); err != nil {
		return err
	}
	seq, hash, err := db.Head(ctx)
	if err != nil {
		return err
	}
	counts["file"], counts["seq"], counts["hash"] = path, strconv.FormatInt(seq, 10), hash
	for _, lang := range line.Langs {
		fmt.Fprintln(stdout, line.Translate(lang, "cli.imported_"+kind, counts))
	}
	return nil
}

func runJournal(g globals, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "verify" {
		return &usageError{key: "cli.journal_args"}
	}
	ctx := context.Background()
	if _, err := os.Stat(g.dataDir); errors.Is(err, os.ErrNotExist) {
		return &usageError{key: "cli.no_data_dir", data: map[string]string{"dir": g.dataDir}}
	}
	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	report, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	data := map[string]string{
		"entries": strconv.FormatInt(report.Entries, 10), "rows": strconv.FormatInt(report.Rows, 10),
		"seq": strconv.FormatInt(report.HeadSeq, 10), "hash": report.HeadHash, "algorithm": string(report.Hash),
	}
	for _, lang := range line.Langs {
		fmt.Fprintln(stdout, line.Translate(lang, "cli.verified", data))
	}
	return nil
}

// printVerifyError names the entry or row that does not match, in both
// languages.
func printVerifyError(w io.Writer, e *store.VerifyError) {
	data := map[string]string{
		"seq": strconv.FormatInt(e.Seq, 10), "table": e.Table, "key": e.Key, "other": strconv.FormatInt(e.Other, 10),
	}
	where := "cli.verify_entry"
	if e.Table != "" {
		where = "cli.verify_row"
	}
	for _, lang := range line.Langs {
		data["reason"] = line.Translate(lang, "verify."+string(e.Code), data)
		fmt.Fprintf(w, "tracectl: %s\n", line.Translate(lang, where, data))
	}
}
