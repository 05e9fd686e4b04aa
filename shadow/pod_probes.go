package shadow

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/go-kit/log/level"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// podProbes are the probes of a pod's containers the exporter runs, and
// those it does not.
func (p *Pods) podProbes(pod *corev1.Pod) ([]Probe, []Unsupported) {
	done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	if pod.Status.PodIP == "" || done {
		return nil, nil // not running yet, or no more: nothing to probe
	}
	var probes []Probe
	var unsupported []Unsupported
	for _, c := range podContainers(pod) {
		for _, t := range []struct {
			typ   ProbeType
			probe *corev1.Probe
		}{{Readiness, c.ReadinessProbe}, {Liveness, c.LivenessProbe}, {Startup, c.StartupProbe}} {
			if t.probe == nil {
				continue
			}
			key := Key{pod.Namespace, pod.Name, c.Name}
			if t.probe.Exec != nil {
				unsupported = append(unsupported, Unsupported{Key: key, Type: t.typ, Handler: "exec"})
				continue
			}
			probe, err := p.containerProbe(pod, c, t.typ, *t.probe)
			if err != nil {
				level.Warn(p.log).Log("msg", "A probe of this node's pods cannot be shadowed", "pod", pod.Namespace+"/"+pod.Name,
					"container", c.Name, "probe_type", t.typ, "err", err)
				unsupported = append(unsupported, Unsupported{Key: key, Type: t.typ, Handler: "invalid"})
				continue
			}
			probes = append(probes, probe)
		}
	}
	return probes, unsupported
}

// containerProbe is one probe of a container as kubelet would run it: at
// the pod IP, or the probe's host, on the port it names, resolved against
// the container's ports.
func (p *Pods) containerProbe(pod *corev1.Pod, c corev1.Container, typ ProbeType, spec corev1.Probe) (Probe, error) {
	m, err := config.ModuleFromProbe(spec, p.release)
	if err != nil {
		return Probe{}, err
	}
	key := Key{pod.Namespace, pod.Name, c.Name}
	s := config.Schedule{
		InitialDelaySeconds: int(spec.InitialDelaySeconds), PeriodSeconds: int(spec.PeriodSeconds),
		TimeoutSeconds: int(spec.TimeoutSeconds), SuccessThreshold: int(spec.SuccessThreshold), FailureThreshold: int(spec.FailureThreshold),
	}
	sched := specOf(typ, s, time.Duration(m.Timeout))
	identity, _ := json.Marshal(spec)
	port, resolveErr := prober.ResolvePort(modulePort(m), containerPorts(c), p.release.Release)
	req := prober.Request{
		Target:     net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(port)),
		ModuleName: fmt.Sprintf("pod %s %s", key, typ),
		Module:     m,
		Timeout:    sched.Timeout,
	}
	run := probeFunc(p.run, req, p.keep)
	if resolveErr != nil {
		// kubelet's result is an error each time: retried, then thrown
		// away, so the probe never decides.
		msg := resolveErr.Error()
		run = func(context.Context, time.Duration) Run { return Run{Errored: true, Outcome: "error", Output: msg} }
	}
	probe := Probe{Key: key, Spec: sched, Run: run, Identity: fmt.Sprintf("%s|%s|%s", pod.Status.PodIP, identity, m.KubeletVersion)}
	if resolveErr == nil {
		probe.Target = probeTarget(m, pod.Status.PodIP, port)
	}
	return probe, nil
}

// probeTarget is the address kubelet connects to: the handler's host
// (httpGet.host, tcpSocket.host) when it sets one, else the pod IP. None
// for a host name, which is resolved on each probe.
func probeTarget(m config.Module, podIP string, port int) netip.AddrPort {
	host := podIP
	switch {
	case m.HTTP != nil && m.HTTP.Host != "":
		host = m.HTTP.Host
	case m.TCP != nil && m.TCP.Host != "":
		host = m.TCP.Host
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || port <= 0 || port > 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port))
}

// modulePort is the port the probe's handler names.
func modulePort(m config.Module) config.Port {
	switch {
	case m.HTTP != nil:
		return m.HTTP.Port
	case m.TCP != nil:
		return m.TCP.Port
	case m.GRPC != nil:
		return m.GRPC.Port
	}
	return config.Port{}
}

func containerPorts(c corev1.Container) []prober.ContainerPort {
	out := make([]prober.ContainerPort, len(c.Ports))
	for i, p := range c.Ports {
		out[i] = prober.ContainerPort{Name: p.Name, ContainerPort: p.ContainerPort}
	}
	return out
}
