package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The shadow command prints what a running exporter's /shadow holds: a
// scheduled entry, with its start-up line, whatever its probes have seen
// so far.
func TestShadowCommand(t *testing.T) {
	target := acceptAll(t)
	file := filepath.Join(t.TempDir(), "kubeprobe.yml")
	cfg := "modules:\n  kafka:\n    kubernetes_probe: {tcpSocket: {port: 9092}, periodSeconds: 5}\n" +
		"scheduled:\n  - {name: kafka-0, module: kafka, target: \"" + target + "\", type: liveness}\n"
	if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--config.file="+file)
	out, err := exec.Command(binary, "shadow", "--exporter.url="+e.base).CombinedOutput()
	if exitCode(err) != 0 {
		t.Fatalf("shadow: exit %d\n%s", exitCode(err), out)
	}
	mustContain(t, "shadow's output", string(out), "kafka-0 liveness", "kubelet holds", "start-up", "this probe allows")

	for _, bad := range []string{"http://" + freeAddress(t), "localhost:9878", "ftp://localhost"} {
		out, err = exec.Command(binary, "shadow", "--exporter.url="+bad).CombinedOutput()
		if exitCode(err) != 2 || !strings.Contains(string(out), "--exporter.url") && !strings.Contains(string(out), "is the exporter running") {
			t.Errorf("shadow --exporter.url=%s: exit %d, want 2 and why\n%s", bad, exitCode(err), out)
		}
	}
}
