package main

// Helpers of the tests that run the mixin's rules in a real Prometheus
// (Debian's) against a real exporter: incident_replay_e2e_test.go.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// shortenFor copies a generated rule file with every alert's `for` set to
// d, so that a test sees alerts fire in seconds, not minutes.
func shortenFor(t *testing.T, dir, path, d string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Name  string           `yaml:"name"`
			Rules []map[string]any `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			if _, ok := r["for"]; ok {
				r["for"] = d
			}
		}
	}
	out, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, filepath.Base(path), string(out))
}

// probeJob is what a Prometheus scrapes through the exporter's /probe:
// one module, its targets.
type probeJob struct {
	module  string
	targets []string
}

// startPrometheus scrapes the exporter's /metrics every second and,
// through /probe, the job's targets every 10s, the mixin's default
// probeResetPortsResolution, as the README's scrape configuration does,
// both with node="lab-node", and evaluates rules every second.
func startPrometheus(t *testing.T, binary, dir, exporterURL string, job probeJob, rules ...string) string {
	t.Helper()
	exporterHost := strings.TrimPrefix(exporterURL, "http://")
	for i, r := range rules {
		abs, err := filepath.Abs(r)
		if err != nil {
			t.Fatal(err)
		}
		rules[i] = fmt.Sprintf("%q", abs)
	}
	targets := make([]string, len(job.targets))
	for i, target := range job.targets {
		targets[i] = fmt.Sprintf("%q", target)
	}
	config := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: %s}
rule_files: [%s]
scrape_configs:
  - job_name: kubeprobe
    static_configs: [{targets: [%q], labels: {node: lab-node}}]
  - job_name: kubeprobe_probe
    metrics_path: /probe
    scrape_interval: 10s
    scrape_timeout: 2s
    params: {module: [%s]}
    static_configs: [{targets: [%s], labels: {node: lab-node}}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {source_labels: [__param_module], target_label: module}
      - {target_label: __address__, replacement: %q}
`, evaluationInterval, strings.Join(rules, ", "), exporterHost, job.module, strings.Join(targets, ", "), exporterHost)
	configPath := writeFile(t, dir, "prometheus.yml", config)
	addr := freeAddress(t)
	logs := &syncBuffer{}
	cmd := exec.Command(binary, "--config.file="+configPath, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs)
		}
	})
	waitReady(t, &exporter{cmd: cmd, base: "http://" + addr, logs: logs}, "/-/ready")
	return "http://" + addr
}

// evaluationInterval is how often the test's Prometheus evaluates rules.
const evaluationInterval = "1s"

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

// waitForAlerts polls Prometheus's API until every named alert fires and
// returns the firing instances of each.
func waitForAlerts(t *testing.T, prometheus string, limit time.Duration, names ...string) map[string][]alert {
	t.Helper()
	var firing map[string][]alert
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(time.Second) {
		firing = firingAlerts(t, prometheus)
		missing := false
		for _, n := range names {
			missing = missing || len(firing[n]) == 0
		}
		if !missing {
			return firing
		}
	}
	t.Fatalf("within %s Prometheus fired %v, want all of %v", limit, keys(firing), names)
	return nil
}

// firingAlerts is every firing alert, by name.
func firingAlerts(t *testing.T, prometheus string) map[string][]alert {
	t.Helper()
	var result struct {
		Alerts []alert `json:"alerts"`
	}
	prometheusAPI(t, prometheus, "/api/v1/alerts", &result)
	firing := map[string][]alert{}
	for _, a := range result.Alerts {
		if a.State == "firing" {
			firing[a.Labels["alertname"]] = append(firing[a.Labels["alertname"]], a)
		}
	}
	return firing
}

// queryValues runs an instant query and returns each result's value.
func queryValues(t *testing.T, prometheus, query string) []float64 {
	t.Helper()
	var result struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	prometheusAPI(t, prometheus, "/api/v1/query?query="+url.QueryEscape(query), &result)
	var values []float64
	for _, r := range result.Result {
		text, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			t.Fatalf("%s: value %v: %v", query, r.Value[1], err)
		}
		values = append(values, v)
	}
	return values
}

// prometheusAPI decodes the data of an API answer into data.
func prometheusAPI(t *testing.T, prometheus, path string, data any) {
	t.Helper()
	resp, err := http.Get(prometheus + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s\n%s", path, resp.Status, body)
	}
	envelope := struct {
		Data any `json:"data"`
	}{Data: data}
	if err := json.Unmarshal(body, &envelope); err != nil {
		t.Fatalf("decoding %s: %v\n%s", path, err, body)
	}
}

func keys(m map[string][]alert) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
