package collector

import (
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

func TestParseIPVSServices(t *testing.T) {
	for name, want := range map[string][]string{
		// Only virtual services; the real-server rows are not services.
		"ip_vs_with_backends": {"TCP 198.18.0.1:30000", "TCP 10.96.0.1:80", "UDP 198.18.0.1:31337", "TCP 169.254.20.10:30000"},
		// A NodePort without ready endpoints has no rows under it, and counts.
		"ip_vs_without_backends": {"TCP 198.18.0.1:31000", "TCP 198.18.0.1:31001", "TCP 10.96.0.2:443"},
		"ip_vs_ipv6":             {"TCP [2001:db8::1]:30000", "TCP [fd00::1]:80", "SCTP [2001:db8::1]:31338"},
		// Firewall-mark services have no address or port.
		"ip_vs_fwmark": {"TCP 198.18.0.1:30001"},
	} {
		services, err := parseIPVSServices(strings.NewReader(fixture(t, name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, s := range services {
			got = append(got, s.Protocol+" "+s.Addr.String())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestParseIPVSServicesRejectsMalformedLines(t *testing.T) {
	_, err := parseIPVSServices(strings.NewReader(fixture(t, "ip_vs_malformed")))
	want := `line 5 "TCP  C61200:7531 rr": bad hex IPv4 address "C61200"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	for line, want := range map[string]string{
		"TCP  C6120001 rr":         "want ADDRESS:PORT with a hex port",
		"TCP  C6120001:XYZ rr":     `bad hex port "XYZ"`,
		"TCP  [2001:db8::zz]:1 rr": `bad IPv6 address "[2001:db8::zz]"`,
		"TCP  [198.18.0.1]:1 rr":   `bad IPv6 address "[198.18.0.1]"`,
	} {
		_, err := parseIPVSServices(strings.NewReader(line))
		if want := fmt.Sprintf("line 1 %q: %s", line, want); err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", line, err, want)
		}
	}
}

// TestIPVSSourceKeepsNodeAddressesOnly feeds the source the fixtures and
// a node whose own addresses are 198.18.0.1, 169.254.20.10 (a
// node-local-dns style dummy interface) and 2001:db8::1; the 10.96.x and
// fd00:: ClusterIPs live on kube-ipvs0, which interfaceAddresses leaves out.
func TestIPVSSourceKeepsNodeAddressesOnly(t *testing.T) {
	node := map[netip.Addr]bool{}
	for _, a := range []string{"198.18.0.1", "169.254.20.10", "2001:db8::1"} {
		node[netip.MustParseAddr(a)] = true
	}
	for name, want := range map[string][]string{
		"ip_vs_with_backends":    {"TCP/30000 IPVS 198.18.0.1:30000", "UDP/31337 IPVS 198.18.0.1:31337", "TCP/30000 IPVS 169.254.20.10:30000"},
		"ip_vs_without_backends": {"TCP/31000 IPVS 198.18.0.1:31000", "TCP/31001 IPVS 198.18.0.1:31001"},
		"ip_vs_ipv6":             {"TCP/30000 IPVS [2001:db8::1]:30000", "SCTP/31338 IPVS [2001:db8::1]:31338"},
		"ip_vs_fwmark":           {"TCP/30001 IPVS 198.18.0.1:30001"},
	} {
		root := fakeProcfs(t, map[string]string{"net/ip_vs": fixture(t, name)})
		src := newIPVSSource(root, true)
		src.nodeAddresses = func() (map[netip.Addr]bool, error) { return node, nil }
		allocs, err := src.Allocations()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var got []string
		for _, a := range allocs {
			got = append(got, fmt.Sprintf("%s/%d %s", a.Protocol, a.Port, a.Owner))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

func TestIPVSSourceWithoutIPVS(t *testing.T) {
	root := t.TempDir()
	// Left on by default, a node without IPVS is no failure, and no count.
	var absent *absentError
	if allocs, err := newIPVSSource(root, false).Allocations(); !errors.As(err, &absent) || allocs != nil {
		t.Errorf("default mode without /proc/net/ip_vs: %v, %v; want nothing, the source absent", allocs, err)
	}
	_, err := newIPVSSource(root, true).Allocations()
	want := "reading IPVS services (--nodeport.ipvs): open " + filepath.Join(root, "net/ip_vs") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("--nodeport.ipvs without /proc/net/ip_vs: %v, want %s", err, want)
	}
}

func TestIPVSSourceNamesTheFileOfAMalformedLine(t *testing.T) {
	root := fakeProcfs(t, map[string]string{"net/ip_vs": fixture(t, "ip_vs_malformed")})
	_, err := newIPVSSource(root, true).Allocations()
	want := filepath.Join(root, "net/ip_vs") + `: line 5 "TCP  C61200:7531 rr": bad hex IPv4 address "C61200"`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// TestInterfaceAddressesSkipsNothingButKubeIPVS checks the real lookup
// against this namespace: loopback is a node address.
func TestInterfaceAddressesIncludesLoopback(t *testing.T) {
	addrs, err := interfaceAddresses()
	if err != nil {
		t.Fatal(err)
	}
	if !addrs[netip.MustParseAddr("127.0.0.1")] {
		t.Errorf("interfaceAddresses lacks 127.0.0.1: %v", addrs)
	}
}

// Without IPVS on the node, the ipvs source left on by default exports no
// series and fails nothing, and the check report says it is absent rather
// than counting 0 NodePorts from it.
func TestAbsentIPVSIsNeitherAZeroNorAFailure(t *testing.T) {
	root := nodeProcfs(t)
	node, err := newProcNode(root)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NodePortRange: ports.Range{First: 30000, Last: 32767}, TimeWaitTop: 5}
	c := newCollector(cfg, node, []source{newIPVSSource(root, false)}, log.NewNopLogger())
	m := gather(t, c)
	if got, ok := value(t, m, "kubeprobe_nodeports_allocated", "ipvs"); ok {
		t.Errorf("kubeprobe_nodeports_allocated{source=\"ipvs\"} = %v without /proc/net/ip_vs, want no series", got)
	}
	if got, ok := value(t, m, "kubeprobe_exporter_collector_success", "nodeports_ipvs"); !ok || got != 1 {
		t.Errorf("collector_success{nodeports_ipvs} = %v (present %v), want 1: an absent IPVS is no failure", got, ok)
	}
	r, err := c.Check(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Allocated[sourceIPVS]; ok || !strings.Contains(r.Absent[sourceIPVS], "this node runs no IPVS") {
		t.Errorf("report: allocated %v, absent %v; want ipvs absent, not counted", r.Allocated, r.Absent)
	}
	if r.Verdict == VerdictUnknown {
		t.Errorf("verdict %s: an absent IPVS is no failed source", r.Verdict)
	}
}
