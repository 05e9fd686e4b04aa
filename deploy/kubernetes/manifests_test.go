package kubernetes_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// kustomization is the part of a kustomization.yaml the tests read.
type kustomization struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Images    []struct {
		Name    string `json:"name"`
		NewName string `json:"newName"`
		NewTag  string `json:"newTag"`
	} `json:"images"`
	Resources          []string `json:"resources"`
	Components         []string `json:"components"`
	ConfigMapGenerator []struct {
		Name     string   `json:"name"`
		Files    []string `json:"files"`
		Literals []string `json:"literals"`
	} `json:"configMapGenerator"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	var k kustomization
	if err := yaml.Unmarshal(readFile(t, filepath.Join(dir, "kustomization.yaml")), &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if dir == "." && (len(k.ConfigMapGenerator) != 2 || len(k.ConfigMapGenerator[0].Files) != 1) {
		t.Fatalf("kustomization.yaml: want the configuration's configMapGenerator of one file and the NodePort range's, got %+v", k.ConfigMapGenerator)
	}
	return k
}

// nodePortRange is the base's one place for the NodePort range: the literal
// of its local-config ConfigMap.
func nodePortRange(t *testing.T) string {
	t.Helper()
	gen := readKustomization(t, ".").ConfigMapGenerator[1]
	if gen.Name != "kubeprobe-exporter-nodeport-range" || len(gen.Literals) != 1 || !strings.HasPrefix(gen.Literals[0], "range=") {
		t.Fatalf("kustomization.yaml: want the generator kubeprobe-exporter-nodeport-range of one literal range=..., got %+v", gen)
	}
	return strings.TrimPrefix(gen.Literals[0], "range=")
}

// The base's files and the prometheus-operator component's, each decoded
// strictly, hold the invariants, alone and together. Every YAML file of
// these directories is a resource or the configuration, so none is
// forgotten.
func TestManifests(t *testing.T) {
	base := readKustomization(t, ".")
	var objects []any
	for _, file := range base.Resources {
		objects = append(objects, decodeFile(t, file)...)
	}
	checkAccounted(t, ".", append(slices.Clone(base.Resources), base.ConfigMapGenerator[0].Files[0]))
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true})

	component := readKustomization(t, "prometheus-operator")
	if component.Kind != "Component" {
		t.Errorf("prometheus-operator/kustomization.yaml: kind %q, want Component", component.Kind)
	}
	checkAccounted(t, "prometheus-operator", component.Resources)
	for _, file := range component.Resources {
		objects = append(objects, decodeFile(t, filepath.Join("prometheus-operator", file))...)
	}
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true, PodMonitor: true, ScrapeConfig: true, PrometheusRule: true})

	// The base is applied without the operator: none of its resources is
	// one of the operator's kinds.
	for _, file := range base.Resources {
		if strings.Contains(string(readFile(t, file)), "monitoring.coreos.com") {
			t.Errorf("%s needs the Prometheus Operator's CRDs; the base must apply without them", file)
		}
	}
	if len(base.Components) != 0 {
		t.Errorf("kustomization.yaml: components %v; the base adds none, so that it applies without the operator", base.Components)
	}
}

// checkAccounted: every YAML file of dir but kustomization.yaml is listed.
func checkAccounted(t *testing.T, dir string, listed []string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.y*ml"))
	for _, f := range files {
		if name := filepath.Base(f); name != "kustomization.yaml" && !slices.Contains(listed, name) {
			t.Errorf("%s is not in %s/kustomization.yaml", f, dir)
		}
	}
}

// The NodePort range is written once for overlays, and the base's copies
// of it agree: daemonset.yaml's --nodeport.range and config.yml's modules
// that probe from the range.
func TestNodePortRangeInStep(t *testing.T) {
	want := nodePortRange(t)
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	if got := manifest.FlagValue(manifest.Container(t, ds).Args, "nodeport.range", ""); got != want {
		t.Errorf("daemonset.yaml: --nodeport.range=%s, kustomization.yaml's range is %s", got, want)
	}
	cfg := manifest.ParseConfig(t, "config.yml", readFile(t, "config.yml"))
	for _, f := range manifest.NodePortRangeFields {
		if v, ok := manifest.Lookup(cfg, f); !ok || v != want {
			t.Errorf("config.yml: %s is %v, kustomization.yaml's range is %s", f, v, want)
		}
	}
	manifest.CheckNodePortRangeFields(t)
}

// Every directory here (a component or the examples) is in README's table
// of deploy/kubernetes.
func TestDirectoriesDocumented(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(readFile(t, "../../README.md"))
	for _, e := range entries {
		if e.IsDir() && !strings.Contains(readme, "`"+e.Name()+"/") {
			t.Errorf("deploy/kubernetes/%s/ is not in README's table of deploy/kubernetes", e.Name())
		}
	}
}
