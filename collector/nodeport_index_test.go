package collector

import (
	"reflect"
	"testing"
	"time"

	"github.com/go-kit/log"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// The prober's view of the NodePorts: TCP ports only, each with every
// source that knows it and what it names, the Service when the Kubernetes
// source knows it.
func TestNodePortIndexNamesTheService(t *testing.T) {
	client := fake.NewClientset(
		service("default", "web", corev1.ServiceTypeNodePort, nodePort(corev1.ProtocolTCP, 30080), nodePort(corev1.ProtocolUDP, 30053)),
	)
	k := startKubernetesSource(t, client)
	eventually(t, k, []string{"TCP/30080 default/web", "UDP/30053 default/web"})
	cfg := Config{NodePortRange: ports.Range{First: 30000, Last: 32767}}
	c := newCollector(cfg, nil, []source{k, staticSource{ports: mustPorts(t, "30080,31000")}}, log.NewNopLogger())
	index := c.NodePortIndex(time.Hour)

	got, ok := index.Lookup(30080)
	want := KnownPort{NodePort: NodePort{Protocol: "TCP", Port: 30080}, Sources: []string{"kubernetes", "static"}, Owners: []string{"default/web", "--nodeport.static"}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("Lookup(30080) = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := index.Lookup(30053); ok {
		t.Error("a UDP NodePort was found for a TCP source port")
	}
	if _, ok := index.Lookup(30081); ok {
		t.Error("30081 is no NodePort, yet it was found")
	}
	// Read once per refresh: a Service added now is seen after the next.
	if _, err := client.CoreV1().Services("default").Create(t.Context(),
		service("default", "api", corev1.ServiceTypeNodePort, nodePort(corev1.ProtocolTCP, 30443)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, k, []string{"TCP/30080 default/web", "TCP/30443 default/api", "UDP/30053 default/web"})
	if _, ok := index.Lookup(30443); ok {
		t.Error("the index re-read its sources before its refresh interval")
	}
	index.refresh = 0
	if got, ok := index.Lookup(30443); !ok || got.Owners[0] != "default/api" {
		t.Errorf("after the refresh interval, Lookup(30443) = %+v, %v", got, ok)
	}
}

func TestNodePortIndexNeedsASource(t *testing.T) {
	c := newCollector(Config{}, nil, nil, log.NewNopLogger())
	if c.NodePortIndex(time.Second) != nil {
		t.Error("an index without NodePort sources, which could only ever say no")
	}
}
