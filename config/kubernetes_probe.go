package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	sigsjson "sigs.k8s.io/json"
)

// KubernetesProbe is a module written as a pod spec writes a probe:
//
//	kubernetes_probe:
//	  tcpSocket: {port: 9092}
//	  initialDelaySeconds: 15
//	  periodSeconds: 5
//
// It is read as the API server reads it, into k8s.io/api's own Probe type,
// strictly: a misspelt or wrongly cased field is an error, as it is to
// kubectl apply.
type KubernetesProbe struct {
	Probe corev1.Probe
}

// Schedule is when and how often kubelet runs a probe, and how many
// results in a row change its mind: the probe's fields besides its
// handler. Zero values are unset: kubelet's defaults apply.
type Schedule struct {
	InitialDelaySeconds int
	PeriodSeconds       int
	TimeoutSeconds      int
	SuccessThreshold    int
	FailureThreshold    int
}

// Schedule is the probe's own schedule.
func (k *KubernetesProbe) Schedule() Schedule {
	p := k.Probe
	return Schedule{
		InitialDelaySeconds: int(p.InitialDelaySeconds), PeriodSeconds: int(p.PeriodSeconds),
		TimeoutSeconds: int(p.TimeoutSeconds), SuccessThreshold: int(p.SuccessThreshold), FailureThreshold: int(p.FailureThreshold),
	}
}

// UnmarshalYAML reads the probe as JSON, which is what the API server
// decodes, with k8s.io/api's field names and sigs.k8s.io/json's
// strictness.
func (k *KubernetesProbe) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a probe as a pod spec writes it, such as {tcpSocket: {port: 9092}}, got %s", describeNode(n))
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return errorAt(n, "%s", err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return errorAt(n, "%s", err)
	}
	*k = KubernetesProbe{}
	strict, err := sigsjson.UnmarshalStrict(data, &k.Probe)
	if err != nil {
		return errorAt(n, "not a pod spec's probe: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(strict) > 0 {
		return errorAt(n, "not a pod spec's probe: %s (a probe has httpGet, tcpSocket, grpc or exec, and "+
			"initialDelaySeconds, periodSeconds, timeoutSeconds, successThreshold, failureThreshold)", strict[0])
	}
	return k.validate(n)
}

func (k *KubernetesProbe) validate(n *yaml.Node) error {
	p := k.Probe
	handlers := 0
	for _, set := range []bool{p.Exec != nil, p.HTTPGet != nil, p.TCPSocket != nil, p.GRPC != nil} {
		if set {
			handlers++
		}
	}
	switch {
	case handlers != 1:
		return errorAt(n, "want exactly one of httpGet, tcpSocket, grpc and exec, as the API server does; got %d", handlers)
	case p.Exec != nil:
		return errorAt(n, "exec probes run a command inside the container, which the exporter cannot do: "+
			"probe what the command checks with httpGet, tcpSocket or grpc")
	}
	for _, f := range []struct {
		name       string
		value, min int32
	}{
		{"initialDelaySeconds", p.InitialDelaySeconds, 0}, {"periodSeconds", p.PeriodSeconds, 0},
		{"timeoutSeconds", p.TimeoutSeconds, 0}, {"successThreshold", p.SuccessThreshold, 0}, {"failureThreshold", p.FailureThreshold, 0},
	} {
		if f.value < f.min {
			return errorAt(n, "%s: %d must be greater than or equal to %d", f.name, f.value, f.min)
		}
	}
	return nil
}

// MarshalYAML writes the probe back as a pod spec writes it, with the
// values of secret headers hidden.
func (k *KubernetesProbe) MarshalYAML() (any, error) {
	p := k.Probe.DeepCopy()
	if p.HTTPGet != nil {
		for i, h := range p.HTTPGet.HTTPHeaders {
			if (HTTPHeader{Name: h.Name}).IsSecret() {
				p.HTTPGet.HTTPHeaders[i].Value = Redacted
			}
		}
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = json.Unmarshal(data, &out)
	return out, err
}

// fromKubernetesProbe gives the module the prober, fields and timeout of
// its kubernetes_probe, which the module may not also give.
func (m *Module) fromKubernetesProbe(n *yaml.Node) error {
	for _, key := range []string{"prober", "timeout", "http", "grpc", "tcp"} {
		if givenByKubernetesProbe[key] && hasKey(n, key) {
			return keyError(n, key, "kubernetes_probe already gives the prober, its fields and the timeout: drop %s", key)
		}
	}
	p := m.KubernetesProbe.Probe
	if p.TimeoutSeconds > 0 {
		m.Timeout = model.Duration(time.Duration(p.TimeoutSeconds) * time.Second)
	}
	var err error
	switch {
	case p.HTTPGet != nil:
		m.Prober, m.HTTP = ProberHTTP, httpFromPodSpec(p.HTTPGet)
		m.HTTP.Port, err = portFromPodSpec("httpGet", p.HTTPGet.Port)
	case p.TCPSocket != nil:
		m.Prober, m.TCP = ProberTCP, &TCPProbe{Host: p.TCPSocket.Host}
		m.TCP.Port, err = portFromPodSpec("tcpSocket", p.TCPSocket.Port)
	case p.GRPC != nil:
		m.Prober, m.GRPC = ProberGRPC, &GRPCProbe{Port: Port{Number: int(p.GRPC.Port)}}
		if p.GRPC.Service != nil {
			m.GRPC.Service = *p.GRPC.Service
		}
		if p.GRPC.Mode != nil {
			m.GRPC.Mode = string(*p.GRPC.Mode)
		}
	}
	if err != nil {
		return keyError(n, "kubernetes_probe", "%s", err)
	}
	return nil
}

func httpFromPodSpec(g *corev1.HTTPGetAction) *HTTPProbe {
	h := &HTTPProbe{Path: g.Path, Scheme: string(g.Scheme), Host: g.Host}
	if g.Protocol != nil {
		h.Protocol = string(*g.Protocol)
	}
	for _, hh := range g.HTTPHeaders {
		h.HTTPHeaders = append(h.HTTPHeaders, HTTPHeader{Name: hh.Name, Value: hh.Value})
	}
	return h
}

// portFromPodSpec checks a handler's port as the API server checks it.
func portFromPodSpec(handler string, p intstr.IntOrString) (Port, error) {
	if p.Type == intstr.Int {
		if !validPortNumber(int(p.IntVal)) {
			return Port{}, fmt.Errorf("%s.port: %s", handler, portError(int(p.IntVal)))
		}
		return Port{Number: int(p.IntVal)}, nil
	}
	if msgs := validation.IsValidPortName(p.StrVal); len(msgs) > 0 {
		return Port{}, fmt.Errorf("%s.port: %q is neither a port number nor a port name: a name %s", handler, p.StrVal, strings.Join(msgs, ", "))
	}
	return Port{Name: p.StrVal}, nil
}

func hasKey(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

// ModuleFromProbe is the module kubelet at release v would run for a pod
// spec's probe, as a kubernetes_probe module of the file would be, for
// probes read from the API rather than from the file.
func ModuleFromProbe(p corev1.Probe, v KubeletVersion) (Module, error) {
	k := &KubernetesProbe{Probe: p}
	node := &yaml.Node{Kind: yaml.MappingNode}
	if err := k.validate(node); err != nil {
		return Module{}, fmt.Errorf("%s", err.(*Error).Msg)
	}
	m := Module{KubernetesProbe: k, KubeletVersion: v}
	if err := m.fromKubernetesProbe(node); err != nil {
		return Module{}, fmt.Errorf("%s", err.(*Error).Msg)
	}
	m.setDefaults()
	if err := m.validate(node); err != nil {
		return Module{}, fmt.Errorf("%s", err.(*Error).Msg)
	}
	return m, nil
}
