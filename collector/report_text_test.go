package collector

import (
	"strings"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func TestCheckReportNamesServices(t *testing.T) {
	wrap := 412.0
	r := &Report{
		EphemeralRange: ports.Range{First: 1024, Last: 65000},
		NodePortRange:  ports.Range{First: 30000, Last: 32767},
		OverlapPorts:   2768,
		Allocated:      map[string]int{"kubernetes": 2, "ipvs": 2},
		AtRisk: []KnownPort{
			{NodePort: NodePort{Protocol: "TCP", Port: 31221}, Sources: []string{"kubernetes", "ipvs"}, Owners: []string{"kube-system/traefik-ingress3", "IPVS 10.10.85.235:31221"}},
			{NodePort: NodePort{Protocol: "TCP", Port: 32080}, Sources: []string{"kubernetes"}, Owners: []string{"kube-system/traefik-ingress"}},
		},
		OutsideRange: []KnownPort{},
		TimeWait: &TimeWaitReport{Sockets: 1079, ByRange: &TimeWaitByRange{NodePort: 40, Ephemeral: 1000, Other: 39},
			TopDestinations: []Destination{{Destination: "10.23.77.129:80", Sockets: 849}, {Destination: "169.254.20.10:8080", Sockets: 69}}},
		Churn: &Churn{IntervalSeconds: 2, OpensPerSecond: 155.3, PickablePorts: 63977, WrapAroundSeconds: &wrap},
		Fix: Fix{Needed: true, ReservedPorts: "30000-32767",
			Command:     "sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767",
			PersistFile: persistFile, PersistLine: "net.ipv4.ip_local_reserved_ports = 30000-32767",
			EphemeralPortsLeft: 61209, Alternative: `sysctl -w net.ipv4.ip_local_port_range="32768 65000"`},
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

Allocated NodePorts: 2 from ipvs, 2 from kubernetes
At risk (in the ephemeral range, not reserved, no listening socket):
  31221/TCP  kube-system/traefik-ingress3, IPVS 10.10.85.235:31221  (kubernetes, ipvs)
  32080/TCP  kube-system/traefik-ingress                            (kubernetes)
When the kernel picks one of these as a connection's source port, the NodePort's owner (IPVS or iptables)
takes the answer and the node resets it: a kubelet probe from that port times out.

TIME_WAIT: 1079 sockets; by local port: 40 nodeport, 1000 ephemeral, 39 other
Top destinations:
  10.23.77.129:80     849
  169.254.20.10:8080  69

Churn: 155.3 connections opened per second over 2.0s; at that rate the kernel goes through its 63977 pickable source ports every 6m52s.

Fix: reserve the NodePort range and the NodePorts at risk, keeping what is already reserved:
  sysctl -w net.ipv4.ip_local_reserved_ports=30000-32767
and persist it across reboots:
  echo 'net.ipv4.ip_local_reserved_ports = 30000-32767' > /etc/sysctl.d/90-kubeprobe-reserved-ports.conf
The kernel keeps 61209 source ports to pick from.
Or move the ephemeral range clear of the NodePort range instead:
  sysctl -w net.ipv4.ip_local_port_range="32768 65000"
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
}
