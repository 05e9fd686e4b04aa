package main

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// The node the test's exporter stands on, and another one.
const (
	e2eNode   = "node-e2e"
	otherNode = "node-other"
	e2eNS     = "shop"
)

// --shadow.pods against a real API server, with the exporter's user
// granted only what the shadow-pods component grants (list and watch on
// pods): the pods bound to its node are shadowed once they have an IP,
// their named ports resolved against the container's ports and their exec
// probes reported, not run; a pod of another node never is; a changed pod
// IP is followed; a deleted pod's series go. No kubelet runs: the test
// writes the pods' status itself, with addresses on loopback.
func TestShadowPodsAgainstAPIServer(t *testing.T) {
	cp := startControlPlane(t)
	ctx := context.Background()
	grantPods(t, cp.admin)
	if _, err := cp.admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: e2eNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(acceptAll(t)) // the broker, listening on 127.0.0.1 only
	brokerPort, _ := strconv.Atoi(port)
	pods := cp.admin.CoreV1().Pods(e2eNS)
	broker := create(t, pods, brokerPod("broker", e2eNode, int32(brokerPort)))
	// Running too, at an address that answers: only the field selector
	// keeps it out.
	setStatus(t, pods, create(t, pods, brokerPod("elsewhere", otherNode, int32(brokerPort))), "127.0.0.1", "containerd://e1")

	config := writeFile(t, t.TempDir(), "kubeprobe.yml", "modules:\n  tcp_connect: {prober: tcp}\n")
	e := startExporter(t, "--config.file="+config, "--no-tracing.handshakes", "--shadow.pods", "--shadow.node="+e2eNode, "--kubeconfig="+cp.kubeconfig(t))

	// Pending, without an IP: nothing to probe yet.
	waitLog(t, e, "Shadowing the probes of this node's pods")
	if _, body := e.get(t, "/shadow"); !strings.Contains(body, "Nothing is shadowed") {
		t.Errorf("/shadow before the pod has an IP:\n%s", body)
	}

	// Running at 127.0.0.1: its readiness probe of the named port kafka
	// reaches the broker; its exec liveness probe is reported.
	broker = setStatus(t, pods, broker, "127.0.0.1", "containerd://b1")
	ready := series("kubeprobe_shadow_ready", "pod", "broker", "probe_type", "readiness")
	waitMetric(t, e, ready, "1")
	waitMetric(t, e, series("kubeprobe_shadow_unsupported_probes", "pod", "broker", "probe_type", "liveness", "handler", "exec"), "1")
	_, body := e.get(t, "/shadow")
	mustContain(t, "/shadow", body, e2eNS+"/broker/kafka readiness", "kubelet holds  success", e2eNS+"/broker/kafka liveness: not run (exec probe)")
	if _, metrics := e.get(t, "/metrics"); strings.Contains(metrics, `pod="elsewhere"`) || strings.Contains(body, "elsewhere") {
		t.Errorf("the pod of %s is shadowed on %s", otherNode, e2eNode)
	}

	// Restarted at 127.0.0.2, where nothing listens: the new container's
	// probes are refused, failureThreshold of them in a row, and it is not
	// ready.
	broker = setStatus(t, pods, broker, "127.0.0.2", "containerd://b2")
	failures := series("kubeprobe_shadow_consecutive_failures", "pod", "broker", "probe_type", "readiness")
	waitMetrics(t, e, failures.String()+" at 2", func(metrics string) bool {
		v, ok := failures.value(metrics)
		n, err := strconv.ParseFloat(v, 64)
		return ok && err == nil && n >= 2
	})
	_, metrics := e.get(t, "/metrics")
	if v, _ := ready.value(metrics); v != "0" {
		t.Errorf("%s = %q after failureThreshold refusals, want 0", ready, v)
	}
	if _, ok := series("kubeprobe_shadow_probes_total", "pod", "broker", "outcome", "refused").value(metrics); !ok {
		t.Errorf("no refused probe counted after the move:\n%s", grepLines(metrics, "kubeprobe_shadow_probes_total"))
	}

	// Deleted: its series go.
	if err := pods.Delete(ctx, broker.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	waitMetrics(t, e, "the deleted pod's series to go", func(metrics string) bool { return !strings.Contains(metrics, `pod="broker"`) })
}

// grantPods binds the exporter's user to a ClusterRole with the rule the
// shadow-pods component adds.
func grantPods(t *testing.T, admin *kubernetes.Clientset) {
	t.Helper()
	ctx := context.Background()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: exporterUser},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list", "watch"}}}}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: exporterUser},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: exporterUser},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: exporterUser}}}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// brokerPod is bound to node, with a readiness probe of its named port
// kafka (port) every second, and an exec liveness probe.
func brokerPod(name, node string, port int32) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e2eNS},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{
			Name: "kafka", Image: "kafka",
			Ports: []corev1.ContainerPort{{Name: "kafka", ContainerPort: port}},
			ReadinessProbe: &corev1.Probe{
				ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("kafka")}},
				PeriodSeconds: 1, FailureThreshold: 2,
			},
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}},
		}}},
	}
}

type podClient interface {
	Create(context.Context, *corev1.Pod, metav1.CreateOptions) (*corev1.Pod, error)
	UpdateStatus(context.Context, *corev1.Pod, metav1.UpdateOptions) (*corev1.Pod, error)
}

func create(t *testing.T, pods podClient, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	created, err := pods.Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// setStatus writes what kubelet would: running at ip, in the container id.
func setStatus(t *testing.T, pods podClient, pod *corev1.Pod, ip, id string) *corev1.Pod {
	t.Helper()
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}}, HostIP: "127.0.0.1",
		ContainerStatuses: []corev1.ContainerStatus{{Name: "kafka", Image: "kafka", ImageID: "kafka", ContainerID: id,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}}
	updated, err := pods.UpdateStatus(context.Background(), pod, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return updated
}

// seriesOf is one series of name with the given label values, whatever
// its other labels.
type seriesOf struct {
	name   string
	labels []string
}

func series(name string, labelPairs ...string) seriesOf {
	var labels []string
	for i := 0; i+1 < len(labelPairs); i += 2 {
		labels = append(labels, fmt.Sprintf("%s=%q", labelPairs[i], labelPairs[i+1]))
	}
	return seriesOf{name, labels}
}

// value is the series' value in an exposition, if it is there.
func (s seriesOf) value(metrics string) (string, bool) {
	for _, line := range strings.Split(metrics, "\n") {
		rest, named := strings.CutPrefix(line, s.name+"{")
		labels, value, ok := strings.Cut(rest, "} ")
		if !named || !ok {
			continue
		}
		matches := true
		for _, l := range s.labels {
			matches = matches && slices.Contains(strings.Split(labels, ","), l)
		}
		if matches {
			return value, true
		}
	}
	return "", false
}

func (s seriesOf) String() string { return s.name + "{" + strings.Join(s.labels, ",") + "}" }

// waitMetric waits until the exporter's /metrics has the series at value.
func waitMetric(t *testing.T, e *exporter, s seriesOf, value string) {
	t.Helper()
	waitMetrics(t, e, fmt.Sprintf("%s at %s", s, value), func(metrics string) bool {
		got, ok := s.value(metrics)
		return ok && got == value
	})
}

// waitMetrics waits, for as long as a loaded machine may need, until ok holds
// of the exporter's /metrics.
func waitMetrics(t *testing.T, e *exporter, what string, ok func(metrics string) bool) {
	t.Helper()
	var metrics string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, metrics = e.get(t, "/metrics"); ok(metrics) {
			return
		}
	}
	t.Fatalf("waited a minute for %s; the shadow's series:\n%s", what, grepLines(metrics, "kubeprobe_shadow_"))
}

// waitLog waits until the exporter has logged line.
func waitLog(t *testing.T, e *exporter, line string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if strings.Contains(e.logs.String(), line) {
			return
		}
	}
	t.Fatalf("the exporter did not log %q", line)
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
