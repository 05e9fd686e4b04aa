package collector

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
)

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
	if len(r.Allocated) == 0 {
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

// collisionChance says how likely a connection is to draw a NodePort at
// risk: the ones of connect(2)'s first parity over the ports it picks
// from, whatever the churn (docs/collector.md has the lab's measurements).
func collisionChance(r *Report) string {
	parity := fmt.Sprintf("%d's parity, which connect(2) picks from first", r.EphemeralRange.First)
	if r.AtRiskForConnect == 0 {
		return fmt.Sprintf("None of them has %s: connect(2), as kubelet's probes use it, takes them only once every port of that parity "+
			"is in use to the same destination; bind(2) to port 0 picks them first.", parity)
	}
	return fmt.Sprintf("%d of them %s %s: each connection from this node, kubelet's probes among them, draws one "+
		"with a chance of %d in %d (%s), however much the node churns.", r.AtRiskForConnect, hasHave(r.AtRiskForConnect), parity,
		r.AtRiskForConnect, r.ConnectPorts, percent(r.AtRiskForConnect, r.ConnectPorts))
}

func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// exhaustionNote says how much of connect(2)'s first ports the busiest
// destination's TIME_WAIT sockets hold: a connection needs a port no
// other connection to the same destination holds.
func exhaustionNote(r *Report) string {
	top := r.TimeWait.TopDestinations[0]
	text := fmt.Sprintf("The busiest, %s, holds %d of the %d ports connect(2) picks from first (%s): past 100%% new connections "+
		"to it take ports of the other parity, past 200%% they fail (connect: cannot assign requested address).",
		top.Destination, top.Sockets, r.ConnectPorts, percent(top.Sockets, r.ConnectPorts))
	if reusable(r.TWReuse, top.Destination) {
		text += fmt.Sprintf(" But net.ipv4.tcp_tw_reuse=%d lets new connections to it reuse TIME_WAIT ports older than about a second, so that is no limit.", *r.TWReuse)
	}
	return text
}

// reusable tells whether new connections to dest may reuse its TIME_WAIT
// ports: net.ipv4.tcp_tw_reuse 1, or 2 for a loopback address.
func reusable(twReuse *int64, dest string) bool {
	if twReuse == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(dest)
	return *twReuse == 1 || (*twReuse == 2 && err == nil && ap.Addr().IsLoopback())
}

// percent is n/d as a percentage with two significant digits: 0.0031%,
// 0.33%, 12%, 150%.
func percent(n, d int) string {
	if d == 0 {
		return "n/a"
	}
	p := 100 * float64(n) / float64(d)
	decimals := 0
	if p > 0 {
		decimals = max(0, 1-int(math.Floor(math.Log10(p))))
	}
	return strconv.FormatFloat(p, 'f', decimals, 64) + "%"
}
