package collector

import (
	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
	"github.com/kubeprobe/kubeprobe_exporter/internal/sockdiag"
)

// heldPorts are the ports a socket on the node holds, which the kernel
// therefore never hands out as source ports: TCP ports with a listener,
// UDP ports with a bound socket. Before kubernetes PR #108496 kube-proxy
// held every NodePort this way; since, nothing does unless reserved.
type heldPorts struct {
	tcp, udp ports.Set
}

// Holds tells whether a socket holds the NodePort. SCTP sockets are not
// listed, so an SCTP NodePort is never held.
func (h heldPorts) Holds(np NodePort) bool {
	switch np.Protocol {
	case "TCP":
		return h.tcp.Has(np.Port)
	case "UDP":
		return h.udp.Has(np.Port)
	}
	return false
}

// readHeldPorts dumps the listening TCP and the bound UDP sockets of this
// network namespace through sock_diag.
func readHeldPorts() (heldPorts, error) {
	var h heldPorts
	err := sockdiag.Dump(sockdiag.TCP, sockdiag.StateMask(sockdiag.StateListen), func(s sockdiag.Socket) {
		h.tcp.Add(s.Local.Port())
	})
	if err != nil {
		return heldPorts{}, err
	}
	err = sockdiag.Dump(sockdiag.UDP, sockdiag.AllStates, func(s sockdiag.Socket) {
		h.udp.Add(s.Local.Port())
	})
	return h, err
}
