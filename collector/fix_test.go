package collector

import (
	"reflect"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func mustPorts(t *testing.T, s string) ports.Set {
	t.Helper()
	set, err := ports.ParseList(s)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func known(protocol string, ports ...uint16) []KnownPort {
	var out []KnownPort
	for _, p := range ports {
		out = append(out, KnownPort{NodePort: NodePort{Protocol: protocol, Port: p}})
	}
	return out
}

// TestAtRiskIsTheIncidentsRule: in the ephemeral range, not reserved, not
// held by a socket of the NodePort's protocol.
func TestAtRiskIsTheIncidentsRule(t *testing.T) {
	eph := ports.Range{First: 1024, Last: 65000}
	reserved := mustPorts(t, "31000-31010")
	var held heldPorts
	held.tcp.Add(30081) // a listener holds TCP 30081...
	held.udp.Add(30082) // ...and a bound UDP socket UDP 30082, not TCP 30082
	all := append(known("TCP", 1000, 30080, 30081, 30082, 31005, 65001), known("UDP", 30082)...)
	all = append(all, known("SCTP", 30083)...)

	got := atRisk(all, &kernelPorts{eph, reserved}, held)
	// 1000 and 65001 lie outside the range, 31005 is reserved, TCP 30081
	// and UDP 30082 are held; SCTP sockets are never seen, so never held.
	want := []KnownPort{
		{NodePort: NodePort{Protocol: "TCP", Port: 30080}},
		{NodePort: NodePort{Protocol: "TCP", Port: 30082}},
		{NodePort: NodePort{Protocol: "SCTP", Port: 30083}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("atRisk = %+v\nwant %+v", got, want)
	}
}

func TestPickable(t *testing.T) {
	for _, tc := range []struct {
		eph      ports.Range
		reserved string
		want     int
	}{
		{ports.Range{First: 32768, Last: 60999}, "", 0},           // Linux's default: clear of 30000-32767
		{ports.Range{First: 1024, Last: 65000}, "", 2768},         // the incident's node
		{ports.Range{First: 1024, Last: 65000}, "30000-32767", 0}, // the incident's fix
		{ports.Range{First: 1024, Last: 65000}, "30000-30099", 2668},
		{ports.Range{First: 31000, Last: 40000}, "31000", 1767}, // 31001-32767
	} {
		k := &kernelPorts{tc.eph, mustPorts(t, tc.reserved)}
		got := k.pickableIn(ports.Range{First: 30000, Last: 32767})
		if got.Len() != tc.want {
			t.Errorf("ephemeral %s, reserved %q: %d ports, want %d", tc.eph, tc.reserved, got.Len(), tc.want)
		}
	}
}

func TestPlanFixMergesWithWhatIsReserved(t *testing.T) {
	eph := ports.Range{First: 1024, Last: 65000}
	nodePorts := ports.Range{First: 30000, Last: 32767}
	reserved := mustPorts(t, "8080,9100-9102,31000-33000")
	// 36704 is allocated outside --nodeport.range, as on the incident's
	// node whose API server used 20000-40000.
	risky := known("TCP", 30080, 36704)
	k := &kernelPorts{eph, reserved}
	// The exporter listens on 9878, inside the ephemeral range.
	fix := planFix(k, nodePorts, risky, []uint16{9878})
	want := Fix{
		Needed:             true,
		ReservedPorts:      "8080,9100-9102,9878,30000-33000,36704",
		Reserves:           "the NodePort range, the NodePorts at risk and the exporter's listen port 9878",
		Command:            "sysctl -w net.ipv4.ip_local_reserved_ports=8080,9100-9102,9878,30000-33000,36704",
		PersistFile:        "/etc/sysctl.d/90-kubeprobe-reserved-ports.conf",
		PersistLine:        "net.ipv4.ip_local_reserved_ports = 8080,9100-9102,9878,30000-33000,36704",
		EphemeralPortsLeft: eph.Len() - (1 + 3 + 1 + 3001 + 1),
		// 32768-65000 would still hold 36704, and 1024-29999 is smaller.
		Alternative: "",
	}
	if fix != want {
		t.Errorf("planFix =\n%+v\nwant\n%+v", fix, want)
	}
}

func TestPlanFixNotNeeded(t *testing.T) {
	eph := ports.Range{First: 32768, Last: 60999}
	// 9878 is below the range: the kernel never hands it out.
	if fix := planFix(&kernelPorts{Ephemeral: eph}, ports.Range{First: 30000, Last: 32767}, nil, nil); fix.Needed || fix.Command != "" {
		t.Errorf("no overlap and nothing at risk, yet %+v", fix)
	}
}

// The exporter's listen port alone needs the fix, and reserving it is the
// whole of it, NodePort range aside: reserving that range costs nothing
// once it is clear of the ephemeral range.
func TestPlanFixForTheListenPortAlone(t *testing.T) {
	k := &kernelPorts{Ephemeral: ports.Range{First: 32768, Last: 60999}}
	fix := planFix(k, ports.Range{First: 30000, Last: 32767}, nil, []uint16{40000})
	if !fix.Needed || fix.ReservedPorts != "30000-32767,40000" || fix.Reserves != "the NodePort range and the exporter's listen port 40000" ||
		fix.EphemeralPortsLeft != 28232-1 || fix.Alternative != "" {
		t.Errorf("planFix = %+v", fix)
	}
}

func TestClearRange(t *testing.T) {
	for _, tc := range []struct {
		eph, nodePorts ports.Range
		want           string
	}{
		{ports.Range{First: 1024, Last: 65000}, ports.Range{First: 30000, Last: 32767}, `sysctl -w net.ipv4.ip_local_port_range="32768 65000"`},
		{ports.Range{First: 1024, Last: 40000}, ports.Range{First: 30000, Last: 32767}, `sysctl -w net.ipv4.ip_local_port_range="1024 29999"`},
		{ports.Range{First: 30000, Last: 32767}, ports.Range{First: 30000, Last: 32767}, ""},
		{ports.Range{First: 1, Last: 65535}, ports.Range{First: 1, Last: 65535}, ""},
		{ports.Range{First: 1024, Last: 65535}, ports.Range{First: 30000, Last: 65535}, `sysctl -w net.ipv4.ip_local_port_range="1024 29999"`},
	} {
		if got := clearRange(tc.eph, tc.nodePorts, known("TCP", 30080), nil); got != tc.want {
			t.Errorf("clearRange(%s, %s) = %q, want %q", tc.eph, tc.nodePorts, got, tc.want)
		}
	}
	// Moving the range below the NodePorts would keep the exporter's
	// listen port in it: no alternative then.
	if got := clearRange(ports.Range{First: 1024, Last: 40000}, ports.Range{First: 30000, Last: 32767}, nil, []uint16{9878}); got != "" {
		t.Errorf("clearRange with the listen port inside the new range = %q, want none", got)
	}
}
