// Package harness runs kubelet's own prober code (pkg/probe at one pinned
// release, in a Go module of its own) and the exporter's binary against
// the same local test servers, case by case, and compares kubelet's
// result and output with the exporter's. Each kubeletdiff/kubelet-*
// module supplies a Kubelet for its release and calls Run.
package harness

import "time"

// Kubelet is kubelet's prober at one release: what pkg/kubelet/prober's
// runProbe does for one try of an httpGet, tcpSocket or grpc probe, built
// from that release's pkg/probe. Results are probe.Result's words:
// success, warning, failure, unknown.
type Kubelet interface {
	// Release is the kubernetes release, such as "1.26.2".
	Release() string
	HTTP(p Probe, host string, port int) (result, output string, err error)
	TCP(p Probe, host string, port int) (result, output string, err error)
	GRPC(p Probe, host string, port int) (result, output string, err error)
}

// Probe is a probe as a pod spec gives it, and as a module of the
// exporter's configuration gives it.
type Probe struct {
	Kind string // http, tcp or grpc
	// PortName, when set, is the port by name; the container has one port
	// of that name, "found", which is the test server's.
	PortName string
	Path     string
	Scheme   string // http or https
	Headers  []Header
	Service  string
	Protocol string // HTTP2 asks for h2c
	Mode     string // TLS asks for gRPC over TLS
	Gates    map[string]bool
	Timeout  time.Duration
}

// Header is one of httpGet.httpHeaders, kept in order.
type Header struct{ Name, Value string }

// Outcome is what a probe ended in: kubelet's result and output after
// its retries, or for the exporter a refusal (a 400) and its reason.
type Outcome struct {
	Result, Output string
}

// maxProbeRetries is pkg/kubelet/prober's: a try that returns an error is
// run again at once, up to three tries in all.
const maxProbeRetries = 3

// kubeletOutcome runs one try after another as runProbeWithRetries does,
// and reads the last as prober.probe and the worker do: an error is the
// result "error" (the worker discards it), unknown without an error is a
// failure.
func kubeletOutcome(try func() (string, string, error)) Outcome {
	var (
		result, output string
		err            error
	)
	for range maxProbeRetries {
		if result, output, err = try(); err == nil {
			break
		}
	}
	switch {
	case err != nil:
		return Outcome{"error", output}
	case result == "unknown":
		return Outcome{"failure", output}
	}
	return Outcome{result, output}
}
