package prober

import (
	"fmt"
	"strconv"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// ContainerPort is one entry of a container's ports in its pod spec.
type ContainerPort struct {
	Name          string
	ContainerPort int32
}

// ResolvePort is kubelet's probe.ResolveContainerPort at release r: a
// number is taken as it is, a name is looked up in the container's ports.
// Its error is a probe *error* in kubelet (retried, then discarded), not a
// failure. A bare /probe knows no container, so it refuses named ports
// before probing (namedPortError); whatever knows the pod resolves them
// here.
func ResolvePort(p config.Port, ports []ContainerPort, r kubelet.Release) (int, error) {
	port := p.Number
	if p.IsNamed() {
		var err error
		if port, err = portByName(p.Name, ports, r); err != nil {
			return port, err
		}
	}
	if port > 0 && port < 65536 {
		return port, nil
	}
	return port, fmt.Errorf("invalid port number: %v", port)
}

func portByName(name string, ports []ContainerPort, r kubelet.Release) (int, error) {
	for _, cp := range ports {
		if cp.Name == name {
			return int(cp.ContainerPort), nil
		}
	}
	if r.Has(kubelet.NamedPortByNameOnly) {
		return 0, fmt.Errorf("port %q not found", name)
	}
	// Before 1.37 kubelet tried a name it did not find as a number, and
	// reported the parse error, not the missing name.
	return strconv.Atoi(name)
}

// namedPortError is why a probe with a named port cannot run without a
// pod: kubelet resolves the name against the container's ports.
type namedPortError string

func (name namedPortError) Error() string {
	return fmt.Sprintf("port %q is a name, which kubelet looks up in the container's ports: "+
		"a named port needs a pod, and this probe names none; give the port's number", string(name))
}
