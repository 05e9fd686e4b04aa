package main

import (
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// The second incident where nobody configured a probe: a kubelet-like
// HTTP client on the node (a new connection per request, kernel-chosen
// source ports) collides with the replay's NodePorts. The passive watch
// counts its resets, a real Prometheus with the committed rules fires one
// KubeprobeNodeHandshakeResetAfterSynAck for the node naming the source
// port as an allocated NodePort, and once the fix `check` prints is
// applied the same client is reset no more.
func TestNodeWatchAlertsOnAClientsResetsWithoutAProbe(t *testing.T) {
	prometheus := testenv.Tool(t, "", "prometheus", "Debian: prometheus")
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", replayPortRange)
		l.ResetSYNACKsTo(t, 30000, 30199)
	}, func(t *testing.T, l *netlab.Lab) {
		target := netip.AddrPortFrom(l.PodIPv4, 8080).String()
		if err := netlab.InNamespace(l.Pod, func() error {
			go testserver.AcceptAndClose(testserver.Listen(t, "tcp", target))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		config := writeFile(t, dir, "kubeprobe.yml", "modules:\n  kubelet_tcp:\n    prober: tcp\n    timeout: 1s\n")
		e := startExporter(t, "--config.file="+config, "--nodeport.static="+replayNodePorts, "--no-nodeport.ipvs", "--handshakes.watch")
		rules := shortenFor(t, dir, "mixin/prometheus_alerts.yaml", "2s")
		prom := startPrometheus(t, prometheus, dir, e.base, probeJob{module: "kubelet_tcp"}, rules, "mixin/prometheus_rules.yaml")

		stop := kubeletLikeClient(target)
		firing := waitForAlerts(t, prom, 90*time.Second, "KubeprobeNodeHandshakeResetAfterSynAck")["KubeprobeNodeHandshakeResetAfterSynAck"]
		stop()
		assertNodeWatchAlert(t, firing)

		applyCheckFix(t)
		// The connects of before the fix are over (their dialer's timeout
		// is the client's); a second lets the watch judge their last
		// resets before it is read.
		time.Sleep(time.Second)
		before := watchedResets(t, e)
		stop = kubeletLikeClient(target)
		time.Sleep(5 * time.Second) // some 100 connections, a tenth of which collided before the fix
		stop()
		if after := watchedResets(t, e); after != before {
			_, page := e.get(t, "/")
			t.Errorf("after the fix the watch counted resets: %s, then %s\n%s", before, after, page)
		}
	})
}

var watchAlertRE = regexp.MustCompile(`^On node lab-node, a handshake of a process on the node to a registered port, which no probe of its pods targets, ` +
	`was reset after SYN-ACK from source port (\d+), an allocated NodePort \(--nodeport\.static\):`)

func assertNodeWatchAlert(t *testing.T, firing []alert) {
	t.Helper()
	a, description := theNodesAlert(t, "KubeprobeNodeHandshakeResetAfterSynAck", firing)
	if a.Labels["node"] != "lab-node" || a.Labels["nodeport"] != "true" || a.Labels["remote_port_class"] != "registered" {
		t.Errorf("the alert's labels %v", a.Labels)
	}
	if m := watchAlertRE.FindStringSubmatch(description); m == nil || !inNodePorts(m[1]) {
		t.Errorf("the description does not name a NodePort of %s as the source port:\n%s", replayNodePorts, description)
	}
}

// kubeletLikeClient GETs target from four goroutines, each request on a
// new connection with kubelet's default one-second timeout, until stopped.
// The dialer has the timeout too: Go's transport finishes a dial its
// request gave up on, and a connect in SYN_SENT from a NodePort chosen
// before the fix would go on retransmitting its SYN, reset each time.
func kubeletLikeClient(target string) (stop func()) {
	dialer := &net.Dialer{Timeout: time.Second}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: dialer.DialContext}, Timeout: time.Second}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if resp, err := client.Get("http://" + target + "/healthz"); err == nil {
					resp.Body.Close()
				}
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// watchedResets is the exporter's count of resets after SYN-ACK to
// registered ports, as /metrics writes it.
func watchedResets(t *testing.T, e *exporter) string {
	t.Helper()
	_, body := e.get(t, "/metrics")
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "kubeprobe_node_handshakes_reset_after_synack_total{") && strings.Contains(line, `remote_port_class="registered"`) {
			return line[strings.LastIndexByte(line, ' ')+1:]
		}
	}
	t.Fatalf("/metrics has no count of resets to registered ports:\n%s", body)
	return ""
}
