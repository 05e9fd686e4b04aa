package kubeletdiff

import (
	"net/http"
	"time"

	"k8s.io/kubernetes/pkg/probe"

	"github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/harness"
)

func (k kubelet) probeHTTP(_ harness.Probe, req *http.Request, timeout time.Duration) (probe.Result, string, error) {
	return k.http.Probe(req, timeout)
}

func (k kubelet) GRPC(p harness.Probe, host string, port int) (string, string, error) {
	r, out, err := k.grpc.Probe(host, p.Service, port, p.Timeout)
	return string(r), out, err
}
