package prober

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// rejectWithPortUnreachable makes the pod answer SYNs to port with an
// ICMP port unreachable, as iptables' REJECT does by default.
func rejectWithPortUnreachable(t *testing.T, l *netlab.Lab, port int) {
	t.Helper()
	p := fmt.Sprint(port)
	l.Exec(t, l.Pod, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", p, "-j", "REJECT", "--reject-with", "icmp-port-unreachable")
	l.Exec(t, l.Pod, "ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", p, "-j", "REJECT", "--reject-with", "icmp6-port-unreachable")
}

// The kernel reports an ICMP port unreachable answering the SYN as
// ECONNREFUSED, as it reports a reset; kubelet's words stay those, but
// nothing refused the connection: the verdict is unreachable, and says why.
func TestHandshakeICMPPortUnreachableIsNotARefusal(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		rejectWithPortUnreachable(t, l, 83)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			r := labProbe(t, runner, tcpModule, target(f.pod, 83))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: connect: connection refused", target(f.pod, 83)))
			assertHandshake(t, r, handshake.Unreachable)
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": 1, "probe_tcp_rst_received": -1})
			proto := map[bool]string{true: "ICMP port unreachable (type 3, code 3)", false: "ICMPv6 port unreachable (type 1, code 4)"}[f.pod.Is4()]
			want := fmt.Sprintf("unreachable: the SYN to %s was answered by %s from %s, not by a reset", target(f.pod, 83), proto, f.pod)
			if !strings.HasPrefix(r.LastHandshake(), want) {
				t.Errorf("%s verdict\n got %s\nwant %s…", f.name, r.LastHandshake(), want)
			}
			if strings.Contains(r.DebugOutput(), "[R]") {
				t.Errorf("%s: the timeline shows a reset:\n%s", f.name, r.DebugOutput())
			}
			// A real refusal stays one.
			assertHandshake(t, labProbe(t, runner, tcpModule, target(f.pod, 81)), handshake.Refused)
		}
	})
}

// Without the capture, the error queue alone still tells the ICMP answer
// from a reset; the packet counters, which only the capture can count,
// are left out rather than exported as 0.
func TestWithoutCaptureICMPAndCounters(t *testing.T) {
	netlab.RunWithoutNetRaw(t, func(t *testing.T, l *netlab.Lab) {
		rejectWithPortUnreachable(t, l, 83)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := NewRunner(nil, nil, log.NewNopLogger())
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			for port, want := range map[uint16]handshake.Outcome{80: handshake.Established, 81: handshake.Refused, 83: handshake.Unreachable} {
				r := labProbe(t, runner, tcpModule, target(f.pod, port))
				assertHandshake(t, r, want)
				assertAbsent(t, r, "probe_tcp_syn_sent", "probe_tcp_synack_received", "probe_tcp_rst_sent", "probe_tcp_rst_received")
				if strings.Contains(r.DebugOutput(), "\nprobe_tcp_syn_sent ") {
					t.Errorf("%s port %d: the debug output shows a SYN count without a capture:\n%s", f.name, port, r.DebugOutput())
				}
			}
		}
	})
}

// A probe that may not bind a privileged source port (no
// CAP_NET_BIND_SERVICE, as for a non-root exporter) did not get its
// source port: nothing was sent.
func TestPrivilegedSourcePortWithoutTheCapability(t *testing.T) {
	netlab.RunWithoutCapabilities(t, []string{"net_raw", "net_bind_service"}, nil, func(t *testing.T, l *netlab.Lab) {
		runner := NewRunner(nil, nil, log.NewNopLogger())
		// The target listens above 1024: without the capability the test
		// cannot listen below it either.
		serveTCPInPod(t, l, netip.AddrPortFrom(l.PodIPv4, 8080))
		r := labProbe(t, runner, tcpModule+"\nsource_port: 80", target(l.PodIPv4, 8080))
		assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s->%s: bind: permission denied", portOnly(80), target(l.PodIPv4, 8080)))
		assertHandshake(t, r, handshake.SourcePortUnavailable)
		want := "source_port_unavailable: source port 80 could not be used (permission denied: ports below " +
			"net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE); nothing was sent."
		if got := r.LastHandshake(); got != want {
			t.Errorf("verdict\n got %s\nwant %s", got, want)
		}
	})
}

// assertAbsent checks that the probe exports none of the named metrics.
func assertAbsent(t *testing.T, r *Report, names ...string) {
	t.Helper()
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, n := range names {
			if mf.GetName() == n {
				t.Errorf("%s is exported without a capture:\n%s", n, r.DebugOutput())
			}
		}
	}
}

// A probe whose SYN-ACK the node resets from a port the node collector
// knows as an allocated NodePort names it, traced or not; its metric says
// so.
func TestResetVerdictNamesTheNodePort(t *testing.T) {
	for name, run := range map[string]func(*testing.T, func(*testing.T, *netlab.Lab), func(*testing.T, *netlab.Lab)){
		"traced": netlab.Run, "untraced": netlab.RunWithoutNetRaw,
	} {
		t.Run(name, func(t *testing.T) {
			run(t, func(t *testing.T, l *netlab.Lab) {
				l.ResetSYNACKsTo(t, 30000, 32767)
			}, func(t *testing.T, l *netlab.Lab) {
				runner := NewRunner(nil, nil, log.NewNopLogger())
				want := "timeout: " + target(l.PodIPv4, 80) + " did not complete the handshake in time; packet tracing is off"
				if name == "traced" {
					runner = tracedRunner(t)
					want = "reset_after_synack: the SYN-ACK from " + target(l.PodIPv4, 80) + " was reset by this host"
				}
				runner.SetNodePorts(webNodePort)
				serveTCPInPod(t, l, netip.AddrPortFrom(l.PodIPv4, 80))
				r := labProbe(t, runner, tcpModule+"\nsource_port: 30080", target(l.PodIPv4, 80))
				named := "source port 30080 is an allocated NodePort (default/web; known from kubernetes), which IPVS or kube-proxy owns on this node"
				if got := r.LastHandshake(); !strings.HasPrefix(got, want) || !strings.Contains(got, named) {
					t.Errorf("verdict\n got %s\nwant %s… %s…", got, want, named)
				}
				if got := metric(t, r, "probe_tcp_source_port_nodeport"); got != 1 {
					t.Errorf("probe_tcp_source_port_nodeport = %v, want 1", got)
				}
			})
		})
	}
}
