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
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// kustomize build succeeds, its output decodes strictly and holds the same
// invariants, and kustomize did what the files rely on it for: the
// namespace everywhere, the image, the generated ConfigMap and its hashed
// name, the binding's subject.
func TestKustomizeBuild(t *testing.T) {
	kustomize := testenv.Tool(t, "KUSTOMIZE", filepath.Join("..", "..", ".build", "tools", "kustomize"),
		"make test installs it into .build/tools")
	var stderr bytes.Buffer
	cmd := exec.Command(kustomize, "build", ".")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build: %v\n%s", err, stderr.String())
	}
	objects, err := decodeStrict("kustomize build", out)
	if err != nil {
		t.Fatal(err)
	}
	k := readKustomization(t)
	checkInvariants(t, k, objects)

	ns := only[*corev1.Namespace](t, objects)
	if ns.Name != k.Namespace || ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
		t.Errorf("Namespace %s (labels %v): want %s enforcing the privileged Pod Security level", ns.Name, ns.Labels, k.Namespace)
	}
	for _, o := range objects {
		m := o.(metav1.Object)
		switch o.(type) {
		case *corev1.Namespace, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			continue // cluster-scoped
		}
		if m.GetNamespace() != k.Namespace {
			t.Errorf("%T %s is in namespace %q, want %q", o, m.GetName(), m.GetNamespace(), k.Namespace)
		}
	}

	ds := only[*appsv1.DaemonSet](t, objects)
	c := container(t, ds)
	if want := k.Images[0].NewName + ":" + k.Images[0].NewTag; c.Image != want {
		t.Errorf("DaemonSet: image %q, want %q from kustomization.yaml", c.Image, want)
	}
	checkConfigMap(t, k, only[*corev1.ConfigMap](t, objects), ds)
}

// checkConfigMap: the generated ConfigMap is the one the DaemonSet mounts,
// at the path of --config.file, and holds config.example.yml, which loads.
func checkConfigMap(t *testing.T, k kustomization, cm *corev1.ConfigMap, ds *appsv1.DaemonSet) {
	t.Helper()
	gen := k.ConfigMapGenerator[0]
	if !strings.HasPrefix(cm.Name, gen.Name+"-") {
		t.Errorf("ConfigMap %s: want the generator's name with a hash of the contents", cm.Name)
	}
	c := container(t, ds)
	configFile := flagValue(c.Args, "config.file", "")
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
	if got, want := cm.Data[gen.Files[0]], string(readFile(t, configSource)); got != want {
		t.Errorf("ConfigMap %s: %s differs from %s", cm.Name, gen.Files[0], configSource)
	}
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(cm.Data[gen.Files[0]]), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(path); err != nil {
		t.Errorf("ConfigMap %s: the configuration does not load: %v", cm.Name, err)
	}
}
