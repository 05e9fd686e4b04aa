package shadow

import (
	"context"
	"net/netip"
	"reflect"
	"testing"

	"github.com/go-kit/log"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/clock"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// ProbesAt names the probes of this node's pods by the address kubelet
// connects to: a readiness and a liveness probe of one named port both, a
// probe whose host is an IP at that IP, nothing for a probe with a host
// name, and nothing once the pod is gone.
func TestProbesAtNamesThePodProbesOfATarget(t *testing.T) {
	http := func(port intstr.IntOrString, host string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: port, Host: host}}, InitialDelaySeconds: 3600}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nginx-7c9", UID: "u1"},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{
			{Name: "nginx", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: http(intstr.FromString("http"), ""), LivenessProbe: http(intstr.FromInt(8080), "")},
			{Name: "sidecar", StartupProbe: http(intstr.FromInt(9000), "metrics.example"), LivenessProbe: http(intstr.FromInt(9001), "198.18.0.9")},
		}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "198.18.0.2"},
	}
	client := fake.NewSimpleClientset(pod)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := NewPods(NewManager(ctx, clock.RealClock{}), client.CoreV1().Pods(""), client, "node-a", config.DefaultKubeletVersion,
		prober.NewRunner(nil, nil, log.NewNopLogger()), nil, log.NewNopLogger())
	p.Start(ctx)
	if err := p.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	key := Key{"default", "nginx-7c9", "nginx"}
	want := []ProbeRef{{key, Liveness}, {key, Readiness}}
	if got := p.ProbesAt(netip.MustParseAddrPort("198.18.0.2:8080")); !reflect.DeepEqual(got, want) {
		t.Errorf("ProbesAt(198.18.0.2:8080) = %v, want %v", got, want)
	}
	if got := p.ProbesAt(netip.MustParseAddrPort("[::ffff:198.18.0.2]:8080")); !reflect.DeepEqual(got, want) {
		t.Errorf("an IPv4-mapped far end: %v, want %v", got, want)
	}
	if got := p.ProbesAt(netip.MustParseAddrPort("198.18.0.9:9001")); !reflect.DeepEqual(got, []ProbeRef{{Key{"default", "nginx-7c9", "sidecar"}, Liveness}}) {
		t.Errorf("a probe with an IP as its host: %v", got)
	}
	for _, other := range []string{"198.18.0.2:9000", "198.18.0.2:9001", "198.18.0.3:8080"} {
		if got := p.ProbesAt(netip.MustParseAddrPort(other)); len(got) != 0 {
			t.Errorf("ProbesAt(%s) = %v, want none", other, got)
		}
	}
	p.remove(pod)
	if got := p.ProbesAt(netip.MustParseAddrPort("198.18.0.2:8080")); len(got) != 0 {
		t.Errorf("after the pod is gone: %v", got)
	}
}
