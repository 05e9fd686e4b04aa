package kubeletdiff

import (
	"net/http"
	"time"

	"k8s.io/kubernetes/pkg/probe"
	grpcprobe "k8s.io/kubernetes/pkg/probe/grpc"

	"github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/harness"
)

// probeHTTP is runProbe's choice at 1.37: h2c for protocol HTTP2 when
// H2CContainerProbe is on (it is off by default), else HTTP/1.1.
func (k kubelet) probeHTTP(p harness.Probe, req *http.Request, timeout time.Duration) (probe.Result, string, error) {
	if p.Protocol == "HTTP2" && p.Gates["H2CContainerProbe"] {
		return k.http.ProbeH2C(req, timeout)
	}
	return k.http.Probe(req, timeout)
}

// GRPC is runProbe's at 1.37: TLS for mode TLS when GRPCContainerProbeTLS
// is on (it is off by default).
func (k kubelet) GRPC(p harness.Probe, host string, port int) (string, string, error) {
	useTLS := p.Gates["GRPCContainerProbeTLS"] && p.Mode == "TLS"
	r, out, err := k.grpc.Probe(host, p.Service, port, p.Timeout, grpcprobe.ProbeOptions{UseTLS: useTLS})
	return string(r), out, err
}
