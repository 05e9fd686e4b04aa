package config

import (
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// FeatureGates turns kubelet's probe feature gates on or off for a module,
// as kubelet's --feature-gates (featureGates in its configuration file)
// does on a node: GRPCContainerProbe, H2CContainerProbe,
// GRPCContainerProbeTLS. A gate left out keeps its default at the
// module's kubelet_version.
type FeatureGates map[string]bool

// UnmarshalYAML decodes the mapping of gate names to true or false,
// strictly, so that "yes" or a repeated gate is an error at its line.
func (g *FeatureGates) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a mapping of feature gate names to true or false, such as {GRPCContainerProbe: true}, got %s", describeNode(n))
	}
	*g = FeatureGates{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if _, dup := (*g)[key.Value]; dup {
			return errorAt(key, "feature gate %q is given twice", key.Value)
		}
		if err := checkScalarTag(value, reflect.TypeFor[bool]()); err != nil {
			return underKey(key.Value, err)
		}
		var on bool
		if isNull(value) || value.Decode(&on) != nil {
			return underKey(key.Value, errorAt(value, "want true or false, got %s", describeNode(value)))
		}
		(*g)[key.Value] = on
	}
	return nil
}

// Enabled reports whether gate name is on for a module of release r.
func (g FeatureGates) Enabled(name string, r kubelet.Release) bool {
	return kubelet.Enabled(name, r, g)
}

// validateFeatureGates refuses a gate kubelet r would not start with; n
// is the module's mapping.
func (m *Module) validateFeatureGates(n *yaml.Node) error {
	gatesNode := child(n, "feature_gates")
	for i := 0; gatesNode != nil && i+1 < len(gatesNode.Content); i += 2 {
		name := gatesNode.Content[i].Value
		if err := kubelet.CheckGate(name, m.FeatureGates[name], m.KubeletVersion.Release); err != nil {
			return underKey("feature_gates", keyError(gatesNode, name, "%s", err))
		}
	}
	return nil
}

// child is the value of key in mapping n, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolveAlias(n.Content[i+1])
		}
	}
	return nil
}
