package main

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/collector"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

func leaveTimeWait(t *testing.T, addr string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if _, err := netlab.LeaveTimeWait(&net.Dialer{Timeout: 2 * time.Second}, addr); err != nil {
			t.Errorf("connection %d to %s: %v", i, addr, err)
			return
		}
	}
}

func runCheckBinary(t *testing.T, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(binary, append([]string{"check"}, args...)...).Output()
	return string(out), exitCode(err)
}

// checkJSON is the part of the check's JSON report the test reads.
type checkJSON struct {
	AtRisk []struct {
		Port     int      `json:"port"`
		Protocol string   `json:"protocol"`
		Owners   []string `json:"owners"`
	} `json:"nodeports_at_risk"`
	Overlap  int `json:"nodeport_range_ephemeral_overlap_ports"`
	TimeWait struct {
		Sockets int `json:"sockets"`
		Top     []struct {
			Destination string `json:"destination"`
			Sockets     int    `json:"sockets"`
		} `json:"top_destinations"`
	} `json:"time_wait"`
	Verdict          string `json:"verdict"`
	ConnectPorts     int    `json:"connect_ports"`
	AtRiskForConnect int    `json:"nodeports_at_risk_for_connect"`
	ListenPorts      []struct {
		Port     int  `json:"port"`
		Pickable bool `json:"pickable"`
	} `json:"listen_ports"`
	Churn *struct {
		OpensPerSecond float64 `json:"active_opens_per_second"`
	} `json:"churn"`
	Fix collector.Fix `json:"fix"`
}

// TestCheckCommandOnARealKernel runs the check on a node namespace with
// NodePorts at risk, applies the fix it prints, and checks again.
func TestCheckCommandOnARealKernel(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30000 40000")
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_reserved_ports", "30000-30009,31000,35000-35010")
		l.Sysctl(t, l.Node, "net.ipv4.tcp_tw_reuse", "0")
	}, func(t *testing.T, l *netlab.Lab) {
		l.ServeUntilEOF(t, "198.18.0.2:8080")
		held, err := net.Listen("tcp", "198.18.0.1:30080")
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		leaveTimeWait(t, "198.18.0.2:8080", 300)
		static := "--nodeport.static=30005,30080,30081,31000,32000,45000"

		// Churn while the text check samples it.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; i < 3000; i++ {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
					leaveTimeWait(t, "198.18.0.2:8080", 1)
				}
			}
		})
		text, code := runCheckBinary(t, static, "--churn.interval=1s")
		close(stop)
		wg.Wait()
		if code != exitAtRisk {
			t.Errorf("check exit = %d, want %d:\n%s", code, exitAtRisk, text)
		}
		mustContain(t, "the text report", text,
			"AT RISK: 2 allocated NodePorts may be handed out as source ports on this node\n",
			"Ephemeral port range  net.ipv4.ip_local_port_range      30000-40000                    10001 ports\n",
			"Reserved ports        net.ipv4.ip_local_reserved_ports  30000-30009,31000,35000-35010  22 ports\n",
			"Overlap: 2757 ports of the NodePort range the kernel may pick as source ports",
			"Allocated NodePorts: 6 from static, none from ipvs (no /proc/net/ip_vs: this node runs no IPVS;",
			"  30081/TCP  --nodeport.static  (static)\n  32000/TCP  --nodeport.static  (static)\n",
			"Outside --nodeport.range=30000-32767 (set it to the API server's --service-node-port-range):\n  45000/TCP  --nodeport.static  (static)\n",
			// The even ports of 30000-40000 are 5001; 5 of 30000-30009, 31000 and 35000-35010's 6 are reserved.
			"connect(2) picks each connection's source port afresh from 4989 ports first: those of 30000's parity, not reserved;",
			// 9878 is below the range.
			"Listen port 9878 (--web.listen-address) is outside the ephemeral range: no connection takes it.\n",
			// 32000 is even, 30081 odd.
			"1 of them has 30000's parity, which connect(2) picks from first: each connection from this node, kubelet's probes among them, draws one with a chance of 1 in 4989 (0.020%), however much the node churns.\n",
			"Top destinations:\n  198.18.0.2:8080",
			"\nThe busiest, 198.18.0.2:8080, holds ",
			" of the 4989 ports connect(2) picks from first (",
			"connections opened per second over 1.0s. It does not make a NodePort collision likelier: each connection's source port is drawn afresh.\n",
			// What was reserved, merged with the NodePort range; 45000 is
			// outside the ephemeral range, so it needs no reserving.
			"Fix: reserve the NodePort range and the NodePorts at risk, keeping what is already reserved:\n",
			"  sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767,35000-35010\n",
			"  echo 'net.ipv4.ip_local_reserved_ports = 30000-32767,35000-35010' > /etc/sysctl.d/90-kubeprobe-reserved-ports.conf\n",
			"The kernel keeps 7222 source ports to pick from.\n",
		)

		out, code := runCheckBinary(t, static, "--format=json", "--churn.interval=0s")
		var report checkJSON
		if err := json.Unmarshal([]byte(out), &report); err != nil || code != exitAtRisk {
			t.Fatalf("json check: exit %d, %v:\n%s", code, err, out)
		}
		if len(report.AtRisk) != 2 || report.AtRisk[0].Port != 30081 || report.AtRisk[1].Port != 32000 || report.Overlap != 2757 {
			t.Errorf("json at risk %+v, overlap %d; want 30081 and 32000, 2757", report.AtRisk, report.Overlap)
		}
		if report.Verdict != "at_risk" || report.ConnectPorts != 4989 || report.AtRiskForConnect != 1 || report.Churn != nil ||
			len(report.ListenPorts) != 1 || report.ListenPorts[0].Port != 9878 || report.ListenPorts[0].Pickable {
			t.Errorf("json verdict %q, connect ports %d, at risk for connect %d, churn %v, listen ports %+v; want at_risk, 4989, 1, null, 9878 not pickable",
				report.Verdict, report.ConnectPorts, report.AtRiskForConnect, report.Churn, report.ListenPorts)
		}
		if report.TimeWait.Sockets < 300 || len(report.TimeWait.Top) != 1 || report.TimeWait.Top[0].Destination != "198.18.0.2:8080" {
			t.Errorf("json time_wait = %+v; want at least the test's 300 sockets, all to 198.18.0.2:8080", report.TimeWait)
		}
		if report.Fix.ReservedPorts != "30000-32767,35000-35010" || report.Fix.EphemeralPortsLeft != 10001-2768-11 {
			t.Errorf("json fix = %+v", report.Fix)
		}

		// The printed command is the fix: after it, nothing is at risk.
		if out, err := exec.Command("sh", "-c", report.Fix.Command).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", report.Fix.Command, err, out)
		}
		text, code = runCheckBinary(t, static, "--churn.interval=0s")
		if code != exitNothingToFix {
			t.Errorf("check after the fix: exit %d, want 0:\n%s", code, text)
		}
		mustContain(t, "the report after the fix", text,
			"OK: the kernel may hand out no allocated NodePort, no port of the NodePort range and no listen port of the exporter as a source port on this node\n",
			"Overlap: 0 ports", "Fix: none needed.\n")
	})
}

// TestCheckCommandCannotVouchWithoutASource runs on a procfs without
// /proc/net/ip_vs while --nodeport.ipvs demands it.
func TestCheckCommandCannotVouchWithoutASource(t *testing.T) {
	root := t.TempDir()
	for path, content := range map[string]string{
		"sys/net/ipv4/ip_local_port_range":     "32768 60999\n",
		"sys/net/ipv4/ip_local_reserved_ports": "\n",
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755)
		os.WriteFile(filepath.Join(root, path), []byte(content), 0o644)
	}
	text, code := runCheckBinary(t, "--path.procfs="+root, "--nodeport.ipvs", "--churn.interval=0s")
	if code != exitCheckNotRun {
		t.Errorf("exit %d, want %d:\n%s", code, exitCheckNotRun, text)
	}
	mustContain(t, "the report", text,
		"UNKNOWN: no NodePort known to be at risk, but a NodePort source could not be read (see the errors below)\n",
		"  nodeports_ipvs: reading IPVS services (--nodeport.ipvs): open "+filepath.Join(root, "net/ip_vs")+": no such file or directory\n")

	out, err := exec.Command(binary, "check", "--path.procfs="+filepath.Join(root, "missing")).CombinedOutput()
	if exitCode(err) != exitCheckNotRun || !strings.Contains(string(out), "--path.procfs="+filepath.Join(root, "missing")+": could not read") {
		t.Errorf("check without procfs: exit %d\n%s", exitCode(err), out)
	}
}

// TestCheckCommandWithAnUnreachableAPIServer goes through client-go for
// real, from a kubeconfig, to an API server address where nothing listens.
func TestCheckCommandWithAnUnreachableAPIServer(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://`+freeAddress(t)+`"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600)
	out, err := exec.Command(binary, "check", "--nodeport.kubernetes", "--kubeconfig="+kubeconfig,
		"--kubernetes.timeout=1s", "--churn.interval=0s", "--no-nodeport.ipvs").CombinedOutput()
	if exitCode(err) != exitCheckNotRun {
		t.Errorf("exit %d, want %d:\n%s", exitCode(err), exitCheckNotRun, out)
	}
	mustContain(t, "the report", string(out),
		"UNKNOWN: no NodePort known to be at risk, but a NodePort source could not be read",
		"  nodeports_kubernetes: the Kubernetes API has not listed the Services yet: ",
		"connect: connection refused")

	out, err = exec.Command(binary, "check", "--nodeport.kubernetes", "--kubeconfig="+kubeconfig+".missing").CombinedOutput()
	if exitCode(err) != exitCheckNotRun || !strings.Contains(string(out), "--kubeconfig="+kubeconfig+".missing: ") {
		t.Errorf("a missing kubeconfig: exit %d\n%s", exitCode(err), out)
	}
}
