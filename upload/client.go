package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lambtrace/upload/sign"
)

// Defaults of ClientConfig.
const (
	DefaultRequestTimeout = 2 * time.Minute
	defaultUserAgent      = "lambtrace-station"
)

// maxResponseSize bounds what the client reads of a response body. A
// receipt or a rejection is a few kilobytes; a rejection listing a
// problem for every pack of a large batch stays well under this.
const maxResponseSize = 4 << 20

// ClientConfig configures a Client.
type ClientConfig struct {
	// Platform is the platform's base URL, such as
	// "https://platform.example.cn:8440". Requests go to
	// Platform + BatchesPath.
	Platform string

	// ReceiptKeys are the platform's registered receipt keys (role
	// platform). They are required: a delivery counts only with a
	// receipt that verifies against them.
	ReceiptKeys *sign.KeySet

	// CertFile and KeyFile are the station's client certificate and key
	// for mutual TLS, PEM files; both or neither. CAFile holds the PEM
	// certificates that the platform's server certificate must chain to;
	// the system roots when empty.
	CertFile, KeyFile, CAFile string

	// Timeout bounds one request, response included;
	// DefaultRequestTimeout when zero.
	Timeout time.Duration

	// UserAgent is sent in the User-Agent header; "lambtrace-station"
	// when empty.
	UserAgent string
}

// Client posts signed batch documents to the league platform.
type Client struct {
	endpoint  string
	keys      *sign.KeySet
	http      *http.Client
	userAgent string
}

// NewClient checks cfg, loads its TLS files and returns a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.Platform)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("platform URL %q is invalid: write it as https://HOST[:PORT][/PREFIX]", cfg.Platform)
	}
	if cfg.ReceiptKeys == nil || len(cfg.ReceiptKeys.Keys()) == 0 {
		return nil, errors.New("no platform receipt key given: register the platform's <kid>.pem so receipts can be verified")
	}
	for _, k := range cfg.ReceiptKeys.Keys() {
		if k.Role != sign.RolePlatform {
			return nil, fmt.Errorf("receipt key %s is registered as %s, want platform", k.KID, k.Role)
		}
	}
	tlsConfig, err := clientTLS(cfg)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && (cfg.CertFile != "" || cfg.CAFile != "") {
		return nil, fmt.Errorf("platform URL %s is not https, so the TLS files given cannot be used", cfg.Platform)
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConfig
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	userAgent := cfg.UserAgent
	if userAgent == "" {
		userAgent = defaultUserAgent
	}
	return &Client{
		endpoint:  strings.TrimSuffix(u.String(), "/") + BatchesPath,
		keys:      cfg.ReceiptKeys,
		http:      &http.Client{Transport: transport, Timeout: timeout},
		userAgent: userAgent,
	}, nil
}

// clientTLS builds the TLS configuration of cfg's files.
func clientTLS(cfg ClientConfig) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("mutual TLS needs both the client certificate file and its key file")
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("load client certificate %s: %w", cfg.CertFile, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	if cfg.CAFile != "" {
		data, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", cfg.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}

// Endpoint returns the URL the client posts documents to.
func (c *Client) Endpoint() string { return c.endpoint }

// Delivery is a document the platform accepted.
type Delivery struct {
	Status     int    // 201 for a new document, 200 for a repeat
	ReceiptJWS []byte // the receipt as received, to store
	Receipt    *Receipt
}

// RejectionError is a 4xx response with machine-readable reasons: the
// platform examined the document and will not take it. Sending it again
// gets the same response.
type RejectionError struct {
	Status    int
	Rejection *Rejection
}

func (e *RejectionError) Error() string {
	return fmt.Sprintf("platform rejected the document (HTTP %d): %s", e.Status, strings.Join(e.Rejection.Codes(), ", "))
}

// AttemptError is a failed attempt worth repeating: no response, a 5xx,
// a 4xx without machine-readable reasons, or a receipt that does not
// verify.
type AttemptError struct {
	Status     int           // 0 when no response arrived
	RetryAfter time.Duration // the response's Retry-After, or 0
	Err        error
}

func (e *AttemptError) Error() string {
	if e.Status == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("HTTP %d: %v", e.Status, e.Err)
}

func (e *AttemptError) Unwrap() error { return e.Err }

// Deliver posts one signed document. It returns the verified receipt, a
// *RejectionError when the platform rejected the document, or an
// *AttemptError for anything worth a retry.
func (c *Client) Deliver(ctx context.Context, batchID string, body []byte) (*Delivery, error) {
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &AttemptError{Err: err}
	}
	req.Header.Set("Content-Type", ContentTypeJWS)
	req.Header.Set("Accept", ContentTypeJWS+", "+ContentTypeProblem)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set(HeaderBatchID, batchID)
	req.Header.Set(HeaderContentDigest, ContentDigest(body))

	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &AttemptError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, &AttemptError{Status: resp.StatusCode, Err: fmt.Errorf("read response: %w", err)}
	}
	if len(data) > maxResponseSize {
		return nil, &AttemptError{Status: resp.StatusCode, Err: fmt.Errorf("response larger than %d bytes", maxResponseSize)}
	}

	switch status := resp.StatusCode; {
	case status == http.StatusCreated || status == http.StatusOK:
		receipt, err := VerifyReceipt(data, c.keys, batchID, digest)
		if err != nil {
			return nil, &AttemptError{Status: status, Err: err}
		}
		return &Delivery{Status: status, ReceiptJWS: data, Receipt: receipt}, nil

	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		if rejection := decodeRejection(data); rejection != nil && isProblem(resp.Header.Get("Content-Type")) {
			return nil, &RejectionError{Status: status, Rejection: rejection}
		}
		return nil, &AttemptError{Status: status, Err: fmt.Errorf("response without machine-readable reasons: %s", excerpt(data))}

	default:
		return nil, &AttemptError{
			Status:     status,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Err:        fmt.Errorf("unexpected response: %s", excerpt(data)),
		}
	}
}

// isProblem reports whether a Content-Type header names problem details.
func isProblem(contentType string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	return err == nil && media == ContentTypeProblem
}

// retryAfter parses a Retry-After header, in seconds or as an HTTP date
// (RFC 9110 §10.2.3). It returns 0 for an absent or invalid value.
func retryAfter(value string, now time.Time) time.Duration {
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(value); err == nil && seconds > 0 {
		return time.Duration(seconds) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// excerpt returns the start of a response body for an error message, on
// one line, with control characters replaced by "?".
func excerpt(body []byte) string {
	const maxLength = 200
	text := strings.Join(strings.Fields(string(body)), " ")
	if text == "" {
		return "empty body"
	}
	if len(text) > maxLength {
		cut := maxLength
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if !unicode.IsGraphic(r) {
			return '?'
		}
		return r
	}, text)
}
