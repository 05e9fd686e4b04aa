package prober

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// maxRedirects is where Go's and kubelet's redirect checkers give up.
const maxRedirects = 10

// newKubeletRequest builds the GET kubelet sends for an httpGet probe
// (pkg/probe/http/request.go).
func newKubeletRequest(u *url.URL, headers config.HTTPHeaders, k kubelet) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, hh := range headers {
		h.Add(hh.Name, hh.Value)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", k.userAgent)
	}
	if k.sendsAccept {
		if _, ok := h["Accept"]; !ok {
			h.Set("Accept", "*/*")
		} else if h.Get("Accept") == "" {
			h.Del("Accept")
		}
	}
	req.Header = h
	req.Host = h.Get("Host")
	return req, nil
}

// newKubeletTransport is kubelet's prober transport: a new connection for
// every probe, no proxy, no certificate checks, HTTP/2 offered over TLS.
func newKubeletTransport(d *dialer, k kubelet) *http.Transport {
	return &http.Transport{
		DialContext:         d.DialContext,
		Proxy:               nil,                                   // kubelet ignores the node's http_proxy
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // kubelet does not verify probe certificates
		TLSHandshakeTimeout: 10 * time.Second,
		DisableKeepAlives:   true,
		DisableCompression:  !k.acceptsGzip,
		ForceAttemptHTTP2:   true,
	}
}

// newKubeletClient wraps the transport in kubelet's client: one timeout
// over dial, TLS, headers and body, and redirects followed only to the same
// host name.
func newKubeletClient(t *http.Transport, timeout time.Duration, redirects *int) *http.Client {
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Hostname() != via[0].URL.Hostname() {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return errors.New("stopped after 10 redirects")
			}
			*redirects = len(via)
			return nil
		},
	}
}
