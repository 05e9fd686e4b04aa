package harness

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// upstreamCases are the table cases of kubelet's own tests at v1.37.2
// that a probe from outside can reproduce: pkg/probe/http/http_test.go,
// request_test.go, pkg/probe/tcp/tcp_test.go, pkg/probe/grpc/grpc_test.go
// and pkg/kubelet/prober/prober_test.go. Cases that only test a helper
// (v1HeaderToHTTPHeader, formatURL, ResolveContainerPort) run as whole
// probes whose request the server echoes.
func upstreamCases() []Case {
	var cases []Case
	cases = append(cases, httpCheckerCases()...)
	cases = append(cases, redirectCases()...)
	cases = append(cases, payloadCases()...)
	cases = append(cases, h2cCases()...)
	cases = append(cases, requestCases()...)
	cases = append(cases, tcpCases()...)
	cases = append(cases, grpcCases()...)
	cases = append(cases, portCases()...)
	return cases
}

func handleReq(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func redirectHandler(code int, bad bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, "/new", code)
		} else if bad && r.URL.Path == "/new" {
			http.Error(w, "", http.StatusInternalServerError)
		}
	}
}

func redirectHandlerWithBody(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.Redirect(w, r, "/new", code)
		case "/new":
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
}

// httpCheckerCases are TestHTTPProbeChecker's, in its order. Its echo
// handler's lines are sorted (sortedHeaderEcho).
func httpCheckerCases() []Case {
	headerCounter := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(strconv.Itoa(len(r.Header)))) }
	headerKeys := func(w http.ResponseWriter, r *http.Request) {
		var keys []string
		for k := range r.Header {
			keys = append(keys, k)
		}
		sortStrings(keys)
		_, _ = w.Write([]byte(strings.Join(keys, "\n")))
	}
	echoHost := func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(r.Host)) }
	sleep3s := func(http.ResponseWriter, *http.Request) { time.Sleep(3 * time.Second) }
	table := []struct {
		handler http.HandlerFunc
		headers []Header
		want    string
	}{
		{handleReq(http.StatusOK, "ok body"), nil, "success"},
		{headerCounter, nil, "success"},
		{headerKeys, nil, "success"},
		{sortedHeaderEcho, []Header{h("Accept-Encoding", "gzip")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept-Encoding", "foo")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept-Encoding", "")}, "success"},
		{sortedHeaderEcho, []Header{h("X-Muffins-Or-Cupcakes", "muffins")}, "success"},
		{sortedHeaderEcho, []Header{h("User-Agent", "foo/1.0")}, "success"},
		{sortedHeaderEcho, []Header{h("User-Agent", "")}, "success"},
		{sortedHeaderEcho, nil, "success"},
		{sortedHeaderEcho, []Header{h("Accept", "text/html"), h("User-Agent", "foo/1.0")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept", "foo/*"), h("User-Agent", "foo/1.0")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept", "foo/*"), h("X-Muffins-Or-Cupcakes", "muffins")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept", "foo/*")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept", "")}, "success"},
		{sortedHeaderEcho, []Header{h("Accept", ""), h("User-Agent", "foo/1.0")}, "success"},
		{sortedHeaderEcho, nil, "success"},
		{echoHost, []Header{h("Host", "muffins.cupcakes.org")}, "success"},
		{handleReq(-1, "fail body"), nil, "failure"},
		{handleReq(http.StatusInternalServerError, "fail body"), nil, "failure"},
		{sleep3s, nil, "failure"},
		{redirectHandler(http.StatusMovedPermanently, false), nil, "success"},
		{redirectHandler(http.StatusMovedPermanently, true), nil, "failure"},
		{redirectHandler(http.StatusFound, false), nil, "success"},
		{redirectHandler(http.StatusFound, true), nil, "failure"},
		{redirectHandler(http.StatusTemporaryRedirect, false), nil, "success"},
		{redirectHandler(http.StatusTemporaryRedirect, true), nil, "failure"},
		{redirectHandler(http.StatusPermanentRedirect, false), nil, "success"},
		{redirectHandler(http.StatusPermanentRedirect, true), nil, "failure"},
		{redirectHandlerWithBody(http.StatusPermanentRedirect, ""), nil, "warning"},
		{redirectHandlerWithBody(http.StatusPermanentRedirect, "ok body"), nil, "warning"},
	}
	cases := make([]Case, len(table))
	for i, c := range table {
		cases[i] = Case{
			Name:  fmt.Sprintf("http_test.go TestHTTPProbeChecker case-%2d", i),
			Probe: httpProbe("/", c.headers...), Server: httpServer(c.handler), Want: c.want,
		}
	}
	return cases
}

// redirectCases are TestHTTPProbeChecker_NonLocalRedirects's "-local"
// cases (kubelet never follows redirects to other hosts; the "-nonlocal"
// ones test an option it never sets) and
// TestHTTPProbeChecker_HostHeaderPreservedAfterRedirect's.
func redirectCases() []Case {
	mux := func(newport string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/redirect":
				loc, _ := url.QueryUnescape(r.URL.Query().Get("loc"))
				http.Redirect(w, r, strings.ReplaceAll(loc, "NEWPORT", newport), http.StatusFound)
			case "/loop":
				http.Redirect(w, r, "/loop", http.StatusFound)
			case "/success":
				w.WriteHeader(http.StatusOK)
			default:
				http.Error(w, "", http.StatusInternalServerError)
			}
		}
	}
	redirecting := func(t *testing.T) (string, int) {
		host, port := httpServer(mux(""))(t)
		return httpServer(mux(fmt.Sprintf("http://%s:%d", host, port)))(t)
	}
	var cases []Case
	for _, c := range []struct{ name, loc, want string }{
		{"local success", "/success", "success"},
		{"local fail", "/fail", "failure"},
		{"newport success", "NEWPORT/success", "success"},
		{"newport fail", "NEWPORT/fail", "failure"},
		{"bogus nonlocal", "http://0.0.0.0/fail", "warning"},
		{"redirect loop", "/loop", "failure"},
	} {
		p := httpProbe("/redirect?loc=" + url.QueryEscape(c.loc))
		p.Timeout = 5 * time.Second
		cases = append(cases, Case{Name: "http_test.go TestHTTPProbeChecker_NonLocalRedirects " + c.name + "-local",
			Probe: p, Server: redirecting, Want: c.want})
	}
	hostCheck := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, "/success", http.StatusFound)
		case r.URL.Path == "/success" && r.Host == "www.success.com":
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/success":
			http.Error(w, "", http.StatusBadRequest)
		default:
			http.Error(w, "", http.StatusInternalServerError)
		}
	}
	for _, c := range []struct{ name, host, want string }{{"success", "www.success.com", "success"}, {"fail", "www.fail.com", "failure"}} {
		p := httpProbe("/redirect", h("Host", c.host))
		p.Timeout = 5 * time.Second
		cases = append(cases, Case{Name: "http_test.go TestHTTPProbeChecker_HostHeaderPreservedAfterRedirect " + c.name + "local",
			Probe: p, Server: httpServer(hostCheck), Want: c.want})
	}
	return cases
}

// payloadCases are TestHTTPProbeChecker_PayloadTruncated and _PayloadNormal.
func payloadCases() []Case {
	const maxRespBodyLength = 10 << 10
	payload := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/success" || r.Host != "www.success.com" {
				http.Error(w, "", http.StatusBadRequest)
				return
			}
			_, _ = w.Write(bytes.Repeat([]byte("a"), n))
		}
	}
	var cases []Case
	for name, n := range map[string]int{"TestHTTPProbeChecker_PayloadTruncated": maxRespBodyLength + 1, "TestHTTPProbeChecker_PayloadNormal": maxRespBodyLength - 1} {
		p := httpProbe("/success", h("Host", "www.success.com"))
		p.Timeout = 5 * time.Second
		cases = append(cases, Case{Name: "http_test.go " + name, Probe: p, Server: httpServer(payload(n)), Want: "success"})
	}
	sortCases(cases)
	return cases
}

// h2cCases are TestProbeH2C_*: kubelet 1.37's ProbeH2C, which runProbe
// calls for protocol: HTTP2 with H2CContainerProbe on.
func h2cCases() []Case {
	h2c := func(p Probe) Probe {
		p.Protocol, p.Gates = "HTTP2", map[string]bool{"H2CContainerProbe": true}
		return p
	}
	slow := h2c(httpProbe("/health"))
	return []Case{
		{Name: "http_test.go TestProbeH2C_H2C_Success", Probe: h2c(httpProbe("/health")), Server: h2cServer(handleReq(http.StatusOK, "h2c ok")), Want: "success", Since: "1.37.0"},
		{Name: "http_test.go TestProbeH2C_H2C_Failure", Probe: h2c(httpProbe("/health")), Server: h2cServer(handleReq(http.StatusInternalServerError, "h2c error")), Want: "failure", Since: "1.37.0"},
		{Name: "http_test.go TestProbeH2C_H2C_Timeout", Probe: slow, Server: h2cServer(func(http.ResponseWriter, *http.Request) { time.Sleep(2 * time.Second) }), Want: "failure", Since: "1.37.0"},
		{Name: "prober_test.go TestRunProbeHTTPGetHTTP2ProtocolFeatureGateDisabled (HTTP/1.1 instead)", Probe: Probe{Kind: "http", Path: "/healthz", Scheme: "http", Protocol: "HTTP2", Timeout: time.Second},
			Server: rawEcho, Want: "success", Since: "1.37.0"},
	}
}

// requestCases are request_test.go's, as the request that arrives: its
// request line (TestFormatURL) and its header lines (Test_v1HeaderToHTTPHeader,
// TestHeaderConversion).
func requestCases() []Case {
	var cases []Case
	for _, path := range []string{"", "/path", "?foo", "/path?bar"} {
		p := httpProbe(path)
		if path == "" {
			p.Path = "/" // the API server's default, which kubelet always gets
		}
		cases = append(cases, Case{Name: fmt.Sprintf("request_test.go TestFormatURL %q", path), Probe: p, Server: rawEcho, Want: "success"})
	}
	for name, headers := range map[string][]Header{
		"Test_v1HeaderToHTTPHeader not empty input":    {h("Connection", "Keep-Alive"), h("Content-Type", "text/html"), h("Accept-Ranges", "bytes")},
		"Test_v1HeaderToHTTPHeader case insensitive":   {h("HOST", "example.com"), h("FOO-bAR", "value")},
		"Test_v1HeaderToHTTPHeader empty input":        {},
		"TestHeaderConversion Accept":                  {h("Accept", "application/json")},
		"TestHeaderConversion accept":                  {h("accept", "application/json")},
		"TestHeaderConversion accept, Accept, pragma…": {h("accept", "application/json"), h("Accept", "*/*"), h("pragma", "no-cache"), h("X-forwarded-for", "username")},
	} {
		cases = append(cases, Case{Name: "request_test.go " + name, Probe: httpProbe("/", headers...), Server: rawEcho, Want: "success"})
	}
	sortCases(cases[4:])
	return cases
}

// tcpCases are TestTcpHealthChecker's.
func tcpCases() []Case {
	tcp := Probe{Kind: "tcp", Timeout: time.Second}
	return []Case{
		{Name: "tcp_test.go TestTcpHealthChecker connected", Probe: tcp, Server: httpServer(handleReq(http.StatusOK, "")), Want: "success"},
		// kubelet's test calls Probe itself, which fails; through runProbe,
		// ResolveContainerPort refuses the port first: an error.
		{Name: "tcp_test.go TestTcpHealthChecker port -1", Probe: tcp, Server: closedPort, Port: intPtr(-1), Want: "error",
			Refused: `target "127.0.0.1:-1": port "-1" is not a number from 1 to 65535`},
	}
}

// grpcCases are TestGrpcProber_Probe's and TestGrpcProber_Probe_TLS's.
func grpcCases() []Case {
	g := func(timeout time.Duration) Probe { return Probe{Kind: "grpc", Timeout: timeout} }
	tlsProbe := func(p Probe) Probe {
		p.Mode, p.Gates = "TLS", map[string]bool{"GRPCContainerProbeTLS": true}
		return p
	}
	serving := &healthServer{status: healthpb.HealthCheckResponse_SERVING}
	return []Case{
		{Name: "grpc_test.go TestGrpcProber_Probe cant find host", Probe: g(time.Second), Server: closedPort, Host: emptyHost, Port: intPtr(32), Want: "failure",
			Refused: `target ":32": the host is empty`},
		{Name: "grpc_test.go TestGrpcProber_Probe connection closed", Probe: g(time.Second), Server: httpServer(handleReq(http.StatusOK, "res")), Want: "failure"},
		{Name: "grpc_test.go TestGrpcProber_Probe not served", Probe: g(time.Second), Server: grpcServer(&healthServer{status: healthpb.HealthCheckResponse_NOT_SERVING}, false), Host: "0.0.0.0", Want: "failure"},
		{Name: "grpc_test.go TestGrpcProber_Probe not in time", Probe: g(2 * time.Second), Server: grpcServer(&healthServer{status: healthpb.HealthCheckResponse_SERVING, delay: 3 * time.Second}, false), Host: "0.0.0.0", Want: "failure"},
		{Name: "grpc_test.go TestGrpcProber_Probe success", Probe: g(2 * time.Second), Server: grpcServer(serving, false), Host: "0.0.0.0", Want: "success"},
		{Name: "grpc_test.go TestGrpcProber_Probe success, listen port 0", Probe: g(2 * time.Second), Server: grpcServer(serving, false), Host: "0.0.0.0", Want: "success"},
		{Name: "grpc_test.go TestGrpcProber_Probe_TLS TLS probe against TLS server", Probe: tlsProbe(g(2 * time.Second)), Server: grpcServer(serving, true), Want: "success", Since: "1.37.0"},
		{Name: "grpc_test.go TestGrpcProber_Probe_TLS plaintext probe against TLS server", Probe: g(2 * time.Second), Server: grpcServer(serving, true), Want: "failure"},
		{Name: "grpc_test.go TestGrpcProber_Probe_TLS TLS probe against plaintext server", Probe: tlsProbe(g(2 * time.Second)), Server: grpcServer(serving, false), Want: "failure", Since: "1.37.0"},
	}
}

// portCases are prober_test.go's TestGetURLParts and TestGetTCPAddrParts
// with a number: the named ones need a pod, which a bare /probe has not
// (the exporter's ResolvePort is tested against them in package prober).
func portCases() []Case {
	tcp := Probe{Kind: "tcp", Timeout: time.Second}
	return []Case{
		{Name: "prober_test.go TestGetURLParts port -1", Probe: httpProbe(""), Server: closedPort, Port: intPtr(-1), Want: "error",
			Refused: `target "127.0.0.1:-1": port "-1" is not a number from 1 to 65535`},
		{Name: "prober_test.go TestGetURLParts port not-found", Probe: named(httpProbe(""), "not-found"), Server: rawEcho, Want: "error",
			Refused: `target "127.0.0.1": http.port: port "not-found" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{Name: "prober_test.go TestGetURLParts port found", Probe: named(httpProbe(""), "found"), Server: rawEcho, Want: "success",
			Refused: `target "127.0.0.1": http.port: port "found" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{Name: "prober_test.go TestGetURLParts port 76", Probe: httpProbe("path"), Server: rawEcho, Want: "success"},
		{Name: "prober_test.go TestGetTCPAddrParts port found", Probe: named(tcp, "found"), Server: rawEcho, Want: "success",
			Refused: `target "127.0.0.1:found": port "found" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{Name: "prober_test.go TestGetTCPAddrParts port 76", Probe: tcp, Server: rawEcho, Want: "success"},
	}
}
