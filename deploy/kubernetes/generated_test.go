package kubernetes_test

import (
	"bytes"
	"flag"
	"fmt"
	"reflect"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// kustomize reads no file outside this directory, so the configuration and
// the mixin's rules are copied in; `make kubernetes-manifests` runs this
// test with -update to rewrite them.
var update = flag.Bool("update", false, "rewrite config.yml and prometheusrule.yaml from their sources")

const (
	configSource = "../../config.example.yml"
	alertsSource = "../../mixin/prometheus_alerts.yaml"
	rulesSource  = "../../mixin/prometheus_rules.yaml"
	ruleFile     = "prometheus-operator/prometheusrule.yaml"
)

const ruleHeader = `# Generated from mixin/prometheus_alerts.yaml and mixin/prometheus_rules.yaml
# by make kubernetes-manifests: do not edit. The mixin's alerts and recording
# rules for the Prometheus Operator. A Prometheus loads the PrometheusRules its
# ruleSelector matches: kube-prometheus-stack, for one, wants its release
# label (add it in an overlay).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: kubeprobe-exporter
  labels:
    app.kubernetes.io/name: kubeprobe-exporter
spec:
  groups:
`

// prometheusRule wraps the groups of the mixin's generated files, as they
// are, in a PrometheusRule.
func prometheusRule(sources ...[]byte) ([]byte, error) {
	out := bytes.NewBufferString(ruleHeader)
	for i, src := range sources {
		groups, ok := bytes.CutPrefix(src, []byte("groups:\n"))
		if !ok {
			return nil, fmt.Errorf("source %d does not start with groups:", i+1)
		}
		for line := range bytes.Lines(groups) {
			if len(bytes.TrimSpace(line)) > 0 {
				out.WriteString("  ")
			}
			out.Write(line)
		}
	}
	return out.Bytes(), nil
}

func TestGeneratedConfig(t *testing.T) {
	manifest.CheckGenerated(t, readKustomization(t, ".").ConfigMapGenerator[0].Files[0], readFile(t, configSource), *update)
}

func TestGeneratedPrometheusRule(t *testing.T) {
	want, err := prometheusRule(readFile(t, alertsSource), readFile(t, rulesSource))
	if err != nil {
		t.Fatal(err)
	}
	manifest.CheckGenerated(t, ruleFile, want, *update)

	// Whatever the text, the PrometheusRule must hold every group of both
	// files, in order, unchanged.
	rule := manifest.Only[*monitoringv1.PrometheusRule](t, decodeFile(t, ruleFile))
	if !reflect.DeepEqual(rule.Spec.Groups, manifest.MixinGroups(t)) {
		t.Errorf("%s: its groups differ from the mixin's: %s", ruleFile, manifest.RegenerateHint)
	}
}
