// Command platformd is the reference receiver of batch uploads: what the
// league platform runs to take the plants' signed batch documents, check
// them and serve what it received. The logic is in lambtrace/upload/platform;
// docs/platform.md describes the endpoints.
//
// Usage:
//
//	platformd -data DIR -keys DIR -receipt-key FILE -epcis-schema FILE
//	          [-listen 127.0.0.1:8440] [-registry LEAGUE=FILE ...] [-domain HOST]
//	          [-max-body BYTES] [-tls-cert FILE -tls-key FILE [-client-ca FILE]]
//
// -keys holds the registered public keys, one <kid>.pem file each: the
// plants' station keys in a directory named after the plant's approval
// number, the veterinarians' keys at the top or in their plant's
// directory. -receipt-key is the platform's own key, made with
// `tracectl keys new --role platform`; the plants verify receipts with
// its .pem file.
//
// platformd logs one line per request to stderr and runs until SIGINT or
// SIGTERM, then finishes the requests in progress and exits 0. Invalid
// flags exit 2, and failures at start or while serving exit 1.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"lambtrace/upload"
	"lambtrace/upload/platform"
	"lambtrace/upload/sign"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2
)

// shutdownTimeout bounds how long platformd waits for the requests in
// progress when it stops.
const shutdownTimeout = 30 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr, nil))
}

// registryFlags collects -registry LEAGUE=FILE flags.
type registryFlags map[string]string

func (r registryFlags) String() string { return fmt.Sprint(map[string]string(r)) }

func (r registryFlags) Set(value string) error {
	league, file, ok := strings.Cut(value, "=")
	if !ok || league == "" || file == "" {
		return errors.New("want LEAGUE=FILE, such as 152500=xilingol.registry.json")
	}
	if _, dup := r[league]; dup {
		return fmt.Errorf("league %s given twice", league)
	}
	r[league] = file
	return nil
}

// options are platformd's flags.
type options struct {
	listen, dataDir, keysDir, receiptKey, schema, domain string
	tlsCert, tlsKey, clientCA                            string
	maxBody                                              int64
	registries                                           registryFlags
}

// parseFlags reads and checks the flags. Flag errors and -help go to
// stderr.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{registries: registryFlags{}}
	fset := flag.NewFlagSet("platformd", flag.ContinueOnError)
	fset.SetOutput(stderr)

	fset.StringVar(&o.listen, "listen", "127.0.0.1:8440", "`address` to listen on")
	fset.StringVar(&o.dataDir, "data", "", "data `directory` of the platform's database, created when missing (required)")
	fset.StringVar(&o.keysDir, "keys", "", "`directory` of the registered station and inspector keys, <kid>.pem each (required)")
	fset.StringVar(&o.receiptKey, "receipt-key", "", "the platform's receipt-signing key, a <kid>.key `file` made with tracectl keys new --role platform (required)")
	fset.StringVar(&o.schema, "epcis-schema", "", "`file` of the EPCIS 2.0 JSON Schema, EPCIS-JSON-Schema.json (required)")
	fset.Var(o.registries, "registry", "registry export to serve, as `LEAGUE=FILE` with the league's 6-digit GB/T 2260 code; repeatable")
	fset.StringVar(&o.domain, "domain", "", "platform `host` that every document must name as its platform_domain; any when empty")
	fset.Int64Var(&o.maxBody, "max-body", platform.DefaultMaxBodySize, "largest upload body in `bytes`")
	fset.StringVar(&o.tlsCert, "tls-cert", "", "server certificate `file` (PEM); serve HTTPS when given")
	fset.StringVar(&o.tlsKey, "tls-key", "", "private key `file` of -tls-cert (PEM)")
	fset.StringVar(&o.clientCA, "client-ca", "", "PEM `file` of the CA certificates that stations' client certificates must chain to; requires -tls-cert")
	if err := fset.Parse(args); err != nil {
		return nil, err
	}

	var missing []string
	for _, f := range []struct{ name, value string }{
		{"-data", o.dataDir}, {"-keys", o.keysDir}, {"-receipt-key", o.receiptKey}, {"-epcis-schema", o.schema},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	switch {
	case fset.NArg() > 0:
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fset.Args(), " "))
	case len(missing) > 0:
		return nil, fmt.Errorf("missing %s", strings.Join(missing, ", "))
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return nil, errors.New("-tls-cert and -tls-key go together")
	case o.clientCA != "" && o.tlsCert == "":
		return nil, errors.New("-client-ca needs -tls-cert and -tls-key: client certificates are checked over TLS")
	case o.maxBody <= 0:
		return nil, fmt.Errorf("-max-body %d is not a positive number of bytes", o.maxBody)
	}
	return o, nil
}

// run runs platformd until ctx ends and returns the exit status. When
// ready is not nil it receives the address platformd listens on.
func run(ctx context.Context, args []string, stderr io.Writer, ready chan<- string) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "platformd: %v\n", err)
		return exitInvalid
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	if err := serve(ctx, o, log, ready); err != nil {
		log.Error("platformd failed", "err", err)
		return exitFailure
	}
	return exitOK
}

// serve opens the platform and serves it until ctx ends.
func serve(ctx context.Context, o *options, log *slog.Logger, ready chan<- string) error {
	cfg, err := config(o, log)
	if err != nil {
		return err
	}
	s, err := platform.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	tlsConfig, err := serverTLS(o)
	if err != nil {
		return err
	}

	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	log.Info("platformd started", "addr", l.Addr().String(), "scheme", scheme, "data", o.dataDir,
		"keys", len(cfg.Keys.Set().Keys()), "receipt_kid", cfg.ReceiptKey.KID(), "registries", len(cfg.Registries),
		"mutual_tls", o.clientCA != "")
	if ready != nil {
		ready <- l.Addr().String()
	}

	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- server.ServeTLS(l, "", "")
		} else {
			served <- server.Serve(l)
		}
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("platformd stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("platformd stopped")
	return nil
}

// config loads the keys and the schema the flags name.
func config(o *options, log *slog.Logger) (platform.Config, error) {
	keys, err := platform.LoadKeys(o.keysDir)
	if err != nil {
		return platform.Config{}, err
	}
	receiptKey, err := sign.ReadPrivateKeyFile(o.receiptKey)
	if err != nil {
		return platform.Config{}, fmt.Errorf("receipt key: %w", err)
	}
	schema, err := upload.LoadValidator(o.schema)
	if err != nil {
		return platform.Config{}, err
	}
	return platform.Config{
		DataDir: o.dataDir, Keys: keys, ReceiptKey: receiptKey, Schema: schema, Domain: o.domain,
		MaxBodySize: o.maxBody, Registries: o.registries, Logger: log,
	}, nil
}

// serverTLS returns the TLS configuration of the flags, or nil for plain
// HTTP.
func serverTLS(o *options) (*tls.Config, error) {
	if o.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("load the server certificate: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if o.clientCA != "" {
		data, err := os.ReadFile(o.clientCA)
		if err != nil {
			return nil, fmt.Errorf("read the client CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("client CA file %s contains no PEM certificate: give a file with the CA certificates in PEM", o.clientCA)
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return c, nil
}
