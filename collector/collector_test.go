package collector

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// nodeProcfs is a node as the incident's: ephemeral 1024-65000, part of
// the NodePort range reserved, conntrack not loaded.
func nodeProcfs(t *testing.T) string {
	t.Helper()
	root := fakeProcfs(t, map[string]string{
		"sys/net/ipv4/ip_local_port_range":     "1024\t65000\n",
		"sys/net/ipv4/ip_local_reserved_ports": "30000-30099\n",
		"sys/net/ipv4/tcp_tw_reuse":            "2\n",
		"net/sockstat":                         "sockets: used 100\nTCP: inuse 5 orphan 0 tw 1234 alloc 9 mem 1\nUDP: inuse 1 mem 0\n",
		"1/net/snmp": "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n" +
			"Tcp: 1 200 120000 -1 987654 12 3 4 5 6 7 8 0 9 0\n",
	})
	// procfs resolves /proc/self to the process's own directory.
	if err := os.Symlink("1", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	return root
}

type failingSource struct{}

func (failingSource) Name() string                      { return sourceKubernetes }
func (failingSource) WaitForSync(context.Context) error { return nil }
func (failingSource) Allocations() ([]allocation, error) {
	return nil, errors.New("the Kubernetes API has not listed the Services yet: connection refused")
}

func gather(t *testing.T, c prometheus.Collector) map[string][]*dto.Metric {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]*dto.Metric{}
	for _, f := range families {
		out[f.GetName()] = f.GetMetric()
	}
	return out
}

// value is the value of the series of name with the given label value,
// or of its only series.
func value(t *testing.T, m map[string][]*dto.Metric, name, label string) (float64, bool) {
	t.Helper()
	for _, s := range m[name] {
		if label != "" && (len(s.GetLabel()) == 0 || s.GetLabel()[0].GetValue() != label) {
			continue
		}
		if s.GetCounter() != nil {
			return s.GetCounter().GetValue(), true
		}
		return s.GetGauge().GetValue(), true
	}
	return 0, false
}

func TestCollectorReadsTheNodeAndSurvivesAFailingSource(t *testing.T) {
	node, err := newProcNode(nodeProcfs(t))
	if err != nil {
		t.Fatal(err)
	}
	// The exporter listens on 9878, in the ephemeral range, and on 30010,
	// which is reserved.
	cfg := Config{NodePortRange: ports.Range{First: 30000, Last: 32767}, TimeWaitTop: 5, ListenPorts: mustPorts(t, "9878,30010")}
	var logs bytes.Buffer
	c := newCollector(cfg, node, []source{failingSource{}, staticSource{ports: mustPorts(t, "30050,30080,31000-31001")}}, log.NewLogfmtLogger(&logs))
	m := gather(t, c)

	for _, tc := range []struct {
		name, label string
		want        float64
	}{
		{"kubeprobe_ephemeral_port_range_start", "", 1024},
		{"kubeprobe_ephemeral_port_range_end", "", 65000},
		{"kubeprobe_ephemeral_reserved_ports", "", 100},
		{"kubeprobe_nodeport_range_start", "", 30000},
		{"kubeprobe_nodeport_range_end", "", 32767},
		{"kubeprobe_nodeport_range_ephemeral_overlap_ports", "", 2768 - 100},
		{"kubeprobe_nodeports_allocated", "static", 4},
		// The even ports of 1024-65000, less the 50 even ones reserved.
		{"kubeprobe_ephemeral_connect_ports", "", 31989 - 50},
		{"kubeprobe_exporter_listen_port_pickable", "9878", 1},
		{"kubeprobe_exporter_listen_port_pickable", "30010", 0},
		{"kubeprobe_tcp_time_wait_sockets", "", 1234},
		{"kubeprobe_tcp_active_opens_total", "", 987654},
		{"kubeprobe_sysctl_tcp_tw_reuse", "", 2},
		{"kubeprobe_exporter_collector_success", "nodeports_kubernetes", 0},
		{"kubeprobe_exporter_collector_success", "nodeports_static", 1},
		{"kubeprobe_exporter_collector_success", "nodeports_at_risk", 1},
		{"kubeprobe_exporter_collector_success", "reuse_sysctls", 1},
		{"kubeprobe_exporter_collector_success", "time_wait_breakdown", 1},
		{"kubeprobe_exporter_collector_success", "connect_ports", 1},
		{"kubeprobe_exporter_collector_success", "listen_ports", 1},
	} {
		got, ok := value(t, m, tc.name, tc.label)
		if !ok || got != tc.want {
			t.Errorf("%s{%s} = %v (present %v), want %v", tc.name, tc.label, got, ok, tc.want)
		}
	}
	// This test's own namespace may have listeners on the static ports;
	// 30050 is reserved, so at most three can be at risk.
	if got, _ := value(t, m, "kubeprobe_nodeports_at_risk", ""); got > 3 {
		t.Errorf("kubeprobe_nodeports_at_risk = %v, want at most 3", got)
	}
	// Of those, only 31000 has 1024's parity.
	if got, ok := value(t, m, "kubeprobe_nodeports_at_risk_for_connect", ""); !ok || got > 1 {
		t.Errorf("kubeprobe_nodeports_at_risk_for_connect = %v (present %v), want at most 1", got, ok)
	}
	if _, ok := value(t, m, "kubeprobe_nodeports_allocated", "kubernetes"); ok {
		t.Error("a failed source exported kubeprobe_nodeports_allocated")
	}
	if _, ok := m["kubeprobe_sysctl_nf_conntrack_tcp_timeout_time_wait_seconds"]; ok {
		t.Error("the conntrack sysctl is exported although nf_conntrack is not loaded")
	}
	if len(m["kubeprobe_exporter_collector_duration_seconds"]) != len(c.scrapers) {
		t.Errorf("%d duration series for %d collectors", len(m["kubeprobe_exporter_collector_duration_seconds"]), len(c.scrapers))
	}
	if want := `msg="Collector failed" collector=nodeports_kubernetes err="the Kubernetes API has not listed the Services yet: connection refused"`; !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %s:\n%s", want, logs.String())
	}
}

func TestCollectorReportsAMissingProcfs(t *testing.T) {
	node, err := newProcNode(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := newCollector(Config{NodePortRange: ports.Range{First: 30000, Last: 32767}}, node, nil, log.NewNopLogger())
	m := gather(t, c)
	for _, name := range []string{"ephemeral_port_range", "reserved_ports", "connect_ports", "nodeport_range", "listen_ports", "time_wait", "tcp_churn", "reuse_sysctls"} {
		if got, _ := value(t, m, "kubeprobe_exporter_collector_success", name); got != 0 {
			t.Errorf("collector %s succeeded without procfs", name)
		}
	}
	// The NodePort range comes from a flag, so it is exported all the same.
	if got, _ := value(t, m, "kubeprobe_nodeport_range_end", ""); got != 32767 {
		t.Errorf("kubeprobe_nodeport_range_end = %v, want 32767", got)
	}
}

func TestCollectorMetricsPassLint(t *testing.T) {
	node, _ := newProcNode(nodeProcfs(t))
	c := newCollector(Config{NodePortRange: ports.Range{First: 30000, Last: 32767}, TimeWaitTop: 5}, node, nil, log.NewNopLogger())
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}
