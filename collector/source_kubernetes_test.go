package collector

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func service(namespace, name string, typ corev1.ServiceType, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec:       corev1.ServiceSpec{Type: typ, Ports: ports},
	}
}

func nodePort(protocol corev1.Protocol, port int32) corev1.ServicePort {
	return corev1.ServicePort{Protocol: protocol, Port: 80, NodePort: port}
}

// startKubernetesSource runs the source on client until the test ends,
// and checks that its informer goroutine has stopped by then.
func startKubernetesSource(t *testing.T, client *fake.Clientset) *kubernetesSource {
	t.Helper()
	src := newKubernetesSource(client.CoreV1().Services(metav1.NamespaceAll), client)
	ctx, cancel := context.WithCancel(context.Background())
	src.Start(ctx, log.NewNopLogger())
	t.Cleanup(func() {
		cancel()
		select {
		case <-src.Stopped():
		case <-time.After(10 * time.Second):
			t.Error("the Service informer did not stop within 10s of its context ending")
		}
	})
	return src
}

func allocationStrings(allocs []allocation) []string {
	var out []string
	for _, a := range allocs {
		out = append(out, fmt.Sprintf("%s/%d %s", a.Protocol, a.Port, a.Owner))
	}
	slices.Sort(out)
	return out
}

// eventually polls the source until its allocations are want.
func eventually(t *testing.T, src *kubernetesSource, want []string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		allocs, err := src.Allocations()
		got = allocationStrings(allocs)
		if err == nil && reflect.DeepEqual(got, want) {
			return
		}
	}
	t.Fatalf("allocations = %q, want %q", got, want)
}

func TestKubernetesSourceFollowsServices(t *testing.T) {
	lb := service("kube-system", "traefik", corev1.ServiceTypeLoadBalancer, nodePort(corev1.ProtocolTCP, 32080), nodePort(corev1.ProtocolUDP, 32081))
	lb.Spec.HealthCheckNodePort = 32000
	client := fake.NewClientset(
		service("default", "web", corev1.ServiceTypeNodePort, nodePort("", 30080)),
		lb,
		// No node ports: a ClusterIP Service, and a LoadBalancer with
		// allocateLoadBalancerNodePorts: false.
		service("default", "db", corev1.ServiceTypeClusterIP, corev1.ServicePort{Port: 5432}),
		service("default", "direct-lb", corev1.ServiceTypeLoadBalancer, corev1.ServicePort{Port: 443}),
	)
	src := startKubernetesSource(t, client)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := src.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	initial := []string{
		"TCP/30080 default/web",
		"TCP/32000 kube-system/traefik (healthCheckNodePort)",
		"TCP/32080 kube-system/traefik",
		"UDP/32081 kube-system/traefik",
	}
	eventually(t, src, initial)

	// Added while running: the watch delivers it, no poll of the API.
	added := service("team-a", "api", corev1.ServiceTypeNodePort, nodePort(corev1.ProtocolTCP, 31500))
	if _, err := client.CoreV1().Services("team-a").Create(ctx, added, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, src, append(slices.Clone(initial), "TCP/31500 team-a/api"))

	if err := client.CoreV1().Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, src, []string{
		"TCP/31500 team-a/api",
		"TCP/32000 kube-system/traefik (healthCheckNodePort)",
		"TCP/32080 kube-system/traefik",
		"UDP/32081 kube-system/traefik",
	})

	lists := 0
	for _, a := range client.Actions() {
		if a.GetVerb() == "list" {
			lists++
		}
	}
	if lists != 1 {
		t.Errorf("the source listed Services %d times; an informer lists once, then watches", lists)
	}
}

func TestKubernetesSourceReportsAnUnreachableAPI(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("dial tcp 198.18.0.9:6443: connect: connection refused")
	})
	src := startKubernetesSource(t, client)
	want := "the Kubernetes API has not listed the Services yet: failed to list *v1.Service: dial tcp 198.18.0.9:6443: connect: connection refused"
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err = src.Allocations(); err != nil && strings.Contains(err.Error(), want) {
			break
		}
	}
	if err == nil || err.Error() != want {
		t.Errorf("Allocations error = %v\nwant %s", err, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := src.WaitForSync(ctx); err == nil || !strings.Contains(err.Error(), "listing Services through the Kubernetes API (--nodeport.kubernetes): failed to list *v1.Service: dial tcp") {
		t.Errorf("WaitForSync error = %v", err)
	}
}

func TestTrimServiceKeepsWhatCounts(t *testing.T) {
	svc := service("default", "web", corev1.ServiceTypeNodePort, nodePort(corev1.ProtocolTCP, 30080))
	svc.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": strings.Repeat("x", 4096)}
	svc.Spec.Selector = map[string]string{"app": "web"}
	trimmed, err := trimService(svc)
	if err != nil {
		t.Fatal(err)
	}
	got := trimmed.(*corev1.Service)
	if got.Annotations != nil || got.Spec.Selector != nil {
		t.Errorf("trimService kept what the source never reads: %+v", got)
	}
	if !reflect.DeepEqual(serviceNodePorts(got), serviceNodePorts(svc)) {
		t.Errorf("trimService changed the node ports: %v, want %v", serviceNodePorts(got), serviceNodePorts(svc))
	}
}
