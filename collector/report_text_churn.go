package collector

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
)

// The report's sentences about what connect(2) draws from, which
// docs/collector.md ("Connection churn") measured.

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
