package watch

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

var (
	nginx    = netip.MustParseAddrPort("198.18.0.2:8080")
	elsewhen = netip.MustParseAddrPort("198.18.0.3:443")
)

func targets(remote netip.AddrPort) []Owner {
	if remote == nginx {
		return []Owner{
			{Namespace: "default", Pod: "nginx-1", Container: "nginx", Probe: "readiness"},
			{Namespace: "default", Pod: "nginx-1", Container: "nginx", Probe: "liveness"},
		}
	}
	return nil
}

func nodePorts(port uint16) ([]string, bool, bool) {
	if port == 30004 {
		return []string{"default/foo"}, true, true
	}
	return nil, false, true
}

func reset(at time.Time, local string, remote netip.AddrPort) handshake.Reset {
	l := netip.MustParseAddrPort(local)
	return handshake.Reset{At: at, Local: l, Remote: remote, Segment: l.String() + " > " + remote.String() + " [R] seq 1"}
}

// A probe target's resets are the probe's; another far end's are counted
// node-wide by port class. A connect's retransmitted SYNs, reset again,
// are one event with a timeline; the last source port is told apart as
// an allocated NodePort.
func TestWatchAttributesAndKeepsEvents(t *testing.T) {
	w := New(Options{Targets: targets, NodePorts: nodePorts, Keep: 3})
	t0 := time.Unix(1700000000, 0)
	w.Observe(reset(t0, "198.18.0.1:30004", nginx))
	w.Observe(reset(t0.Add(time.Second), "198.18.0.1:30004", nginx))
	w.Observe(reset(t0.Add(2*time.Second), "198.18.0.1:30007", elsewhen))
	w.Observe(reset(t0.Add(3*time.Second), "198.18.0.1:30004", nginx))
	dropped := reset(t0.Add(4*time.Second), "198.18.0.1:40000", nginx)
	dropped.Outcome = handshake.SYNACKDropped
	w.Observe(dropped)

	got := values(t, w)
	for series, v := range map[string]float64{
		`kubeprobe_node_handshakes_reset_after_synack_total{container="nginx",namespace="default",pod="nginx-1",probe="liveness,readiness",remote_port_class=""}`:                                                3,
		`kubeprobe_node_handshakes_reset_after_synack_total{container="",namespace="",pod="",probe="",remote_port_class="well_known"}`:                                                                           1,
		`kubeprobe_node_handshakes_reset_after_synack_total{container="",namespace="",pod="",probe="",remote_port_class="registered"}`:                                                                           0,
		`kubeprobe_node_handshakes_reset_after_synack_last_source_port{container="nginx",namespace="default",nodeport="true",owner="default/foo",pod="nginx-1",probe="liveness,readiness",remote_port_class=""}`: 30004,
		`kubeprobe_node_handshakes_reset_after_synack_last_timestamp_seconds{}`:                                                                                                                                  1700000003,
		`kubeprobe_node_handshakes_synack_dropped_total{container="nginx",namespace="default",pod="nginx-1",probe="liveness,readiness",remote_port_class=""}`:                                                    1,
		`kubeprobe_node_handshakes_synack_dropped_total{container="",namespace="",pod="",probe="",remote_port_class="registered"}`:                                                                               0,
	} {
		if got[series] != v {
			t.Errorf("%s = %v, want %v", series, got[series], v)
		}
	}
	if len(got) != 10 {
		t.Errorf("%d series, want 10: %v", len(got), got)
	}
	recent := w.Recent()
	if len(recent) != 3 || recent[0].Outcome != handshake.SYNACKDropped || recent[1].Local.Port() != 30004 || recent[1].Count() != 3 {
		t.Fatalf("recent = %+v, want the SYN-ACK dropped and the nginx connect (3 resets)", recent)
	}
	if !strings.Contains(recent[0].Text(), "SYN-ACK dropped, seen passively") {
		t.Errorf("the dropped SYN-ACK's text:\n%s", recent[0].Text())
	}
	recent = recent[1:]
	text := recent[0].Text()
	for _, s := range []string{"kubelet's liveness,readiness probe of default/nginx-1", "source port 30004, an allocated NodePort (default/foo)", "+3.000s"} {
		if !strings.Contains(text, s) {
			t.Errorf("the event's text lacks %q:\n%s", s, text)
		}
	}
}

// Beyond Keep, the oldest events go; the counters keep counting.
func TestWatchKeepsTheLastFew(t *testing.T) {
	w := New(Options{Keep: 3})
	t0 := time.Unix(1700000000, 0)
	for i := range 10 {
		w.Observe(reset(t0.Add(time.Duration(i)*time.Minute), "198.18.0.1:3000"+string(rune('0'+i)), nginx))
	}
	recent := w.Recent()
	if len(recent) != 3 || recent[0].Local.Port() != 30009 {
		t.Fatalf("recent = %+v, want the last 3, newest first", recent)
	}
	if _, ok := w.Get(recent[2].ID); !ok {
		t.Error("Get does not find a kept event")
	}
	if _, ok := w.Get(0); ok {
		t.Error("Get finds an event no longer kept")
	}
	if recent[0].NodePort != NodePortUnknown || !strings.Contains(recent[0].SourcePort(), "no NodePort source") {
		t.Errorf("without NodePort sources: %s", recent[0].SourcePort())
	}
}

// values gathers w's series by name and labels.
func values(t *testing.T, w *Watch) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(w)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var pairs []string
			for _, l := range m.GetLabel() {
				pairs = append(pairs, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			out[f.GetName()+"{"+strings.Join(pairs, ",")+"}"] = v
		}
	}
	return out
}

// A pod that goes takes its series with it; the node-wide counts stay.
func TestWatchForgetsPodsThatWent(t *testing.T) {
	w := New(Options{Targets: targets, Keep: 3})
	t0 := time.Unix(1700000000, 0)
	w.Observe(reset(t0, "198.18.0.1:30004", nginx))
	w.Observe(reset(t0.Add(time.Second), "198.18.0.1:30007", elsewhen))
	attributed := `kubeprobe_node_handshakes_reset_after_synack_total{container="nginx",namespace="default",pod="nginx-1",probe="liveness,readiness",remote_port_class=""}`
	nodeWide := `kubeprobe_node_handshakes_reset_after_synack_total{container="",namespace="",pod="",probe="",remote_port_class="well_known"}`

	w.Retain([]netip.AddrPort{nginx, elsewhen})
	if got := values(t, w); got[attributed] != 1 || got[nodeWide] != 1 {
		t.Fatalf("while nginx-1 is still a target: %s %v, %s %v; want 1 and 1", attributed, got[attributed], nodeWide, got[nodeWide])
	}
	w.Retain([]netip.AddrPort{elsewhen})
	got := values(t, w)
	if _, ok := got[attributed]; ok {
		t.Errorf("nginx-1 went, but %s is still exported", attributed)
	}
	if got[nodeWide] != 1 {
		t.Errorf("%s = %v after nginx-1 went, want 1", nodeWide, got[nodeWide])
	}
}
