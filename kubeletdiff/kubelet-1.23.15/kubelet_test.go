// This file is shared by the modules of kubelet 1.23.15, 1.23.17 (the
// others' kubelet_test.go is a symlink to it): each module's
// release_test.go names its release.
package kubeletdiff

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"testing"

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
// this release. Before 1.26 the URL, the headers and the port were made
// in pkg/kubelet/prober (formatURL, buildHeader, extractPort), which
// would bring all of kubelet's packages into this module: the three
// helpers below do what those did, and nothing else; the request, the
// transport, the client and the verdict are pkg/probe's own.
type kubelet struct {
	http httpprobe.Prober
	tcp  tcpprobe.Prober
	grpc grpcprobe.Prober
}

func (kubelet) Release() string { return release }

func (k kubelet) HTTP(p harness.Probe, host string, port int) (string, string, error) {
	n, err := resolvePort(p, port)
	if err != nil {
		return string(probe.Unknown), "", err
	}
	r, out, err := k.http.Probe(podURL(p.Scheme, host, n, p.Path), headersAsWritten(p.Headers), p.Timeout)
	return string(r), out, err
}

func (k kubelet) TCP(p harness.Probe, host string, port int) (string, string, error) {
	n, err := resolvePort(p, port)
	if err != nil {
		return string(probe.Unknown), "", err
	}
	r, out, err := k.tcp.Probe(host, n, p.Timeout)
	return string(r), out, err
}

// GRPC runs with GRPCContainerProbe on, as the exporter's module does.
func (k kubelet) GRPC(p harness.Probe, host string, port int) (string, string, error) {
	r, out, err := k.grpc.Probe(host, p.Service, port, p.Timeout)
	return string(r), out, err
}

// podURL is url.Parse(path) with the scheme and host:port set, and the
// path as it is when it does not parse.
func podURL(scheme, host string, port int, path string) *url.URL {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	u.Scheme, u.Host = scheme, net.JoinHostPort(host, strconv.Itoa(port))
	return u
}

// headersAsWritten keys each header by its name as the pod spec spells it.
func headersAsWritten(list []harness.Header) http.Header {
	headers := make(http.Header)
	for _, h := range list {
		headers[h.Name] = append(headers[h.Name], h.Value)
	}
	return headers
}

// resolvePort finds a named port among the container's (one port, named
// found, the test server's), else reads the name as a number, and keeps
// 1 to 65535.
func resolvePort(p harness.Probe, port int) (int, error) {
	n := port
	if p.PortName != "" {
		if p.PortName != "found" {
			var err error
			if n, err = strconv.Atoi(p.PortName); err != nil {
				return n, err
			}
		}
	}
	if n > 0 && n < 65536 {
		return n, nil
	}
	return n, fmt.Errorf("invalid port number: %v", n)
}
