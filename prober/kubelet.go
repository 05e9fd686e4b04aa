package prober

import (
	"fmt"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// kubelet is what a kubelet release does differently when it probes.
// docs/kubelet.md tells the releases that changed each item.
type kubelet struct {
	// userAgent is sent unless the module sets User-Agent itself.
	userAgent string
	// sendsAccept: "Accept: */*" is sent unless the module sets Accept
	// (kubernetes PR #95641, 1.20).
	sendsAccept bool
	// acceptsGzip: Go's transport asks for gzip and decompresses the body.
	// kubelet turned compression off in 1.20 (kubernetes PR #96127).
	acceptsGzip bool
	// lingers: every probe socket gets SO_LINGER{on, 1s} so close sends a
	// FIN and waits at most a second (kubernetes PR #115143, 1.27).
	lingers bool
}

func kubeletOf(v config.KubeletVersion) kubelet {
	return kubelet{
		userAgent:   fmt.Sprintf("kube-probe/%d.%d", v.Major, v.Minor),
		sendsAccept: v.AtLeast(1, 20),
		acceptsGzip: !v.AtLeast(1, 20),
		lingers:     v.AtLeast(1, 27),
	}
}

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
)

// results lists every Result, in the order probe_kubelet_result shows them.
var results = []Result{Success, Warning, Failure}

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Warning:
		return "warning"
	}
	return "failure"
}

// Verdict is what a prober hands back: kubelet's result and the output
// text kubelet would log and put in the pod's event for it.
type Verdict struct {
	Result Result
	Output string
}

func success(output string) Verdict { return Verdict{Success, output} }
func warning(output string) Verdict { return Verdict{Warning, output} }
func failure(output string) Verdict { return Verdict{Failure, output} }
