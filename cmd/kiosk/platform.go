package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lambtrace/store"
	"lambtrace/upload"
	"lambtrace/upload/platform"
	"lambtrace/upload/sign"
)

// Files of the upload in the data directory, as tracectl upload keeps
// them.
const (
	platformKeysDir = "platform-keys" // the platform's receipt keys, <kid>.pem
	uploadLockFile  = "upload.lock"   // keeps a second upload worker off the outbox
)

// embeddedPlatformDir is the directory, in a simulated station's data
// directory, of the embedded reference platform: its database, its
// receipt key and the keys registered with it.
const embeddedPlatformDir = "platform"

// embeddedPlatform is the reference platform receiver (upload/platform)
// run inside a simulated kiosk on 127.0.0.1, with the station's and the
// veterinarians' keys registered and a receipt key of its own.
// NOTE: it does not validate the EPCIS part against the official schema,
// which the kiosk does not ship; platformd does.
type embeddedPlatform struct {
	server *platform.Server
	http   *http.Server
	url    string
	log    *slog.Logger
	done   chan struct{}
}

// startEmbeddedPlatform starts the embedded platform for a simulated
// station. It registers the public keys of cfg's signing keys and
// publishes its receipt key in DATA/platform-keys, where the station's
// upload worker finds it.
func startEmbeddedPlatform(ctx context.Context, cfg *Config, log *slog.Logger) (*embeddedPlatform, error) {
	dir := filepath.Join(cfg.DataDir, embeddedPlatformDir)
	registered := filepath.Join(dir, "registered")
	publicKey := func(privatePath string) string { return strings.TrimSuffix(privatePath, ".key") + ".pem" }
	if err := copyFile(publicKey(cfg.Platform.StationKey), filepath.Join(registered, cfg.Plant.Approval)); err != nil {
		return nil, fmt.Errorf("register the station key: %w", err)
	}
	for vet, path := range cfg.Platform.InspectorKeys {
		if err := copyFile(publicKey(path), registered); err != nil {
			return nil, fmt.Errorf("register the inspector key of %s: %w", vet, err)
		}
	}
	keys, err := platform.LoadKeys(registered)
	if err != nil {
		return nil, err
	}
	receiptKey, err := demoKey(filepath.Join(dir, "receipt"), sign.RolePlatform, nil, log)
	if err != nil {
		return nil, err
	}
	if err := copyFile(publicKey(receiptKey), filepath.Join(cfg.DataDir, platformKeysDir)); err != nil {
		return nil, err
	}
	receipt, err := sign.ReadPrivateKeyFile(receiptKey)
	if err != nil {
		return nil, err
	}

	server, err := platform.Open(ctx, platform.Config{DataDir: dir, Keys: keys, ReceiptKey: receipt,
		Domain: cfg.Platform.Domain, Logger: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		server.Close()
		return nil, err
	}
	p := &embeddedPlatform{server: server, url: "http://" + ln.Addr().String(), log: log, done: make(chan struct{}),
		http: &http.Server{Handler: server.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(p.done)
		if err := p.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("embedded platform stopped", "err", err)
		}
	}()
	log.Info("embedded platform started", "url", p.url, "dir", dir)
	return p, nil
}

// Close stops the platform's HTTP server and closes its database.
func (p *embeddedPlatform) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := p.http.Shutdown(ctx)
	<-p.done
	return errors.Join(err, p.server.Close())
}

// copyFile copies a file into dir, which is made when missing, under its
// own name.
func copyFile(path, dir string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
}

// newUploader returns the upload worker of the station's outbox, which
// delivers sealed batches to the platform at url and verifies the
// receipts with the platform keys in DATA/platform-keys.
func newUploader(cfg *Config, db *store.DB, url string, log *slog.Logger) (*upload.Worker, error) {
	keys, err := receiptKeys(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	client, err := upload.NewClient(upload.ClientConfig{Platform: url, ReceiptKeys: keys})
	if err != nil {
		return nil, err
	}
	return upload.NewWorker(upload.WorkerConfig{DB: db, Client: client, LockFile: filepath.Join(cfg.DataDir, uploadLockFile),
		Logger: log})
}

// receiptKeys loads the platform's receipt keys from DATA/platform-keys.
func receiptKeys(dataDir string) (*sign.KeySet, error) {
	dir := filepath.Join(dataDir, platformKeysDir)
	keys, err := sign.LoadKeySet(dir)
	if err != nil {
		return nil, fmt.Errorf("platform receipt keys in %s: %w", dir, err)
	}
	return keys, nil
}

// verifiedReceipts counts the shift's batches that the platform
// acknowledged with a receipt that verifies against its receipt keys
// for the sealed document: 1 or 0.
func verifiedReceipts(ctx context.Context, k *kiosk) (uploaded, verified int, err error) {
	batch := k.shift.Batch.String()
	entry, err := k.db.Outbox(ctx, batch)
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, nil
	}
	if err != nil || entry.State != store.OutboxDelivered {
		return 0, 0, err
	}
	keys, err := receiptKeys(k.cfg.DataDir)
	if err != nil {
		return 1, 0, err
	}
	doc, err := k.db.Document(ctx, batch)
	if err != nil {
		return 1, 0, err
	}
	if _, err := upload.VerifyReceipt([]byte(entry.Receipt), keys, batch, doc.SHA256); err != nil {
		k.log.Error("receipt does not verify", "batch", batch, "err", err)
		return 1, 0, nil
	}
	return 1, 1, nil
}
