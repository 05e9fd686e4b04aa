package collector

import "fmt"

// Verdict is what the check concludes about the node.
type Verdict int

// The verdicts, from the worst. The check command's exit code is one per
// verdict (docs/collector.md).
const (
	// VerdictAtRisk: an allocated NodePort may be handed out as a source
	// port now; connections from this node may be reset by it.
	VerdictAtRisk Verdict = iota + 1
	// VerdictUnknown: nothing is known to be at risk, but a NodePort
	// source could not be read, so the node cannot be vouched for.
	VerdictUnknown
	// VerdictExposed: no allocated NodePort is at risk, but ports of the
	// NodePort range, or a listen port of the exporter, may be handed out:
	// the fix is needed before the first Service is allocated there.
	VerdictExposed
	// VerdictOK: nothing to fix.
	VerdictOK
)

var verdictNames = map[Verdict]string{VerdictAtRisk: "at_risk", VerdictUnknown: "unknown", VerdictExposed: "exposed", VerdictOK: "ok"}

func (v Verdict) String() string { return verdictNames[v] }

// MarshalText makes the verdict its name in JSON.
func (v Verdict) MarshalText() ([]byte, error) {
	if name, ok := verdictNames[v]; ok {
		return []byte(name), nil
	}
	return nil, fmt.Errorf("no verdict %d", int(v))
}

// verdict is never OK while a fix is needed.
func (r *Report) verdict() Verdict {
	switch {
	case len(r.AtRisk) > 0:
		return VerdictAtRisk
	case r.sourceFailed:
		return VerdictUnknown
	case r.Fix.Needed:
		return VerdictExposed
	}
	return VerdictOK
}
