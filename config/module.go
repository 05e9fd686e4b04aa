package config

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"
)

// ProberName names a protocol a module probes with, as a pod spec names
// the kind of its probe.
type ProberName string

// The probers: tcpSocket, httpGet and grpc in a pod spec.
const (
	ProberTCP  ProberName = "tcp"
	ProberHTTP ProberName = "http"
	ProberGRPC ProberName = "grpc"
)

// Probers lists every prober; package prober has one implementation of
// each, and a test holds the two lists together.
var Probers = []ProberName{ProberTCP, ProberHTTP, ProberGRPC}

// proberList is "tcp, http, grpc", for error messages.
func proberList() string {
	names := make([]string, len(Probers))
	for i, p := range Probers {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// proberChoice is "tcp, http or grpc", for error messages.
func proberChoice() string {
	list := proberList()
	if i := strings.LastIndex(list, ", "); i >= 0 {
		return list[:i] + " or " + list[i+2:]
	}
	return list
}

// Module is one kind of probe: what kubelet would run for a probe spec.
type Module struct {
	// Prober is tcp, http or grpc: tcpSocket, httpGet or grpc in a pod spec.
	Prober ProberName `yaml:"prober"`
	// Timeout covers the whole probe, like timeoutSeconds (default 1s).
	Timeout model.Duration `yaml:"timeout"`
	// KubeletVersion selects the release whose probe behaviour to copy.
	KubeletVersion KubeletVersion `yaml:"kubelet_version"`
	// SourceIPAddress binds the probe's connections to this local address.
	SourceIPAddress string `yaml:"source_ip_address,omitempty"`
	// SourcePort is the port the probe's connections come from: the
	// kernel's choice (ephemeral, as kubelet), one port, or a range.
	SourcePort SourcePort `yaml:"source_port,omitempty"`
	// SourcePortStrategy picks a port from a source_port range for each
	// probe: sequential or random.
	SourcePortStrategy string `yaml:"source_port_strategy,omitempty"`
	// SourcePortSweep probes from many source ports in one scrape.
	SourcePortSweep *SourcePortSweep `yaml:"source_port_sweep,omitempty"`
	// SourcePortOverride lets the source_port query parameter replace
	// source_port.
	SourcePortOverride bool `yaml:"source_port_override,omitempty"`
	// HTTP holds httpGet's fields; only for prober http.
	HTTP *HTTPProbe `yaml:"http,omitempty"`
	// GRPC holds grpc's fields; only for prober grpc.
	GRPC *GRPCProbe `yaml:"grpc,omitempty"`
	// TCP holds tcpSocket's fields; only for prober tcp.
	TCP *TCPProbe `yaml:"tcp,omitempty"`
	// KubernetesProbe is the module as a pod spec writes a probe, pasted
	// from a container: it gives the prober, its fields and the timeout,
	// and the schedule a scheduled entry of the module follows.
	KubernetesProbe *KubernetesProbe `yaml:"kubernetes_probe,omitempty"`
	// ProbeTargets restricts which targets this module may probe, on top
	// of the configuration's top-level probe_targets.
	ProbeTargets TargetPolicy `yaml:"probe_targets,omitempty"`
	// FeatureGates sets kubelet's probe feature gates, as the node's
	// kubelet --feature-gates would.
	FeatureGates FeatureGates `yaml:"feature_gates,omitempty"`
}

// defaultTimeout is kubelet's default timeoutSeconds; like the API server,
// a module treats an absent or zero timeout as this default.
const defaultTimeout = model.Duration(time.Second)

// UnmarshalYAML decodes a module strictly, applies kubelet's defaults and
// validates the result.
func (m *Module) UnmarshalYAML(n *yaml.Node) error {
	type plain Module
	*m = Module{}
	if err := decodeStrict(n, (*plain)(m)); err != nil {
		return err
	}
	if m.KubernetesProbe != nil {
		if err := m.fromKubernetesProbe(n); err != nil {
			return err
		}
	}
	m.setDefaults()
	return m.validate(n)
}

// MarshalYAML writes the module as its file does: a module written as a
// kubernetes_probe is shown as one, without the fields it gives.
func (m Module) MarshalYAML() (any, error) {
	type plain Module
	if m.KubernetesProbe == nil {
		return plain(m), nil
	}
	var n yaml.Node
	if err := n.Encode(plain(m)); err != nil {
		return nil, err
	}
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !givenByKubernetesProbe[n.Content[i].Value] {
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = kept
	return &n, nil
}

// givenByKubernetesProbe are the keys a kubernetes_probe gives a module.
var givenByKubernetesProbe = map[string]bool{"prober": true, "timeout": true, "http": true, "grpc": true, "tcp": true}

func (m *Module) setDefaults() {
	if m.Timeout == 0 {
		m.Timeout = defaultTimeout
	}
	if m.KubeletVersion.IsZero() {
		m.KubeletVersion = DefaultKubeletVersion
	}
	if m.Prober == ProberHTTP && m.HTTP == nil {
		m.HTTP = &HTTPProbe{}
	}
	if m.HTTP != nil {
		m.HTTP.setDefaults()
	}
	if m.Prober == ProberGRPC && m.GRPC == nil {
		m.GRPC = &GRPCProbe{}
	}
	if m.SourcePort.IsRange() && m.SourcePortStrategy == "" {
		m.SourcePortStrategy = StrategySequential
	}
}

func (m *Module) validate(n *yaml.Node) error {
	switch {
	case m.Prober == "":
		return keyError(n, "prober", "missing: set it to one of %s", proberList())
	case !slices.Contains(Probers, m.Prober):
		return keyError(n, "prober", "unknown prober %q: use one of %s", m.Prober, proberList())
	case m.SourceIPAddress != "" && net.ParseIP(m.SourceIPAddress) == nil:
		return keyError(n, "source_ip_address", "%q is not an IP address", m.SourceIPAddress)
	case m.HTTP != nil && m.Prober != ProberHTTP:
		return keyError(n, "http", "these options are for the http prober, but this module's prober is %s", m.Prober)
	case m.GRPC != nil && m.Prober != ProberGRPC:
		return keyError(n, "grpc", "these options are for the grpc prober, but this module's prober is %s", m.Prober)
	case m.TCP != nil && m.Prober != ProberTCP:
		return keyError(n, "tcp", "these options are for the tcp prober, but this module's prober is %s", m.Prober)
	}
	if err := m.validateSourcePort(n); err != nil {
		return err
	}
	if err := m.validateFeatureGates(n); err != nil {
		return err
	}
	return m.validateRelease(n)
}

func (m *Module) validateSourcePort(n *yaml.Node) error {
	sweep := m.SourcePortSweep != nil
	switch {
	case m.SourcePortStrategy != "" && !m.SourcePort.IsRange():
		return keyError(n, "source_port_strategy", "applies to a range of source ports, but source_port is %s", m.SourcePort)
	case m.SourcePortStrategy != "" && m.SourcePortStrategy != StrategySequential && m.SourcePortStrategy != StrategyRandom:
		return keyError(n, "source_port_strategy", "%q: use %s or %s", m.SourcePortStrategy, StrategySequential, StrategyRandom)
	case sweep && !m.SourcePort.IsEphemeral():
		return keyError(n, "source_port_sweep", "source_port and source_port_sweep are alternatives: set one of them")
	case sweep && m.Prober != ProberTCP:
		return keyError(n, "source_port_sweep", "sweeps test the TCP handshake only: use it in a module whose prober is tcp, against the same host:port")
	case sweep && m.SourcePortOverride:
		return keyError(n, "source_port_override", "lets the source_port parameter replace source_port; it does not apply to a source_port_sweep")
	}
	return nil
}

// HTTPProbe mirrors a pod spec's httpGet. A URL target overrides scheme,
// host, port and path; a host:port target uses them.
type HTTPProbe struct {
	// Path is requested when the target is not a URL; a query is kept.
	Path string `yaml:"path"`
	// Scheme is http or https (any case, as in a pod spec).
	Scheme string `yaml:"scheme"`
	// Host, like httpGet.host, is connected to instead of the target's
	// host. Usually a Host header is what is wanted instead.
	Host string `yaml:"host,omitempty"`
	// Port is used when the target gives none: a number, or a port name
	// that kubelet looks up in the container's ports.
	Port Port `yaml:"port,omitempty"`
	// HTTPHeaders are added to the request in order; repeats are kept.
	HTTPHeaders HTTPHeaders `yaml:"http_headers,omitempty"`
	// Protocol is HTTP1 (the default) or HTTP2: h2c, HTTP/2 over cleartext
	// with prior knowledge, from kubelet 1.37 behind H2CContainerProbe.
	Protocol string `yaml:"protocol,omitempty"`
}

// The values of http.protocol, as httpGet.protocol names them.
const (
	ProtocolHTTP1 = "HTTP1"
	ProtocolHTTP2 = "HTTP2"
)

// UnmarshalYAML decodes httpGet's fields strictly and validates them.
func (h *HTTPProbe) UnmarshalYAML(n *yaml.Node) error {
	type plain HTTPProbe
	*h = HTTPProbe{}
	if err := decodeStrict(n, (*plain)(h)); err != nil {
		return err
	}
	h.setDefaults()
	return h.validate(n)
}

// setDefaults applies the API server's defaulting of httpGet.
func (h *HTTPProbe) setDefaults() {
	if h.Path == "" {
		h.Path = "/"
	}
	// kubelet lowercases the scheme, so HTTP and https are both valid.
	h.Scheme = strings.ToLower(h.Scheme)
	if h.Scheme == "" {
		h.Scheme = "http"
	}
}

func (h *HTTPProbe) validate(n *yaml.Node) error {
	switch {
	case h.Scheme != "http" && h.Scheme != "https":
		return keyError(n, "scheme", "%q: use http or https", h.Scheme)
	case !h.Port.IsNamed() && h.Port.Number != 0 && !validPortNumber(h.Port.Number):
		return keyError(n, "port", "%s", portError(h.Port.Number))
	case h.Host != "" && !validHost(h.Host):
		return keyError(n, "host", "%q is not a host name or IP address (give no scheme, port or path)", h.Host)
	}
	return h.validateProtocol(n)
}

// validateProtocol applies the API server's rules for httpGet.protocol.
func (h *HTTPProbe) validateProtocol(n *yaml.Node) error {
	switch {
	case h.Protocol == "" || h.Protocol == ProtocolHTTP1:
		return nil
	case h.Protocol != ProtocolHTTP2:
		return keyError(n, "protocol", "%q: use %s or %s", h.Protocol, ProtocolHTTP1, ProtocolHTTP2)
	case h.Scheme != "http":
		return keyError(n, "protocol", "HTTP2 is h2c, HTTP/2 over cleartext: kubelet takes it with scheme http only")
	case h.Host != "":
		return keyError(n, "host", "must be empty when protocol is HTTP2, as the API server requires")
	}
	return nil
}

// validHost accepts an IP address or a DNS name, nothing more.
func validHost(host string) bool {
	return net.ParseIP(host) != nil || ValidHostname(host)
}

// ValidHostname reports an RFC 1123 DNS name of at most 253 bytes, a final
// dot allowed: what a pod spec's host fields and the prober's targets take.
func ValidHostname(name string) bool {
	return len(strings.TrimSuffix(name, ".")) <= 253 && validHostname.MatchString(name)
}

// validHostname is an RFC 1123 DNS name, as Kubernetes accepts in httpGet.host.
var validHostname = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// HTTPHeaders is httpGet.httpHeaders.
type HTTPHeaders []HTTPHeader

// UnmarshalYAML decodes the list entry by entry so errors name the entry.
func (hs *HTTPHeaders) UnmarshalYAML(n *yaml.Node) error {
	return decodeList(n, (*[]HTTPHeader)(hs), "a list of {name, value} entries", "a header such as {name: X-Probe, value: readiness}")
}

// HTTPHeader is one entry of httpGet.httpHeaders.
type HTTPHeader struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	// Secret marks a header that carries a credential, such as an API
	// token in X-Api-Key: its value is sent, but never shown (see
	// IsSecret).
	Secret bool `yaml:"secret,omitempty"`
}

// Redacted stands for the value of a secret header wherever the
// configuration is shown: on /config, in debug output and in logs.
const Redacted = "<secret>"

// IsSecret reports whether the header's value is a credential that must
// not be shown: the user marked it secret, or it is one of the headers
// that carry credentials by definition (Authorization,
// Proxy-Authorization, Cookie), whatever its case.
func (h HTTPHeader) IsSecret() bool {
	if h.Secret {
		return true
	}
	for _, name := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// MarshalYAML renders the header as the file writes it, with the value of
// a secret header replaced by Redacted. The running configuration is shown
// on /config and in every probe's debug output, which anyone who can reach
// the exporter may read.
func (h HTTPHeader) MarshalYAML() (any, error) {
	type plain HTTPHeader
	p := plain(h)
	if h.IsSecret() {
		p.Value = Redacted
	}
	return p, nil
}

// UnmarshalYAML decodes a header strictly and checks that it can be sent.
func (h *HTTPHeader) UnmarshalYAML(n *yaml.Node) error {
	type plain HTTPHeader
	*h = HTTPHeader{}
	if err := decodeStrict(n, (*plain)(h)); err != nil {
		return err
	}
	switch {
	case h.Name == "":
		return keyError(n, "name", "missing: every header needs a name")
	case !httpguts.ValidHeaderFieldName(h.Name):
		return keyError(n, "name", "%q is not a valid HTTP header name", h.Name)
	case !httpguts.ValidHeaderFieldValue(h.Value):
		return keyError(n, "value", "the value of header %q contains characters HTTP does not allow", h.Name)
	}
	return nil
}

// GRPCProbe mirrors a pod spec's grpc probe.
type GRPCProbe struct {
	// Service is sent in grpc.health.v1.HealthCheckRequest; empty asks
	// about the server as a whole.
	Service string `yaml:"service"`
	// Port is used when the target gives none, as grpc.port is with the
	// pod IP.
	Port Port `yaml:"port,omitempty"`
	// Mode is Plaintext (the default) or TLS, without certificate checks:
	// from kubelet 1.37 behind GRPCContainerProbeTLS.
	Mode string `yaml:"mode,omitempty"`
}

// The values of grpc.mode, as the grpc probe's mode names them.
const (
	ModePlaintext = "Plaintext"
	ModeTLS       = "TLS"
)

// UnmarshalYAML decodes the grpc options strictly.
func (g *GRPCProbe) UnmarshalYAML(n *yaml.Node) error {
	type plain GRPCProbe
	*g = GRPCProbe{}
	if err := decodeStrict(n, (*plain)(g)); err != nil {
		return err
	}
	switch {
	case g.Mode != "" && g.Mode != ModePlaintext && g.Mode != ModeTLS:
		return keyError(n, "mode", "%q: use %s or %s", g.Mode, ModePlaintext, ModeTLS)
	case !g.Port.IsNamed() && g.Port.Number != 0 && !validPortNumber(g.Port.Number):
		return keyError(n, "port", "%s", portError(g.Port.Number))
	}
	return nil
}

// String renders the module as YAML, as /config and debug output show it.
func (m Module) String() string {
	out, err := yaml.Marshal(m)
	if err != nil {
		return fmt.Sprintf("error rendering module: %s", err)
	}
	return string(out)
}
