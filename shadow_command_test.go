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

// config.example.yml's scheduled section, uncommented and pointed at a
// listener, loads, and its entries are shadowed: the example works as its
// comment says.
func TestExampleScheduledEntries(t *testing.T) {
	data, err := os.ReadFile("config.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	target := acceptAll(t)
	var lines []string
	uncommented := 0
	for _, l := range strings.Split(string(data), "\n") {
		if l == "# scheduled:" || strings.HasPrefix(l, "#   - {name:") {
			l = strings.ReplaceAll(strings.TrimPrefix(l, "# "), "10.0.0.5", target)
			uncommented++
		}
		lines = append(lines, l)
	}
	if uncommented < 2 {
		t.Fatalf("config.example.yml: no commented scheduled section with entries to uncomment")
	}
	file := filepath.Join(t.TempDir(), "kubeprobe.yml")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	e := startExporter(t, "--config.file="+file)
	out, err := exec.Command(binary, "shadow", "--exporter.url="+e.base).CombinedOutput()
	if exitCode(err) != 0 {
		t.Fatalf("shadow: exit %d\n%s", exitCode(err), out)
	}
	mustContain(t, "shadow's output", string(out), "kafka-0 liveness", "kafka-0 readiness", "initialDelaySeconds 15")
}
