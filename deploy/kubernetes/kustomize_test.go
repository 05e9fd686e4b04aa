package kubernetes_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

func kustomizeTool(t *testing.T) string {
	return testenv.Tool(t, "KUSTOMIZE", filepath.Join("..", "..", ".build", "tools", "kustomize"),
		"make test installs it into .build/tools")
}

// build runs kustomize build on dir and decodes its output strictly.
func build(t *testing.T, dir string) []any {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(kustomizeTool(t), "build", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr.String())
	}
	objects, err := manifest.DecodeStrict("kustomize build "+dir, out)
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// overlay writes a kustomization.yaml, and the files beside it, into a new
// directory, "BASE" in it standing for the relative path of this one, as a
// user's overlay beside a checkout would have it.
func overlay(t *testing.T, kustomization string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, here)
	if err != nil {
		t.Fatal(err)
	}
	files["kustomization.yaml"] = strings.ReplaceAll(kustomization, "BASE", rel)
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// kustomize build succeeds, its output decodes strictly and holds the same
// invariants, and kustomize did what the files rely on it for: the
// namespace everywhere, the image, the generated ConfigMap and its hashed
// name, the binding's subject, the local-config range left out.
func TestKustomizeBuild(t *testing.T) {
	objects := build(t, ".")
	k := readKustomization(t, ".")
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true})
	checkNamespaces(t, objects, k.Namespace)
	if len(k.Images) != 1 {
		t.Errorf("kustomization.yaml: want one image to set, got %d", len(k.Images))
	}
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	c := manifest.Container(t, ds)
	if want := k.Images[0].NewName + ":" + k.Images[0].NewTag; c.Image != want {
		t.Errorf("DaemonSet: image %q, want %q from kustomization.yaml", c.Image, want)
	}
	cm := configMap(t, objects, ds)
	cfg, path := manifest.Config(t, cm, "config.yml")
	manifest.CheckConfigFollows(t, "ConfigMap "+cm.Name, cfg, manifest.DefaultNodePortRange)
	if got, want := cm.Data["config.yml"], string(readFile(t, configSource)); got != want {
		t.Errorf("ConfigMap %s: config.yml differs from %s", cm.Name, configSource)
	}
	if _, err := config.Load(path); err != nil {
		t.Errorf("ConfigMap %s: the configuration does not load: %v", cm.Name, err)
	}
}

// checkNamespaces: the namespace of the kustomization on every namespaced
// object, and the privileged Pod Security level on the Namespace.
func checkNamespaces(t *testing.T, objects []any, namespace string) {
	t.Helper()
	ns := manifest.Only[*corev1.Namespace](t, objects)
	if ns.Name != namespace || ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("Namespace %s (labels %v): want %s enforcing the privileged Pod Security level", ns.Name, ns.Labels, namespace)
	}
	for _, o := range objects {
		m := o.(metav1.Object)
		switch o.(type) {
		case *corev1.Namespace, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			continue // cluster-scoped
		}
		if m.GetNamespace() != namespace {
			t.Errorf("%T %s is in namespace %q, want %q", o, m.GetName(), m.GetNamespace(), namespace)
		}
	}
}

// configMap returns the one ConfigMap, which must be the generated one the
// DaemonSet mounts at the path of --config.file: the NodePort range's
// local-config ConfigMap is not applied.
func configMap(t *testing.T, objects []any, ds *appsv1.DaemonSet) *corev1.ConfigMap {
	t.Helper()
	cm := manifest.Only[*corev1.ConfigMap](t, objects)
	gen := readKustomization(t, ".").ConfigMapGenerator[0]
	if !strings.HasPrefix(cm.Name, gen.Name+"-") {
		t.Errorf("ConfigMap %s: want the generator's name with a hash of the contents", cm.Name)
	}
	c := manifest.Container(t, ds)
	configFile := manifest.FlagValue(c.Args, "config.file", "")
	mounted := false
	for _, v := range ds.Spec.Template.Spec.Volumes {
		if v.ConfigMap == nil || v.ConfigMap.Name != cm.Name {
			continue
		}
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name && m.SubPath == "" && configFile == filepath.Join(m.MountPath, gen.Files[0]) {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("DaemonSet: --config.file=%s is not ConfigMap %s's %s", configFile, cm.Name, gen.Files[0])
	}
	return cm
}

// An overlay with the prometheus-operator component, in a namespace of its
// own: the operator's objects join the base's, in the overlay's namespace,
// and hold the invariants (the PodMonitor's labels, the ScrapeConfig's
// routing of each pod to its node's exporter, the mixin's rules).
func TestPrometheusOperatorComponent(t *testing.T) {
	dir := overlay(t, `
resources: [BASE]
components: [BASE/prometheus-operator]
namespace: monitoring-kubeprobe
`, map[string]string{})
	objects := build(t, dir)
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true, PodMonitor: true, ScrapeConfig: true, PrometheusRule: true})
	checkNamespaces(t, objects, "monitoring-kubeprobe")
}

// The NodePort range in one place: an overlay that merges another range
// into the base's generator and adds the nodeport-range component gets it
// in --nodeport.range and in every module of config.yml that probes from
// the range, and nowhere else; the exporter accepts the result.
func TestNodePortRangeComponent(t *testing.T) {
	const other = "20000-22767"
	dir := overlay(t, `
resources: [BASE]
components: [BASE/nodeport-range]
configMapGenerator:
  - name: kubeprobe-exporter-nodeport-range
    behavior: merge
    literals: [range=`+other+`]
`, map[string]string{})
	objects := build(t, dir)
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	if got := manifest.NodePortRange(manifest.Container(t, ds)); got != other {
		t.Errorf("DaemonSet: --nodeport.range=%s, want the overlay's %s", got, other)
	}
	cm := configMap(t, objects, ds)
	cfg, path := manifest.Config(t, cm, "config.yml")
	manifest.CheckConfigFollows(t, "ConfigMap "+cm.Name, cfg, other)
	manifest.CheckArgs(t, ds, map[string]string{"/etc/kubeprobe/config.yml": path})

	// Without the component, merging the range changes nothing: the
	// component is what applies it (as its comment and README say).
	dir = overlay(t, `
resources: [BASE]
configMapGenerator:
  - name: kubeprobe-exporter-nodeport-range
    behavior: merge
    literals: [range=`+other+`]
`, map[string]string{})
	ds = manifest.Only[*appsv1.DaemonSet](t, build(t, dir))
	if got := manifest.NodePortRange(manifest.Container(t, ds)); got != manifest.DefaultNodePortRange {
		t.Errorf("without the component, --nodeport.range=%s", got)
	}
}

// The web-config component, with an overlay's web configuration that asks
// for basic auth: the Secret is mounted at --web.config.file, and the
// DaemonSet's probes become tcpSocket probes. Started with those arguments
// and that file, the exporter answers 401 on /-/healthy and /-/ready, and
// the probes the DaemonSet now has pass, as kubelet runs them.
func TestWebConfigComponent(t *testing.T) {
	dir := overlay(t, `
resources: [BASE]
components: [BASE/web-config]
namespace: kubeprobe
secretGenerator:
  - name: kubeprobe-exporter-web-config
    files: [web-config.yml]
`, map[string]string{"web-config.yml": manifest.BasicAuthWebConfig})
	objects := build(t, dir)
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true, WebConfig: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	secret := manifest.Only[*corev1.Secret](t, objects)
	c := manifest.Container(t, ds)
	webConfig := manifest.FlagValue(c.Args, "web.config.file", "")
	mounted := false
	for _, v := range ds.Spec.Template.Spec.Volumes {
		for _, m := range c.VolumeMounts {
			if v.Secret != nil && v.Secret.SecretName == secret.Name && m.Name == v.Name && webConfig == filepath.Join(m.MountPath, "web-config.yml") {
				mounted = true
			}
		}
	}
	if !mounted || string(secret.Data["web-config.yml"]) != manifest.BasicAuthWebConfig {
		t.Fatalf("DaemonSet: --web.config.file=%s is not Secret %s's web-config.yml", webConfig, secret.Name)
	}

	cm := configMap(t, objects, ds)
	_, configPath := manifest.Config(t, cm, "config.yml")
	webPath := filepath.Join(t.TempDir(), "web-config.yml")
	if err := os.WriteFile(webPath, secret.Data["web-config.yml"], 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"/etc/kubeprobe/config.yml": configPath, webConfig: webPath}
	addr := manifest.Serve(t, ds, files)
	manifest.CheckBasicAuth(t, addr)
	manifest.CheckProbesPass(t, ds, addr)

	// The base's own probes pass against the base's exporter, without a
	// web configuration.
	base := manifest.Only[*appsv1.DaemonSet](t, build(t, "."))
	manifest.CheckProbesPass(t, base, manifest.Serve(t, base, map[string]string{"/etc/kubeprobe/config.yml": configSource}))
}

// The shadow-pods component: --shadow.pods, and list and watch on Pods in
// the ClusterRole beside the Services; the base grants no Pods (Check
// holds both: the role has Pods exactly when the flag is given). The
// exporter accepts the arguments.
func TestShadowPodsComponent(t *testing.T) {
	dir := overlay(t, `
resources: [BASE]
components: [BASE/shadow-pods]
`, map[string]string{})
	objects := build(t, dir)
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, ShadowPods: true, Service: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	manifest.CheckArgs(t, ds, map[string]string{"/etc/kubeprobe/config.yml": configSource})

	// With the operator's component too, in either order.
	dir = overlay(t, `
resources: [BASE]
components: [BASE/prometheus-operator, BASE/shadow-pods]
`, map[string]string{})
	manifest.Check(t, build(t, dir), manifest.Expect{Capture: true, Kubernetes: true, ShadowPods: true, Service: true,
		PodMonitor: true, ScrapeConfig: true, PrometheusRule: true})
}
