package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Port is httpGet.port: a number, or the name of one of the container's
// ports, which kubelet looks up in the pod spec. The zero Port is unset.
type Port struct {
	Number int
	Name   string
}

// IsZero reports an unset port.
func (p Port) IsZero() bool { return p == Port{} }

// IsNamed reports a port given by name.
func (p Port) IsNamed() bool { return p.Name != "" }

func (p Port) String() string {
	if p.IsNamed() {
		return p.Name
	}
	return strconv.Itoa(p.Number)
}

// UnmarshalYAML takes a whole number or a port name, as the API server
// does (an IANA_SVC_NAME: at most 15 lower-case letters, digits and
// hyphens, with a letter). A quoted number is a name to the API server,
// and no valid one.
func (p *Port) UnmarshalYAML(n *yaml.Node) error {
	n = resolveAlias(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != strTag {
		if err := checkScalarTag(n, reflect.TypeFor[int]()); err != nil {
			return err
		}
		var number int
		if err := n.Decode(&number); err != nil {
			return errorAt(n, "want a whole number, got %s", describeNode(n))
		}
		*p = Port{Number: number}
		return nil
	}
	if _, err := strconv.Atoi(n.Value); err == nil {
		return errorAt(n, "want a port number or a port name, got the string %q: a name has a letter; for the number, write %s without quotes", n.Value, n.Value)
	}
	if msgs := validation.IsValidPortName(n.Value); len(msgs) > 0 {
		return errorAt(n, "%q is neither a port number nor a port name: a name %s", n.Value, strings.Join(msgs, ", "))
	}
	*p = Port{Name: n.Value}
	return nil
}

// MarshalYAML writes a number as a number and a name as a string.
func (p Port) MarshalYAML() (any, error) {
	if p.IsNamed() {
		return p.Name, nil
	}
	return p.Number, nil
}

// validPortNumber reports a number the API server takes for a port.
func validPortNumber(n int) bool { return n >= 1 && n <= 65535 }

// portError describes a number that is no port.
func portError(n int) string { return fmt.Sprintf("%d is not a port: use 1 to 65535", n) }
