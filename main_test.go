package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// binary is the exporter built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	// A test re-executed inside a lab namespace reuses its parent's build.
	if built := os.Getenv(envBinary); built != "" {
		binary = built
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "kubeprobe-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	binary = filepath.Join(dir, exporterName)
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the exporter: %v\n%s", err, out)
		os.Exit(2)
	}
	os.Setenv(envBinary, binary)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// envBinary passes the built exporter to tests re-executed in a namespace.
const envBinary = "KUBEPROBE_TEST_BINARY"

// exporter is a running kubeprobe_exporter process.
type exporter struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startExporter(t testing.TB, args ...string) *exporter {
	t.Helper()
	return startExporterWith(t, nil, args...)
}

// startExporterWith runs the exporter under a wrapper command, e.g. setpriv.
func startExporterWith(t testing.TB, wrapper []string, args ...string) *exporter {
	t.Helper()
	addr := freeAddress(t)
	logs := &syncBuffer{}
	argv := append(append(append([]string{}, wrapper...), binary, "--web.listen-address="+addr), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e := &exporter{cmd: cmd, base: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("exporter log:\n%s", logs)
		}
	})
	waitReady(t, e, "/-/ready")
	return e
}

// waitReady waits until the process answers 200 on path (Prometheus
// answers 503 there while it starts).
func waitReady(t testing.TB, e *exporter, path string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(e.base + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s did not become ready:\n%s", e.cmd.Path, e.logs)
}

func (e *exporter) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (e *exporter) post(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := http.Post(e.base+path, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func freeAddress(t testing.TB) string {
	t.Helper()
	return testserver.Unused(t, "tcp", "127.0.0.1:0")
}

// acceptAll is a TCP listener that accepts and closes every connection.
func acceptAll(t testing.TB) string {
	t.Helper()
	return testserver.Accepting(t, "tcp", "127.0.0.1:0")
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(body, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, body)
		}
	}
}

func TestServesTheExampleConfig(t *testing.T) {
	e := startExporter(t, "--config.file=config.example.yml")
	target := acceptAll(t)

	code, body := e.get(t, "/probe?module=kafka_readiness&target="+target)
	if code != http.StatusOK {
		t.Fatalf("/probe: %d %s", code, body)
	}
	mustContain(t, "/probe", body, "\nprobe_success 1\n", `probe_kubelet_result{result="success"} 1`, "probe_duration_seconds ")

	code, body = e.get(t, "/probe?module=http_get&target="+freeAddress(t))
	mustContain(t, "/probe of a closed port", body, "\nprobe_success 0\n", "probe_http_status_code 0")
	if code != http.StatusOK {
		t.Errorf("/probe of a failing target: status %d, want 200 with probe_success 0", code)
	}

	_, body = e.get(t, "/metrics")
	tracing := map[bool]string{true: "1", false: "0"}[os.Geteuid() == 0] // root has CAP_NET_RAW
	mustContain(t, "/metrics", body,
		"kubeprobe_exporter_trace_available "+tracing,
		"kubeprobe_exporter_build_info{",
		"kubeprobe_exporter_config_last_reload_successful 1",
		`kubeprobe_exporter_probes_total{module="kafka_readiness",result="success"} 1`,
		`kubeprobe_exporter_probes_total{module="http_get",result="failure"} 1`,
		"go_goroutines ", "process_open_fds ")

	_, body = e.get(t, "/")
	mustContain(t, "the landing page", body, "Recent probes", "kafka_readiness", "http_get", `href="logs?id=1"`)
	_, body = e.get(t, "/logs?id=1")
	mustContain(t, "/logs?id=1", body, "Logs for the probe:", "Module configuration (kafka_readiness):")
	_, body = e.get(t, "/config")
	mustContain(t, "/config", body, "kafka_readiness:", "nginx_readiness:", "port: 80")
	for _, path := range []string{"/-/healthy", "/-/ready"} {
		if code, _ := e.get(t, path); code != http.StatusOK {
			t.Errorf("%s = %d", path, code)
		}
	}
}

// Without CAP_NET_RAW the exporter still probes, says once how to enable
// tracing, and reports that it is off.
func TestRunsWithoutCapNetRaw(t *testing.T) {
	var wrapper []string
	if os.Geteuid() == 0 {
		wrapper = []string{"setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"}
	}
	e := startExporterWith(t, wrapper, "--config.file=config.example.yml")
	_, body := e.get(t, "/probe?module=kafka_readiness&target="+acceptAll(t))
	mustContain(t, "/probe", body, "\nprobe_success 1\n", "probe_tcp_trace_available 0",
		`probe_tcp_handshake_outcome{outcome="established"} 1`)
	_, body = e.get(t, "/metrics")
	mustContain(t, "/metrics", body, "kubeprobe_exporter_trace_available 0", "kubeprobe_exporter_trace_enabled 1")
	mustContain(t, "the log", e.logs.String(), "Handshake tracing is off", "needs CAP_NET_RAW",
		"setcap cap_net_raw+p kubeprobe_exporter", "capabilities.add: [NET_RAW]")
	if n := strings.Count(e.logs.String(), "Handshake tracing is off"); n != 1 {
		t.Errorf("the log says tracing is off %d times, want once", n)
	}
}

// Tracing turned off on purpose says so, and is not mistaken for a
// capture that failed.
func TestTracingTurnedOff(t *testing.T) {
	e := startExporter(t, "--config.file=config.example.yml", "--no-tracing.handshakes")
	_, body := e.get(t, "/metrics")
	mustContain(t, "/metrics", body, "kubeprobe_exporter_trace_available 0", "kubeprobe_exporter_trace_enabled 0")
	mustContain(t, "the log", e.logs.String(), "Handshake tracing is off (--no-tracing.handshakes)")
}

func TestReloadKeepsTheRunningConfigOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeprobe.yml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("modules:\n  a: {prober: tcp}\n")
	e := startExporter(t, "--config.file="+path)
	target := acceptAll(t)

	write("modules:\n  a: {prober: tcp, timeout: soon}\n")
	code, body := e.post(t, "/-/reload")
	if code != http.StatusInternalServerError {
		t.Errorf("POST /-/reload of a bad config = %d, want 500", code)
	}
	mustContain(t, "the reload error", body, path+`:2: modules.a.timeout: want a duration such as 1s or 500ms, got "soon"`)
	_, body = e.get(t, "/metrics")
	mustContain(t, "/metrics", body, "kubeprobe_exporter_config_last_reload_successful 0")
	_, body = e.get(t, "/probe?module=a&target="+target)
	mustContain(t, "a probe with the old config", body, "\nprobe_success 1\n")

	write("modules:\n  b: {prober: tcp}\n")
	if err := e.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, body := e.get(t, "/metrics")
		return strings.Contains(body, "kubeprobe_exporter_config_last_reload_successful 1")
	})
	if code, _ := e.get(t, "/probe?module=b&target="+target); code != http.StatusOK {
		t.Errorf("module b after SIGHUP: %d", code)
	}
	if code, _ := e.get(t, "/probe?module=a&target="+target); code != http.StatusBadRequest {
		t.Errorf("module a after SIGHUP: %d, want 400", code)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}

func TestConfigCheck(t *testing.T) {
	if out, err := exec.Command(binary, "--config.file=config.example.yml", "--config.check").CombinedOutput(); err != nil {
		t.Errorf("--config.check of the example: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("modules:\n  a: {prober: ping}\n"), 0o600)
	out, err := exec.Command(binary, "--config.file="+bad, "--config.check").CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), bad+`:2: modules.a.prober: unknown prober \"ping\"`) {
		t.Errorf("--config.check of a bad file: exit %d\n%s", exitCode(err), out)
	}
}

func TestProbeCommand(t *testing.T) {
	target := acceptAll(t)
	out, err := exec.Command(binary, "probe", "--config.file=config.example.yml", "--module=kafka_readiness", target).CombinedOutput()
	if exitCode(err) != 0 || !strings.HasPrefix(string(out), "SUCCESS: tcp probe of "+target) {
		t.Errorf("probe of a listener: exit %d\n%s", exitCode(err), out)
	}
	mustContain(t, "probe output", string(out), "Metrics that would have been returned:", "probe_success 1")

	closed := freeAddress(t)
	out, err = exec.Command(binary, "probe", "--config.file=config.example.yml", "--module=kafka_readiness", closed).CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(out), "dial tcp "+closed+": connect: connection refused") {
		t.Errorf("probe of a closed port: exit %d\n%s", exitCode(err), out)
	}

	out, err = exec.Command(binary, "probe", "--config.file=config.example.yml", "--module=nope", target).CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), `unknown module \"nope\"`) {
		t.Errorf("probe with an unknown module: exit %d\n%s", exitCode(err), out)
	}

	// A body that breaks off is kubelet's error: three tries, exit 1.
	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("short"))
	}))
	defer short.Close()
	out, err = exec.Command(binary, "probe", "--config.file=config.example.yml", "--module=http_get", short.URL+"/").CombinedOutput()
	if exitCode(err) != 1 || !strings.HasPrefix(string(out), "ERROR: http probe of "+short.URL+"/") ||
		!strings.Contains(string(out), "in 3 tries (kubelet discards the result): unexpected EOF") {
		t.Errorf("probe of a body that breaks off: exit %d\n%s", exitCode(err), out)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestServeExportsNodeSignals scrapes the node collector of a running
// exporter: the collector flags reach serve, and a source that fails
// leaves the rest of the scrape working.
func TestServeExportsNodeSignals(t *testing.T) {
	e := startExporter(t, "--config.file=config.example.yml", "--nodeport.static=30080,31000-31010",
		"--nodeport.ipvs", "--path.procfs=/proc", "--collector.timewait.top=3")
	_, body := e.get(t, "/metrics")
	mustContain(t, "/metrics", body,
		"\nkubeprobe_ephemeral_port_range_start ",
		"\nkubeprobe_nodeport_range_start 30000\n",
		"\nkubeprobe_nodeport_range_end 32767\n",
		`kubeprobe_nodeports_allocated{source="static"} 12`,
		"\nkubeprobe_nodeports_at_risk ",
		"\nkubeprobe_tcp_time_wait_sockets ",
		`kubeprobe_tcp_time_wait_sockets_by_range{range="nodeport"} `,
		"# TYPE kubeprobe_tcp_active_opens_total counter",
		`kubeprobe_exporter_collector_success{collector="nodeports_static"} 1`,
		`kubeprobe_exporter_collector_duration_seconds{collector="time_wait_breakdown"} `,
	)
	if _, err := os.Stat("/proc/net/ip_vs"); err != nil {
		mustContain(t, "/metrics without IPVS", body, `kubeprobe_exporter_collector_success{collector="nodeports_ipvs"} 0`)
	}
}
