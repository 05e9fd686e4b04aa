package prober

import (
	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// kubeletBehaviour is what a module's kubelet release does when it
// probes, as internal/kubelet's table of releases and feature gates says.
type kubeletBehaviour struct {
	// release is the module's kubelet release.
	release kubelet.Release
	// sendsAccept: "Accept: */*" is sent unless the module sets Accept.
	sendsAccept bool
	// acceptsGzip: Go's transport asks for gzip and decompresses the body.
	acceptsGzip bool
	// lingers: the probe's sockets get SO_LINGER{on, 1s}, so close sends
	// a FIN and waits at most a second. HTTP and TCP probes got it before
	// gRPC probes did.
	lingers bool
	// canonicalHeaders: httpHeaders go in with http.Header.Add; before,
	// a name was kept as written, so "accept" went out beside kubelet's
	// "Accept" and "HOST" beside the Host line.
	canonicalHeaders bool
	// redirectPrefix: a redirect not followed reads "Probe terminated
	// redirects, Response body: <body>"; before, the body alone.
	redirectPrefix bool
	// h2c: the module asks for protocol HTTP2 and H2CContainerProbe is on.
	h2c bool
	// grpcTLS: the module asks for mode TLS and GRPCContainerProbeTLS is on.
	grpcTLS bool
}

func kubeletOf(m config.Module) kubeletBehaviour {
	r := m.KubeletVersion.Release
	lingers := r.Has(kubelet.LingerHTTPTCP)
	if m.Prober == config.ProberGRPC {
		lingers = r.Has(kubelet.LingerGRPC)
	}
	return kubeletBehaviour{
		release:          r,
		sendsAccept:      r.Has(kubelet.AcceptHeader),
		acceptsGzip:      !r.Has(kubelet.NoCompression),
		lingers:          lingers,
		canonicalHeaders: r.Has(kubelet.CanonicalHeaderNames),
		redirectPrefix:   r.Has(kubelet.RedirectOutputPrefix),
		h2c: m.HTTP != nil && m.HTTP.Protocol == config.ProtocolHTTP2 &&
			m.FeatureGates.Enabled(kubelet.H2CContainerProbe, r),
		grpcTLS: m.GRPC != nil && m.GRPC.Mode == config.ModeTLS &&
			m.FeatureGates.Enabled(kubelet.GRPCContainerProbeTLS, r),
	}
}

// userAgent is sent unless the module sets User-Agent itself. Made when
// needed: every probe asks kubeletOf, a tcp probe never for this.
func (k kubeletBehaviour) userAgent() string { return "kube-probe/" + k.release.MinorString() }

// Result is kubelet's verdict on one probe.
type Result int

const (
	// Success: the container passes.
	Success Result = iota
	// Warning: kubelet records an event but counts it as success (an HTTP
	// redirect to another host, which kubelet does not follow).
	Warning
	// Failure: counts toward failureThreshold.
	Failure
	// Error: the probe could not be carried out (the body could not be
	// read). kubelet retries at once, up to maxTries in all, and throws
	// the result away if every try errors: it counts toward nothing.
	Error
)

// maxTries is kubelet's maxProbeRetries: how often it runs a probe that
// errors before it gives up (pkg/kubelet/prober/prober.go).
const maxTries = 3

// results lists every Result, in the order probe_kubelet_result shows them.
var results = []Result{Success, Warning, Failure, Error}

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "failure"
}

// Verdict is what a prober hands back: kubelet's result and the output
// text kubelet would log and put in the pod's event for it, or, for an
// error, the error kubelet logs ("Probe errored") with an empty output.
type Verdict struct {
	Result Result
	Output string
	Err    string
}

func success(output string) Verdict { return Verdict{Result: Success, Output: output} }
func warning(output string) Verdict { return Verdict{Result: Warning, Output: output} }
func failure(output string) Verdict { return Verdict{Result: Failure, Output: output} }
func probeError(err error) Verdict  { return Verdict{Result: Error, Err: err.Error()} }
