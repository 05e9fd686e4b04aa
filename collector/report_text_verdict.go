package collector

import "fmt"

// checkVerdict is the report's first line; it never says OK while a fix
// is needed.
func checkVerdict(r *Report) string {
	switch r.Verdict {
	case VerdictAtRisk:
		return fmt.Sprintf("AT RISK: %d allocated NodePort%s may be handed out as source ports on this node", len(r.AtRisk), plural(len(r.AtRisk)))
	case VerdictUnknown:
		return "UNKNOWN: no NodePort known to be at risk, but a NodePort source could not be read (see the errors below)"
	case VerdictExposed:
		return exposedVerdict(r)
	}
	return "OK: the kernel may hand out no allocated NodePort, no port of the NodePort range and no listen port of the exporter as a source port on this node"
}

func exposedVerdict(r *Report) string {
	listen := pickable(r.ListenPorts)
	known := "no allocated NodePort is at risk yet"
	switch {
	case len(r.Allocated) == 0 && len(r.Absent) > 0:
		known = "no NodePort source is on this node (no IPVS; --nodeport.kubernetes or --nodeport.static would tell), so no allocated NodePort is known"
	case len(r.Allocated) == 0:
		known = "no NodePort source is on, so no allocated NodePort is known"
	}
	switch {
	case r.OverlapPorts > 0 && len(listen) > 0:
		return fmt.Sprintf("EXPOSED: %s, but the kernel may hand out %d port%s of the NodePort range "+
			"and %s as source ports", known, r.OverlapPorts, plural(r.OverlapPorts), listenPortsText(listen))
	case r.OverlapPorts > 0:
		return fmt.Sprintf("EXPOSED: %s, but the kernel may hand out %d port%s of the NodePort range "+
			"as source ports: the first Service allocated there will be at risk", known, r.OverlapPorts, plural(r.OverlapPorts))
	}
	return fmt.Sprintf("EXPOSED: the kernel may hand out %s as a source port: while a connection holds it, the exporter cannot start",
		listenPortsText(listen))
}

func pickable(listen []ListenPort) []uint16 {
	var out []uint16
	for _, l := range listen {
		if l.Pickable {
			out = append(out, l.Port)
		}
	}
	return out
}

func listenPortsText(listen []uint16) string {
	if len(listen) == 1 {
		return fmt.Sprintf("the exporter's listen port %d", listen[0])
	}
	return "the exporter's listen ports " + joinPorts(listen)
}
