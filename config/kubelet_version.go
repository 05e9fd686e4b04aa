package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// KubeletVersion is the kubelet release whose probe behaviour a module
// reproduces, down to the patch: internal/kubelet's table says what each
// release does. A minor release alone ("1.26") means its newest patch.
type KubeletVersion struct {
	kubelet.Release
	// PatchGiven: the file named the patch ("1.26.2"), not only the minor
	// release; it decides how the version is shown.
	PatchGiven bool
}

// DefaultKubeletVersion is the release a module probes like when it does
// not say otherwise: the newest one the exporter knows.
var DefaultKubeletVersion = KubeletVersion{Release: kubelet.NewestPatch(kubelet.Newest)}

// ParseKubeletVersion accepts "1.26", "1.26.2" or "v1.26.2", from 1.16 to
// the newest release the exporter knows; a patch release that does not
// exist is an error.
func ParseKubeletVersion(s string) (KubeletVersion, error) {
	r, given, err := kubelet.Parse(s)
	if err != nil {
		return KubeletVersion{}, err
	}
	return KubeletVersion{Release: r, PatchGiven: given}, nil
}

// String is the release as the file gives it: "1.26" or "1.26.2".
func (v KubeletVersion) String() string {
	if v.PatchGiven {
		return v.Release.String()
	}
	return v.MinorString()
}

// IsZero reports whether no version was configured.
func (v KubeletVersion) IsZero() bool { return v == KubeletVersion{} }

// UnmarshalYAML takes the scalar's text as written, so that an unquoted
// 1.20 stays 1.20 instead of becoming the float 1.2.
func (v *KubeletVersion) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want a Kubernetes release such as \"1.26\" or \"1.26.2\", got %s", describeNode(n))
	}
	parsed, err := ParseKubeletVersion(n.Value)
	if err != nil {
		return errorAt(n, "%s", err)
	}
	*v = parsed
	return nil
}

// MarshalYAML writes the version as a string, quoted so it reads back as one.
func (v KubeletVersion) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: v.String()}, nil
}
