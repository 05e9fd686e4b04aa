package watch_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/clock"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/handshake/watch"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
	"github.com/kubeprobe/kubeprobe_exporter/shadow"
)

// The lab's node hands out source ports 30000-30099, of which 30000-30079
// are poisoned: SYN-ACKs to them are answered with a RST, as IPVS answers
// those to an allocated NodePort.
const (
	portRange    = "30000 30099"
	poisonedLo   = 30000
	poisonedHi   = 30079
	requestsEach = 8
)

// The lab's four far ends: three pod probe targets over IPv4 (web-b's
// readiness and liveness probes share a port; web-c's SYN-ACKs are dropped
// rather than reset) and an IPv6 server no probe of this node targets.
var (
	webA  = netip.MustParseAddrPort("198.18.0.2:8080")
	webB  = netip.MustParseAddrPort("198.18.0.2:8081")
	webC  = netip.MustParseAddrPort("198.18.0.2:8082")
	other = netip.MustParseAddrPort("[2001:db8::2]:9000")
)

// A kubelet-like client in the node namespace (Go's HTTP client, a new
// connection per request, kernel-chosen ports) probes the pods while most
// of the source ports are poisoned. Every reset the wire shows (each
// iptables rule's own count) is counted, on the right probe, and no more:
// the resets of refused connections to the node do not count. So is every
// SYN-ACK a rule drops for a probe target. With the fix (the poisoned
// ports reserved), none.
func TestWatchCountsKubeletsResetsAfterSYNACK(t *testing.T) {
	netlab.Run(t, poison, func(t *testing.T, l *netlab.Lab) {
		for _, addr := range farEnds {
			serveHTTP(t, l, addr)
		}
		w, resets := startWatch(t)

		kubeletProbes(t)
		refusedByTheNode(t, l)
		resets.Sync()
		wire := rejected(t)
		t.Logf("resets on the wire: %v; watch saw %d outgoing resets", wire, resets.Seen())
		for _, far := range farEnds {
			if wire[far.Port()] == 0 {
				t.Fatalf("the poisoned ports were not hit for every far end (%v): the lab did not replay the incident", wire)
			}
		}
		want := map[string]float64{
			series("default", "web-a", "web", "readiness", ""):          float64(wire[webA.Port()]),
			series("default", "web-b", "web", "liveness,readiness", ""): float64(wire[webB.Port()]),
			series("", "", "", "", watch.Registered):                    float64(wire[other.Port()]),
			series("", "", "", "", watch.WellKnown):                     0,
			series("", "", "", "", watch.Dynamic):                       0,
		}
		wantDropped := map[string]float64{
			series("default", "web-c", "web", "readiness", ""): float64(wire[webC.Port()]),
			series("", "", "", "", watch.Registered):           0,
			series("", "", "", "", watch.WellKnown):            0,
			series("", "", "", "", watch.Dynamic):              0,
		}
		assertCounts(t, w, want, wantDropped)
		assertLast(t, w)

		// The fix: the poisoned ports reserved, as `kubeprobe_exporter
		// check` prints it. The same probes again: no reset at all.
		if err := os.WriteFile("/proc/sys/net/ipv4/ip_local_reserved_ports", []byte(fmt.Sprintf("%d-%d", poisonedLo, poisonedHi)), 0); err != nil {
			t.Fatal(err)
		}
		kubeletProbes(t)
		resets.Sync()
		if after := rejected(t); fmt.Sprint(after) != fmt.Sprint(wire) {
			t.Errorf("with the fix, the wire still shows resets: %v, before %v", after, wire)
		}
		assertCounts(t, w, want, wantDropped)
	})
}

var farEnds = []netip.AddrPort{webA, webB, webC, other}

// poison narrows the node's ephemeral range and resets SYN-ACKs to most of
// it, one rule per far end so that each one's resets are counted apart.
func poison(t *testing.T, l *netlab.Lab) {
	l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", portRange)
	// The pods answer each SYN once, and retransmit no SYN-ACK of their
	// own: once the client gives up no SYN-ACK is left on the wire.
	l.Sysctl(t, l.Pod, "net.ipv4.tcp_synack_retries", "0")
	for _, far := range farEnds {
		ipt := "iptables"
		if far.Addr().Is6() {
			ipt = "ip6tables"
		}
		target := []string{"REJECT", "--reject-with", "tcp-reset"}
		if far == webC {
			target = []string{"DROP"}
		}
		l.Exec(t, l.Node, append([]string{ipt, "-A", "INPUT", "!", "-i", "lo", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK",
			"--sport", strconv.Itoa(int(far.Port())), "--dport", fmt.Sprintf("%d:%d", poisonedLo, poisonedHi), "-j"}, target...)...)
	}
}

// rejected reads each rule's packet count: the SYN-ACKs reset or dropped
// on the wire, by the far end's port.
func rejected(t *testing.T) map[uint16]int {
	t.Helper()
	counts := map[uint16]int{}
	rule := regexp.MustCompile(`^\s*(\d+)\s+\d+\s+(?:REJECT|DROP)\b.*\bspt:(\d+)\b`)
	for _, ipt := range []string{"iptables", "ip6tables"} {
		out, err := execOutput(ipt, "-L", "INPUT", "-v", "-x", "-n")
		if err != nil {
			t.Fatalf("%s -L: %v\n%s", ipt, err, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if m := rule.FindStringSubmatch(line); m != nil {
				n, _ := strconv.Atoi(m[1])
				port, _ := strconv.Atoi(m[2])
				counts[uint16(port)] += n
			}
		}
	}
	return counts
}

// startWatch shadows the pods given through a fake clientset and starts
// the passive watch, attributing to their probes.
func startWatch(t *testing.T) (*watch.Watch, *handshake.ResetWatch) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	client := fake.NewSimpleClientset(
		labPod("web-a", 8080, httpProbe(8080), corev1.Probe{}),
		labPod("web-b", 8081, httpProbe(8081), httpProbe(8081)),
		labPod("web-c", 8082, httpProbe(8082), corev1.Probe{}),
	)
	m := shadow.NewManager(ctx, clock.RealClock{})
	pods := shadow.NewPods(m, client.CoreV1().Pods(""), client, "lab-node", config.DefaultKubeletVersion,
		prober.NewRunner(nil, nil, log.NewNopLogger()), nil, log.NewNopLogger())
	pods.Start(ctx)
	if err := pods.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	w := watch.New(watch.Options{Targets: targetsOf(pods), NodePorts: allocated, Keep: 100})
	resets, err := handshake.WatchResets(log.NewNopLogger(), w.Observe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resets.Close() })
	w.Attach(resets)
	pods.OnTargets(func(targets []netip.AddrPort) {
		if err := resets.Follow(targets); err != nil {
			t.Error(err)
		}
	})
	return w, resets
}

func targetsOf(pods *shadow.Pods) watch.Targets {
	return func(remote netip.AddrPort) []watch.Owner {
		var out []watch.Owner
		for _, r := range pods.ProbesAt(remote) {
			out = append(out, watch.Owner{Namespace: r.Key.Namespace, Pod: r.Key.Pod, Container: r.Key.Container, Probe: string(r.Type)})
		}
		return out
	}
}

// allocated is the collector's answer: the poisoned ports are Service
// default/foo's NodePorts.
func allocated(port uint16) ([]string, bool, bool) {
	if port >= poisonedLo && port <= poisonedHi {
		return []string{"default/foo"}, true, true
	}
	return nil, false, true
}

// labPod is a pod of this node at the lab's pod address; a zero readiness
// probe is none. Its probes start an hour late, so that the shadow's own
// probes stay out of the test's counts.
func labPod(name string, port int32, readiness, liveness corev1.Probe) *corev1.Pod {
	c := corev1.Container{Name: "web", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}}}
	if readiness.HTTPGet != nil {
		c.ReadinessProbe = &readiness
	}
	if liveness.HTTPGet != nil {
		c.LivenessProbe = &liveness
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: "lab-node", Containers: []corev1.Container{c}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "198.18.0.2"},
	}
}

func httpProbe(port int) corev1.Probe {
	return corev1.Probe{
		ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt(port)}},
		InitialDelaySeconds: 3600,
	}
}

// kubeletProbes probes each far end requestsEach times as kubelet's HTTP
// prober does: a new connection per request, the kernel's source port.
// The timeout (2.5s) outlasts the first SYN retransmission, so a reset
// connect is reset twice and its socket is still waiting when the second
// is judged.
func kubeletProbes(t *testing.T) {
	t.Helper()
	// The dialer's timeout is the client's: Go's transport finishes a dial
	// its request gave up on, and its SYNs would be reset after the count.
	dialer := &net.Dialer{Timeout: 2500 * time.Millisecond}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: dialer.DialContext}, Timeout: 2500 * time.Millisecond}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for _, far := range farEnds {
		for range requestsEach {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Get("http://" + far.String() + "/healthz")
				if err == nil {
					resp.Body.Close()
				}
			}()
		}
	}
	wg.Wait()
}

// refusedByTheNode connects from the pod to a node port nothing listens
// on: the node's RST answers a SYN, no socket of its own waits, and the
// watch must not count it.
func refusedByTheNode(t *testing.T, l *netlab.Lab) {
	t.Helper()
	for range 3 {
		err := netlab.InNamespace(l.Pod, func() error {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(l.NodeIPv4.String(), "9"), time.Second)
			if err == nil {
				c.Close()
				return fmt.Errorf("something listens on the node's port 9")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func serveHTTP(t *testing.T, l *netlab.Lab, addr netip.AddrPort) {
	t.Helper()
	var ln net.Listener
	if err := netlab.InNamespace(l.Pod, func() (err error) { ln, err = net.Listen("tcp", addr.String()); return err }); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

func series(namespace, pod, container, probe, class string) string {
	return fmt.Sprintf(`{container=%q,namespace=%q,pod=%q,probe=%q,remote_port_class=%q}`, container, namespace, pod, probe, class)
}

// assertCounts checks the counters' series, all of them.
func assertCounts(t *testing.T, w *watch.Watch, resets, dropped map[string]float64) {
	t.Helper()
	families := gather(t, w)
	for name, want := range map[string]map[string]float64{
		"kubeprobe_node_handshakes_reset_after_synack_total": resets,
		"kubeprobe_node_handshakes_synack_dropped_total":     dropped,
	} {
		if got := families[name]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
}

// assertLast checks that the last source port is a poisoned one, told
// apart as an allocated NodePort.
func assertLast(t *testing.T, w *watch.Watch) {
	t.Helper()
	last := gather(t, w)["kubeprobe_node_handshakes_reset_after_synack_last_source_port"]
	if len(last) != 1 {
		t.Fatalf("last source port: %v, want one series", last)
	}
	for labels, port := range last {
		if port < poisonedLo || port > poisonedHi || !strings.Contains(labels, `nodeport="true"`) || !strings.Contains(labels, `owner="default/foo"`) {
			t.Errorf("last source port %v%s, want a poisoned port, an allocated NodePort of default/foo", port, labels)
		}
	}
	recent := w.Recent()
	if len(recent) == 0 {
		t.Fatal("no reset kept for the landing page")
	}
	for _, e := range recent {
		t.Logf("kept: %s > %s, %d resets", e.Local, e.Remote, e.Count())
	}
	t.Logf("the latest reset, as /logs shows it:\n%s", recent[0].Text())
}

func gather(t *testing.T, c prometheus.Collector) map[string]map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, f := range families {
		out[f.GetName()] = map[string]float64{}
		for _, m := range f.GetMetric() {
			var pairs []string
			for _, l := range m.GetLabel() {
				pairs = append(pairs, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			out[f.GetName()]["{"+strings.Join(pairs, ",")+"}"] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
