package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// bootstrapScript is the node bootstrap script of docs/collector.md, the
// sh block after the comment that names this test.
func bootstrapScript(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile("docs/collector.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- TestBootstrapScriptAppliesTheFix runs the script below as it stands. -->\n```sh\n")
	script, _, closed := strings.Cut(after, "\n```\n")
	if !ok || !closed {
		t.Fatal("docs/collector.md has no sh block after the comment naming TestBootstrapScriptAppliesTheFix")
	}
	return script
}

// A fresh node: the ranges overlap, nothing is reserved and no NodePort is
// allocated yet. check must not say OK beside its fix, must exit with the
// documented code for "exposed", and the documented bootstrap script must
// apply the fix, after which check exits 0.
func TestBootstrapScriptAppliesTheFix(t *testing.T) {
	jq := testenv.Tool(t, "", "jq", "Debian: jq")
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "1024 65000")
	}, func(t *testing.T, l *netlab.Lab) {
		text, code := runCheckBinary(t, "--churn.interval=0s", "--no-nodeport.ipvs")
		if code != exitExposed {
			t.Errorf("check on a fresh node: exit %d, want %d:\n%s", code, exitExposed, text)
		}
		mustContain(t, "the report", text,
			"EXPOSED: no NodePort source is on, so no allocated NodePort is known, but the kernel may hand out 2768 ports of the NodePort range and the exporter's listen port 9878 as source ports\n",
			"Listen port 9878 (--web.listen-address) may be handed out as a source port",
			"Fix: reserve the NodePort range and the exporter's listen port 9878, keeping what is already reserved:\n  sysctl -w net.ipv4.ip_local_reserved_ports=9878,30000-32767\n")
		if strings.Contains(text, "OK") {
			t.Errorf("the report of a node that needs the fix says OK:\n%s", text)
		}
		var report checkJSON
		out, code := runCheckBinary(t, "--churn.interval=0s", "--no-nodeport.ipvs", "--format=json")
		if err := json.Unmarshal([]byte(out), &report); err != nil || code != exitExposed || report.Verdict != "exposed" || !report.Fix.Needed {
			t.Errorf("json check: exit %d, %v, verdict %q, fix needed %v:\n%s", code, err, report.Verdict, report.Fix.Needed, out)
		}

		conf := filepath.Join(t.TempDir(), "90-kubeprobe-reserved-ports.conf")
		cmd := exec.Command("sh", "-e", "-c", bootstrapScript(t))
		cmd.Env = append(os.Environ(), "KUBEPROBE_SYSCTL_CONF="+conf,
			"PATH="+filepath.Dir(binary)+":"+filepath.Dir(jq)+":"+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the bootstrap script: %v\n%s", err, out)
		}
		persisted, _ := os.ReadFile(conf)
		applied, _ := os.ReadFile("/proc/sys/net/ipv4/ip_local_reserved_ports")
		if string(persisted) != "net.ipv4.ip_local_reserved_ports = 9878,30000-32767\n" || strings.TrimSpace(string(applied)) != "9878,30000-32767" {
			t.Errorf("after the script: %s holds %q, the kernel reserves %q", conf, persisted, applied)
		}
		if text, code := runCheckBinary(t, "--churn.interval=0s", "--no-nodeport.ipvs"); code != exitNothingToFix {
			t.Errorf("check after the script: exit %d, want 0:\n%s", code, text)
		}
	})
}
