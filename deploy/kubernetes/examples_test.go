package kubernetes_test

import (
	"fmt"
	"maps"
	"net"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// The Probe example decodes strictly and points at this deployment: the
// headless Service in kustomization.yaml's namespace, /probe, a module of
// the configuration, and the job and module labels of the mixin.
func TestProbeExample(t *testing.T) {
	probe := only[*monitoringv1.Probe](t, decodeFile(t, "examples/probe.yaml"))
	k := readKustomization(t)
	var objects []any
	for _, f := range []string{"service.yaml", "daemonset.yaml"} {
		objects = append(objects, decodeFile(t, f)...)
	}
	svc := only[*corev1.Service](t, objects)
	port := listenPort(t, container(t, only[*appsv1.DaemonSet](t, objects)))
	if want := fmt.Sprintf("%s.%s.svc:%d", svc.Name, k.Namespace, port); probe.Spec.ProberSpec.URL != want || probe.Spec.ProberSpec.Path != "/probe" {
		t.Errorf("Probe: prober %s%s, want %s/probe", probe.Spec.ProberSpec.URL, probe.Spec.ProberSpec.Path, want)
	}
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
	RelabelConfigs []relabelConfig `json:"relabel_configs"`
}

type relabelConfig struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Separator    *string  `json:"separator,omitempty"`
	Regex        *string  `json:"regex,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
	Action       string   `json:"action,omitempty"`
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

// relabel applies Prometheus's replace and keep actions to a target's
// labels; nil means the target was dropped.
func relabel(labels map[string]string, configs []relabelConfig) map[string]string {
	labels = maps.Clone(labels)
	for _, c := range configs {
		sep, regex, replacement := ";", "(.*)", "$1"
		if c.Separator != nil {
			sep = *c.Separator
		}
		if c.Regex != nil {
			regex = *c.Regex
		}
		if c.Replacement != nil {
			replacement = *c.Replacement
		}
		var values []string
		for _, l := range c.SourceLabels {
			values = append(values, labels[l])
		}
		value := strings.Join(values, sep)
		re := regexp.MustCompile("^(?s:" + regex + ")$")
		switch c.Action {
		case "keep":
			if !re.MatchString(value) {
				return nil
			}
		case "", "replace":
			if m := re.FindStringSubmatchIndex(value); m != nil {
				if v := string(re.ExpandString(nil, replacement, value, m)); v != "" {
					labels[c.TargetLabel] = v
				} else {
					delete(labels, c.TargetLabel)
				}
			}
		}
	}
	return labels
}

// The plain Prometheus example is README's configuration, decodes
// strictly, and routes as it says: the exporters' /metrics with their node,
// and each annotated pod probed by the exporter on its own node.
func TestPrometheusExample(t *testing.T) {
	var example, readme prometheusConfig
	if err := unmarshalStrict(readFile(t, "examples/prometheus.yml"), &example); err != nil {
		t.Fatalf("examples/prometheus.yml: %v", err)
	}
	if err := unmarshalStrict(readmeKubernetesBlock(t), &readme); err != nil {
		t.Fatalf("README.md, In Kubernetes: %v", err)
	}
	if !reflect.DeepEqual(example, readme) {
		t.Error(`examples/prometheus.yml differs from README's "In Kubernetes"`)
	}
	jobs := map[string]scrapeConfig{}
	for _, sc := range example.ScrapeConfigs {
		jobs[sc.JobName] = sc
		for _, c := range sc.RelabelConfigs {
			if c.Regex != nil {
				if _, err := regexp.Compile(*c.Regex); err != nil {
					t.Errorf("job %s: regex %q: %v", sc.JobName, *c.Regex, err)
				}
			}
			if !slices.Contains([]string{"", "replace", "keep"}, c.Action) {
				t.Errorf("job %s: action %q: want replace or keep", sc.JobName, c.Action)
			}
		}
	}

	ds := only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	port := fmt.Sprint(listenPort(t, container(t, ds)))
	exporterPod := map[string]string{
		"__address__": "10.0.0.7:" + port, "__meta_kubernetes_pod_node_name": "node-a",
		"__meta_kubernetes_pod_label_app_kubernetes_io_name": ds.Spec.Template.Labels["app.kubernetes.io/name"],
	}
	got := relabel(exporterPod, jobs["kubeprobe"].RelabelConfigs)
	if got == nil || got["node"] != "node-a" {
		t.Errorf("job kubeprobe: the exporter's pod gives %v, want it kept with node=node-a", got)
	}
	if got := relabel(map[string]string{"__meta_kubernetes_pod_label_app_kubernetes_io_name": "kafka"}, jobs["kubeprobe"].RelabelConfigs); got != nil {
		t.Errorf("job kubeprobe: another pod is kept: %v", got)
	}

	broker := map[string]string{
		"__address__": "10.244.1.5:9092", "__meta_kubernetes_pod_ip": "10.244.1.5",
		"__meta_kubernetes_pod_host_ip": "10.0.0.8", "__meta_kubernetes_pod_node_name": "node-b",
		"__meta_kubernetes_pod_annotation_kubeprobe_io_module": "kafka_readiness",
		"__meta_kubernetes_pod_annotation_kubeprobe_io_port":   "9092",
	}
	want := map[string]string{
		"__address__": net.JoinHostPort("10.0.0.8", port), "__param_target": "10.244.1.5:9092", "__param_module": "kafka_readiness",
		"instance": "10.244.1.5:9092", "module": "kafka_readiness", "node": "node-b",
	}
	got = relabel(broker, jobs["kubeprobe_probe"].RelabelConfigs)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("job kubeprobe_probe: %s=%q, want %q", k, got[k], v)
		}
	}
	if jobs["kubeprobe_probe"].MetricsPath != "/probe" {
		t.Errorf("job kubeprobe_probe: metrics_path %q, want /probe", jobs["kubeprobe_probe"].MetricsPath)
	}
	delete(broker, "__meta_kubernetes_pod_annotation_kubeprobe_io_module")
	if got := relabel(broker, jobs["kubeprobe_probe"].RelabelConfigs); got != nil {
		t.Errorf("job kubeprobe_probe: a pod without the annotation is probed: %v", got)
	}
}
