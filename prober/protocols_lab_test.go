package prober

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// The HTTP prober under the second incident's conditions fails the way
// kubelet's did, and the handshake says why.
func TestHTTPUnderSYNACKResetFailsLikeKubelet(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 32767)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		for _, f := range families(l) {
			serveHTTPInPod(t, l, netip.AddrPortFrom(f.pod, 80))
			r := labProbe(t, runner, "prober: http\ntimeout: 2s\nkubelet_version: \"1.23\"\nsource_port: 30080", target(f.pod, 80))
			assertOutcome(t, r, Failure,
				fmt.Sprintf(`Get "http://%s/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, target(f.pod, 80)))
			assertHandshake(t, r, handshake.ResetAfterSYNACK)

			r = labProbe(t, runner, "prober: http\ntimeout: 2s\nsource_port: 40080", target(f.pod, 80))
			assertOutcome(t, r, Success, "ok")
			assertHandshake(t, r, handshake.Established)
		}
	})
}

// Without CAP_NET_RAW there is no capture: probes still run, and each
// verdict is what the connect's error alone can tell.
func TestWithoutCapNetRawVerdictsComeFromErrno(t *testing.T) {
	netlab.RunWithoutNetRaw(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 30099)
		l.DropSYNACKsTo(t, 30100, 30199)
		l.Exec(t, l.Pod, "iptables", "-A", "INPUT", "-p", "tcp", "--dport", "82", "-j", "REJECT", "--reject-with", "icmp-host-unreachable")
	}, func(t *testing.T, l *netlab.Lab) {
		tracer, err := handshake.Open(log.NewNopLogger())
		if err == nil {
			tracer.Close()
			t.Fatal("the capture opened without CAP_NET_RAW")
		}
		runner := NewRunner(nil, nil, log.NewNopLogger())
		serveTCPInPod(t, l, netip.AddrPortFrom(l.PodIPv4, 80))
		holder, err := net.Listen("tcp", ":30500")
		if err != nil {
			t.Fatal(err)
		}
		defer holder.Close()
		cases := []struct {
			module, target string
			want           handshake.Outcome
		}{
			{tcpModule, target(l.PodIPv4, 80), handshake.Established},
			{tcpModule, target(l.PodIPv4, 81), handshake.Refused},
			{tcpModule + "\nsource_port: 30080", target(l.PodIPv4, 80), handshake.Timeout}, // reset after SYN-ACK, unseen
			{tcpModule + "\nsource_port: 30180", target(l.PodIPv4, 80), handshake.Timeout}, // SYN-ACK dropped, unseen
			{tcpModule, target(l.PodIPv4, 82), handshake.Unreachable},
			{tcpModule, target(netip.MustParseAddr("198.19.0.5"), 80), handshake.Unreachable},
			{tcpModule + "\nsource_port: 30500", target(l.PodIPv4, 80), handshake.SourcePortUnavailable},
		}
		for _, c := range cases {
			r := labProbe(t, runner, c.module, c.target)
			assertHandshake(t, r, c.want)
			assertCounts(t, r, map[string]int{"probe_tcp_trace_available": -1})
			assertAbsent(t, r, "probe_tcp_syn_sent")
			if !strings.Contains(r.DebugOutput(), "Handshake tracing is off") {
				t.Errorf("the debug output does not say tracing is off:\n%s", r.DebugOutput())
			}
		}
	})
}

// gRPC's channel runs over the same traced connect.
func TestGRPCUnderSYNACKReset(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.ResetSYNACKsTo(t, 30000, 32767)
	}, func(t *testing.T, l *netlab.Lab) {
		runner := tracedRunner(t)
		addr := netip.AddrPortFrom(l.PodIPv4, 9090)
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		go srv.Serve(listenInPod(t, l, addr))
		defer srv.Stop()

		r := labProbe(t, runner, "prober: grpc\ntimeout: 1500ms\nsource_port: 30080", addr.String())
		assertOutcome(t, r, Failure, fmt.Sprintf("timeout: failed to connect service %q within 1.5s: context deadline exceeded", addr))
		assertHandshake(t, r, handshake.ResetAfterSYNACK)

		r = labProbe(t, runner, "prober: grpc\ntimeout: 1500ms\nsource_port: 40080", addr.String())
		assertOutcome(t, r, Success, "service healthy")
		assertHandshake(t, r, handshake.Established)
	})
}
