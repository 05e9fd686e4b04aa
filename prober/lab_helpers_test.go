package prober

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// family is one IP version of the lab.
type family struct {
	name      string
	node, pod netip.Addr
	// unrouted is an address of the test ranges with no route to it.
	unrouted netip.Addr
}

func families(l *netlab.Lab) []family {
	return []family{
		{"IPv4", l.NodeIPv4, l.PodIPv4, netip.MustParseAddr("198.19.0.5")},
		{"IPv6", l.NodeIPv6, l.PodIPv6, netip.MustParseAddr("2001:db8:1::5")},
	}
}

// tracedRunner is a Runner with a live capture, as the exporter runs
// with CAP_NET_RAW.
func tracedRunner(t *testing.T) *Runner {
	t.Helper()
	tracer, err := handshake.Open(log.NewNopLogger())
	if err != nil {
		t.Fatalf("the capture does not open in the lab: %v", err)
	}
	t.Cleanup(func() { tracer.Close() })
	return NewRunner(tracer, nil, log.NewNopLogger())
}

// labProbe runs module (YAML) against target with runner.
func labProbe(t *testing.T, runner *Runner, module string, target string) *Report {
	t.Helper()
	m := mustModule(t, module)
	if err := checkTarget(target, m); err != nil {
		t.Fatal(err)
	}
	return runner.Run(context.Background(), Request{Target: target, ModuleName: "m", Module: m, Timeout: time.Duration(m.Timeout)})
}

// withSourcePort runs a probe with a source_port override.
func withSourcePort(t *testing.T, runner *Runner, m config.Module, target, port string) *Report {
	t.Helper()
	sp, err := config.ParseSourcePort(port)
	if err != nil {
		t.Fatal(err)
	}
	return runner.Run(context.Background(), Request{Target: target, ModuleName: "m", Module: m, Timeout: time.Duration(m.Timeout), SourcePort: &sp})
}

// serveTCPInPod accepts and closes connections on addr in the pod namespace.
func serveTCPInPod(t *testing.T, l *netlab.Lab, addr netip.AddrPort) {
	t.Helper()
	go testserver.AcceptAndClose(listenInPod(t, l, addr))
}

// serveHTTPInPod answers 200 on addr in the pod namespace.
func serveHTTPInPod(t *testing.T, l *netlab.Lab, addr netip.AddrPort) {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "ok")
	})}
	go srv.Serve(listenInPod(t, l, addr))
	t.Cleanup(func() { srv.Close() })
}

func listenInPod(t *testing.T, l *netlab.Lab, addr netip.AddrPort) net.Listener {
	t.Helper()
	var ln net.Listener
	err := netlab.InNamespace(l.Pod, func() (err error) {
		ln, err = net.Listen("tcp", addr.String())
		return err
	})
	if err != nil {
		t.Fatalf("listening on %s in the pod namespace: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// assertHandshake checks the outcome state set and the source port.
func assertHandshake(t *testing.T, r *Report, want handshake.Outcome) {
	t.Helper()
	for _, o := range handshake.Outcomes {
		value := metric(t, r, "probe_tcp_handshake_outcome", "outcome", string(o))
		if (o == want) != (value == 1) {
			t.Errorf("probe_tcp_handshake_outcome{outcome=%q} = %v; want %s\n%s", o, value, want, r.DebugOutput())
			return
		}
	}
}

// assertCounts checks the packet counters, each at least its minimum; a
// negative minimum means exactly zero.
func assertCounts(t *testing.T, r *Report, atLeast map[string]int) {
	t.Helper()
	for name, min := range atLeast {
		got := metric(t, r, name)
		if (min < 0 && got != 0) || (min >= 0 && got < float64(min)) {
			t.Errorf("%s = %v, want %s\n%s", name, got, describeMin(min), r.DebugOutput())
		}
	}
}

func describeMin(min int) string {
	if min < 0 {
		return "0"
	}
	return fmt.Sprintf("at least %d", min)
}
