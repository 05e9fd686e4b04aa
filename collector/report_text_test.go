package collector

import (
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func TestCheckReportNamesServices(t *testing.T) {
	reuse := int64(2)
	r := &Report{
		Verdict:        VerdictAtRisk,
		EphemeralRange: ports.Range{First: 1024, Last: 65000},
		ConnectPorts:   31989,
		NodePortRange:  ports.Range{First: 30000, Last: 32767},
		OverlapPorts:   2768,
		Allocated:      map[string]int{"kubernetes": 2, "ipvs": 2},
		AtRisk: []KnownPort{
			{NodePort: NodePort{Protocol: "TCP", Port: 31221}, Sources: []string{"kubernetes", "ipvs"}, Owners: []string{"kube-system/traefik-ingress3", "IPVS 10.10.85.235:31221"}},
			{NodePort: NodePort{Protocol: "TCP", Port: 32080}, Sources: []string{"kubernetes"}, Owners: []string{"kube-system/traefik-ingress"}},
		},
		AtRiskForConnect: 1,
		OutsideRange:     []KnownPort{},
		ListenPorts:      []ListenPort{{Port: 9878, Pickable: true}},
		TWReuse:          &reuse,
		TimeWait: &TimeWaitReport{Sockets: 1079, ByRange: &TimeWaitByRange{NodePort: 40, Ephemeral: 1000, Other: 39},
			TopDestinations: []Destination{{Destination: "10.23.77.129:80", Sockets: 849}, {Destination: "169.254.20.10:8080", Sockets: 69}}},
		Churn: &Churn{IntervalSeconds: 2, OpensPerSecond: 155.3},
		Fix: Fix{Needed: true, ReservedPorts: "9878,30000-32767",
			Reserves:    "the NodePort range, the NodePorts at risk and the exporter's listen port 9878",
			Command:     "sysctl -w net.ipv4.ip_local_reserved_ports=9878,30000-32767",
			PersistFile: PersistFile, PersistLine: "net.ipv4.ip_local_reserved_ports = 9878,30000-32767",
			EphemeralPortsLeft: 61208, Alternative: `sysctl -w net.ipv4.ip_local_port_range="32768 65000"`},
		Errors: map[string]string{},
	}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `AT RISK: 2 allocated NodePorts may be handed out as source ports on this node

Ephemeral port range  net.ipv4.ip_local_port_range      1024-65000   63977 ports
Reserved ports        net.ipv4.ip_local_reserved_ports  none         0 ports
NodePort range        --nodeport.range                  30000-32767  2768 ports
Overlap: 2768 ports of the NodePort range the kernel may pick as source ports (in the ephemeral range, not reserved).
connect(2) picks each connection's source port afresh from 31989 ports first: those of 1024's parity, not reserved; bind(2) to port 0 picks from the others first.
Listen port 9878 (--web.listen-address) may be handed out as a source port: while a connection holds it, in TIME_WAIT too, the exporter cannot start on it (bind: address already in use).

Allocated NodePorts: 2 from ipvs, 2 from kubernetes
At risk (in the ephemeral range, not reserved, no listening socket):
  31221/TCP  kube-system/traefik-ingress3, IPVS 10.10.85.235:31221  (kubernetes, ipvs)
  32080/TCP  kube-system/traefik-ingress                            (kubernetes)
When the kernel picks one of these as a connection's source port, the NodePort's owner (IPVS or iptables)
takes the answer and the node resets it: a kubelet probe from that port times out.
1 of them has 1024's parity, which connect(2) picks from first: each connection from this node, kubelet's probes among them, draws one with a chance of 1 in 31989 (0.0031%), however much the node churns.

TIME_WAIT: 1079 sockets; by local port: 40 nodeport, 1000 ephemeral, 39 other
Top destinations:
  10.23.77.129:80     849
  169.254.20.10:8080  69
The busiest, 10.23.77.129:80, holds 849 of the 31989 ports connect(2) picks from first (2.7%): past 100% new connections to it take ports of the other parity, past 200% they fail (connect: cannot assign requested address).

Churn: 155.3 connections opened per second over 2.0s. It does not make a NodePort collision likelier: each connection's source port is drawn afresh.

Fix: reserve the NodePort range, the NodePorts at risk and the exporter's listen port 9878, keeping what is already reserved:
  sysctl -w net.ipv4.ip_local_reserved_ports=9878,30000-32767
and persist it across reboots:
  echo 'net.ipv4.ip_local_reserved_ports = 9878,30000-32767' > /etc/sysctl.d/90-kubeprobe-reserved-ports.conf
The kernel keeps 61208 source ports to pick from.
Or move the ephemeral range clear of the NodePort range instead:
  sysctl -w net.ipv4.ip_local_port_range="32768 65000"
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		n, d int
		want string
	}{{1, 31989, "0.0031%"}, {107, 31989, "0.33%"}, {849, 31989, "2.7%"}, {250, 500, "50%"}, {750, 500, "150%"}, {0, 500, "0%"}, {1, 0, "n/a"}} {
		if got := percent(c.n, c.d); got != c.want {
			t.Errorf("percent(%d, %d) = %s, want %s", c.n, c.d, got, c.want)
		}
	}
}
