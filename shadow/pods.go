package shadow

import (
	"context"

	"github.com/go-kit/log"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/tools/cache"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubeapi"
)

// Pods shadows the probes of the pods bound to this node, watched through
// the API (field selector spec.nodeName): every container's readiness,
// liveness and startup probe that is an httpGet, a tcpSocket or a grpc,
// with its named ports resolved and its pod IP and host taken as kubelet
// takes them. exec probes are counted as unsupported, never run.
type Pods struct {
	manager  *Manager
	run      Runner
	keep     Keeper
	release  config.KubeletVersion
	log      log.Logger
	informer *kubeapi.Informer
	targets  probeTargets
}

// NewPods watches the pods of node. client, when not nil, tells the
// informer that it cannot stream its first list as a watch (client-go's
// fakes). release is the node's kubelet's, whose rules its probes follow.
func NewPods(m *Manager, pods kubeapi.Resource[*corev1.PodList], client any, node string, release config.KubeletVersion, run Runner, keep Keeper, logger log.Logger) *Pods {
	p := &Pods{manager: m, run: run, keep: keep, release: release, log: logger}
	p.informer = kubeapi.NewInformer(pods, &corev1.Pod{}, kubeapi.InformerOptions{
		Objects: "this node's Pods", Flag: "--shadow.pods",
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(), Fake: client,
	})
	_, _ = p.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { p.update(obj) },
		UpdateFunc: func(_, obj any) { p.update(obj) },
		DeleteFunc: p.remove,
	})
	return p
}

// Start watches until ctx ends.
func (p *Pods) Start(ctx context.Context) {
	go p.informer.RunWithContext(ctx)
}

// WaitForSync waits for the first list of the node's pods.
func (p *Pods) WaitForSync(ctx context.Context) error { return p.informer.WaitForSync(ctx) }

func (p *Pods) update(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	probes, unsupported := p.podProbes(pod)
	p.targets.set(podGroup(pod), probes)
	p.manager.Sync(podGroup(pod), probes, unsupported)
	for _, c := range podContainers(pod) {
		if state, ok := containerState(pod, c.Name); ok {
			p.manager.UpdateStatus(Key{pod.Namespace, pod.Name, c.Name}, state)
		}
	}
}

func (p *Pods) remove(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		p.targets.set(podGroup(pod), nil)
		p.manager.Sync(podGroup(pod), nil, nil)
	}
}

// podGroup names a pod's probes in the manager: by UID, since a pod
// deleted and made again under its name is another pod.
func podGroup(pod *corev1.Pod) string { return "pod:" + string(pod.UID) }

// podContainers are the containers kubelet probes: the pod's own, and its
// sidecars (init containers that keep running).
func podContainers(pod *corev1.Pod) []corev1.Container {
	out := append([]corev1.Container{}, pod.Spec.Containers...)
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			out = append(out, c)
		}
	}
	return out
}

// containerState is what kubelet reads of a container from the pod's
// status; false while the container has none (not created yet).
func containerState(pod *corev1.Pod, name string) (Container, bool) {
	statuses := append(append([]corev1.ContainerStatus{}, pod.Status.ContainerStatuses...), pod.Status.InitContainerStatuses...)
	for _, cs := range statuses {
		if cs.Name != name || cs.ContainerID == "" {
			continue
		}
		c := Container{ID: cs.ContainerID, Running: cs.State.Running != nil, Deleting: pod.DeletionTimestamp != nil}
		if cs.State.Running != nil {
			c.StartedAt = cs.State.Running.StartedAt.Time
		}
		done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		c.Done = done || (cs.State.Terminated != nil && pod.Spec.RestartPolicy == corev1.RestartPolicyNever)
		return c, true
	}
	return Container{}, false
}
