package collector

import (
	"fmt"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// persistFile is where the check command tells to persist the fix. The
// 90- prefix sorts it after distribution defaults, and since the value
// keeps what was reserved before, nothing is lost by overriding them.
const persistFile = "/etc/sysctl.d/90-kubeprobe-reserved-ports.conf"

// Fix is what makes the kernel stop handing out NodePorts as source
// ports: reserve them, keeping the ports already reserved.
type Fix struct {
	Needed bool `json:"needed"`
	// ReservedPorts is the new net.ipv4.ip_local_reserved_ports: what is
	// reserved now, the NodePort range and every NodePort at risk (some
	// may lie outside --nodeport.range), merged into the fewest ranges.
	ReservedPorts string `json:"reserved_ports,omitempty"`
	Command       string `json:"command,omitempty"`
	PersistFile   string `json:"persist_file,omitempty"`
	PersistLine   string `json:"persist_line,omitempty"`
	// EphemeralPortsLeft is how many source ports the kernel keeps.
	EphemeralPortsLeft int `json:"ephemeral_ports_left,omitempty"`
	// Alternative is an ip_local_port_range clear of the NodePort range,
	// for nodes where reserving would leave too few source ports.
	Alternative string `json:"alternative,omitempty"`
}

// planFix works out the fix; none is needed when the kernel can pick no
// NodePort-range port and no allocated NodePort.
func planFix(k *kernelPorts, nodePorts ports.Range, overlap int, risky []KnownPort) Fix {
	if overlap == 0 && len(risky) == 0 {
		return Fix{}
	}
	var next ports.Set
	next.AddRange(nodePorts)
	for _, k := range risky {
		next.Add(k.Port)
	}
	next = next.Union(k.Reserved)
	value := next.String()
	return Fix{
		Needed:             true,
		ReservedPorts:      value,
		Command:            fmt.Sprintf("sysctl -w %s=%s", sysctlReservedPorts, value),
		PersistFile:        persistFile,
		PersistLine:        fmt.Sprintf("%s = %s", sysctlReservedPorts, value),
		EphemeralPortsLeft: k.Ephemeral.Len() - next.CountIn(k.Ephemeral),
		Alternative:        clearRange(k.Ephemeral, nodePorts, risky),
	}
}

// clearRange is the larger part of the ephemeral range on either side of
// the NodePort range, as the command that sets it; empty if neither side
// has a port, or if a NodePort at risk outside --nodeport.range would
// still be inside it.
func clearRange(eph, nodePorts ports.Range, risky []KnownPort) string {
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
	for _, k := range risky {
		if best.first <= int(k.Port) && int(k.Port) <= best.last {
			return ""
		}
	}
	return fmt.Sprintf("sysctl -w %s=\"%d %d\"", sysctlPortRange, best.first, best.last)
}
