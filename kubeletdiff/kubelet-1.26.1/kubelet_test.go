// This file is shared by the modules of kubelet 1.26.1, 1.27.1, 1.37.2 (the
// others' kubelet_test.go is a symlink to it): each module's
// release_test.go names its release, and its probe_test.go what changed at it.
package kubeletdiff

import (
	"strings"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/component-base/version"
	"k8s.io/kubernetes/pkg/probe"
	grpcprobe "k8s.io/kubernetes/pkg/probe/grpc"
	httpprobe "k8s.io/kubernetes/pkg/probe/http"
	tcpprobe "k8s.io/kubernetes/pkg/probe/tcp"

	"github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/harness"
)

// TestAgainstKubelet compares the exporter with the pkg/probe of this
// module's kubelet release. make kubelet-diff runs it with the -ldflags that give
// kubelet's version (and so its User-Agent) as a release build has it.
func TestAgainstKubelet(t *testing.T) {
	v := version.Get()
	harness.RequireVersion(t, release, v.Major, v.Minor)
	harness.Run(t, kubelet{http: httpprobe.New(false), tcp: tcpprobe.New(), grpc: grpcprobe.New()})
}

// kubelet does for one try what pkg/kubelet/prober's runProbe does at
// this release: kubelet's newProber never follows redirects to another
// host (followNonLocalRedirects false).
type kubelet struct {
	http httpprobe.Prober
	tcp  tcpprobe.Prober
	grpc grpcprobe.Prober
}

func (kubelet) Release() string { return release }

func (k kubelet) HTTP(p harness.Probe, host string, port int) (string, string, error) {
	action := &v1.HTTPGetAction{Path: p.Path, Port: portOf(p, port), Scheme: v1.URIScheme(strings.ToUpper(p.Scheme))}
	for _, h := range p.Headers {
		action.HTTPHeaders = append(action.HTTPHeaders, v1.HTTPHeader{Name: h.Name, Value: h.Value})
	}
	req, err := httpprobe.NewRequestForHTTPGetAction(action, container(port), host, "probe")
	if err != nil {
		return string(probe.Unknown), "", err
	}
	r, out, err := k.probeHTTP(p, req, p.Timeout)
	return string(r), out, err
}

func (k kubelet) TCP(p harness.Probe, host string, port int) (string, string, error) {
	n, err := probe.ResolveContainerPort(portOf(p, port), container(port))
	if err != nil {
		return string(probe.Unknown), "", err
	}
	r, out, err := k.tcp.Probe(host, n, p.Timeout)
	return string(r), out, err
}

func portOf(p harness.Probe, port int) intstr.IntOrString {
	if p.PortName != "" {
		return intstr.FromString(p.PortName)
	}
	return intstr.FromInt(port)
}

// container has one port, named found, which is the test server's.
func container(port int) *v1.Container {
	return &v1.Container{Ports: []v1.ContainerPort{{Name: "found", ContainerPort: int32(port)}}}
}
