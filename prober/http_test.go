package prober

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recordingServer answers like a small web app and remembers every request.
type recordingServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
}

func newRecordingServer(t *testing.T, tls bool) *recordingServer {
	s := &recordingServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d", code)
	})
	mux.HandleFunc("/redirect/{n}", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			fmt.Fprint(w, "arrived")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/redirect/%d", n-1), http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		// Same server, but named differently: kubelet does not follow.
		u := *r.URL
		u.Scheme, u.Host, u.Path = "http", strings.Replace(r.Host, "127.0.0.1", "localhost", 1), "/"
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		w.Header().Set("Content-Length", strconv.Itoa(1<<20))
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	})
	mux.HandleFunc("/short-body", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("only ten b"))
	})
	if tls {
		s.Server = httptest.NewUnstartedServer(mux)
		s.EnableHTTP2 = true
		s.StartTLS()
	} else {
		s.Server = httptest.NewServer(mux)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *recordingServer) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

func (s *recordingServer) last(t *testing.T) *http.Request {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("the server received no request")
	}
	return s.requests[len(s.requests)-1]
}

func (s *recordingServer) hostPort() string { return strings.TrimPrefix(s.URL, "http://") }

func TestHTTPRequestHeadersFollowKubeletVersion(t *testing.T) {
	srv := newRecordingServer(t, false)
	cases := []struct {
		version, userAgent, accept, acceptEncoding string
	}{
		{"1.18", "kube-probe/1.18", "", "gzip"},
		{"1.20", "kube-probe/1.20", "*/*", ""},
		{"1.23", "kube-probe/1.23", "*/*", ""},
		{"1.27", "kube-probe/1.27", "*/*", ""},
		{"", "kube-probe/1.37", "*/*", ""},
	}
	for _, c := range cases {
		t.Run("kubelet "+c.version, func(t *testing.T) {
			body := "prober: http\nhttp:\n  path: /probe?x=1"
			if c.version != "" {
				body += "\nkubelet_version: \"" + c.version + "\""
			}
			r := runProbe(t, srv.hostPort(), mustModule(t, body))
			assertOutcome(t, r, Success, "ok")
			req := srv.last(t)
			want := map[string]string{
				"User-Agent": c.userAgent, "Accept": c.accept, "Accept-Encoding": c.acceptEncoding, "Connection": "close",
			}
			for name, value := range want {
				if got := strings.Join(req.Header.Values(name), ","); got != value {
					t.Errorf("header %s = %q, want %q", name, got, value)
				}
			}
			if req.Method != http.MethodGet || req.URL.RequestURI() != "/probe?x=1" || req.Host != srv.hostPort() {
				t.Errorf("request line = %s %s, Host %s", req.Method, req.URL.RequestURI(), req.Host)
			}
		})
	}
}

func TestHTTPModuleHeadersAreAddedLikeHTTPHeaders(t *testing.T) {
	srv := newRecordingServer(t, false)
	m := mustModule(t, `
prober: http
http:
  http_headers:
    - {name: Host, value: app.example.internal}
    - {name: x-twice, value: a}
    - {name: X-Twice, value: b}
    - {name: Accept, value: ""}
    - {name: User-Agent, value: my-probe}`)
	r := runProbe(t, srv.hostPort(), m)
	assertOutcome(t, r, Success, "ok")
	req := srv.last(t)
	if req.Host != "app.example.internal" {
		t.Errorf("Host = %q, want the module's app.example.internal", req.Host)
	}
	if got := req.Header.Values("X-Twice"); strings.Join(got, ",") != "a,b" {
		t.Errorf("X-Twice = %q, want both values in order", got)
	}
	if _, ok := req.Header["Accept"]; ok {
		t.Errorf("Accept = %q, want none: an empty Accept removes kubelet's */*", req.Header.Get("Accept"))
	}
	if got := req.Header.Get("User-Agent"); got != "my-probe" {
		t.Errorf("User-Agent = %q, want the module's", got)
	}
}

func TestHTTPEmptyUserAgentSendsNone(t *testing.T) {
	srv := newRecordingServer(t, false)
	r := runProbe(t, srv.hostPort(), mustModule(t, "prober: http\nhttp:\n  http_headers: [{name: User-Agent, value: \"\"}]"))
	assertOutcome(t, r, Success, "ok")
	if ua, ok := srv.last(t).Header["User-Agent"]; ok {
		t.Errorf("User-Agent = %q, want none", ua)
	}
}

func TestHTTPRedirects(t *testing.T) {
	srv := newRecordingServer(t, false)
	m := mustModule(t, "prober: http")
	t.Run("same host is followed", func(t *testing.T) {
		r := runProbe(t, srv.URL+"/redirect/3", m)
		assertOutcome(t, r, Success, "arrived")
		if got := metric(t, r, "probe_http_redirects"); got != 3 {
			t.Errorf("probe_http_redirects = %v, want 3", got)
		}
	})
	// Go's checker, which kubelet keeps, stops at the 10th request: nine
	// redirects are followed and the tenth fails.
	t.Run("9 redirects are followed", func(t *testing.T) {
		assertOutcome(t, runProbe(t, srv.URL+"/redirect/9", m), Success, "arrived")
	})
	t.Run("the 10th redirect fails", func(t *testing.T) {
		r := runProbe(t, srv.URL+"/redirect/10", m)
		assertOutcome(t, r, Failure, `Get "/redirect/0": stopped after 10 redirects`)
	})
	t.Run("11 redirects fail", func(t *testing.T) {
		r := runProbe(t, srv.URL+"/redirect/11", m)
		assertOutcome(t, r, Failure, `Get "/redirect/1": stopped after 10 redirects`)
	})
	t.Run("another host ends the probe with a warning", func(t *testing.T) {
		r := runProbe(t, srv.URL+"/elsewhere", m)
		body := fmt.Sprintf("<a href=\"http://%s/\">Moved Permanently</a>.\n\n", strings.Replace(srv.hostPort(), "127.0.0.1", "localhost", 1))
		assertOutcome(t, r, Warning, "Probe terminated redirects, Response body: "+body)
		if got := metric(t, r, "probe_http_status_code"); got != 301 {
			t.Errorf("probe_http_status_code = %v, want the 301 itself", got)
		}
	})
}

func TestHTTPStatusCodes(t *testing.T) {
	srv := newRecordingServer(t, false)
	m := mustModule(t, "prober: http")
	for code, want := range map[int]Verdict{
		200: success("status 200"),
		204: success(""),
		299: success("status 299"),
		304: warning("Probe terminated redirects, Response body: "),
		399: warning("Probe terminated redirects, Response body: status 399"),
		400: failure("HTTP probe failed with statuscode: 400"),
		503: failure("HTTP probe failed with statuscode: 503"),
	} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			r := runProbe(t, fmt.Sprintf("%s/status/%d", srv.URL, code), m)
			assertOutcome(t, r, want.Result, want.Output)
			if got := metric(t, r, "probe_http_status_code"); got != float64(code) {
				t.Errorf("probe_http_status_code = %v", got)
			}
		})
	}
}

func TestHTTPReadsAtMost10KiB(t *testing.T) {
	srv := newRecordingServer(t, false)
	r := runProbe(t, srv.URL+"/big", mustModule(t, "prober: http"))
	assertOutcome(t, r, Success, strings.Repeat("x", 10<<10))
	if got := metric(t, r, "probe_http_content_length"); got != 1<<20 {
		t.Errorf("probe_http_content_length = %v, want the declared 1 MiB", got)
	}
}

// A body that breaks off is kubelet's probe *error*, with no output: it
// tries twice more at once, then discards the result (it was reported as
// a failure before issue 11).
func TestHTTPBodyReadErrorIsAnErrorTriedThreeTimes(t *testing.T) {
	srv := newRecordingServer(t, false)
	r := runProbe(t, srv.URL+"/short-body", mustModule(t, "prober: http"))
	assertOutcome(t, r, Error, "")
	if r.Verdict.Err != "unexpected EOF" || r.Tries != 3 || len(srv.requests) != 3 {
		t.Errorf("error %q after %d tries and %d requests, want unexpected EOF after 3 of each", r.Verdict.Err, r.Tries, len(srv.requests))
	}
	if got := metric(t, r, "probe_kubelet_tries"); got != 3 {
		t.Errorf("probe_kubelet_tries = %v, want 3", got)
	}
	if !strings.Contains(r.DebugOutput(), "Kubelet's error (after 3 of 3 tries; kubelet discards the result): unexpected EOF") {
		t.Errorf("the debug output does not give kubelet's error:\n%s", r.DebugOutput())
	}
}

// A probe that errors and then succeeds is a success, as in kubelet.
func TestHTTPErrorThenSuccessIsASuccess(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("short"))
			return
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	r := runProbe(t, srv.URL, mustModule(t, "prober: http"))
	assertOutcome(t, r, Success, "ok")
	if r.Tries != 2 {
		t.Errorf("tries = %d, want 2", r.Tries)
	}
}

// After "stopped after 10 redirects" every response was a 302, and the
// last status seen is reported (it was 0 before issue 11).
func TestHTTPStatusCodeAfterTooManyRedirectsIsTheLastOne(t *testing.T) {
	srv := newRecordingServer(t, false)
	r := runProbe(t, srv.URL+"/redirect/12", mustModule(t, "prober: http"))
	assertOutcome(t, r, Failure, `Get "/redirect/2": stopped after 10 redirects`)
	if got := metric(t, r, "probe_http_status_code"); got != 302 {
		t.Errorf("probe_http_status_code = %v, want 302", got)
	}
}

func TestHTTPServerThatNeverAnswersFailsAtTheTimeout(t *testing.T) {
	silent := silentListener(t)
	m := mustModule(t, "prober: http\ntimeout: 300ms")
	start := time.Now()
	r := runProbe(t, silent, m)
	elapsed := time.Since(start)
	assertOutcome(t, r, Failure, fmt.Sprintf(`Get "http://%s/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, silent))
	if elapsed < 300*time.Millisecond {
		t.Errorf("the probe gave up after %s, before its 300ms timeout", elapsed)
	}
}

// silentListener accepts connections and never writes a byte.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestHTTPSWithoutVerificationOffersHTTP2(t *testing.T) {
	srv := newRecordingServer(t, true)
	r := runProbe(t, srv.URL+"/", mustModule(t, "prober: http"))
	assertOutcome(t, r, Success, "ok")
	if got := metric(t, r, "probe_http_ssl"); got != 1 {
		t.Errorf("probe_http_ssl = %v, want 1", got)
	}
	if got := metric(t, r, "probe_http_version"); got != 2 {
		t.Errorf("probe_http_version = %v, want 2 (kubelet offers h2 over TLS)", got)
	}
	if got := metric(t, r, "probe_http_duration_seconds", "phase", "tls"); got <= 0 {
		t.Errorf("tls phase = %v, want > 0", got)
	}
}

func TestHTTPTargetForms(t *testing.T) {
	srv := newRecordingServer(t, false)
	u, _ := url.Parse(srv.URL)
	host, port := u.Hostname(), u.Port()
	cases := []struct{ name, target, module, wantURI string }{
		{"URL", srv.URL + "/a?b=c", "prober: http", "/a?b=c"},
		{"host:port uses the module's path", srv.hostPort(), "prober: http\nhttp: {path: /healthz}", "/healthz"},
		{"bare host uses the module's port", host, "prober: http\nhttp: {port: " + port + ", path: /p}", "/p"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertOutcome(t, runProbe(t, c.target, mustModule(t, c.module)), Success, "ok")
			if got := srv.last(t).URL.RequestURI(); got != c.wantURI {
				t.Errorf("requested %q, want %q", got, c.wantURI)
			}
		})
	}
}

func TestHTTPTransportIgnoresTheProxyEnvironment(t *testing.T) {
	tr := newKubeletTransport(&dialer{}, kubeletOf(mustModule(t, "prober: http")))
	if tr.Proxy != nil {
		t.Error("the transport has a Proxy function; kubelet uses none")
	}
	if !tr.DisableKeepAlives || !tr.DisableCompression || !tr.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("transport = %+v, want keep-alives and compression off, no verification", tr)
	}
}

// Before the header names became case-insensitive (1.28.0, backported to
// 1.24.14, 1.25.10, 1.26.5 and 1.27.2) a module's "accept" went out
// beside kubelet's Accept, and "HOST" as a header line of its own; a
// redirect not followed gave the body alone before 1.24.
func TestHTTPFollowsThePatchRelease(t *testing.T) {
	srv := newRecordingServer(t, false)
	headers := "\nhttp:\n  http_headers: [{name: accept, value: text/plain}]"
	for version, want := range map[string][]string{
		"1.26.4": {"*/*", "text/plain"}, "1.26.5": {"text/plain"}, "1.27.1": {"*/*", "text/plain"}, "1.27.2": {"text/plain"},
	} {
		runProbe(t, srv.URL, mustModule(t, "prober: http\nkubelet_version: "+version+headers))
		got := srv.last(t).Header.Values("Accept")
		if len(got) != len(want) || got[0] != want[0] {
			t.Errorf("kubelet %s sends Accept %q, want %q", version, got, want)
		}
	}
	r := runProbe(t, srv.URL+"/elsewhere", mustModule(t, "prober: http\nkubelet_version: 1.23.17"))
	if r.Verdict.Result != Warning || strings.HasPrefix(r.Verdict.Output, "Probe terminated") {
		t.Errorf("kubelet 1.23 gives %s %q, want a warning with the body alone", r.Verdict.Result, r.Verdict.Output)
	}
}
