package config

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// ParsePortRange reads "30080" or "30000-32767" of ports that can be bound.
func ParsePortRange(s string) (ports.Range, error) {
	r, err := ports.Parse(s)
	if err != nil {
		return ports.Range{}, err
	}
	if r.First == 0 {
		return ports.Range{}, fmt.Errorf("%q: port 0 cannot be bound, use 1 to 65535", s)
	}
	return r, nil
}

// decodePortRange takes 30080 or "30000-32767" wherever the file holds a
// ports.Range.
func decodePortRange(n *yaml.Node, out *ports.Range) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want a port or a range such as 30000-32767, got %s", describeNode(n))
	}
	parsed, err := ParsePortRange(n.Value)
	if err != nil {
		return errorAt(n, "%s", err)
	}
	*out = parsed
	return nil
}

// SourcePort says where a probe's connections come from: the kernel's
// choice, as kubelet's (the zero value, written "ephemeral"), one port, or
// a range from which each probe takes one.
type SourcePort struct {
	Ports ports.Range
}

// Ephemeral is the source_port value that leaves the choice to the kernel.
const Ephemeral = "ephemeral"

// ParseSourcePort reads "ephemeral", "30080" or "30000-32767".
func ParseSourcePort(s string) (SourcePort, error) {
	if s == Ephemeral || s == "" {
		return SourcePort{}, nil
	}
	r, err := ParsePortRange(s)
	if err != nil {
		return SourcePort{}, fmt.Errorf("%s; or use %q to let the kernel choose, as kubelet does", err, Ephemeral)
	}
	return SourcePort{r}, nil
}

// IsEphemeral reports whether the kernel chooses the port.
func (s SourcePort) IsEphemeral() bool { return s.Ports == ports.Range{} }

// IsRange reports whether each probe picks one port out of several.
func (s SourcePort) IsRange() bool { return s.Ports.Len() > 1 }

func (s SourcePort) String() string {
	if s.IsEphemeral() {
		return Ephemeral
	}
	return s.Ports.String()
}

// UnmarshalYAML takes ephemeral, 30080 or 30000-32767.
func (s *SourcePort) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want %s, a port or a range such as 30000-32767, got %s", Ephemeral, describeNode(n))
	}
	parsed, err := ParseSourcePort(n.Value)
	if err != nil {
		return errorAt(n, "%s", err)
	}
	*s = parsed
	return nil
}

// MarshalYAML writes the value as it is written in the file.
func (s SourcePort) MarshalYAML() (any, error) { return s.String(), nil }

// IsZero lets omitempty leave out the kernel's choice.
func (s SourcePort) IsZero() bool { return s.IsEphemeral() }

// Source port strategies: how a probe picks its port from a range.
const (
	StrategySequential = "sequential"
	StrategyRandom     = "random"
)

// SourcePortSweep probes a target once from each of many source ports in
// one scrape, to find the ports something on the node has poisoned.
type SourcePortSweep struct {
	// Range holds the ports to sweep.
	Range ports.Range `yaml:"range"`
	// Count ports are swept per scrape, continuing where the previous
	// scrape stopped; 0 sweeps the whole range.
	Count int `yaml:"count,omitempty"`
	// Parallelism bounds the connects in flight at once.
	Parallelism int `yaml:"parallelism,omitempty"`
}

const defaultSweepParallelism = 16

// UnmarshalYAML decodes a sweep strictly, defaults and validates it.
func (s *SourcePortSweep) UnmarshalYAML(n *yaml.Node) error {
	type plain SourcePortSweep
	*s = SourcePortSweep{}
	if err := decodeStrict(n, (*plain)(s)); err != nil {
		return err
	}
	if s.Parallelism == 0 {
		s.Parallelism = defaultSweepParallelism
	}
	switch {
	case s.Range.First == 0:
		return keyError(n, "range", "missing: give the ports to sweep, e.g. 30000-32767")
	case s.Count < 0 || s.Count > s.Range.Len():
		return keyError(n, "count", "%d: sweep 1 to %d ports of %s, or leave it out for all of them", s.Count, s.Range.Len(), s.Range)
	case s.Parallelism < 1 || s.Parallelism > 1024:
		return keyError(n, "parallelism", "%d: use 1 to 1024", s.Parallelism)
	}
	return nil
}

// PortsPerScrape is how many ports one scrape sweeps.
func (s SourcePortSweep) PortsPerScrape() int {
	if s.Count == 0 {
		return s.Range.Len()
	}
	return s.Count
}
