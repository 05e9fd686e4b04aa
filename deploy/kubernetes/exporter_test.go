package kubernetes_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	manifest.Cleanup()
	os.Exit(code)
}

// The exporter accepts every argument the DaemonSet gives it, and the
// configuration it mounts.
func TestDaemonSetArgsParse(t *testing.T) {
	ds := manifest.Only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	config := readKustomization(t, ".").ConfigMapGenerator[0].Files[0]
	manifest.CheckArgs(t, ds, map[string]string{"/etc/kubeprobe/config.yml": config})
	// The same check refuses a flag the exporter does not have.
	args := append(manifest.LocalArgs(t, ds, map[string]string{"/etc/kubeprobe/config.yml": config}), "--config.check", "--nodeport.kubernets")
	if out, err := exec.Command(manifest.Exporter(t), args...).CombinedOutput(); err == nil {
		t.Errorf("an unknown flag was accepted: kubeprobe_exporter %s\n%s", strings.Join(args, " "), out)
	}
}
