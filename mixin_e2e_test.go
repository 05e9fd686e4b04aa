package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// The mixin end to end: a real Prometheus (Debian's) loads the generated
// rules and scrapes a real exporter in the lab of the second incident, and
// both alerts that name its cause fire.
func TestMixinAlertsFireInPrometheus(t *testing.T) {
	prometheus := testenv.Tool(t, "", "prometheus", "Debian: prometheus")
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		// The node owns the NodePort range, and the kernel may hand its
		// ports out as source ports: the incident's configuration.
		l.ResetSYNACKsTo(t, 30000, 32767)
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30000 60999")
	}, func(t *testing.T, l *netlab.Lab) {
		target := netip.AddrPortFrom(l.PodIPv4, 80)
		if err := netlab.InNamespace(l.Pod, func() error {
			go testserver.AcceptAndClose(testserver.Listen(t, "tcp", target.String()))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		exporterConfig := writeFile(t, dir, "kubeprobe.yml",
			"modules:\n  from_nodeport:\n    prober: tcp\n    timeout: 1s\n    source_port: 30080\n")
		e := startExporter(t, "--config.file="+exporterConfig, "--nodeport.static=30080,31000", "--no-nodeport.ipvs")

		rules := shortenFor(t, dir, "mixin/prometheus_alerts.yaml", "2s")
		prom := startPrometheus(t, prometheus, dir, e.base, target.String(), rules, "mixin/prometheus_rules.yaml")
		firing := waitForAlerts(t, prom, 90*time.Second, "KubeprobeNodePortsAtRisk", "KubeprobeProbeResetAfterSynAck")

		atRisk := firing["KubeprobeNodePortsAtRisk"]
		if atRisk.Labels["node"] != "lab-node" || !strings.Contains(atRisk.Annotations["description"], ": 2 of them.") ||
			!strings.Contains(atRisk.Annotations["description"], "reserve the NodePort range 30000-32767 in net.ipv4.ip_local_reserved_ports") {
			t.Errorf("KubeprobeNodePortsAtRisk: %+v", atRisk)
		}
		reset := firing["KubeprobeProbeResetAfterSynAck"]
		if reset.Labels["instance"] != target.String() || reset.Labels["module"] != "from_nodeport" ||
			!strings.Contains(reset.Annotations["description"], "That node has 2 NodePorts at risk now.") {
			t.Errorf("KubeprobeProbeResetAfterSynAck: %+v", reset)
		}
	})
}

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

// startPrometheus scrapes the exporter's /metrics and, through /probe, the
// target, as the README's scrape configuration does, and evaluates rules.
func startPrometheus(t *testing.T, binary, dir, exporterURL, target string, rules ...string) string {
	t.Helper()
	exporterHost := strings.TrimPrefix(exporterURL, "http://")
	for i, r := range rules {
		abs, err := filepath.Abs(r)
		if err != nil {
			t.Fatal(err)
		}
		rules[i] = fmt.Sprintf("%q", abs)
	}
	config := fmt.Sprintf(`global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
rule_files: [%s]
scrape_configs:
  - job_name: kubeprobe
    static_configs: [{targets: [%q], labels: {node: lab-node}}]
  - job_name: kubeprobe_probe
    metrics_path: /probe
    scrape_interval: 2s
    scrape_timeout: 2s
    params: {module: [from_nodeport]}
    static_configs: [{targets: [%q], labels: {node: lab-node}}]
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: instance}
      - {source_labels: [__param_module], target_label: module}
      - {target_label: __address__, replacement: %q}
`, strings.Join(rules, ", "), exporterHost, target, exporterHost)
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

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
}

// waitForAlerts polls Prometheus's API until every named alert fires.
func waitForAlerts(t *testing.T, prometheus string, limit time.Duration, names ...string) map[string]alert {
	t.Helper()
	var firing map[string]alert
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(time.Second) {
		firing = firingAlerts(t, prometheus)
		missing := false
		for _, n := range names {
			_, ok := firing[n]
			missing = missing || !ok
		}
		if !missing {
			return firing
		}
	}
	t.Fatalf("within %s Prometheus fired %v, want all of %v", limit, keys(firing), names)
	return nil
}

func firingAlerts(t *testing.T, prometheus string) map[string]alert {
	t.Helper()
	resp, err := http.Get(prometheus + "/api/v1/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/v1/alerts: %s\n%s", resp.Status, body)
	}
	var result struct {
		Data struct {
			Alerts []alert `json:"alerts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &result); err != nil {
		t.Fatalf("decoding /api/v1/alerts: %v\n%s", err, body)
	}
	firing := map[string]alert{}
	for _, a := range result.Data.Alerts {
		if a.State == "firing" {
			firing[a.Labels["alertname"]] = a
		}
	}
	return firing
}

func keys(m map[string]alert) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
