package prober

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-kit/log/level"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// probeGRPC is kubelet's grpc probe (pkg/probe/grpc): a plaintext channel
// and one grpc.health.v1.Health/Check; SERVING is success. One timeout
// covers both the channel and the call, and every failure reads as kubelet
// words it.
func probeGRPC(ctx context.Context, p *probe) Verdict {
	k := kubeletOf(p.Module)
	timeout := p.Timeout
	addr := p.Target
	// kubelet dials with WithBlock and DialContext, deprecated in grpc-go
	// but still supported in 1.x; NewClient would connect lazily and so
	// word its failures differently.
	conn, err := grpc.DialContext(ctx, addr, //nolint:staticcheck // see above
		grpc.WithUserAgent(k.userAgent()),
		grpc.WithBlock(), //nolint:staticcheck // see above
		grpc.WithTransportCredentials(grpcCredentials(p, k)),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return p.dialer.DialContext(ctx, "tcp", addr)
		}),
	)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return failure(fmt.Sprintf("timeout: failed to connect service %q within %v: %+v", addr, timeout, err))
		}
		return failure(fmt.Sprintf("error: failed to connect service at %q: %+v", addr, err))
	}
	defer conn.Close()

	client := healthpb.NewHealthClient(conn)
	req := &healthpb.HealthCheckRequest{Service: p.Module.GRPC.Service}
	var server peer.Peer
	resp, err := client.Check(metadata.NewOutgoingContext(ctx, make(metadata.MD)), req, grpc.Peer(&server))
	observeGRPCTLS(p.metrics, server)
	if err != nil {
		return grpcCallFailure(err, timeout)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return failure(fmt.Sprintf("service unhealthy (responded with %q)", resp.GetStatus().String()))
	}
	return success("service healthy")
}

// observeGRPCTLS writes the TLS facts of a channel over TLS (mode: TLS,
// with GRPCContainerProbeTLS), as an https probe's; a plaintext channel has
// none. They are facts only: kubelet verifies no certificate here either.
func observeGRPCTLS(s *metricSet, server peer.Peer) {
	var state *tls.ConnectionState
	if info, ok := server.AuthInfo.(credentials.TLSInfo); ok {
		state = &info.State
	}
	observeTLS(s, state)
}

// grpcCredentials is plaintext, or TLS without certificate checks when
// the module's mode is TLS and GRPCContainerProbeTLS is on; with the gate
// off kubelet ignores the mode, and so does the probe.
func grpcCredentials(p *probe, k kubeletBehaviour) credentials.TransportCredentials {
	if k.grpcTLS {
		return credentials.NewTLS(&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // kubelet does not verify probe certificates
	}
	if p.Module.GRPC.Mode == config.ModeTLS {
		level.Warn(p.Log).Log("msg", "mode: TLS is ignored, as kubelet ignores it, while the feature gate "+
			kubelet.GRPCContainerProbeTLS+" is off: probing in plaintext; set feature_gates: {"+kubelet.GRPCContainerProbeTLS+": true} for TLS")
	}
	return insecure.NewCredentials()
}

// grpcCallFailure words a failed Health/Check as kubelet does.
func grpcCallFailure(err error, timeout time.Duration) Verdict {
	if s, ok := status.FromError(err); ok {
		switch s.Code() {
		case codes.Unimplemented:
			return failure(fmt.Sprintf("error: this server does not implement the grpc health protocol (grpc.health.v1.Health): %s", s.Message()))
		case codes.DeadlineExceeded:
			return failure(fmt.Sprintf("timeout: health rpc did not complete within %v", timeout))
		}
	}
	return failure(fmt.Sprintf("error: health rpc probe failed: %+v", err))
}
