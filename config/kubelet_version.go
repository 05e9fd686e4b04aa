package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KubeletVersion is the Kubernetes minor release whose probe behaviour a
// module reproduces: the User-Agent it sends, whether it sends Accept and
// accepts gzip, and whether it sets SO_LINGER on its sockets.
type KubeletVersion struct {
	Major, Minor int
}

var (
	// DefaultKubeletVersion is the release a module probes like when it
	// does not say otherwise, and the newest one the exporter knows: a
	// later release may change probe behaviour in ways it does not copy.
	DefaultKubeletVersion = KubeletVersion{1, 37}
	// oldestKubeletVersion is the first release with today's body limit
	// (10 KiB, 1.16) and redirect rules (1.14); earlier ones behaved
	// differently in ways this exporter does not reproduce.
	oldestKubeletVersion = KubeletVersion{1, 16}
)

// ParseKubeletVersion accepts "1.23", "v1.23" or "1.23.10" from 1.16 to
// DefaultKubeletVersion; the patch release never changes probe behaviour
// and is dropped.
func ParseKubeletVersion(s string) (KubeletVersion, error) {
	parts := strings.Split(strings.TrimPrefix(s, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return KubeletVersion{}, fmt.Errorf("want a Kubernetes release such as \"1.23\", got %q", s)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return KubeletVersion{}, fmt.Errorf("want a Kubernetes release such as \"1.23\", got %q", s)
		}
		nums[i] = n
	}
	v := KubeletVersion{nums[0], nums[1]}
	if v.Major != 1 || v.Less(oldestKubeletVersion) {
		return KubeletVersion{}, fmt.Errorf("%q is not supported: use %s or later", s, oldestKubeletVersion)
	}
	if DefaultKubeletVersion.Less(v) {
		return KubeletVersion{}, fmt.Errorf("%q is not a release this exporter knows: use %s to %s", s, oldestKubeletVersion, DefaultKubeletVersion)
	}
	return v, nil
}

// AtLeast reports whether v is the release major.minor or a later one.
func (v KubeletVersion) AtLeast(major, minor int) bool {
	return !v.Less(KubeletVersion{major, minor})
}

// Less reports whether v is an earlier release than w.
func (v KubeletVersion) Less(w KubeletVersion) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

func (v KubeletVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// IsZero reports whether no version was configured.
func (v KubeletVersion) IsZero() bool { return v == KubeletVersion{} }

// UnmarshalYAML takes the scalar's text as written, so that an unquoted
// 1.20 stays 1.20 instead of becoming the float 1.2.
func (v *KubeletVersion) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want a Kubernetes release such as \"1.23\", got %s", describeNode(n))
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
