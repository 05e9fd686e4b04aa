package collector

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// PersistFile is where the fix is persisted across reboots, in the check
// command's output, the runbook and the documented bootstrap script
// alike. The 90- prefix sorts it after distribution defaults, and since
// the value keeps what was reserved before, nothing is lost by
// overriding them.
const PersistFile = "/etc/sysctl.d/90-kubeprobe-reserved-ports.conf"

// Fix is what makes the kernel stop handing out NodePorts, and the
// exporter's listen port, as source ports: reserve them, keeping the
// ports already reserved.
type Fix struct {
	Needed bool `json:"needed"`
	// ReservedPorts is the new net.ipv4.ip_local_reserved_ports: what is
	// reserved now, the NodePort range, every NodePort at risk (some may
	// lie outside --nodeport.range) and every pickable listen port,
	// merged into the fewest ranges.
	ReservedPorts string `json:"reserved_ports,omitempty"`
	// Reserves says what the fix adds, for a person: "the NodePort range
	// and the NodePorts at risk".
	Reserves    string `json:"reserves,omitempty"`
	Command     string `json:"command,omitempty"`
	PersistFile string `json:"persist_file,omitempty"`
	PersistLine string `json:"persist_line,omitempty"`
	// EphemeralPortsLeft is how many source ports the kernel keeps.
	EphemeralPortsLeft int `json:"ephemeral_ports_left,omitempty"`
	// Alternative is an ip_local_port_range clear of the NodePort range,
	// for nodes where reserving would leave too few source ports.
	Alternative string `json:"alternative,omitempty"`
}

// planFix works out the fix; none is needed when the kernel can pick no
// NodePort-range port, no allocated NodePort and no listen port.
func planFix(k *kernelPorts, nodePorts ports.Range, risky []KnownPort, listen []uint16) Fix {
	overlap := k.pickableIn(nodePorts)
	if overlap.Len() == 0 && len(risky) == 0 && len(listen) == 0 {
		return Fix{}
	}
	var next ports.Set
	next.AddRange(nodePorts)
	for _, k := range risky {
		next.Add(k.Port)
	}
	for _, p := range listen {
		next.Add(p)
	}
	next = next.Union(k.Reserved)
	value := next.String()
	return Fix{
		Needed:             true,
		ReservedPorts:      value,
		Reserves:           fixReserves(len(risky) > 0, listen),
		Command:            fmt.Sprintf("sysctl -w %s=%s", sysctlReservedPorts, value),
		PersistFile:        PersistFile,
		PersistLine:        fmt.Sprintf("%s = %s", sysctlReservedPorts, value),
		EphemeralPortsLeft: k.Ephemeral.Len() - next.CountIn(k.Ephemeral),
		Alternative:        clearRange(k.Ephemeral, nodePorts, risky, listen),
	}
}

// fixReserves names what the fix adds to the reserved ports.
func fixReserves(atRisk bool, listen []uint16) string {
	parts := []string{"the NodePort range"}
	if atRisk {
		parts = append(parts, "the NodePorts at risk")
	}
	switch len(listen) {
	case 0:
	case 1:
		parts = append(parts, fmt.Sprintf("the exporter's listen port %d", listen[0]))
	default:
		parts = append(parts, fmt.Sprintf("the exporter's listen ports %s", joinPorts(listen)))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func joinPorts(list []uint16) string {
	text := make([]string, len(list))
	for i, p := range list {
		text[i] = strconv.Itoa(int(p))
	}
	return strings.Join(text, ", ")
}

// clearRange is the larger part of the ephemeral range on either side of
// the NodePort range, as the command that sets it; empty if neither side
// has a port, or if a NodePort at risk outside --nodeport.range, or a
// pickable listen port, would still be inside it.
func clearRange(eph, nodePorts ports.Range, risky []KnownPort, listen []uint16) string {
	type span struct{ first, last int }
	sides := []span{
		{int(eph.First), min(int(eph.Last), int(nodePorts.First)-1)},
		{max(int(eph.First), int(nodePorts.Last)+1), int(eph.Last)},
	}
	best := span{0, -1}
	for _, s := range sides {
		if s.last-s.first > best.last-best.first {
			best = s
		}
	}
	if best.last < best.first {
		return ""
	}
	inside := func(p uint16) bool { return best.first <= int(p) && int(p) <= best.last }
	for _, k := range risky {
		if inside(k.Port) {
			return ""
		}
	}
	for _, p := range listen {
		if inside(p) {
			return ""
		}
	}
	return fmt.Sprintf("sysctl -w %s=\"%d %d\"", sysctlPortRange, best.first, best.last)
}
