package manifest

import (
	"fmt"
	"maps"
	"net"
	"regexp"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
)

// RelabelConfig is one of Prometheus's relabel_configs, as its
// configuration file writes it; decoding it strictly catches a misspelt key.
type RelabelConfig struct {
	SourceLabels []string `json:"source_labels,omitempty"`
	Separator    *string  `json:"separator,omitempty"`
	Regex        *string  `json:"regex,omitempty"`
	TargetLabel  string   `json:"target_label,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
	Action       string   `json:"action,omitempty"`
}

// FromOperator converts the operator's relabelings to Prometheus's, as the
// operator writes them into Prometheus's configuration: an empty regex is
// Prometheus's default.
func FromOperator(configs []monitoringv1.RelabelConfig) []RelabelConfig {
	var out []RelabelConfig
	for _, c := range configs {
		r := RelabelConfig{Separator: c.Separator, TargetLabel: c.TargetLabel, Replacement: c.Replacement, Action: strings.ToLower(c.Action)}
		for _, l := range c.SourceLabels {
			r.SourceLabels = append(r.SourceLabels, string(l))
		}
		if c.Regex != "" {
			r.Regex = &c.Regex
		}
		out = append(out, r)
	}
	return out
}

// CheckActions: every regex compiles, and every action is one Relabel
// implements.
func CheckActions(t testing.TB, where string, configs []RelabelConfig) {
	t.Helper()
	for _, c := range configs {
		if c.Regex != nil {
			if _, err := regexp.Compile(*c.Regex); err != nil {
				t.Errorf("%s: regex %q: %v", where, *c.Regex, err)
			}
		}
		if !slices.Contains([]string{"", "replace", "keep"}, c.Action) {
			t.Errorf("%s: action %q: want replace or keep", where, c.Action)
		}
	}
}

// Relabel applies Prometheus's replace and keep actions to a target's
// labels; nil means the target was dropped.
func Relabel(labels map[string]string, configs []RelabelConfig) map[string]string {
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

// CheckProbeRouting applies a probe job's relabeling to sample pods
// discovered by Prometheus's pod role: an annotated Kafka broker is probed
// at its pod IP and annotated port by the exporter on its own node (its
// host IP and the exporter's port), labelled with the mixin's instance,
// module and node; a pod without the annotation is not probed.
func CheckProbeRouting(t testing.TB, where string, configs []RelabelConfig, port int32) {
	t.Helper()
	CheckActions(t, where, configs)
	broker := map[string]string{
		"__address__": "10.244.1.5:9092", "__meta_kubernetes_pod_ip": "10.244.1.5",
		"__meta_kubernetes_pod_host_ip": "10.0.0.8", "__meta_kubernetes_pod_node_name": "node-b",
		"__meta_kubernetes_pod_annotation_kubeprobe_io_module": "kafka_readiness",
		"__meta_kubernetes_pod_annotation_kubeprobe_io_port":   "9092",
	}
	want := map[string]string{
		"__address__": net.JoinHostPort("10.0.0.8", fmt.Sprint(port)), "__param_target": "10.244.1.5:9092", "__param_module": "kafka_readiness",
		"instance": "10.244.1.5:9092", "module": "kafka_readiness", "node": "node-b",
	}
	got := Relabel(broker, configs)
	if got == nil {
		t.Fatalf("%s: the annotated broker is dropped", where)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: the annotated broker gets %s=%q, want %q", where, k, got[k], v)
		}
	}
	// Another node's broker goes to that node's exporter.
	other := maps.Clone(broker)
	other["__meta_kubernetes_pod_host_ip"], other["__meta_kubernetes_pod_node_name"] = "10.0.0.9", "node-c"
	if got := Relabel(other, configs); got == nil || got["__address__"] != net.JoinHostPort("10.0.0.9", fmt.Sprint(port)) || got["node"] != "node-c" {
		t.Errorf("%s: a broker on node-c is scraped at %v, want the exporter at 10.0.0.9:%d", where, got, port)
	}
	delete(broker, "__meta_kubernetes_pod_annotation_kubeprobe_io_module")
	if got := Relabel(broker, configs); got != nil {
		t.Errorf("%s: a pod without the kubeprobe.io/module annotation is probed: %v", where, got)
	}
}

// CheckScrapeConfig: the operator's ScrapeConfig for per-node probes
// discovers pods, scrapes /probe as the mixin's probe job, and routes
// each annotated pod to the exporter on its own node.
func CheckScrapeConfig(t testing.TB, sc *monitoringv1alpha1.ScrapeConfig, ds *appsv1.DaemonSet) {
	t.Helper()
	where := "ScrapeConfig " + sc.Name
	if sc.Spec.JobName == nil || *sc.Spec.JobName != ProbeJob {
		t.Errorf("%s: jobName %s, want %s, the job the mixin's probe alerts select", where, deref(sc.Spec.JobName), ProbeJob)
	}
	if sc.Spec.MetricsPath == nil || *sc.Spec.MetricsPath != "/probe" {
		t.Errorf("%s: metricsPath %s, want /probe", where, deref(sc.Spec.MetricsPath))
	}
	if len(sc.Spec.KubernetesSDConfigs) != 1 || sc.Spec.KubernetesSDConfigs[0].Role != monitoringv1alpha1.KubernetesRolePod {
		t.Errorf("%s: want one Kubernetes discovery of role Pod, got %+v", where, sc.Spec.KubernetesSDConfigs)
	}
	CheckProbeRouting(t, where, FromOperator(sc.Spec.RelabelConfigs), ListenPort(t, Container(t, ds)))
}
