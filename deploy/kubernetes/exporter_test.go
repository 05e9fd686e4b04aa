package kubernetes_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
)

// built is the exporter, built once for the tests that run it, in a
// directory any user may enter: the capability tests run it as the image's
// non-root user.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func exporterBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "kubeprobe-deploy"); built.err != nil {
			return
		}
		if built.err = os.Chmod(built.dir, 0o755); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "kubeprobe_exporter")
		cmd := exec.Command("go", "build", "-o", built.path, "../..")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("building the exporter: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// localArgs are the DaemonSet's arguments with --config.file pointed at
// this directory's copy of the ConfigMap's file.
func localArgs(t *testing.T, ds *appsv1.DaemonSet, configFile string) []string {
	t.Helper()
	var args []string
	for _, a := range container(t, ds).Args {
		if strings.HasPrefix(a, "--config.file=") {
			a = "--config.file=" + configFile
		}
		args = append(args, a)
	}
	return args
}

// The exporter accepts every argument the DaemonSet gives it, and the
// configuration it mounts: --config.check parses the whole command line
// (an unknown flag or a bad value is refused before anything runs), then
// loads the file.
func TestDaemonSetArgsParse(t *testing.T) {
	ds := only[*appsv1.DaemonSet](t, decodeFile(t, "daemonset.yaml"))
	if c := container(t, ds); len(c.Command) != 0 {
		t.Errorf("DaemonSet: command %v replaces the image's entrypoint", c.Command)
	}
	bin := exporterBinary(t)
	args := localArgs(t, ds, readKustomization(t).ConfigMapGenerator[0].Files[0])
	if out, err := exec.Command(bin, append(args, "--config.check")...).CombinedOutput(); err != nil {
		t.Errorf("kubeprobe_exporter %s --config.check: %v\n%s", strings.Join(args, " "), err, out)
	}
	// The same check refuses a flag the exporter does not have.
	if out, err := exec.Command(bin, append(args, "--config.check", "--nodeport.kubernets")...).CombinedOutput(); err == nil {
		t.Errorf("an unknown flag was accepted:\n%s", out)
	}
}
