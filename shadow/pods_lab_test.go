package shadow

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/clock"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// The first incident, in the lab: a broker that listens on 9092 only
// four seconds after its container started, beside one that never listens,
// both with kubelet's readiness probe of a second's period and a budget of
// three. The shadow sees the broker refused, then established, then ready;
// learns its start-up within one period of the real four seconds, all of it
// refusals; and once the broker restarts, tells it apart from the
// never-listener before it listens again.
func TestShadowLearnsTheBrokersStartup(t *testing.T) {
	netlab.Run(t, nil, func(t *testing.T, l *netlab.Lab) {
		const delay = 4 * time.Second
		client := fake.NewSimpleClientset()
		started := time.Now()
		broker := labPod("broker", "uid-1", l, "containerd://b1", started, 9092)
		never := labPod("never", "uid-2", l, "containerd://n1", started, 9093)
		for _, p := range []*corev1.Pod{broker, never} {
			if _, err := client.CoreV1().Pods(p.Namespace).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		stopListening := listenAfter(t, l, "198.18.0.2:9092", delay)
		m, reg := runPods(t, client)

		waitUntil(t, started.Add(delay-time.Second))
		assertValue(t, reg, "kubeprobe_shadow_ready", "pod", "broker", 0)
		assertValue(t, reg, "kubeprobe_shadow_probes_total", "pod", "broker", "outcome", "refused", -2) // at least 2
		waitUntil(t, started.Add(delay+2500*time.Millisecond))
		assertValue(t, reg, "kubeprobe_shadow_ready", "pod", "broker", 1)
		assertValue(t, reg, "kubeprobe_shadow_ready", "pod", "never", 0)
		assertValue(t, reg, "kubeprobe_shadow_startup_overdue", "pod", "never", 1) // past its 3s budget
		learned := m.containers[Key{"default", "broker", "kafka"}].seenStartups(Readiness)
		// One period late at most, and the probe's own scheduling: a
		// quarter second on a loaded machine.
		const period, scheduling = time.Second, 250 * time.Millisecond
		if len(learned) != 1 || learned[0].took < delay || learned[0].took > delay+period+scheduling || learned[0].before != "refused" {
			t.Fatalf("learned %+v, want one start-up of %v to %v after refusals", learned, delay, delay+period+scheduling)
		}
		t.Logf("learned a start-up of %v for a listener %v late", learned[0].took, delay)

		// The broker restarts: a new container, which listens four seconds
		// later again. A second before it does, it is within its usual
		// start-up and the never-listener is not.
		stopListening()
		restarted := time.Now()
		broker.Status.ContainerStatuses[0] = runningStatus("kafka", "containerd://b2", restarted)
		if _, err := client.CoreV1().Pods("default").UpdateStatus(context.Background(), broker, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		listenAfter(t, l, "198.18.0.2:9092", delay)
		waitUntil(t, restarted.Add(delay-time.Second))
		assertValue(t, reg, "kubeprobe_shadow_ready", "pod", "broker", 0)
		assertValue(t, reg, "kubeprobe_shadow_startup_overdue", "pod", "broker", 0)
		assertValue(t, reg, "kubeprobe_shadow_startup_overdue", "pod", "never", 1)
		waitUntil(t, restarted.Add(delay+2500*time.Millisecond))
		assertValue(t, reg, "kubeprobe_shadow_ready", "pod", "broker", 1)
	})
}

// labPod is a pod of this node, at the lab's pod address, with a readiness
// probe of its named port kafka, and an exec liveness probe.
func labPod(name, uid string, l *netlab.Lab, containerID string, started time.Time, port int32) *corev1.Pod {
	probe := &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("kafka")}},
		PeriodSeconds:    1,
		FailureThreshold: 3,
	}
	liveness := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(uid)},
		Spec: corev1.PodSpec{NodeName: "lab-node", Containers: []corev1.Container{{
			Name: "kafka", Ports: []corev1.ContainerPort{{Name: "kafka", ContainerPort: port}},
			ReadinessProbe: probe, LivenessProbe: liveness,
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: l.PodIPv4.String(),
			ContainerStatuses: []corev1.ContainerStatus{runningStatus("kafka", containerID, started)}},
	}
}

func runningStatus(name, id string, started time.Time) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, ContainerID: id,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(started)}}}
}

// runPods shadows client's pods of lab-node with a real prober.
func runPods(t *testing.T, client *fake.Clientset) (*Manager, *prometheus.Registry) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := NewManager(ctx, clock.RealClock{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	runner := prober.NewRunner(nil, nil, log.NewNopLogger())
	p := NewPods(m, client.CoreV1().Pods(""), client, "lab-node", config.DefaultKubeletVersion, runner, nil, log.NewNopLogger())
	p.Start(ctx)
	if err := p.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// listenAfter listens on addr in the pod namespace once d has passed,
// accepting and closing, and returns what stops it.
func listenAfter(t *testing.T, l *netlab.Lab, addr string, d time.Duration) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		select {
		case <-time.After(d):
		case <-done:
			return
		}
		var ln net.Listener
		if err := netlab.InNamespace(l.Pod, func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
			t.Error(err)
			return
		}
		go func() { <-done; ln.Close() }()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			close(done)
			<-closed
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitUntil(t *testing.T, at time.Time) {
	t.Helper()
	time.Sleep(time.Until(at))
}

// assertValue checks one series of reg; a negative want is a minimum.
func assertValue(t *testing.T, reg *prometheus.Registry, name string, labelsAndWant ...any) {
	t.Helper()
	want := labelsAndWant[len(labelsAndWant)-1].(int)
	var pairs []string
	for _, v := range labelsAndWant[:len(labelsAndWant)-1] {
		pairs = append(pairs, v.(string))
	}
	f := &managerFixture{t: t, reg: reg}
	got := f.value(name, pairs...)
	if (want >= 0 && got != float64(want)) || (want < 0 && got < float64(-want)) {
		t.Errorf("%s%v = %v, want %d", name, pairs, got, want)
	}
}
