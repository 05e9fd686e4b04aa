package prober

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

func newTestHandler(t *testing.T, configYAML string) (*Handler, *prometheus.Registry) {
	t.Helper()
	return newHandlerOn(t, configYAML, NewRunner(nil, nil, log.NewNopLogger()), NewHistory(10, 1<<30))
}

// newHandlerOn is the handler as serve wires it, on configYAML, with its
// own registry.
func newHandlerOn(tb testing.TB, configYAML string, runner *Runner, history *History) (*Handler, *prometheus.Registry) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "kubeprobe.yml")
	if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
		tb.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	sc := config.NewSafeConfig(reg)
	if err := sc.Reload(path); err != nil {
		tb.Fatal(err)
	}
	return NewHandler(HandlerOptions{
		Config: sc, Runner: runner, History: history,
		Slots: NewSlots(16, reg), TimeoutOffset: 500 * time.Millisecond, Registerer: reg,
	}), reg
}

func get(t *testing.T, h http.Handler, url string, header http.Header) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

const handlerConfig = `
modules:
  tcp: {prober: tcp, timeout: 5s}
  web: {prober: http, timeout: 2s}
  named: {prober: http, http: {port: metrics}}
  orders: {prober: grpc}
`

func TestHandlerRejectsBadRequestsSayingWhatIsExpected(t *testing.T) {
	h, _ := newTestHandler(t, handlerConfig)
	cases := []struct{ url, body string }{
		{"/probe?target=127.0.0.1:1&module=nope", `unknown module "nope": use one of named, orders, tcp, web`},
		{"/probe?target=127.0.0.1:1", `the module parameter is missing: use one of named, orders, tcp, web`},
		{"/probe?module=tcp", `the target parameter is missing: the tcp prober takes host:port, e.g. 10.0.0.5:9092 or [2001:db8::5]:9092`},
		{"/probe?module=tcp&target=10.0.0.5", `target "10.0.0.5": not host:port: the tcp prober takes host:port, e.g. 10.0.0.5:9092 or [2001:db8::5]:9092`},
		{"/probe?module=tcp&target=10.0.0.5:http", `target "10.0.0.5:http": port "http" is a name, which kubelet looks up in the container's ports: a named port needs a pod, and this probe names none; give the port's number: the tcp prober takes host:port`},
		{"/probe?module=tcp&target=10.0.0.5:HTTP", `target "10.0.0.5:HTTP": port "HTTP" is not a number from 1 to 65535: the tcp prober takes host:port`},
		{"/probe?module=named&target=10.0.0.5", `target "10.0.0.5": http.port: port "metrics" is a name, which kubelet looks up in the container's ports: a named port needs a pod`},
		{"/probe?module=orders&target=10.0.0.5:grpc", `target "10.0.0.5:grpc": port "grpc": a grpc probe's port is a number, never a name: the grpc prober takes host:port`},
		{"/probe?module=web&target=ftp://10.0.0.5/", `target "ftp://10.0.0.5/": scheme "ftp" is neither http nor https: the http prober takes a URL`},
		{"/probe?module=web&target=10.0.0.5", `target "10.0.0.5": no port, and the module sets no http.port: the http prober takes a URL`},
	}
	for _, c := range cases {
		code, body := get(t, h, c.url, nil)
		if code != http.StatusBadRequest || !strings.HasPrefix(body, c.body) {
			t.Errorf("GET %s = %d %q\nwant 400 starting %q", c.url, code, body, c.body)
		}
	}
	// Only the module named that does not exist is unknown; the missing
	// one has a reason of its own.
	if got := testutil.ToFloat64(h.moduleUnknown); got != 1 {
		t.Errorf("kubeprobe_exporter_module_unknown_total = %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.rejected.WithLabelValues(reasonModuleMissing)); got != 1 {
		t.Errorf("kubeprobe_exporter_probes_rejected_total{reason=module_missing} = %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.rejected.WithLabelValues(reasonBadRequest)); got != float64(len(cases)-1) {
		t.Errorf("kubeprobe_exporter_probes_rejected_total{reason=bad_request} = %v, want %d", got, len(cases)-1)
	}
}

func TestHandlerCapsTheTimeoutByTheScrapeTimeout(t *testing.T) {
	h, _ := newTestHandler(t, handlerConfig)
	addr := closedPort(t)
	cases := []struct {
		header string
		want   string
	}{
		{"", "probe_timeout_seconds 5"},
		{"3", "probe_timeout_seconds 2.5"},
		{"10", "probe_timeout_seconds 5"},
		{"0.4", "probe_timeout_seconds 5"}, // offset larger than the scrape timeout: keep the module's
	}
	for _, c := range cases {
		header := http.Header{}
		if c.header != "" {
			header.Set("X-Prometheus-Scrape-Timeout-Seconds", c.header)
		}
		code, body := get(t, h, "/probe?module=tcp&target="+addr, header)
		if code != http.StatusOK || !strings.Contains(body, "\n"+c.want+"\n") {
			t.Errorf("scrape timeout %q: got %d, want %q in\n%s", c.header, code, c.want, body)
		}
	}
	code, body := get(t, h, "/probe?module=tcp&target="+addr, http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"soon"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `X-Prometheus-Scrape-Timeout-Seconds: "soon" is not a positive number`) {
		t.Errorf("bad header: %d %q", code, body)
	}
}

func TestHandlerDebugOutputAndHistory(t *testing.T) {
	h, reg := newTestHandler(t, handlerConfig)
	addr := closedPort(t)
	code, body := get(t, h, "/probe?module=tcp&debug=true&target="+addr, nil)
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	for _, want := range []string{
		"Logs for the probe:", `msg="Probe failed"`, "Kubelet's verdict: failure",
		"Kubelet's output: dial tcp " + addr + ": connect: connection refused",
		"Metrics that would have been returned:", "probe_success 0",
		"Module configuration (tcp):", "prober: tcp",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("debug output lacks %q:\n%s", want, body)
		}
	}
	entries := h.History.List()
	if len(entries) != 1 || entries[0].Success || entries[0].Module != "tcp" || entries[0].DebugOutput() == "" {
		t.Errorf("history = %+v, want the failed probe", entries)
	}
	expected := `# HELP kubeprobe_exporter_probes_total Probes run, by module and result (success or failure).
# TYPE kubeprobe_exporter_probes_total counter
kubeprobe_exporter_probes_total{module="tcp",result="failure"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "kubeprobe_exporter_probes_total"); err != nil {
		t.Error(err)
	}
}

func TestHandlerSourcePortParameter(t *testing.T) {
	h, _ := newTestHandler(t, `
modules:
  fixed: {prober: tcp}
  open: {prober: tcp, source_port_override: true}
`)
	addr := closedPort(t)
	// 24567 is below the ephemeral range: no connection of another process holds it.
	code, body := get(t, h, "/probe?module=fixed&source_port=24567&target="+addr, nil)
	if code != http.StatusBadRequest || !strings.Contains(body, `module "fixed" does not take a source_port parameter: set source_port_override: true in its configuration`) {
		t.Errorf("source_port on a module without the override: %d %q", code, body)
	}
	code, body = get(t, h, "/probe?module=open&source_port=99999&target="+addr, nil)
	if code != http.StatusBadRequest || !strings.Contains(body, `source_port "99999": "99999" is not a port (0-65535) or a range such as 30000-32767`) {
		t.Errorf("a bad source_port: %d %q", code, body)
	}
	code, body = get(t, h, "/probe?module=open&source_port=24567&target="+addr, nil)
	if code != http.StatusOK || !strings.Contains(body, "\nprobe_tcp_source_port 24567\n") || !strings.Contains(body, `probe_tcp_handshake_outcome{outcome="refused"} 1`) {
		t.Errorf("source_port=24567: %d\n%s", code, body)
	}
}
