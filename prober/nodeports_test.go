package prober

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// fakeNodePorts knows a fixed set of NodePorts.
type fakeNodePorts map[uint16]NodePort

func (f fakeNodePorts) NodePort(p uint16) (NodePort, bool) {
	np, ok := f[p]
	return np, ok
}

var webNodePort = fakeNodePorts{30080: {Owners: []string{"default/web"}, Sources: []string{"kubernetes"}}}

func attempt(port uint16, outcome handshake.Outcome, traced bool) *handshake.Attempt {
	return &handshake.Attempt{Local: netip.AddrPortFrom(netip.MustParseAddr("198.18.0.1"), port),
		Remote: netip.MustParseAddrPort("198.18.0.2:80"), Outcome: outcome, Traced: traced}
}

// Only the failures a port's owner causes are blamed on it.
func TestNameSourcePortOwners(t *testing.T) {
	r := NewRunner(nil, nil, log.NewNopLogger())
	r.SetNodePorts(webNodePort)
	want := "an allocated NodePort (default/web; known from kubernetes)"
	cases := []struct {
		a     *handshake.Attempt
		named bool
	}{
		{attempt(30080, handshake.ResetAfterSYNACK, true), true},
		{attempt(30080, handshake.SYNACKDropped, true), true},
		{attempt(30080, handshake.Timeout, false), true}, // untraced: a reset reads as a timeout
		{attempt(30080, handshake.Timeout, true), false}, // traced: no SYN-ACK came, the port did nothing
		{attempt(30080, handshake.Established, true), false},
		{attempt(30081, handshake.ResetAfterSYNACK, true), false}, // not a NodePort
	}
	for _, c := range cases {
		r.nameSourcePortOwners([]*handshake.Attempt{c.a})
		if got := c.a.SourcePortOwner; (got == want) != c.named || (!c.named && got != "") {
			t.Errorf("port %d, %s, traced %v: owner %q, want named %v", c.a.SourcePort(), c.a.Outcome, c.a.Traced, got, c.named)
		}
	}
}

func TestNodePortMetric(t *testing.T) {
	for _, c := range []struct {
		name      string
		nodePorts NodePorts
		port      uint16
		want      string
	}{
		{"a NodePort", webNodePort, 30080, "# HELP probe_tcp_source_port_nodeport 1 if the source port of the probe's connection is an allocated NodePort of this node, as the exporter's NodePort sources know them.\n# TYPE probe_tcp_source_port_nodeport gauge\nprobe_tcp_source_port_nodeport 1\n"},
		{"another port", webNodePort, 40000, "# HELP probe_tcp_source_port_nodeport 1 if the source port of the probe's connection is an allocated NodePort of this node, as the exporter's NodePort sources know them.\n# TYPE probe_tcp_source_port_nodeport gauge\nprobe_tcp_source_port_nodeport 0\n"},
		{"no NodePort source", nil, 30080, ""},
	} {
		r := NewRunner(nil, nil, log.NewNopLogger())
		if c.nodePorts != nil {
			r.SetNodePorts(c.nodePorts)
		}
		reg := newMetricSet()
		r.writeNodePortMetric(reg, []*handshake.Attempt{attempt(c.port, handshake.Established, true)})
		n, err := testutil.GatherAndCount(reg)
		if err != nil {
			t.Fatal(err)
		}
		if c.want == "" {
			if n != 0 {
				t.Errorf("%s: %d metrics, want none", c.name, n)
			}
			continue
		}
		if err := testutil.GatherAndCompare(reg, strings.NewReader(c.want), "probe_tcp_source_port_nodeport"); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
