package collector

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// The node of TestNodeSignalsOnARealKernel: a narrow ephemeral range that
// overlaps the NodePort range, part of which is reserved.
const (
	labPortRange = "30000 40000"
	labReserved  = "30000-30009,31000"
	// 30005 and 31000 are reserved, 30080 gets a listener, 45000 lies
	// outside the ephemeral range: only 30081 and 32000 are at risk.
	labStatic = "30005,30080,30081,31000,32000,45000"
)

// timeWaitTally is what the test itself knows of the sockets it left in
// TIME_WAIT, to compare the collector's counts with.
type timeWaitTally struct {
	byRange map[string]int
	byDest  map[string]int
	total   int
}

// makeTimeWait opens and closes n connections to dest, from port from
// upwards or, if from is 0, from ports the kernel picks.
func (tally *timeWaitTally) makeTimeWait(t *testing.T, dest string, n, from int, eph ports.Range) {
	t.Helper()
	for i := 0; i < n; i++ {
		d := net.Dialer{Timeout: 2 * time.Second}
		if from != 0 {
			d.LocalAddr = &net.TCPAddr{Port: from + i}
		}
		addr, err := netlab.LeaveTimeWait(&d, dest)
		if err != nil {
			t.Fatalf("connection %d to %s: %v", i, dest, err)
		}
		local := netip.MustParseAddrPort(addr.String())
		tally.byRange[portRangeName(local.Port(), eph, ports.Range{First: 30000, Last: 32767})]++
		tally.byDest[netip.MustParseAddrPort(dest).String()]++
		tally.total++
	}
}

// waitForTimeWait waits until sockstat counts n TIME_WAIT sockets.
func waitForTimeWait(t testing.TB, node *procNode, n int) {
	t.Helper()
	got := 0
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got, _ = node.TimeWaitSockets(); got >= n {
			return
		}
	}
	t.Fatalf("%d TIME_WAIT sockets after 20s, want %d", got, n)
}

func labSetup(t *testing.T, l *netlab.Lab) {
	l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", labPortRange)
	l.Sysctl(t, l.Node, "net.ipv4.ip_local_reserved_ports", labReserved)
	// Off, so no new connection takes over a TIME_WAIT socket's port.
	l.Sysctl(t, l.Node, "net.ipv4.tcp_tw_reuse", "0")
	// On, so a TIME_WAIT socket ignores RSTs. Without it, under load, one
	// of the 2510 sockets vanished in 2 of 12 runs with TWKilled and
	// TWRecycled both 0 (0 of 84 runs with it). The likely path: the
	// pod's FIN is retransmitted after our ACK reached it, our second ACK
	// meets a closed socket, and the RST back kills TIME_WAIT silently.
	l.Sysctl(t, l.Node, "net.ipv4.tcp_rfc1337", "1")
	if _, err := os.Stat("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait"); err == nil {
		l.Sysctl(t, l.Node, "net.netfilter.nf_conntrack_tcp_timeout_time_wait", "77")
	}
	// A kube-ipvs0 interface holding a ClusterIP, as kube-proxy's IPVS
	// mode makes (a veth end: this kernel may lack the dummy driver).
	end := fmt.Sprintf("kpi%dx%d", os.Getpid(), time.Now().UnixNano()%100000)
	peer := strings.Replace(end, "kpi", "kpj", 1)
	for _, args := range [][]string{
		{"ip", "link", "add", end, "type", "veth", "peer", "name", peer},
		{"ip", "link", "set", end, "netns", l.Node, "name", kubeIPVSInterface},
		{"ip", "link", "set", peer, "netns", l.Pod},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	l.Exec(t, l.Node, "ip", "addr", "add", "198.19.0.10/32", "dev", kubeIPVSInterface)
}

func TestNodeSignalsOnARealKernel(t *testing.T) {
	netlab.Run(t, labSetup, func(t *testing.T, l *netlab.Lab) {
		l.ServeUntilEOF(t, "198.18.0.2:8080")
		l.ServeUntilEOF(t, "198.18.0.2:8081")
		l.ServeUntilEOF(t, "[2001:db8::2]:8080")
		held, err := net.Listen("tcp", "198.18.0.1:30080")
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()

		eph := ports.Range{First: 30000, Last: 40000}
		tally := &timeWaitTally{byRange: map[string]int{}, byDest: map[string]int{}}
		tally.makeTimeWait(t, "198.18.0.2:8080", 2000, 0, eph)
		tally.makeTimeWait(t, "[2001:db8::2]:8080", 500, 0, eph)
		tally.makeTimeWait(t, "198.18.0.2:8081", 10, 45001, eph) // local ports outside both ranges

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cfg := Config{ProcPath: "/proc", NodePortRange: ports.Range{First: 30000, Last: 32767}, IPVS: IPVSAuto, Static: mustPorts(t, labStatic), TimeWaitTop: 5,
			ListenPorts: mustPorts(t, "9878,35000")}
		c, err := New(ctx, cfg, log.NewNopLogger())
		if err != nil {
			t.Fatal(err)
		}
		waitForTimeWait(t, c.node, tally.total)
		m := gather(t, c)

		want := []struct {
			name, label string
			value       float64
		}{
			{"kubeprobe_ephemeral_port_range_start", "", 30000},
			{"kubeprobe_ephemeral_port_range_end", "", 40000},
			{"kubeprobe_ephemeral_reserved_ports", "", 11},
			{"kubeprobe_nodeport_range_start", "", 30000},
			{"kubeprobe_nodeport_range_end", "", 32767},
			{"kubeprobe_nodeport_range_ephemeral_overlap_ports", "", 2768 - 11},
			{"kubeprobe_nodeports_allocated", "static", 6},
			{"kubeprobe_nodeports_at_risk", "", 2},
			// 30081 and 32000 are at risk; 32000 has 30000's parity.
			{"kubeprobe_nodeports_at_risk_for_connect", "", 1},
			// 30000-40000 has 5001 even ports; 30000-30008 and 31000 are reserved.
			{"kubeprobe_ephemeral_connect_ports", "", 5001 - 6},
			{"kubeprobe_exporter_listen_port_pickable", "9878", 0},
			{"kubeprobe_exporter_listen_port_pickable", "35000", 1},
			{"kubeprobe_tcp_time_wait_sockets", "", float64(tally.total)},
			{"kubeprobe_tcp_time_wait_sockets_by_range", "nodeport", float64(tally.byRange[rangeNodePort])},
			{"kubeprobe_tcp_time_wait_sockets_by_range", "ephemeral", float64(tally.byRange[rangeEphemeral])},
			{"kubeprobe_tcp_time_wait_sockets_by_range", "other", 10},
			{"kubeprobe_tcp_time_wait_top_destinations", "198.18.0.2:8080", 2000},
			{"kubeprobe_tcp_time_wait_top_destinations", "[2001:db8::2]:8080", 500},
			{"kubeprobe_tcp_time_wait_top_destinations", "198.18.0.2:8081", 10},
			{"kubeprobe_tcp_active_opens_total", "", float64(tally.total)},
			{"kubeprobe_sysctl_tcp_tw_reuse", "", 0},
		}
		if _, err := os.Stat("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait"); err == nil {
			want = append(want, struct {
				name, label string
				value       float64
			}{"kubeprobe_sysctl_nf_conntrack_tcp_timeout_time_wait_seconds", "", 77})
		}
		for _, w := range want {
			if got, ok := value(t, m, w.name, w.label); !ok || got != w.value {
				t.Errorf("%s{%s} = %v (present %v), want %v", w.name, w.label, got, ok, w.value)
			}
		}
		// No IPVS in the namespace: no ipvs series, rather than a 0 that
		// would say IPVS holds no NodePort; and no failure (below).
		if got, ok := value(t, m, "kubeprobe_nodeports_allocated", "ipvs"); ok {
			t.Errorf("kubeprobe_nodeports_allocated{source=\"ipvs\"} = %v without /proc/net/ip_vs, want no series", got)
		}
		if tally.byRange[rangeNodePort] == 0 || tally.byRange[rangeEphemeral] == 0 {
			t.Errorf("the kernel picked source ports from one range only (%v); the split is not tested", tally.byRange)
		}
		for _, s := range m["kubeprobe_exporter_collector_success"] {
			if s.GetGauge().GetValue() != 1 {
				t.Errorf("collector %s failed", s.GetLabel()[0].GetValue())
			}
		}

		risky, err := c.snapshot().AtRisk()
		if err != nil || len(risky) != 2 || risky[0].Port != 30081 || risky[1].Port != 32000 {
			t.Errorf("at risk: %+v, %v; want 30081 and 32000", risky, err)
		}
		addrs, err := interfaceAddresses()
		if err != nil || !addrs[l.NodeIPv4] || !addrs[l.NodeIPv6] || addrs[netip.MustParseAddr("198.19.0.10")] {
			t.Errorf("node addresses %v, %v: want 198.18.0.1 and 2001:db8::1, not kube-ipvs0's 198.19.0.10", addrs, err)
		}
	})
}
