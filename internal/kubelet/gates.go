package kubelet

import (
	"fmt"
	"slices"
	"strings"
)

// The feature gates behind which kubelet offers a probe feature.
const (
	// GRPCContainerProbe gates grpc probes in 1.23 to 1.28.
	GRPCContainerProbe = "GRPCContainerProbe"
	// H2CContainerProbe gates httpGet's protocol: HTTP2 (h2c).
	H2CContainerProbe = "H2CContainerProbe"
	// GRPCContainerProbeTLS gates grpc's mode: TLS.
	GRPCContainerProbeTLS = "GRPCContainerProbeTLS"
)

// Stage is a feature gate's state from a release on.
type Stage struct {
	Since Release
	// PR brought the stage; for removed, the PR that announced the removal.
	PR int
	// Name is alpha, beta, GA, or removed: the gate is gone (kubelet
	// refuses to start if it is set) and the feature is always on.
	Name    string
	Default bool
	// Locked: the gate cannot be set to anything but its default.
	Locked bool
}

// Gate is a feature gate and its stages, oldest first.
type Gate struct {
	Name    string
	Feature string
	Stages  []Stage
}

// gates is every probe feature gate, read in kube_features.go at each
// release and in the CHANGELOGs. gRPC probes do not exist before 1.23.
var gates = []Gate{
	{GRPCContainerProbe, "grpc probes", []Stage{
		{V(1, 23, 0), 106463, "alpha", false, false},
		{V(1, 24, 0), 108522, "beta", true, false},
		{V(1, 27, 0), 116233, "GA", true, true},
		{V(1, 29, 0), 116233, "removed", true, true},
	}},
	{H2CContainerProbe, "`http.protocol: HTTP2`: HTTP/2 over cleartext with prior knowledge (h2c)", []Stage{
		{V(1, 37, 0), 139429, "alpha", false, false},
	}},
	{GRPCContainerProbeTLS, "`grpc.mode: TLS`: the gRPC channel over TLS, without certificate checks", []Stage{
		{V(1, 37, 0), 137762, "alpha", false, false},
	}},
}

// GateAt is gate name's stage at release r; ok is false when the gate
// does not exist yet at r.
func GateAt(name string, r Release) (s Stage, ok bool) {
	for _, g := range gates {
		if g.Name != name {
			continue
		}
		for _, st := range g.Stages {
			if r.AtLeast(st.Since) {
				s, ok = st, true
			}
		}
	}
	return s, ok
}

// Enabled reports whether the gate is on at r when the module's
// feature_gates set it as in set (kubelet's --feature-gates).
func Enabled(name string, r Release, set map[string]bool) bool {
	s, ok := GateAt(name, r)
	if !ok {
		return false
	}
	if v, given := set[name]; given && s.Name != "removed" {
		return v
	}
	return s.Default
}

// CheckGate says why kubelet r would refuse to start with name set to on,
// or returns nil.
func CheckGate(name string, on bool, r Release) error {
	if !slices.ContainsFunc(gates, func(g Gate) bool { return g.Name == name }) {
		return fmt.Errorf("unknown feature gate %q: the probe feature gates are %s", name, strings.Join(GateNames(), ", "))
	}
	s, ok := GateAt(name, r)
	switch {
	case !ok:
		return fmt.Errorf("kubelet %s has no feature gate %s: it came in %s", r.MinorString(), name, firstStage(name).Since.MinorString())
	case s.Name == "removed":
		return fmt.Errorf("kubelet %s has no feature gate %s any more: it was removed in %s, and the feature is always on; remove the gate", r.MinorString(), name, s.Since.MinorString())
	case s.Locked && on != s.Default:
		return fmt.Errorf("kubelet %s locks %s (%s) to %v: kubelet would not start with it set to %v", r.MinorString(), name, s.Name, s.Default, on)
	}
	return nil
}

func firstStage(name string) Stage {
	for _, g := range gates {
		if g.Name == name {
			return g.Stages[0]
		}
	}
	return Stage{}
}

// GateNames lists the probe feature gates.
func GateNames() []string {
	names := make([]string, len(gates))
	for i, g := range gates {
		names[i] = g.Name
	}
	return names
}
