package prober

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// poisoned are the source ports the lab's node "owns", as the incident's
// allocated NodePorts were; each range gets a reset rule.
var poisoned = [][2]int{{30004, 30006}, {30010, 30010}, {30013, 30013}}

func TestSweepFindsExactlyThePoisonedPorts(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		for _, r := range poisoned {
			l.ResetSYNACKsTo(t, r[0], r[1])
		}
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveTCPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, "prober: tcp\ntimeout: 3s\nsource_port_sweep: {range: 30000-30015, parallelism: 4}", target(f.pod, 80))
			assertOutcome(t, r, Failure, "5 of 16 source ports tried failed: reset_after_synack from 30004, 30005, 30006, 30010, 30013")
			for outcome, want := range map[handshake.Outcome]float64{handshake.Established: 11, handshake.ResetAfterSYNACK: 5, handshake.Timeout: 0, handshake.SYNACKDropped: 0} {
				if got := metric(t, r, "probe_source_port_sweep_outcome_ports", "outcome", string(outcome)); got != want {
					t.Errorf("%s: %s ports = %v, want %v", f.name, outcome, got, want)
				}
			}
			if got := metric(t, r, "probe_source_port_sweep_ports"); got != 16 {
				t.Errorf("probe_source_port_sweep_ports = %v, want 16", got)
			}
			// A poisoned port's verdict is on the wire at once; the sweep
			// need not wait out the timeout for it.
			if r.Duration.Seconds() > 2 {
				t.Errorf("the sweep took %s; poisoned ports should be given up on right after their reset", r.Duration)
			}
			if !strings.Contains(r.DebugOutput(), "owns source port 30010") {
				t.Errorf("the debug output does not show the failing ports' verdicts:\n%s", r.DebugOutput())
			}
		}
	})
}

// 200 probes at once against one target, half of them from ports the node
// owns: every one must get the verdict of its own packets.
func TestConcurrentProbesEachGetTheirOwnVerdict(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 30099)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		serveTCPInPod(t, l, netip.AddrPortFrom(l.PodIPv4, 80))
		m := mustModule(t, "prober: tcp\ntimeout: 1500ms")
		reports := make(map[int]*Report)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 200 {
			port := 30000 + i
			if i >= 100 {
				port = 40000 + i
			}
			wg.Go(func() {
				r := withSourcePort(t, runner, m, target(l.PodIPv4, 80), fmt.Sprint(port))
				mu.Lock()
				reports[port] = r
				mu.Unlock()
			})
		}
		wg.Wait()
		for port, r := range reports {
			want := handshake.Established
			if port < 30100 {
				want = handshake.ResetAfterSYNACK
			}
			assertHandshake(t, r, want)
			if got := metric(t, r, "probe_tcp_source_port"); got != float64(port) {
				t.Errorf("probe from %d reports source port %v", port, got)
			}
		}
	})
}

// The same with the kernel choosing every port, from a range half of which
// the node owns: each verdict must match the port the kernel picked.
func TestConcurrentKernelChosenPortsGetTheirOwnVerdict(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30900 31099")
		l.ResetSYNACKsTo(t, 30900, 30999)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		serveTCPInPod(t, l, netip.AddrPortFrom(l.PodIPv4, 80))
		var wg sync.WaitGroup
		reports := make(chan *Report, 100)
		for range 100 {
			wg.Go(func() { reports <- labProbe(t, runner, "prober: tcp\ntimeout: 1500ms", target(l.PodIPv4, 80)) })
		}
		wg.Wait()
		close(reports)
		seen := map[handshake.Outcome]int{}
		for r := range reports {
			port := metric(t, r, "probe_tcp_source_port")
			want := handshake.Established
			if port >= 30900 && port <= 30999 {
				want = handshake.ResetAfterSYNACK
			}
			assertHandshake(t, r, want)
			seen[want]++
		}
		if seen[handshake.Established] == 0 || seen[handshake.ResetAfterSYNACK] == 0 {
			t.Errorf("verdicts %v: the kernel should have picked ports from both halves of its range", seen)
		}
	})
}
