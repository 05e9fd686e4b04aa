package prober

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// These tests build the lab of docs/lab.md and let the kernel's own TCP stack
// produce each handshake outcome, over IPv4 and IPv6.

const tcpModule = "prober: tcp\ntimeout: 1200ms"

func target(ip netip.Addr, port uint16) string { return netip.AddrPortFrom(ip, port).String() }

func TestHandshakeEstablished(t *testing.T) {
	netlab.Run(t, nil, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule, target(f.pod, 80))
			assertOutcome(t, r, Success, "")
			assertHandshake(t, r, handshake.Established)
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": 1, "probe_tcp_synack_received": 1, "probe_tcp_rst_sent": -1, "probe_tcp_trace_available": 1})
			if port := metric(t, r, "probe_tcp_source_port"); port < 32768 || port > 60999 {
				t.Errorf("%s: source port %v, want one from the kernel's ephemeral range", f.name, port)
			}
		}
	})
}

func TestHandshakeRefused(t *testing.T) {
	netlab.Run(t, nil, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			r := labProbe(t, runner, tcpModule, target(f.pod, 81))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: connect: connection refused", target(f.pod, 81)))
			assertHandshake(t, r, handshake.Refused)
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": 1, "probe_tcp_rst_received": 1, "probe_tcp_synack_received": -1})
		}
	})
}

// The second incident: the node owns the source port (here an iptables
// reset stands in for IPVS) and resets the pod's SYN-ACK. The probe times
// out as kubelet's did, and the wire says why.
func TestHandshakeResetAfterSYNACKFromFixedPort(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 32767)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule+"\nsource_port: 30080", target(f.pod, 80))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s->%s: i/o timeout", portOnly(30080), target(f.pod, 80)))
			assertHandshake(t, r, handshake.ResetAfterSYNACK)
			// As in the incident's capture (docs/handshakes.md): SYN, SYN-ACK, RST, and the SYN again a second later.
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": 2, "probe_tcp_synack_received": 2, "probe_tcp_rst_sent": 2})
			if got := metric(t, r, "probe_tcp_source_port"); got != 30080 {
				t.Errorf("probe_tcp_source_port = %v", got)
			}
			want := fmt.Sprintf("reset_after_synack: the SYN-ACK from %s was reset by this host, so something on this host "+
				"(an IPVS or NodePort rule, a firewall) owns source port 30080.", target(f.pod, 80))
			if got := r.LastHandshake(); got != want {
				t.Errorf("verdict\n got %s\nwant %s", got, want)
			}
			for _, line := range []string{"out " + netip.AddrPortFrom(f.node, 30080).String() + " > " + target(f.pod, 80) + " [S]",
				"in  " + target(f.pod, 80) + " > " + netip.AddrPortFrom(f.node, 30080).String() + " [S.]",
				"out " + netip.AddrPortFrom(f.node, 30080).String() + " > " + target(f.pod, 80) + " [R]"} {
				if !strings.Contains(r.DebugOutput(), line) {
					t.Errorf("the timeline lacks %q:\n%s", line, r.DebugOutput())
				}
			}
		}
	})
}

// portOnly is how Go's dialer prints a bound port with no address.
func portOnly(port int) string { return (&net.TCPAddr{Port: port}).String() }

// With the kernel choosing, as kubelet lets it, a narrowed ephemeral range
// inside the "NodePort" range makes every probe collide.
func TestHandshakeResetAfterSYNACKFromKernelChosenPort(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 32767)
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30000 30100")
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule, target(f.pod, 80))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: i/o timeout", target(f.pod, 80)))
			assertHandshake(t, r, handshake.ResetAfterSYNACK)
			if port := metric(t, r, "probe_tcp_source_port"); port < 30000 || port > 30100 {
				t.Errorf("%s: source port %v, want the kernel's choice from 30000-30100", f.name, port)
			}
		}
	})
}

func TestHandshakeSYNACKDropped(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.DropSYNACKsTo(t, 30000, 32767)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule+"\nsource_port: 30080", target(f.pod, 80))
			assertHandshake(t, r, handshake.SYNACKDropped)
			assertCounts(t, r, map[string]int{"probe_tcp_synack_received": 1, "probe_tcp_rst_sent": -1})
		}
	})
}

func TestHandshakeTimeout(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		for _, ipt := range []string{"iptables", "ip6tables"} {
			l.Exec(t, l.Pod, ipt, "-A", "INPUT", "-p", "tcp", "--syn", "--dport", "80", "-j", "DROP")
		}
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule, target(f.pod, 80))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: i/o timeout", target(f.pod, 80)))
			assertHandshake(t, r, handshake.Timeout)
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": 2, "probe_tcp_synack_received": -1, "probe_tcp_rst_received": -1})
		}
	})
}

func TestHandshakeUnreachable(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Exec(t, l.Pod, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "82", "-j", "REJECT", "--reject-with", "icmp-host-unreachable")
		l.Exec(t, l.Pod, "ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "82", "-j", "REJECT", "--reject-with", "icmp6-addr-unreachable")
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			r := labProbe(t, runner, tcpModule, target(f.unrouted, 80))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: connect: network is unreachable", target(f.unrouted, 80)))
			assertHandshake(t, r, handshake.Unreachable)

			r = labProbe(t, runner, tcpModule, target(f.pod, 82))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s: connect: no route to host", target(f.pod, 82)))
			assertHandshake(t, r, handshake.Unreachable)
		}
	})
}

func TestHandshakeSourcePortUnavailable(t *testing.T) {
	netlab.Run(t, nil, func(t *testing.T, l *netlab.Lab) {
		holder, err := net.Listen("tcp", ":30080")
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, tcpModule+"\nsource_port: 30080", target(f.pod, 80))
			assertOutcome(t, r, Failure, fmt.Sprintf("dial tcp %s->%s: bind: address already in use", portOnly(30080), target(f.pod, 80)))
			assertHandshake(t, r, handshake.SourcePortUnavailable)
			assertCounts(t, r, map[string]int{"probe_tcp_syn_sent": -1})
			if !strings.Contains(r.DebugOutput(), "source port 30080 could not be used (address already in use); nothing was sent.") {
				t.Errorf("the debug output does not explain the port:\n%s", r.DebugOutput())
			}
		}
	})
}

// A probe's own TIME_WAIT from the previous scrape must not stop the next
// one from the same fixed port.
func TestRepeatedProbesFromOneFixedPort(t *testing.T) {
	netlab.Run(t, nil, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			for i := range 5 {
				r := labProbe(t, runner, tcpModule+"\nsource_port: 30080", target(f.pod, 80))
				if r.Verdict.Result != Success {
					t.Fatalf("%s probe %d from port 30080: %s\n%s", f.name, i+1, r.Verdict.Output, r.DebugOutput())
				}
			}
		}
	})
}
