package prober

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// grpcServer is a real gRPC server; with a health service unless bare.
type grpcServer struct {
	addr   string
	health *health.Server
	mu     sync.Mutex
	agents []string
}

func newGRPCServer(t *testing.T, withHealth bool) *grpcServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &grpcServer{addr: l.Addr().String()}
	srv := grpc.NewServer(grpc.UnaryInterceptor(s.recordUserAgent))
	if withHealth {
		s.health = health.NewServer()
		healthpb.RegisterHealthServer(srv, s.health)
	}
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return s
}

func (s *grpcServer) recordUserAgent(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	s.mu.Lock()
	s.agents = append(s.agents, strings.Join(md.Get("user-agent"), ","))
	s.mu.Unlock()
	return next(ctx, req)
}

func TestGRPCHealthStatuses(t *testing.T) {
	srv := newGRPCServer(t, true)
	srv.health.SetServingStatus("orders", healthpb.HealthCheckResponse_SERVING)
	srv.health.SetServingStatus("payments", healthpb.HealthCheckResponse_NOT_SERVING)
	srv.health.SetServingStatus("stock", healthpb.HealthCheckResponse_UNKNOWN)
	cases := map[string]Verdict{
		"":         success("service healthy"),
		"orders":   success("service healthy"),
		"payments": failure(`service unhealthy (responded with "NOT_SERVING")`),
		"stock":    failure(`service unhealthy (responded with "UNKNOWN")`),
		"missing":  failure("error: health rpc probe failed: rpc error: code = NotFound desc = unknown service"),
	}
	for service, want := range cases {
		t.Run("service "+service, func(t *testing.T) {
			m := mustModule(t, fmt.Sprintf("prober: grpc\ngrpc: {service: %q}", service))
			assertOutcome(t, runProbe(t, srv.addr, m), want.Result, want.Output)
		})
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, ua := range srv.agents {
		if !strings.HasPrefix(ua, "kube-probe/1.37 grpc-go/") {
			t.Errorf("user-agent = %q, want kube-probe/1.37 first, as kubelet sends it", ua)
		}
	}
}

func TestGRPCWithoutHealthServiceIsUnimplemented(t *testing.T) {
	srv := newGRPCServer(t, false)
	r := runProbe(t, srv.addr, mustModule(t, "prober: grpc"))
	assertOutcome(t, r, Failure,
		"error: this server does not implement the grpc health protocol (grpc.health.v1.Health): unknown service grpc.health.v1.Health")
}

func TestGRPCRefusedTimesOutLikeKubelet(t *testing.T) {
	addr := closedPort(t)
	r := runProbe(t, addr, mustModule(t, "prober: grpc\ntimeout: 300ms"))
	assertOutcome(t, r, Failure, fmt.Sprintf("timeout: failed to connect service %q within 300ms: context deadline exceeded", addr))
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	return testserver.Unused(t, "tcp", "127.0.0.1:0")
}
