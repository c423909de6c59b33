package plugin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// vmClient talks to the VictoriaMetrics querying API. It limits concurrent requests and
// turns every failure into a sentence that names the URL and what to do.
type vmClient struct {
	st   Settings
	http *http.Client
	sem  chan struct{}
}

// vmError is an error answered by VictoriaMetrics itself (as opposed to a transport error).
type vmError struct {
	Status int
	Msg    string
}

func (e *vmError) Error() string { return e.Msg }

func newVMClient(st Settings) *vmClient {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: st.MaxConcurrentQueries,
		IdleConnTimeout:     90 * time.Second,
		// Uncompressed answers: VictoriaMetrics sits next to Grafana, and gzip cost more CPU on
		// both sides than the bytes it saved for million-point answers.
		DisableCompression: true,
		TLSClientConfig:    &tls.Config{InsecureSkipVerify: st.TLSSkipVerify}, //nolint:gosec // user's explicit choice
	}
	return &vmClient{
		st:   st,
		http: &http.Client{Transport: tr, Timeout: st.Timeout},
		sem:  make(chan struct{}, st.MaxConcurrentQueries),
	}
}

func (c *vmClient) close() { c.http.CloseIdleConnections() }

// get sends a GET (POST for long query strings) to base+path and returns the body of a 2xx answer.
func (c *vmClient) get(ctx context.Context, base, path string, args url.Values) ([]byte, error) {
	var body []byte
	err := c.do(ctx, base, path, args, func(r io.Reader) error {
		var err error
		body, err = io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("reading the answer of %s failed: %v", base+path, err)
		}
		return nil
	})
	return body, err
}

// do sends a GET (POST for long query strings) to base+path and hands the body of a 2xx answer
// to read while it arrives; read's error is returned as it is.
func (c *vmClient) do(ctx context.Context, base, path string, args url.Values, read func(io.Reader) error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("gave up waiting for a free connection to VictoriaMetrics (%d queries at a time): %w", c.st.MaxConcurrentQueries, ctx.Err())
	}
	defer func() { <-c.sem }()

	target := base + path
	var req *http.Request
	var err error
	enc := args.Encode()
	if len(enc) > 4000 {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(enc))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		if enc != "" {
			target += "?" + enc
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	}
	if err != nil {
		return fmt.Errorf("cannot build a request to %s: %v", base+path, err)
	}
	if c.st.BasicAuthUser != "" {
		req.SetBasicAuth(c.st.BasicAuthUser, c.st.BasicAuthPassword)
	}
	if c.st.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.st.BearerToken)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return transportError(base+path, c.st.Timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return fmt.Errorf("reading the answer of %s failed: %v", base+path, err)
		}
		return statusError(base+path, resp.StatusCode, body)
	}
	if err := read(resp.Body); err != nil {
		return err
	}
	// Read what follows the answer (a newline) so the connection is reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64*1024))
	return nil
}

func transportError(u string, timeout time.Duration, err error) error {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("request to %s was cancelled", u)
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("VictoriaMetrics at %s did not answer within %s: narrow the time range or raise the datasource timeout", u, timeout)
	}
	if advice := certificateAdvice(err); advice != "" {
		return fmt.Errorf("cannot reach VictoriaMetrics at %s: %v; %s", u, unwrapURLError(err), advice)
	}
	return fmt.Errorf("cannot reach VictoriaMetrics at %s: %v; check the datasource URL and that VictoriaMetrics is running", u, unwrapURLError(err))
}

// skipVerifyHint names the datasource switch (ConfigEditor's label) for setups that cannot fix
// the certificate.
const skipVerifyHint = `or, for a test setup only, turn on "Skip TLS certificate verification" in the datasource settings`

// certificateAdvice says what to do when the server's certificate failed verification ("" when
// err is no certificate problem): the server is running and the URL reaches it, so "check the
// URL" would send people the wrong way. The datasource has no CA certificate field: Go verifies
// against the trust store of the system running Grafana.
func certificateAdvice(err error) string {
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownCA):
		return "the server's certificate is not signed by a certificate authority the Grafana server trusts: add that CA certificate to the trusted CAs of the machine or container running Grafana (the datasource uses the system's trust store), " + skipVerifyHint
	case errors.As(err, &hostname):
		return "the server's certificate is not issued for the host in the datasource URL: put a host name the certificate names into the URL, or reissue the certificate for this host, " + skipVerifyHint
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "renew the server's certificate (if it is not yet valid, check the clock of the Grafana server), " + skipVerifyHint
	case errors.As(err, &invalid) || errors.As(err, &verify):
		return "the server's certificate failed verification: fix the certificate of VictoriaMetrics (or of the proxy in front of it), " + skipVerifyHint
	}
	return ""
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func statusError(u string, code int, body []byte) error {
	switch code {
	case http.StatusUnauthorized:
		return &vmError{code, fmt.Sprintf("VictoriaMetrics at %s refused the credentials (HTTP 401 Unauthorized): check the basic auth user/password or bearer token of the datasource", u)}
	case http.StatusForbidden:
		return &vmError{code, fmt.Sprintf("VictoriaMetrics at %s denied access (HTTP 403 Forbidden): the credentials are valid but not allowed to read this tenant or path", u)}
	case http.StatusNotFound:
		return &vmError{code, fmt.Sprintf("%s answered HTTP 404 Not Found: is this the VictoriaMetrics URL? For a VictoriaMetrics cluster use the vmselect URL and set the tenant", u)}
	case http.StatusTooManyRequests:
		return &vmError{code, fmt.Sprintf("VictoriaMetrics at %s is throttling (HTTP 429 Too Many Requests): try again shortly or lower max concurrent queries", u)}
	}
	msg := strings.TrimSpace(string(body))
	var pr struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &pr) == nil && pr.Error != "" {
		msg = pr.Error
	}
	if len(msg) > 600 {
		msg = msg[:600] + "…"
	}
	if strings.Contains(msg, "unsupported path requested") {
		return &vmError{code, fmt.Sprintf("%s does not serve this API path (HTTP %d): for single-node VictoriaMetrics leave the tenant empty; for a VictoriaMetrics cluster use the vmselect URL (port 8481) with a tenant", u, code)}
	}
	if code == http.StatusUnprocessableEntity || code == http.StatusBadRequest {
		return &vmError{code, fmt.Sprintf("VictoriaMetrics rejected the query (HTTP %d): %s", code, readableVMError(msg))}
	}
	return &vmError{code, fmt.Sprintf("VictoriaMetrics at %s answered HTTP %d: %s", u, code, readableVMError(msg))}
}

// readableVMError drops the "error when executing query=... on the time range (...):" preamble.
func readableVMError(msg string) string {
	if i := strings.Index(msg, "): "); i >= 0 && strings.HasPrefix(msg, "error when executing query=") {
		return msg[i+3:]
	}
	return msg
}
