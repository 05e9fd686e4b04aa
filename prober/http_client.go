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
// (pkg/probe/http/request.go; before 1.26, pkg/kubelet/prober/prober.go's
// buildHeader and pkg/probe/http/http.go's DoHTTPProbe).
func newKubeletRequest(u *url.URL, headers config.HTTPHeaders, k kubeletBehaviour) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, hh := range headers {
		if k.canonicalHeaders {
			h.Add(hh.Name, hh.Value)
		} else {
			// The name as written: Go writes "HOST: x" or "accept: y" as a
			// header line of its own, beside those set below.
			h[hh.Name] = append(h[hh.Name], hh.Value)
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", k.userAgent())
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
// every probe, no proxy, no certificate checks, HTTP/2 offered over TLS;
// or, for h2c, kubelet's h2cTransport, which speaks HTTP/2 over cleartext
// only.
func newKubeletTransport(d *dialer, k kubeletBehaviour) *http.Transport {
	if k.h2c {
		t := &http.Transport{
			DialContext:        d.DialContext,
			Proxy:              nil,
			DisableKeepAlives:  true,
			DisableCompression: true,
			Protocols:          new(http.Protocols),
		}
		t.Protocols.SetUnencryptedHTTP2(true)
		return t
	}
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

// redirectRecord is what the redirect checker saw.
type redirectRecord struct {
	followed   int
	lastStatus int
}

// newKubeletClient wraps the transport in kubelet's client: one timeout
// over dial, TLS, headers and body, and redirects followed only to the same
// host name.
func newKubeletClient(t *http.Transport, timeout time.Duration, r *redirectRecord) *http.Client {
	return &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.Response != nil {
				r.lastStatus = req.Response.StatusCode
			}
			if req.URL.Hostname() != via[0].URL.Hostname() {
				return http.ErrUseLastResponse
			}
			if len(via) >= maxRedirects {
				return errors.New("stopped after 10 redirects")
			}
			r.followed = len(via)
			return nil
		},
	}
}
