package main

import (
	"encoding/json"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// The replay's node: an ephemeral range whose upper half is allocated
// NodePorts that the node resets SYN-ACKs to, as IPVS does, so that one
// kernel-chosen source port in ten (100 even ones of 1000) collides; and
// the pod's targets, probed as kubelet probes them.
const (
	replayPortRange = "29000 30999"
	replayNodePorts = "30000-30199"
	replayTargets   = 16
)

func replayTargetList(l *netlab.Lab) []string {
	var targets []string
	for i := range replayTargets {
		targets = append(targets, netip.AddrPortFrom(l.PodIPv4, uint16(8000+i)).String())
	}
	return targets
}

// The second incident replayed end to end: kernel-chosen source ports,
// allocated NodePorts the collector knows, probes that collide with them.
// The debug output and the probe command name the NodePort and its source;
// a real Prometheus with the committed rules fires one reset alert for the
// node, not one per target, and resolves it within two evaluation
// intervals once the fix `check` prints is applied.
func TestIncidentReplayAlertsOncePerNodeAndResolvesOnTheFix(t *testing.T) {
	prometheus := testenv.Tool(t, "", "prometheus", "Debian: prometheus")
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", replayPortRange)
		l.ResetSYNACKsTo(t, 30000, 30199)
	}, func(t *testing.T, l *netlab.Lab) {
		targets := replayTargetList(l)
		for _, target := range targets {
			if err := netlab.InNamespace(l.Pod, func() error {
				go testserver.AcceptAndClose(testserver.Listen(t, "tcp", target))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		dir := t.TempDir()
		config := writeFile(t, dir, "kubeprobe.yml", "modules:\n  kubelet_tcp:\n    prober: tcp\n    timeout: 1s\n")
		e := startExporter(t, "--config.file="+config, "--nodeport.static="+replayNodePorts, "--no-nodeport.ipvs")
		assertVerdictsNameTheNodePort(t, e, config, targets)

		rules := shortenFor(t, dir, "mixin/prometheus_alerts.yaml", "2s")
		prom := startPrometheus(t, prometheus, dir, e.base, probeJob{module: "kubelet_tcp", targets: targets}, rules, "mixin/prometheus_rules.yaml")
		reset := waitForOneResetAlertOfSeveralTargets(t, prom)
		assertResetAlert(t, reset)
		atRisk := waitForAlerts(t, prom, 30*time.Second, "KubeprobeNodePortsAtRisk")["KubeprobeNodePortsAtRisk"]
		if len(atRisk) != 1 || !strings.Contains(atRisk[0].Annotations["description"], ": 200 of them.") {
			t.Errorf("KubeprobeNodePortsAtRisk: %+v", atRisk)
		}

		applyCheckFix(t)
		assertResolvesWithinTwoEvaluations(t, prom)
	})
}

// resetVerdictRE is the verdict of a probe reset by a NodePort the
// collector knows from --nodeport.static.
var resetVerdictRE = regexp.MustCompile(`reset_after_synack: the SYN-ACK from \S+ was reset by this host: source port (\d+) ` +
	`is an allocated NodePort \(--nodeport\.static; known from static\), which IPVS or kube-proxy owns on this node`)

// assertVerdictsNameTheNodePort probes until the kernel picks a NodePort,
// through /probe?debug=true and the probe command alike. The kernel draws
// a destination's offset afresh every 10 seconds and walks on from it in
// between, so draws are independent across targets and across time.
func assertVerdictsNameTheNodePort(t *testing.T, e *exporter, config string, targets []string) {
	t.Helper()
	body := untilReset(t, targets, func(target string) string {
		_, body := e.get(t, "/probe?module=kubelet_tcp&debug=true&target="+target)
		return body
	})
	m := resetVerdictRE.FindStringSubmatch(body)
	if m == nil || !inNodePorts(m[1]) || !strings.Contains(body, "\nprobe_tcp_source_port_nodeport 1\n") {
		t.Errorf("/probe?debug=true does not name the NodePort:\n%s", body)
	}
	out := untilReset(t, targets, func(target string) string {
		out, _ := exec.Command(binary, "probe", "--config.file="+config, "--module=kubelet_tcp",
			"--nodeport.static="+replayNodePorts, "--no-nodeport.ipvs", target).CombinedOutput()
		return string(out)
	})
	if m := resetVerdictRE.FindStringSubmatch(out); m == nil || !inNodePorts(m[1]) || !strings.Contains(out, "Handshake: "+m[0]) {
		t.Errorf("the probe command does not name the NodePort:\n%s", out)
	}
}

// untilReset probes the targets in turn, for up to 40 seconds, until a
// probe's output has a reset_after_synack verdict, and returns it.
func untilReset(t *testing.T, targets []string, probe func(target string) string) string {
	t.Helper()
	for deadline := time.Now().Add(40 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		for _, target := range targets {
			if out := probe(target); strings.Contains(out, "reset_after_synack: the SYN-ACK") {
				return out
			}
		}
	}
	t.Fatal("no probe drew a NodePort in 40s; one in ten should")
	return ""
}

func inNodePorts(port string) bool {
	p, err := strconv.Atoi(port)
	return err == nil && 30000 <= p && p <= 30199
}

// waitForOneResetAlertOfSeveralTargets waits until the reset alert says
// that probes of at least two targets were reset, and returns its
// instances.
func waitForOneResetAlertOfSeveralTargets(t *testing.T, prom string) []alert {
	t.Helper()
	var reset []alert
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		reset = firingAlerts(t, prom)["KubeprobeProbeResetAfterSynAck"]
		for _, a := range reset {
			if m := targetsRE.FindStringSubmatch(a.Annotations["description"]); m != nil && m[1] != "1" {
				return reset
			}
		}
	}
	t.Fatalf("within 120s no reset alert said that two targets were reset: %+v", reset)
	return nil
}

var (
	targetsRE = regexp.MustCompile(`node lab-node answered with a RST the SYN-ACKs of \d+ probes? of (\d+) targets?:`)
	portsRE   = regexp.MustCompile(`Source ports seen on the reset probes: ([\d, ]+); allocated NodePorts the exporter knows among them: (\d+)\.`)
)

// theNodesAlert is the one alert named alertname that fired, and its
// description; the test fails unless exactly one did, for the node.
func theNodesAlert(t *testing.T, alertname string, firing []alert) (alert, string) {
	t.Helper()
	if len(firing) != 1 {
		t.Fatalf("%d %s alerts, want one for the node: %+v", len(firing), alertname, firing)
	}
	a := firing[0]
	description := a.Annotations["description"]
	t.Logf("the %s alert: %v\n%s", alertname, a.Labels, description)
	return a, description
}

// assertResetAlert checks that there is one alert, for the node, and
// what it says: targets, source ports among the NodePorts, the cause.
func assertResetAlert(t *testing.T, reset []alert) {
	t.Helper()
	a, description := theNodesAlert(t, "KubeprobeProbeResetAfterSynAck", reset)
	if a.Labels["node"] != "lab-node" || a.Labels["instance"] != "" || a.Labels["module"] != "" {
		t.Errorf("the alert's labels %v, want the node's alone", a.Labels)
	}
	m := portsRE.FindStringSubmatch(description)
	if m == nil {
		t.Fatalf("the description lists no source port:\n%s", description)
	}
	listed := strings.Split(m[1], ", ")
	for _, p := range listed {
		if !inNodePorts(p) {
			t.Errorf("source port %s is not one of the NodePorts %s:\n%s", p, replayNodePorts, description)
		}
	}
	if m[2] != strconv.Itoa(len(listed)) {
		t.Errorf("%s of the %d ports are known NodePorts, want all:\n%s", m[2], len(listed), description)
	}
	if !strings.Contains(description, "The node has 200 NodePorts at risk now (KubeprobeNodePortsAtRisk)") {
		t.Errorf("the description does not give the node's NodePorts at risk:\n%s", description)
	}
}

// applyCheckFix runs check and applies the command it prints.
func applyCheckFix(t *testing.T) {
	t.Helper()
	out, code := runCheckBinary(t, "--format=json", "--churn.interval=0s", "--nodeport.static="+replayNodePorts, "--no-nodeport.ipvs")
	var report checkJSON
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != exitAtRisk || report.Fix.Command == "" {
		t.Fatalf("check: exit %d, %v:\n%s", code, err, out)
	}
	if out, err := exec.Command("sh", "-c", report.Fix.Command).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", report.Fix.Command, err, out)
	}
}

// assertResolvesWithinTwoEvaluations waits for Prometheus to see the fix
// (no NodePort at risk), then for the reset alert to go.
func assertResolvesWithinTwoEvaluations(t *testing.T, prom string) {
	t.Helper()
	seen := pollUntil(t, 10*time.Second, "Prometheus to see no NodePort at risk", func() bool {
		v := queryValues(t, prom, `kubeprobe_nodeports_at_risk{job="kubeprobe"}`)
		return len(v) == 1 && v[0] == 0
	})
	interval, _ := time.ParseDuration(evaluationInterval)
	// The poll itself takes a little: allow it a tenth of an interval.
	within := 2*interval + interval/10
	resolved := pollUntil(t, 10*time.Second, "the reset alert to resolve", func() bool {
		return len(firingAlerts(t, prom)["KubeprobeProbeResetAfterSynAck"]) == 0
	})
	if took := resolved.Sub(seen); took > within {
		t.Errorf("the reset alert resolved %s after Prometheus saw the fix, want within two evaluation intervals (%s)", took, within)
	}
	// And it stays resolved.
	time.Sleep(3 * interval)
	if reset := firingAlerts(t, prom)["KubeprobeProbeResetAfterSynAck"]; len(reset) != 0 {
		t.Errorf("the reset alert fired again after the fix: %+v", reset)
	}
	t.Logf("the reset alert resolved %s after Prometheus saw the fix", resolved.Sub(seen).Round(time.Millisecond))
}

// pollUntil polls cond every 50 ms until it holds, and returns when it did.
func pollUntil(t *testing.T, limit time.Duration, what string, cond func() bool) time.Time {
	t.Helper()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return time.Now()
		}
	}
	t.Fatalf("waited %s for %s", limit, what)
	return time.Time{}
}
