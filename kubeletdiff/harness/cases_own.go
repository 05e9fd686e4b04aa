package harness

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// ownCases check each row of the exporter's table of kubelet releases
// (internal/kubelet) and the behaviours issue 11 brought, at every pinned
// release: what differs between releases must differ the same way in the
// exporter.
func ownCases() []Case {
	echoHost := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.Host)) }
	otherHost := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+strings.Replace(r.Host, "127.0.0.1", "localhost", 1)+"/", http.StatusFound)
	}
	serving := &healthServer{status: healthpb.HealthCheckResponse_SERVING}
	return []Case{
		{Name: "release table: canonical header names, accept", Probe: httpProbe("/", h("accept", "text/plain")), Server: rawEcho},
		{Name: "release table: canonical header names, user-agent", Probe: httpProbe("/", h("user-agent", "probe/1")), Server: rawEcho},
		{Name: "release table: canonical header names, HOST on the wire", Probe: httpProbe("/", h("HOST", "muffins.example")), Server: rawEcho},
		{Name: "release table: canonical header names, HOST to a Go server", Probe: httpProbe("/", h("HOST", "muffins.example")), Server: httpServer(echoHost)},
		{Name: "release table: canonical header names, repeated x-twice", Probe: httpProbe("/", h("x-twice", "a"), h("X-Twice", "b")), Server: rawEcho},
		{Name: "release table: Accept and no compression, default headers", Probe: httpProbe("/"), Server: rawEcho},
		{Name: "release table: redirect output, another host", Probe: httpProbe("/"), Server: httpServer(otherHost)},
		{Name: "release table: named port tried as a number", Probe: named(Probe{Kind: "tcp", Timeout: time.Second}, "metrics"), Server: rawEcho,
			Refused: `target "127.0.0.1:metrics": port "metrics" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{Name: "paths: healthz without a slash", Probe: httpProbe("healthz"), Server: rawEcho},
		{Name: "paths: a query alone, ?foo", Probe: httpProbe("?foo"), Server: rawEcho},
		{Name: "errors: the body breaks off, every try", Probe: httpProbe("/"), Server: httpServer(shortBody(true))},
		{Name: "errors: the body breaks off once, then arrives", Probe: httpProbe("/"), Server: httpServer(shortBody(false))},
		{Name: "errors: the body stalls past the timeout", Probe: httpProbe("/"), Server: httpServer(stalledBody)},
		{Name: "status: too many redirects", Probe: httpProbe("/"), Server: httpServer(redirectHandler(http.StatusFound, false)), Port: nil},
		{Name: "gates: gRPC over TLS with its gate off", Probe: Probe{Kind: "grpc", Mode: "TLS", Timeout: 2 * time.Second}, Server: grpcServer(serving, false), Since: "1.37.0"},
		{Name: "gates: h2c with its gate off, to an h2c server", Probe: Probe{Kind: "http", Path: "/", Scheme: "http", Protocol: "HTTP2", Timeout: time.Second},
			Server: h2cServer(handleReq(http.StatusOK, "h2c ok")), Since: "1.37.0"},
		{Name: "tcp: refused", Probe: Probe{Kind: "tcp", Timeout: time.Second}, Server: closedPort},
		{Name: "http: refused", Probe: httpProbe("/"), Server: closedPort},
	}
}

// shortBody declares 100 bytes and sends 10, for every request when
// always, else for every other one: kubelet and then the exporter each
// get a broken body at their first try and the whole one at the second.
func shortBody(always bool) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, _ *http.Request) {
		if always || n.Add(1)%2 == 1 {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("only ten b"))
			return
		}
		fmt.Fprint(w, "whole")
	}
}

// stalledBody sends its headers and part of the body, then waits longer
// than the probe's timeout.
func stalledBody(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "100")
	_, _ = w.Write([]byte("start"))
	w.(http.Flusher).Flush()
	time.Sleep(1500 * time.Millisecond)
}
