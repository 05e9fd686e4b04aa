package collector

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report for a person: the verdict, the ranges, what
// is at risk and why it matters, then the fix.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(checkVerdict(r) + "\n\n")
	writeRanges(&b, r)
	writeNodePorts(&b, r)
	writeTimeWait(&b, r)
	writeChurn(&b, r)
	writeFix(&b, r)
	writeErrors(&b, r)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRanges(b *strings.Builder, r *Report) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Ephemeral port range\tnet.ipv4.ip_local_port_range\t%s\t%d ports\n", r.EphemeralRange, r.EphemeralRange.Len())
	fmt.Fprintf(tw, "Reserved ports\tnet.ipv4.ip_local_reserved_ports\t%s\t%d ports\n", orNone(r.ReservedPorts), r.ReservedCount)
	fmt.Fprintf(tw, "NodePort range\t--nodeport.range\t%s\t%d ports\n", r.NodePortRange, r.NodePortRange.Len())
	tw.Flush()
	fmt.Fprintf(b, "Overlap: %d port%s of the NodePort range the kernel may pick as source ports (in the ephemeral range, not reserved).\n",
		r.OverlapPorts, plural(r.OverlapPorts))
	fmt.Fprintf(b, "connect(2) picks each connection's source port afresh from %d ports first: those of %d's parity, not reserved; "+
		"bind(2) to port 0 picks from the others first.\n", r.ConnectPorts, r.EphemeralRange.First)
	writeListenPorts(b, r)
	b.WriteString("\n")
}

func writeListenPorts(b *strings.Builder, r *Report) {
	for _, l := range r.ListenPorts {
		switch {
		case l.Pickable:
			fmt.Fprintf(b, "Listen port %d (--web.listen-address) may be handed out as a source port: while a connection holds it, "+
				"in TIME_WAIT too, the exporter cannot start on it (bind: address already in use).\n", l.Port)
		case r.EphemeralRange.Contains(l.Port):
			fmt.Fprintf(b, "Listen port %d (--web.listen-address) is reserved: no connection takes it.\n", l.Port)
		default:
			fmt.Fprintf(b, "Listen port %d (--web.listen-address) is outside the ephemeral range: no connection takes it.\n", l.Port)
		}
	}
}

func writeNodePorts(b *strings.Builder, r *Report) {
	var counts []string
	for _, name := range slices.Sorted(maps.Keys(r.Allocated)) {
		counts = append(counts, fmt.Sprintf("%d from %s", r.Allocated[name], name))
	}
	for _, name := range slices.Sorted(maps.Keys(r.Absent)) {
		counts = append(counts, fmt.Sprintf("none from %s (%s)", name, r.Absent[name]))
	}
	if len(counts) == 0 {
		counts = []string{"no source on (--nodeport.kubernetes, --nodeport.ipvs, --nodeport.static)"}
	}
	fmt.Fprintf(b, "Allocated NodePorts: %s\n", strings.Join(counts, ", "))
	if len(r.AtRisk) > 0 {
		fmt.Fprintf(b, "At risk (in the ephemeral range, not reserved, no listening socket):\n")
		writeKnownPorts(b, r.AtRisk)
		b.WriteString("When the kernel picks one of these as a connection's source port, the NodePort's owner (IPVS or iptables)\n" +
			"takes the answer and the node resets it: a kubelet probe from that port times out.\n")
		b.WriteString(collisionChance(r) + "\n")
	}
	if len(r.OutsideRange) > 0 {
		fmt.Fprintf(b, "Outside --nodeport.range=%s (set it to the API server's --service-node-port-range):\n", r.NodePortRange)
		writeKnownPorts(b, r.OutsideRange)
	}
	b.WriteString("\n")
}

func writeKnownPorts(b *strings.Builder, ports []KnownPort) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, k := range ports {
		fmt.Fprintf(tw, "  %d/%s\t%s\t(%s)\n", k.Port, k.Protocol, strings.Join(k.Owners, ", "), strings.Join(k.Sources, ", "))
	}
	tw.Flush()
}

func writeTimeWait(b *strings.Builder, r *Report) {
	if r.TimeWait == nil {
		return
	}
	fmt.Fprintf(b, "TIME_WAIT: %d sockets", r.TimeWait.Sockets)
	if by := r.TimeWait.ByRange; by != nil {
		fmt.Fprintf(b, "; by local port: %d nodeport, %d ephemeral, %d other", by.NodePort, by.Ephemeral, by.Other)
	}
	b.WriteString("\n")
	if len(r.TimeWait.TopDestinations) > 0 {
		b.WriteString("Top destinations:\n")
		tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
		for _, d := range r.TimeWait.TopDestinations {
			fmt.Fprintf(tw, "  %s\t%d\n", d.Destination, d.Sockets)
		}
		tw.Flush()
		b.WriteString(exhaustionNote(r) + "\n")
	}
	b.WriteString("\n")
}

func writeChurn(b *strings.Builder, r *Report) {
	if c := r.Churn; c != nil {
		fmt.Fprintf(b, "Churn: %.1f connections opened per second over %.1fs. It does not make a NodePort collision likelier: "+
			"each connection's source port is drawn afresh.\n\n", c.OpensPerSecond, c.IntervalSeconds)
	}
}

func writeFix(b *strings.Builder, r *Report) {
	f := r.Fix
	if !f.Needed {
		b.WriteString("Fix: none needed.\n")
		return
	}
	fmt.Fprintf(b, "Fix: reserve %s, keeping what is already reserved:\n  %s\n", f.Reserves, f.Command)
	fmt.Fprintf(b, "and persist it across reboots:\n  echo '%s' > %s\n", f.PersistLine, f.PersistFile)
	fmt.Fprintf(b, "The kernel keeps %d source ports to pick from.\n", f.EphemeralPortsLeft)
	if f.Alternative != "" {
		fmt.Fprintf(b, "Or move the ephemeral range clear of the NodePort range instead:\n  %s\n", f.Alternative)
	}
}

func writeErrors(b *strings.Builder, r *Report) {
	if len(r.Errors) == 0 {
		return
	}
	b.WriteString("\nCould not read:\n")
	for _, name := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(b, "  %s: %s\n", name, r.Errors[name])
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// WriteJSON writes the report for a program, as check --format=json.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
