package shadow

import (
	"fmt"
	"time"
)

// ProbeType is the kind of a container's probe.
type ProbeType string

// The probe types, as a pod spec names them (readinessProbe, …).
const (
	Readiness ProbeType = "readiness"
	Liveness  ProbeType = "liveness"
	Startup   ProbeType = "startup"
)

// ProbeTypes lists every type, in the order metrics show them.
var ProbeTypes = []ProbeType{Readiness, Liveness, Startup}

// ParseProbeType reads readiness, liveness or startup.
func ParseProbeType(s string) (ProbeType, error) {
	for _, t := range ProbeTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("%q is not a probe type: use readiness, liveness or startup", s)
}

// Spec is a probe's schedule and thresholds: the fields of a pod spec's
// probe other than its handler, with the API server's defaults applied.
type Spec struct {
	Type             ProbeType
	InitialDelay     time.Duration
	Period           time.Duration
	Timeout          time.Duration
	SuccessThreshold int
	FailureThreshold int
}

// Defaults are the API server's (SetDefaults_Probe).
const (
	DefaultPeriod           = 10 * time.Second
	DefaultTimeout          = time.Second
	DefaultSuccessThreshold = 1
	DefaultFailureThreshold = 3
)

// WithDefaults fills in what a pod spec leaves out.
func (s Spec) WithDefaults() Spec {
	if s.Period <= 0 {
		s.Period = DefaultPeriod
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	if s.SuccessThreshold <= 0 {
		s.SuccessThreshold = DefaultSuccessThreshold
	}
	if s.FailureThreshold <= 0 {
		s.FailureThreshold = DefaultFailureThreshold
	}
	return s
}

// Budget is how long a container may surely take to start before this
// probe fails it for good. kubelet's first probe may come right as the
// initial delay ends, and the failureThreshold-th failure in a row comes
// failureThreshold − 1 periods after it: a start-up longer than that may
// already be failed, whatever the tick's phase. (The usual
// failureThreshold × periodSeconds is the most it can get, with the first
// probe a whole period late.)
func (s Spec) Budget() time.Duration {
	return s.InitialDelay + time.Duration(s.FailureThreshold-1)*s.Period
}

// Result is kubelet's cached result for a probe (pkg/kubelet/prober/results).
type Result int

const (
	// Unknown is startup's value until its probe has decided.
	Unknown Result = iota - 1
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "success"
	case Failure:
		return "failure"
	}
	return "unknown"
}

// initialResult is what kubelet holds before a probe has decided:
// readiness fails, liveness passes, startup is unknown.
func initialResult(t ProbeType) Result {
	switch t {
	case Readiness:
		return Failure
	case Liveness:
		return Success
	}
	return Unknown
}

// Run is what one probe gave: kubelet's result (an error is none of
// success and failure, and is retried), and the outcome to count it
// under: the handshake's when the connect failed, else the result's.
type Run struct {
	Success bool // kubelet's success or warning
	Errored bool // kubelet's error: retried, and discarded if every try errors
	Outcome string
	Output  string
}

// Container is what kubelet knows of a container when it probes: from the
// pod's status, or, for a configured entry, from the exporter itself.
type Container struct {
	// ID changes when the container restarts.
	ID        string
	Running   bool
	StartedAt time.Time
	// Started: its startup probe has succeeded, or it has none.
	Started bool
	// Terminated and not to be restarted: the worker ends.
	Done bool
	// Deleting: the pod is being deleted, so liveness and startup pass.
	Deleting bool
}
