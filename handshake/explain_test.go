package handshake

import (
	"net/netip"
	"os"
	"syscall"
	"testing"
)

func TestExplainNamesWhatIsKnown(t *testing.T) {
	remote := netip.MustParseAddrPort("198.18.0.2:80")
	local := netip.MustParseAddrPort("198.18.0.1:30080")
	owner := "an allocated NodePort (default/web; known from kubernetes)"
	refused := os.NewSyscallError("connect", syscall.ECONNREFUSED)
	cases := []struct {
		name string
		a    Attempt
		want string
	}{
		{"reset by a known NodePort", Attempt{Local: local, Remote: remote, Outcome: ResetAfterSYNACK, Traced: true, SourcePortOwner: owner},
			"reset_after_synack: the SYN-ACK from 198.18.0.2:80 was reset by this host: source port 30080 is " + owner +
				", which IPVS or kube-proxy owns on this node (`kubeprobe_exporter check` prints the sysctl that reserves it)."},
		{"reset, owner unknown", Attempt{Local: local, Remote: remote, Outcome: ResetAfterSYNACK, Traced: true},
			"reset_after_synack: the SYN-ACK from 198.18.0.2:80 was reset by this host, so something on this host " +
				"(an IPVS or NodePort rule, a firewall) owns source port 30080."},
		{"dropped by a known NodePort", Attempt{Local: local, Remote: remote, Outcome: SYNACKDropped, Traced: true, SourcePortOwner: owner},
			"synack_dropped: the SYN-ACK from 198.18.0.2:80 arrived and nothing on this host answered it: source port 30080 is " + owner +
				", which IPVS or kube-proxy owns on this node (`kubeprobe_exporter check` prints the sysctl that reserves it)."},
		{"untraced timeout from a NodePort", Attempt{Local: local, Remote: remote, Outcome: Timeout, SourcePortOwner: owner},
			"timeout: 198.18.0.2:80 did not complete the handshake in time; packet tracing is off, so a SYN-ACK reset or dropped " +
				"on this host cannot be told from one that never came; most likely the answer was reset: source port 30080 is " + owner +
				", which IPVS or kube-proxy owns on this node (`kubeprobe_exporter check` prints the sysctl that reserves it)."},
		{"icmp port unreachable", Attempt{Local: local, Remote: remote, Outcome: Unreachable,
			Err: &icmpError{err: refused, icmp: ICMPMessage{Type: 3, Code: 3, From: remote.Addr()}}},
			"unreachable: the SYN to 198.18.0.2:80 was answered by ICMP port unreachable (type 3, code 3) from 198.18.0.2, not by a reset: " +
				"a firewall rejects the connection (iptables REJECT does this by default), or the host runs no TCP; " +
				`the kernel reports it as "connection refused", and so does kubelet.`},
		{"icmpv6 administratively prohibited", Attempt{Local: local, Remote: remote, Outcome: Unreachable,
			Err: &icmpError{err: os.NewSyscallError("connect", syscall.EACCES), icmp: ICMPMessage{V6: true, Type: 1, Code: 1, From: netip.MustParseAddr("2001:db8::9")}}},
			"unreachable: 198.18.0.2:80 is unreachable from here: the SYN was answered by ICMPv6 communication administratively prohibited " +
				"(type 1, code 1) from 2001:db8::9 (permission denied)."},
		{"privileged source port", Attempt{Requested: netip.MustParseAddrPort("0.0.0.0:80"), Remote: remote, Outcome: SourcePortUnavailable,
			Err: os.NewSyscallError("bind", syscall.EACCES)},
			"source_port_unavailable: source port 80 could not be used (permission denied: ports below " +
				"net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE); nothing was sent."},
	}
	for _, c := range cases {
		if got := c.a.Explain(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}
