package kubernetes_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// The Probe example decodes strictly and points at this deployment: the
// headless Service in the namespace the example's kustomization sets (and
// in another one when that changes), /probe, a module of the
// configuration, and the job and module labels of the mixin.
func TestProbeExample(t *testing.T) {
	var objects []any
	for _, f := range []string{"service.yaml", "daemonset.yaml"} {
		objects = append(objects, decodeFile(t, f)...)
	}
	svc := manifest.Only[*corev1.Service](t, objects)
	port := manifest.ListenPort(t, manifest.Container(t, manifest.Only[*appsv1.DaemonSet](t, objects)))
	check := func(probe *monitoringv1.Probe, namespace string) {
		t.Helper()
		if want := fmt.Sprintf("%s.%s.svc:%d", svc.Name, namespace, port); probe.Spec.ProberSpec.URL != want || probe.Spec.ProberSpec.Path != "/probe" {
			t.Errorf("Probe in %s: prober %s%s, want %s/probe", namespace, probe.Spec.ProberSpec.URL, probe.Spec.ProberSpec.Path, want)
		}
		if probe.Namespace != namespace {
			t.Errorf("Probe: namespace %q, want %q", probe.Namespace, namespace)
		}
	}
	k := readKustomization(t, ".")
	if ex := readKustomization(t, "examples/probe"); ex.Namespace != k.Namespace {
		t.Errorf("examples/probe/kustomization.yaml: namespace %q, want the base's %q", ex.Namespace, k.Namespace)
	}
	probe := manifest.Only[*monitoringv1.Probe](t, build(t, "examples/probe"))
	check(probe, k.Namespace)
	dir := overlay(t, "resources: [BASE/examples/probe]\nnamespace: monitoring-kubeprobe\n", map[string]string{})
	// An overlay's namespace comes after the example's replacement: the
	// example's own namespace is the one to change (its comment says so).
	if p := manifest.Only[*monitoringv1.Probe](t, build(t, dir)); p.Spec.ProberSpec.URL == fmt.Sprintf("%s.monitoring-kubeprobe.svc:%d", svc.Name, port) {
		t.Error("an overlay's namespace now reaches the prober's address: update examples/probe/kustomization.yaml's comment")
	}
	copied := overlay(t, strings.Replace(string(readFile(t, "examples/probe/kustomization.yaml")), "namespace: "+k.Namespace, "namespace: monitoring-kubeprobe", 1),
		map[string]string{"probe.yaml": string(readFile(t, "examples/probe/probe.yaml"))})
	check(manifest.Only[*monitoringv1.Probe](t, build(t, copied)), "monitoring-kubeprobe")

	if alerts := string(readFile(t, alertsSource)); !strings.Contains(alerts, `{job="`+probe.Spec.JobName+`"`) {
		t.Errorf("Probe: job %q is not the one the mixin's alerts select", probe.Spec.JobName)
	}
	cfg, err := config.Load(configSource)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Modules[probe.Spec.Module]; !ok {
		t.Errorf("Probe: module %q is not in %s", probe.Spec.Module, configSource)
	}
	static := probe.Spec.Targets.StaticConfig
	if static == nil || len(static.Targets) == 0 || static.Labels["module"] != probe.Spec.Module {
		t.Errorf("Probe: want static targets labelled module=%s", probe.Spec.Module)
	}
}

// scrapeConfig is the part of Prometheus's scrape configuration the example
// uses; decoding it strictly catches a misspelt key.
type scrapeConfig struct {
	JobName             string `json:"job_name"`
	MetricsPath         string `json:"metrics_path,omitempty"`
	KubernetesSDConfigs []struct {
		Role string `json:"role"`
	} `json:"kubernetes_sd_configs"`
	RelabelConfigs []manifest.RelabelConfig `json:"relabel_configs"`
}

type prometheusConfig struct {
	ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
}

// readmeKubernetesBlock is the YAML block of README's "In Kubernetes".
func readmeKubernetesBlock(t *testing.T) []byte {
	t.Helper()
	_, section, ok := strings.Cut(string(readFile(t, "../../README.md")), "\n### In Kubernetes\n")
	_, block, ok2 := strings.Cut(section, "```yaml\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`README.md: no YAML block under "### In Kubernetes"`)
	}
	return []byte(block)
}

// exampleJobs are the jobs of examples/prometheus.yml, which must be
// README's "In Kubernetes" configuration.
func exampleJobs(t *testing.T) map[string]scrapeConfig {
	t.Helper()
	var example, readme prometheusConfig
	if err := manifest.UnmarshalStrict(readFile(t, "examples/prometheus.yml"), &example); err != nil {
		t.Fatalf("examples/prometheus.yml: %v", err)
	}
	if err := manifest.UnmarshalStrict(readmeKubernetesBlock(t), &readme); err != nil {
		t.Fatalf("README.md, In Kubernetes: %v", err)
	}
	if !reflect.DeepEqual(example, readme) {
		t.Error(`examples/prometheus.yml differs from README's "In Kubernetes"`)
	}
	jobs := map[string]scrapeConfig{}
	for _, sc := range example.ScrapeConfigs {
		jobs[sc.JobName] = sc
		manifest.CheckActions(t, "job "+sc.JobName, sc.RelabelConfigs)
	}
	return jobs
}

// The plain Prometheus example is README's configuration, decodes
// strictly, and routes as it says: the exporters' /metrics with their node,
// and each annotated pod probed by the exporter on its own node.
func TestPrometheusExample(t *testing.T) {
	jobs := exampleJobs(t)
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	port := manifest.ListenPort(t, manifest.Container(t, ds))
	exporterPod := map[string]string{
		"__address__": fmt.Sprintf("10.0.0.7:%d", port), "__meta_kubernetes_pod_node_name": "node-a",
		"__meta_kubernetes_pod_label_app_kubernetes_io_name": ds.Spec.Template.Labels["app.kubernetes.io/name"],
	}
	got := manifest.Relabel(exporterPod, jobs[manifest.MetricsJob].RelabelConfigs)
	if got == nil || got["node"] != "node-a" {
		t.Errorf("job kubeprobe: the exporter's pod gives %v, want it kept with node=node-a", got)
	}
	if got := manifest.Relabel(map[string]string{"__meta_kubernetes_pod_label_app_kubernetes_io_name": "kafka"}, jobs[manifest.MetricsJob].RelabelConfigs); got != nil {
		t.Errorf("job kubeprobe: another pod is kept: %v", got)
	}
	probe := jobs[manifest.ProbeJob]
	if probe.MetricsPath != "/probe" {
		t.Errorf("job kubeprobe_probe: metrics_path %q, want /probe", probe.MetricsPath)
	}
	manifest.CheckProbeRouting(t, "job kubeprobe_probe", probe.RelabelConfigs, port)
}

// The prometheus-operator component's ScrapeConfig is the kubeprobe_probe
// job of README's "In Kubernetes", in the operator's words: the same
// relabeling, step by step, and the same routing of sample pods.
func TestScrapeConfigIsReadmeJob(t *testing.T) {
	sc := manifest.Only[*monitoringv1alpha1.ScrapeConfig](t, decodeFile(t, "prometheus-operator/scrapeconfig.yaml"))
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	manifest.CheckScrapeConfig(t, sc, ds)
	job := exampleJobs(t)[manifest.ProbeJob]
	if got := manifest.FromOperator(sc.Spec.RelabelConfigs); !reflect.DeepEqual(got, job.RelabelConfigs) {
		t.Errorf("ScrapeConfig %s: relabelings differ from README's kubeprobe_probe job:\n got %+v\nwant %+v", sc.Name, got, job.RelabelConfigs)
	}
}
