package collector

import (
	"context"
	"fmt"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprobe/kubeprobe_exporter/internal/kubeapi"
)

// kubernetesSource knows the NodePorts of every Service of type NodePort
// and LoadBalancer from an informer: one list, then a watch, so the API
// server is not polled on every scrape.
type kubernetesSource struct {
	informer *kubeapi.Informer
	stopped  chan struct{}
}

// newKubernetesSourceFromConfig connects with --kubeconfig, or with the
// pod's service account when it is empty.
func newKubernetesSourceFromConfig(kubeconfig string) (*kubernetesSource, error) {
	cfg, err := kubeapi.Config(kubeconfig, "--nodeport.kubernetes")
	if err != nil {
		return nil, err
	}
	client, err := kubeapi.NewCoreV1(cfg)
	if err != nil {
		return nil, fmt.Errorf("--nodeport.kubernetes: %w", err)
	}
	return newKubernetesSource(client.Services(), nil), nil
}

// newKubernetesSource watches services: the API's, or a fake clientset's
// in tests. client, when not nil, tells the informer that it cannot
// stream its first list as a watch, as client-go's fakes cannot.
func newKubernetesSource(services kubeapi.Resource[*corev1.ServiceList], client any) *kubernetesSource {
	s := &kubernetesSource{
		informer: kubeapi.NewInformer(services, &corev1.Service{}, kubeapi.InformerOptions{Objects: "Services", Flag: "--nodeport.kubernetes", Fake: client}),
		stopped:  make(chan struct{}),
	}
	// It cannot fail before the informer runs.
	_ = s.informer.SetTransform(trimService)
	return s
}

// Start runs the informer until ctx ends.
func (s *kubernetesSource) Start(ctx context.Context, logger log.Logger) {
	go func() {
		defer close(s.stopped)
		s.informer.RunWithContext(ctx)
		level.Debug(logger).Log("msg", "Stopped watching Services")
	}()
}

// Stopped is closed once the informer has stopped.
func (s *kubernetesSource) Stopped() <-chan struct{} { return s.stopped }

// WaitForSync waits for the first list of Services.
func (s *kubernetesSource) WaitForSync(ctx context.Context) error { return s.informer.WaitForSync(ctx) }

func (s *kubernetesSource) err() error { return s.informer.Err() }

func (*kubernetesSource) Name() string { return sourceKubernetes }

// Allocations lists the NodePorts of the Services in the informer's
// cache. While the API server is unreachable the last known Services are
// returned along with the error.
func (s *kubernetesSource) Allocations() ([]allocation, error) {
	if !s.informer.HasSynced() {
		return nil, fmt.Errorf("the Kubernetes API has not listed the Services yet: %w", s.err())
	}
	var out []allocation
	for _, obj := range s.informer.GetStore().List() {
		if svc, ok := obj.(*corev1.Service); ok {
			out = append(out, serviceNodePorts(svc)...)
		}
	}
	if err := s.err(); err != nil {
		return out, fmt.Errorf("watching Services through the Kubernetes API, using the last known ones: %w", err)
	}
	return out, nil
}

// serviceNodePorts is the node ports and the health-check node port of a
// Service of type NodePort or LoadBalancer.
func serviceNodePorts(svc *corev1.Service) []allocation {
	if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil
	}
	owner := svc.Namespace + "/" + svc.Name
	var out []allocation
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			proto := string(p.Protocol)
			if proto == "" {
				proto = string(corev1.ProtocolTCP)
			}
			out = append(out, allocation{NodePort: NodePort{Protocol: proto, Port: uint16(p.NodePort)}, Owner: owner})
		}
	}
	if svc.Spec.HealthCheckNodePort != 0 {
		out = append(out, allocation{NodePort: NodePort{Protocol: "TCP", Port: uint16(svc.Spec.HealthCheckNodePort)}, Owner: owner + " (healthCheckNodePort)"})
	}
	return out
}

// trimService keeps only what serviceNodePorts reads, so a cluster's
// Services cost the exporter little memory.
func trimService(obj any) (any, error) {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return obj, nil
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name, UID: svc.UID, ResourceVersion: svc.ResourceVersion},
		Spec: corev1.ServiceSpec{
			Type:                svc.Spec.Type,
			Ports:               svc.Spec.Ports,
			HealthCheckNodePort: svc.Spec.HealthCheckNodePort,
		},
	}, nil
}
