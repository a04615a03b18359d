package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"lambtrace/line"
	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/sign"
)

// platformKeysDir is the directory under the data directory that holds
// the platform's receipt keys when --platform-key is not given.
const platformKeysDir = "platform-keys"

// uploadLockFile is the lock file, in the data directory, that keeps
// two upload workers off one outbox.
const uploadLockFile = "upload.lock"

// runUpload runs `upload`: one pass of the upload worker over the
// outbox. It prints the outbox line of every document it attempted and
// exits 1 when an attempt failed or the platform rejected a document.
func runUpload(g globals, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("upload", flag.ContinueOnError)
	platform := fset.String("platform", "", "the league platform's base `URL`, such as https://HOST:8440")
	keyFile := fset.String("platform-key", "", "the platform's receipt key, a <kid>.pem `file`; default: every .pem file in DATA/"+platformKeysDir)
	certFile := fset.String("cert", "", "the station's client certificate for mutual TLS, a PEM `file`")
	privateKeyFile := fset.String("key", "", "the private key `file` of --cert")
	caFile := fset.String("ca", "", "PEM `file` of the certificates the platform's server certificate must chain to; default: the system's")
	all := fset.Bool("all", false, "attempt every queued document now, also those waiting for a retry")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if *platform == "" {
		return &usageError{key: "outbox.platform_required"}
	}
	if err := requireDataDir(g); err != nil {
		return err
	}
	keys, err := platformKeys(g, *keyFile)
	if err != nil {
		return err
	}
	client, err := upload.NewClient(upload.ClientConfig{
		Platform: *platform, ReceiptKeys: keys,
		CertFile: *certFile, KeyFile: *privateKeyFile, CAFile: *caFile,
	})
	if err != nil {
		return &failure{key: "outbox.client_failed", data: map[string]string{"error": err.Error()}}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	worker, err := upload.NewWorker(upload.WorkerConfig{
		DB: db, Client: client, LockFile: filepath.Join(g.dataDir, uploadLockFile),
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return err
	}
	report, err := worker.Pass(ctx, *all)
	if errors.Is(err, upload.ErrWorkerRunning) {
		return &failure{key: "outbox.worker_running"}
	}
	if err != nil {
		return err
	}
	return printPass(ctx, db, report, stdout, stderr)
}

// printPass prints the outbox line of each document the pass attempted
// and a summary in both languages. The summary is a *failure when an
// attempt failed or a document was rejected.
func printPass(ctx context.Context, db *store.DB, report *upload.PassReport, stdout, stderr io.Writer) error {
	items, err := upload.ReadOutbox(ctx, db)
	if err != nil {
		return err
	}
	attempted := make(map[string]bool)
	counts := map[store.OutboxState]int{}
	for _, res := range report.Results {
		attempted[res.BatchID] = true
		counts[res.State]++
	}
	for _, item := range items {
		if attempted[item.BatchID] {
			fmt.Fprintln(stdout, item.Line())
		}
	}

	data := map[string]string{
		"delivered": strconv.Itoa(counts[store.OutboxDelivered]),
		"rejected":  strconv.Itoa(counts[store.OutboxRejected]),
		"failed":    strconv.Itoa(counts[store.OutboxPending]),
	}
	if report.Stopped {
		data["stopped"] = "yes"
	}
	key := "outbox.pass_summary"
	if len(report.Results) == 0 {
		key = "outbox.nothing_due"
	}
	if counts[store.OutboxRejected]+counts[store.OutboxPending] > 0 {
		// The summary becomes the failure message, so tracectl exits 1.
		return &failure{key: key, data: data}
	}
	for _, lang := range line.Langs {
		fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, key, data))
	}
	return nil
}

// platformKeys loads the platform's receipt keys from file, or from
// DATA/platform-keys when file is empty.
func platformKeys(g globals, file string) (*sign.KeySet, error) {
	if file != "" {
		k, err := sign.ReadPublicKeyFile(file)
		if err != nil {
			return nil, &inputError{err: err}
		}
		if k.Role != sign.RolePlatform {
			return nil, &usageError{key: "outbox.not_platform_key", data: map[string]string{"file": file, "role": string(k.Role)}}
		}
		return sign.NewKeySet(k)
	}
	dir := filepath.Join(g.dataDir, platformKeysDir)
	keys, err := sign.LoadKeySet(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &usageError{key: "outbox.no_platform_key", data: map[string]string{"dir": dir}}
	}
	if err != nil {
		return nil, &inputError{err: err}
	}
	var platform []sign.PublicKey
	for _, k := range keys.Keys() {
		if k.Role == sign.RolePlatform {
			platform = append(platform, k)
		}
	}
	if len(platform) == 0 {
		return nil, &usageError{key: "outbox.no_platform_key", data: map[string]string{"dir": dir}}
	}
	return sign.NewKeySet(platform...)
}

// runOutbox runs `outbox`: one line per sealed document, oldest first,
// starting with the batch id and its upload state.
func runOutbox(g globals, args []string, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		return &usageError{key: "outbox.outbox_args"}
	}
	if err := requireDataDir(g); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := upload.ReadOutbox(ctx, db)
	if err != nil {
		return err
	}
	for _, item := range items {
		fmt.Fprintln(stdout, item.Line())
	}
	if len(items) == 0 {
		for _, lang := range line.Langs {
			fmt.Fprintf(stderr, "tracectl: %s\n", line.Translate(lang, "outbox.empty", nil))
		}
	}
	return nil
}

// requireDataDir fails when the data directory does not exist, instead
// of creating an empty database there.
func requireDataDir(g globals) error {
	if _, err := os.Stat(g.dataDir); errors.Is(err, os.ErrNotExist) {
		return &usageError{key: "cli.no_data_dir", data: map[string]string{"dir": g.dataDir}}
	}
	return nil
}
