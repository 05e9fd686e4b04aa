// Package kubeapi is the exporter's client of the Kubernetes API: the core
// group only (Services and Pods), listed and watched. client-go's typed
// clientset registers every API group of Kubernetes at start and links all
// their clients in; this one keeps the exporter's start and its memory to
// what it reads.
package kubeapi

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Resource lists and watches one kind of object, as client-go's typed
// clients (and their fakes) do.
type Resource[L runtime.Object] interface {
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// Config is where the API server is and how to authenticate to it: from
// the kubeconfig file, or, when that is empty, from the pod's service
// account. flag names the flag that asked for the API, for errors.
func Config(kubeconfig, flag string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("%s: no in-cluster configuration (%w); outside a pod, give --kubeconfig=PATH", flag, err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("--kubeconfig=%s: %w", kubeconfig, err)
	}
	return cfg, nil
}

// CoreV1 is a client of the core API group, v1.
type CoreV1 struct {
	client rest.Interface
	params runtime.ParameterCodec
}

// NewCoreV1 connects to the core group with cfg.
func NewCoreV1(cfg *rest.Config) (*CoreV1, error) {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	metav1.AddToGroupVersion(scheme, corev1.SchemeGroupVersion)
	c := rest.CopyConfig(cfg)
	c.APIPath = "/api"
	c.GroupVersion = &corev1.SchemeGroupVersion
	c.NegotiatedSerializer = serializer.NewCodecFactory(scheme).WithoutConversion()
	c.UserAgent = "kubeprobe_exporter"
	client, err := rest.RESTClientFor(c)
	if err != nil {
		return nil, err
	}
	return &CoreV1{client: client, params: runtime.NewParameterCodec(scheme)}, nil
}

// Services are the Services of every namespace.
func (c *CoreV1) Services() Resource[*corev1.ServiceList] {
	return &resource[*corev1.ServiceList]{c: c, name: "services", newList: func() *corev1.ServiceList { return &corev1.ServiceList{} }}
}

// Pods are the Pods of every namespace; a field selector such as
// spec.nodeName=NODE narrows them.
func (c *CoreV1) Pods() Resource[*corev1.PodList] {
	return &resource[*corev1.PodList]{c: c, name: "pods", newList: func() *corev1.PodList { return &corev1.PodList{} }}
}

type resource[L runtime.Object] struct {
	c       *CoreV1
	name    string
	newList func() L
}

func (r *resource[L]) List(ctx context.Context, opts metav1.ListOptions) (L, error) {
	list := r.newList()
	err := r.c.client.Get().Resource(r.name).VersionedParams(&opts, r.c.params).Do(ctx).Into(list)
	return list, err
}

func (r *resource[L]) Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	opts.Watch = true
	return r.c.client.Get().Resource(r.name).VersionedParams(&opts, r.c.params).Watch(ctx)
}
