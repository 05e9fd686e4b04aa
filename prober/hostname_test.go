package prober

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// hostRecorder is a TLS server that remembers the Host header and the
// server name (SNI) of the last request.
type hostRecorder struct {
	*httptest.Server
	mu         sync.Mutex
	host, sni  string
	sniOffered bool
}

func newHostRecorder(t *testing.T) *hostRecorder {
	s := &hostRecorder{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.host = r.Host
		s.mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	s.TLS = &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		s.mu.Lock()
		s.sni, s.sniOffered = hello.ServerName, true
		s.mu.Unlock()
		return nil, nil
	}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// hostname= is the Host line kubelet would send for a Host entry in
// httpHeaders: it replaces the module's, and changes neither where the
// probe connects nor the TLS server name, which kubelet takes from the URL.
func TestHostnameIsKubeletsHostHeader(t *testing.T) {
	srv := newHostRecorder(t)
	cfg, err := config.Parse([]byte(`modules:
  web: {prober: http, timeout: 5s, http: {http_headers: [{name: Host, value: from-module.test}, {name: X-Kept, value: "1"}]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	req, err := NewRequest(cfg, FromQuery, Params{Module: "web", Target: srv.URL + "/", Hostname: "orders.example.test:8443", HasHostname: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Module.HTTP.HTTPHeaders; len(got) != 2 || got[0].Name != "X-Kept" || got[1].Value != "orders.example.test:8443" {
		t.Errorf("headers = %v, want X-Kept, then the Host given", got)
	}
	if n := len(cfg.Modules["web"].HTTP.HTTPHeaders); n != 2 || cfg.Modules["web"].HTTP.HTTPHeaders[0].Value != "from-module.test" {
		t.Errorf("the configuration's module was changed: %v", cfg.Modules["web"].HTTP.HTTPHeaders)
	}
	req.policy = nil // the test server is on loopback
	r := NewRunner(nil, nil, log.NewNopLogger()).Run(t.Context(), req)
	assertOutcome(t, r, Success, "ok")
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.host != "orders.example.test:8443" {
		t.Errorf("Host = %q, want the hostname parameter", srv.host)
	}
	if !srv.sniOffered || srv.sni != "" {
		t.Errorf("SNI = %q (handshake seen: %v), want none: kubelet takes it from the target, an IP here", srv.sni, srv.sniOffered)
	}
}

// Through /probe: the hostname parameter reaches the request.
func TestHandlerSendsTheHostnameParameter(t *testing.T) {
	srv := newHostRecorder(t)
	h, _ := newTestHandler(t, "modules:\n  web: {prober: http, timeout: 5s}\n")
	code, body := get(t, h, "/probe?module=web&hostname=orders.example.test&target="+url.QueryEscape(srv.URL+"/"), nil)
	if code != http.StatusOK || !strings.Contains(body, "\nprobe_success 1\n") {
		t.Fatalf("/probe with hostname: %d\n%s", code, body)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.host != "orders.example.test" {
		t.Errorf("Host = %q, want orders.example.test", srv.host)
	}
}
