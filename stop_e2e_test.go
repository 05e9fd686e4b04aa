package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricValue reads one series of the exporter's /metrics, e.g.
// metricValue(t, e, "kubeprobe_exporter_probes_in_flight"); -1 if absent.
func (e *exporter) metricValue(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get(e.base + "/metrics")
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	mf, ok := families[name]
	if !ok {
		return -1
	}
	for _, m := range mf.GetMetric() {
		got := model.LabelSet{}
		for _, lp := range m.GetLabel() {
			got[model.LabelName(lp.GetName())] = model.LabelValue(lp.GetValue())
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && got[model.LabelName(labels[i])] == model.LabelValue(labels[i+1])
		}
		if match {
			switch {
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Untyped != nil:
				return m.GetUntyped().GetValue()
			}
		}
	}
	return -1
}

// On SIGTERM the probes already running finish and are answered, new ones
// get 503, and the process exits 0 once they are done.
func TestStopLetsRunningProbesFinish(t *testing.T) {
	const running = 20
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(1500 * time.Millisecond)
		fmt.Fprint(w, "ok")
	}))
	defer slow.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "kubeprobe.yml", "modules:\n  slow: {prober: http, timeout: 5s}\n")
	e := startExporter(t, "--config.file="+cfg, "--shutdown.grace-period=10s")

	var wg sync.WaitGroup
	results := make(chan string, running)
	for range running {
		wg.Go(func() {
			resp, err := http.Get(e.base + "/probe?module=slow&target=" + slow.URL)
			if err != nil {
				results <- err.Error()
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			results <- fmt.Sprintf("%d %t", resp.StatusCode, strings.Contains(string(body), "\nprobe_success 1\n"))
		})
	}
	for deadline := time.Now().Add(5 * time.Second); e.metricValue(t, "kubeprobe_exporter_probes_in_flight") < running; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %v probes in flight", e.metricValue(t, "kubeprobe_exporter_probes_in_flight"))
		}
	}
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	// While the running probes finish, the exporter still answers, so a
	// scrape learns at once that it is going away.
	code, body := e.get(t, "/probe?module=slow&target="+slow.URL)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("a probe asked for while stopping: %d %s, want 503", code, body)
	}
	if code, _ := e.get(t, "/-/ready"); code != http.StatusServiceUnavailable {
		t.Errorf("/-/ready while stopping: %d, want 503", code)
	}
	if code, _ := e.get(t, "/-/healthy"); code != http.StatusOK {
		t.Errorf("/-/healthy while stopping: %d, want 200", code)
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r != "200 true" {
			t.Errorf("a probe running at SIGTERM got %q, want a 200 with probe_success 1", r)
		}
	}
	err := e.cmd.Wait()
	if code := exitCode(err); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0:\n%s", code, e.logs)
	}
	mustContain(t, "the log", e.logs.String(), "Shutting down: new probes get 503, running ones may finish", "Shut down")
}
