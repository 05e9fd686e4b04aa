package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// demoTargets are the loopback servers the demo probes.
type demoTargets struct {
	listener     net.Listener
	closedPort   string
	web, tlsWeb  *httptest.Server
	listenerAddr string
}

// startDemoTargets starts them on 127.0.0.1 only.
func startDemoTargets() (*demoTargets, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go acceptAndClose(l)
	closed, err := unusedPort()
	if err != nil {
		l.Close()
		return nil, err
	}
	t := &demoTargets{listener: l, listenerAddr: l.Addr().String(), closedPort: closed}
	t.web = httptest.NewServer(demoHandler())
	t.tlsWeb = httptest.NewUnstartedServer(demoHandler())
	t.tlsWeb.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	t.tlsWeb.StartTLS()
	return t, nil
}

func (t *demoTargets) close() {
	t.listener.Close()
	t.web.Close()
	t.tlsWeb.Close()
}

// acceptAndClose is a process that listens and does nothing else.
func acceptAndClose(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Close()
	}
}

// unusedPort is a loopback port nothing listens on: one the kernel just
// gave a listener, closed again.
func unusedPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// demoHandler answers as the kinds of endpoint kubelet's verdicts tell
// apart.
func demoHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "the database is down", http.StatusInternalServerError)
	})
	// kubelet does not follow a redirect to another host: the 3xx is the
	// answer, a warning, which passes.
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://sso.example.com/login", http.StatusFound)
	})
	return mux
}

// printDemoURLs says what to try, and what each shows.
func printDemoURLs(w io.Writer, base, configFile string, t *demoTargets) {
	probe := func(module, target string) string {
		return fmt.Sprintf("%s/probe?module=%s&target=%s&debug=true", base, module, url.QueryEscape(target))
	}
	fmt.Fprintf(w, "kubeprobe_exporter demo: the exporter serves on %s with these modules (%s):\n\n%s\n", base, configFile, demoConfig)
	fmt.Fprintln(w, "Try (each with debug=true: the probe's log, the handshake's verdict, kubelet's verdict, the metrics):")
	for _, l := range []struct{ what, url string }{
		{"a listener: established, success", probe("tcp_connect", t.listenerAddr)},
		{"a closed port: refused, failure", probe("tcp_connect", t.closedPort)},
		{"an HTTP endpoint: 200, success", probe("http_get", t.web.URL+"/healthz")},
		{"a 500: failure", probe("http_get", t.web.URL+"/broken")},
		{"a redirect to another host: warning, which passes", probe("http_get", t.web.URL+"/login")},
		{"HTTPS with a self-signed certificate: success, and probe_ssl_* / probe_tls_* facts", probe("http_get", t.tlsWeb.URL+"/healthz")},
	} {
		fmt.Fprintf(w, "  %s\n    curl '%s'\n", l.what, l.url)
	}
	fmt.Fprintf(w, "  the landing page, with the probes above and their logs\n    %s/\n", base)
	fmt.Fprintf(w, "  the exporter's own metrics\n    curl %s/metrics\n", base)
}
