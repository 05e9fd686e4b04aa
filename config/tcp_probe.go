package config

import "go.yaml.in/yaml/v3"

// TCPProbe mirrors a pod spec's tcpSocket: what to connect to when the
// target is a host alone (a pod IP), as kubelet does.
type TCPProbe struct {
	// Host, like tcpSocket.host, is connected to instead of the target's.
	Host string `yaml:"host,omitempty"`
	// Port is used when the target gives none: a number, or a port name
	// that kubelet looks up in the container's ports.
	Port Port `yaml:"port,omitempty"`
}

// UnmarshalYAML decodes tcpSocket's fields strictly and validates them.
func (t *TCPProbe) UnmarshalYAML(n *yaml.Node) error {
	type plain TCPProbe
	*t = TCPProbe{}
	if err := decodeStrict(n, (*plain)(t)); err != nil {
		return err
	}
	switch {
	case !t.Port.IsNamed() && t.Port.Number != 0 && !validPortNumber(t.Port.Number):
		return keyError(n, "port", "%s", portError(t.Port.Number))
	case t.Host != "" && !validHost(t.Host):
		return keyError(n, "host", "%q is not a host name or IP address (give no port)", t.Host)
	}
	return nil
}
