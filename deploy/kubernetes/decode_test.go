// Package kubernetes_test proves the manifests of deploy/kubernetes valid
// without a cluster: every object decodes strictly into its Go type, the
// invariants of the issue hold before and after kustomize, with and without
// each component, the generated files are in step with their sources, and
// the securityContext gives the capture its capability on the real kernel.
// The decoding and the invariants are deploy/internal/manifest's, which the
// chart's tests share.
package kubernetes_test

import (
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// The strict decode must refuse what the API server would not know: a
// misspelt field, a duplicate one, an unknown kind.
func TestDecodeStrictRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":   "apiVersion: v1\nkind: Service\nspec:\n  clusterIp: None\n",
		"duplicate field": "apiVersion: v1\nkind: Service\nspec:\n  clusterIP: None\n  clusterIP: None\n",
		"unknown kind":    "apiVersion: v1\nkind: Servce\n",
		"wrong type":      "apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      hostNetwork: \"yes\"\n",
		"operator field":  "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nspec:\n  podMetricsEndpoints:\n    - paht: /metrics\n",
		"v1alpha1 field":  "apiVersion: monitoring.coreos.com/v1alpha1\nkind: ScrapeConfig\nspec:\n  kubernetesSdConfigs: []\n",
	} {
		if _, err := manifest.DecodeStrict(name, []byte(doc)); err == nil {
			t.Errorf("%s: decoded without an error:\n%s", name, doc)
		}
	}
}

func decodeFile(t *testing.T, path string) []any { return manifest.DecodeFile(t, path) }

func readFile(t *testing.T, path string) []byte { return manifest.ReadFile(t, path) }
