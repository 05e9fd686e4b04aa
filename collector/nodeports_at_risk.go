package collector

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	atRiskDesc = newDesc("nodeports_at_risk",
		"Allocated NodePorts the kernel may hand out as a source port right now: inside the ephemeral range, not reserved, and not held by a listening socket.")
	atRiskForConnectDesc = newDesc("nodeports_at_risk_for_connect",
		"The NodePorts at risk that connect(2) picks from first (of the ephemeral range start's parity): over kubeprobe_ephemeral_connect_ports, the chance that a connection from this node, a kubelet probe's among them, draws one.")
)

// atRiskScraper counts the NodePorts at risk from the sources that
// answered; a failing source is reported by its own scraper.
var atRiskScraper = scraper{
	name:  "nodeports_at_risk",
	descs: []*prometheus.Desc{atRiskDesc, atRiskForConnectDesc},
	update: func(s *snapshot, ch chan<- prometheus.Metric) error {
		risky, err := s.AtRisk()
		if err != nil {
			return err
		}
		k, err := s.KernelPorts()
		if err != nil {
			return err
		}
		gauge(ch, atRiskDesc, float64(len(risky)))
		gauge(ch, atRiskForConnectDesc, float64(len(k.forConnect(risky))))
		return nil
	},
}

// forConnect is the NodePorts of known that connect(2) picks from first.
func (k *kernelPorts) forConnect(known []KnownPort) []KnownPort {
	var out []KnownPort
	for _, np := range known {
		if k.connectFirst(np.Port) {
			out = append(out, np)
		}
	}
	return out
}

// KnownPort is an allocated NodePort with every source that knows it and
// every owner they name.
type KnownPort struct {
	NodePort
	Sources []string `json:"sources"`
	Owners  []string `json:"owners"`
}

// Known merges what the sources know, in port order. Allocations a
// source returned along with an error (the Kubernetes source's last
// known Services) are kept.
func (s *snapshot) Known() []KnownPort {
	byPort := map[NodePort]*KnownPort{}
	for _, src := range s.sources {
		allocs, _ := s.Allocations(src)
		for _, a := range allocs {
			k := byPort[a.NodePort]
			if k == nil {
				k = &KnownPort{NodePort: a.NodePort}
				byPort[a.NodePort] = k
			}
			k.Sources = appendNew(k.Sources, src.Name())
			k.Owners = appendNew(k.Owners, a.Owner)
		}
	}
	out := make([]KnownPort, 0, len(byPort))
	for _, k := range byPort {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b KnownPort) int { return compareNodePorts(a.NodePort, b.NodePort) })
	return out
}

// AtRisk is the known NodePorts the kernel may hand out as a source port:
// inside the ephemeral range, not reserved, and held by no socket.
func (s *snapshot) AtRisk() ([]KnownPort, error) {
	k, err := s.KernelPorts()
	if err != nil {
		return nil, err
	}
	held, err := s.HeldPorts()
	if err != nil {
		return nil, err
	}
	return atRisk(s.Known(), k, held), nil
}

func atRisk(known []KnownPort, k *kernelPorts, held heldPorts) []KnownPort {
	var out []KnownPort
	for _, np := range known {
		if k.mayPick(np.Port) && !held.Holds(np.NodePort) {
			out = append(out, np)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
