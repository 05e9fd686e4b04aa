package kubernetes_test

import (
	"bufio"
	"net/http"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// readmeBlock returns the fenced block of README's "## Kubernetes" section
// whose text contains marker.
func readmeBlock(t *testing.T, marker string) string {
	t.Helper()
	_, section, _ := strings.Cut(string(readFile(t, "../../README.md")), "\n## Kubernetes\n")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, part := range strings.Split(section, "```")[1:] {
		if _, body, ok := strings.Cut(part, "\n"); ok && strings.Contains(body, marker) {
			return body
		}
	}
	t.Fatalf("README.md, Kubernetes: no block holding %q", marker)
	return ""
}

// The overlay README shows, beside a checkout: it builds, and does what the
// text around it says: the operator's objects, the image, the NodePort range
// of its one literal in --nodeport.range and in the range modules of the
// overlay's own config.yml, the release label everywhere.
func TestReadmeOverlay(t *testing.T) {
	block := strings.ReplaceAll(readmeBlock(t, "# my-cluster/kustomization.yaml"), "../kubeprobe_exporter/deploy/kubernetes", "BASE")
	dir := overlay(t, block, map[string]string{"config.yml": string(readFile(t, configSource))})
	objects := build(t, dir)
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true, PodMonitor: true, ScrapeConfig: true, PrometheusRule: true})
	checkNamespaces(t, objects, "kubeprobe")
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	c := manifest.Container(t, ds)
	if c.Image != "registry.example.com/kubeprobe_exporter:v0.1.0" {
		t.Errorf("DaemonSet: image %s", c.Image)
	}
	if got := manifest.NodePortRange(c); got != "20000-40000" {
		t.Errorf("DaemonSet: --nodeport.range=%s, want the overlay's 20000-40000", got)
	}
	cfg, path := manifest.Config(t, configMap(t, objects, ds), "config.yml")
	manifest.CheckConfigFollows(t, "the overlay's ConfigMap", cfg, "20000-40000")
	manifest.CheckArgs(t, ds, map[string]string{"/etc/kubeprobe/config.yml": path})
	for _, o := range objects {
		if m := o.(metav1.Object); m.GetLabels()["release"] != "kube-prometheus-stack" {
			t.Errorf("%T %s: no release label", o, m.GetName())
		}
	}
}

// The patch README gives for the range without the component replaces
// --nodeport.range, the argument at the index it names.
func TestReadmeRangePatch(t *testing.T) {
	dir := overlay(t, "resources: [BASE]\n"+readmeBlock(t, "# --nodeport.range"), map[string]string{})
	ds := manifest.Only[*appsv1.DaemonSet](t, build(t, dir))
	c := manifest.Container(t, ds)
	if got := manifest.NodePortRange(c); got != "20000-40000" || strings.Count(strings.Join(c.Args, " "), "--nodeport.range=") != 1 {
		t.Errorf("README's patch: args %v, want one --nodeport.range=20000-40000", c.Args)
	}
}

// The PodMonitor patch of "TLS and basic auth" gives the endpoint the
// credentials.
func TestReadmeBasicAuthPatch(t *testing.T) {
	dir := overlay(t, "resources: [BASE]\ncomponents: [BASE/prometheus-operator]\n"+readmeBlock(t, "/spec/podMetricsEndpoints/0/basicAuth"), map[string]string{})
	pm := manifest.Only[*monitoringv1.PodMonitor](t, build(t, dir))
	if a := pm.Spec.PodMetricsEndpoints[0].BasicAuth; a == nil || a.Username.Name != "kubeprobe-scrape" || a.Password.Key != "password" {
		t.Errorf("README's patch: basicAuth %+v", a)
	}
}

// The Verify commands: the grep matches the exporter's real lines, the
// labelled kubeprobe_nodeports_allocated{source=...} among them; every
// namespaced kubectl command names its namespace, the installer's through
// $NAMESPACE, the API server's endpoints' as default.
func TestReadmeVerify(t *testing.T) {
	block := readmeBlock(t, "# The capture is on, and the NodePorts are known.")
	m := regexp.MustCompile(`grep -E '([^']+)'`).FindStringSubmatch(block)
	if m == nil {
		t.Fatal("README's Verify: no grep -E '...'")
	}
	pattern := regexp.MustCompile(m[1])
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	addr := manifest.Serve(t, ds, map[string]string{"/etc/kubeprobe/config.yml": configSource})
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	matched := map[string]bool{}
	for s := bufio.NewScanner(resp.Body); s.Scan(); {
		if line := s.Text(); pattern.MatchString(line) {
			name, _, _ := strings.Cut(strings.Fields(line)[0], "{")
			matched[name] = true
		}
	}
	for _, want := range []string{"kubeprobe_exporter_trace_available", "kubeprobe_nodeports_allocated", "kubeprobe_nodeports_at_risk"} {
		if !matched[want] {
			t.Errorf("README's Verify: grep -E '%s' matches no %s line of /metrics", m[1], want)
		}
	}

	for line := range strings.Lines(strings.ReplaceAll(block, "\\\n", " ")) {
		_, cmd, ok := strings.Cut(line, "kubectl ")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") || strings.HasPrefix(cmd, "get nodes") {
			continue
		}
		if !strings.Contains(cmd, "-n $NAMESPACE ") && !strings.Contains(cmd, "-n default ") {
			t.Errorf("README's Verify: kubectl %s: names no namespace, or not $NAMESPACE", strings.TrimSpace(cmd))
		}
	}
}
