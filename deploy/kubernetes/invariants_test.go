package kubernetes_test

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Linux's default net.ipv4.ip_local_port_range.
const ephemeralStart, ephemeralEnd = 32768, 60999

// checkInvariants checks what the issue asks of the objects kustomize
// applies, whether read from the files or from kustomize's output.
func checkInvariants(t *testing.T, k kustomization, objects []any) {
	ds := only[*appsv1.DaemonSet](t, objects)
	checkPodSpec(t, ds)
	checkRBAC(t, objects, ds.Spec.Template.Spec.ServiceAccountName)
	checkService(t, only[*corev1.Service](t, objects), ds)
	checkPodMonitor(t, only[*monitoringv1.PodMonitor](t, objects), ds)
	if len(k.Images) != 1 {
		t.Errorf("kustomization.yaml: want one image to set, got %d", len(k.Images))
	}
}

// container returns the DaemonSet's only container.
func container(t *testing.T, ds *appsv1.DaemonSet) corev1.Container {
	t.Helper()
	spec := ds.Spec.Template.Spec
	if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
		t.Fatalf("DaemonSet: want one container and no init container, got %d and %d", len(spec.Containers), len(spec.InitContainers))
	}
	return spec.Containers[0]
}

// flagValue returns the value of --name=value in args, or def.
func flagValue(args []string, name, def string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return def
}

func checkPodSpec(t *testing.T, ds *appsv1.DaemonSet) {
	t.Helper()
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork || spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
		t.Errorf("DaemonSet: want hostNetwork with dnsPolicy ClusterFirstWithHostNet, got %v and %q", spec.HostNetwork, spec.DNSPolicy)
	}
	if spec.HostPID || spec.HostIPC {
		t.Errorf("DaemonSet: hostPID or hostIPC is not needed")
	}
	if !slices.ContainsFunc(spec.Tolerations, func(tol corev1.Toleration) bool {
		return tol.Operator == corev1.TolerationOpExists && tol.Key == "" && tol.Effect == ""
	}) {
		t.Errorf("DaemonSet: no toleration of every taint (operator Exists, no key, no effect): %+v", spec.Tolerations)
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("DaemonSet: volume %s mounts a host path", v.Name)
		}
	}
	if !selects(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Errorf("DaemonSet: selector %v does not match the pod's labels %v", ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
	}
	c := container(t, ds)
	checkSecurityContext(t, spec.SecurityContext, c.SecurityContext)
	checkPorts(t, c)
	checkResources(t, c.Resources)
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "NODE_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName"
	}) {
		t.Errorf("DaemonSet: no NODE_NAME from the downward API's spec.nodeName")
	}
}

// checkSecurityContext holds the decision the DaemonSet's comment explains:
// root with every capability dropped but NET_RAW, no privilege escalation, a
// read-only root filesystem. TestSecurityContextGrantsCapture proves on the
// kernel that this gives the capture its capability.
func checkSecurityContext(t *testing.T, pod *corev1.PodSecurityContext, sc *corev1.SecurityContext) {
	t.Helper()
	if sc == nil {
		t.Fatal("DaemonSet: the container has no securityContext")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("DaemonSet: the container is privileged")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("DaemonSet: allowPrivilegeEscalation must be false")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("DaemonSet: readOnlyRootFilesystem must be true")
	}
	if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		!slices.Equal(sc.Capabilities.Add, []corev1.Capability{"NET_RAW"}) {
		t.Errorf("DaemonSet: want capabilities drop [ALL] add [NET_RAW], got %+v", sc.Capabilities)
	}
	// The image's user is not root: the choice of root is explicit here.
	if sc.RunAsUser == nil || *sc.RunAsUser != 0 || sc.RunAsNonRoot == nil || *sc.RunAsNonRoot {
		t.Errorf("DaemonSet: want runAsUser 0 and runAsNonRoot false, as the comment explains; got %s and %s", deref(sc.RunAsUser), deref(sc.RunAsNonRoot))
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil && pod != nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("DaemonSet: want the RuntimeDefault seccomp profile, got %+v", seccomp)
	}
}

// listenPort is the port of the container's --web.listen-address.
func listenPort(t *testing.T, c corev1.Container) int32 {
	t.Helper()
	_, port, err := net.SplitHostPort(flagValue(c.Args, "web.listen-address", ":9878"))
	if err != nil {
		t.Fatalf("DaemonSet: --web.listen-address: %v", err)
	}
	n, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		t.Fatalf("DaemonSet: --web.listen-address: %v", err)
	}
	return int32(n)
}

// resolvePort returns the container port that p names or numbers.
func resolvePort(c corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return -1
}

func checkPorts(t *testing.T, c corev1.Container) {
	t.Helper()
	port := listenPort(t, c)
	if http := resolvePort(c, intstr.FromString("http")); http != port {
		t.Errorf("DaemonSet: container port http is %d, the exporter listens on %d", http, port)
	}
	// In the node's network namespace the port is the node's: neither a
	// NodePort nor one the kernel may hand out as a source port.
	start, end := 30000, 32767
	if r := strings.SplitN(flagValue(c.Args, "nodeport.range", "30000-32767"), "-", 2); len(r) == 2 {
		start, _ = strconv.Atoi(r[0])
		end, _ = strconv.Atoi(r[1])
	}
	if int(port) >= start && int(port) <= end {
		t.Errorf("DaemonSet: port %d is inside the NodePort range %d-%d", port, start, end)
	}
	if port >= ephemeralStart && port <= ephemeralEnd {
		t.Errorf("DaemonSet: port %d is inside the default ephemeral range", port)
	}
	for name, want := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{"livenessProbe": {c.LivenessProbe, "/-/healthy"}, "readinessProbe": {c.ReadinessProbe, "/-/ready"}} {
		p := want.probe
		if p == nil || p.HTTPGet == nil {
			t.Errorf("DaemonSet: no httpGet %s", name)
			continue
		}
		if p.HTTPGet.Path != want.path || resolvePort(c, p.HTTPGet.Port) != port ||
			(p.HTTPGet.Scheme != "" && p.HTTPGet.Scheme != corev1.URISchemeHTTP) {
			t.Errorf("DaemonSet: %s gets %s %s on port %s; want %s on %d", name, p.HTTPGet.Scheme, p.HTTPGet.Path, p.HTTPGet.Port.String(), want.path, port)
		}
	}
}

func checkResources(t *testing.T, r corev1.ResourceRequirements) {
	t.Helper()
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := r.Requests[name]
		limit, okLimit := r.Limits[name]
		if !okReq || !okLimit {
			t.Errorf("DaemonSet: want a request and a limit of %s", name)
			continue
		}
		if req.Cmp(limit) > 0 {
			t.Errorf("DaemonSet: %s request %s is above its limit %s", name, req.String(), limit.String())
		}
	}
}

// checkRBAC: the service account is bound to a ClusterRole that may get,
// list and watch Services and nothing else, and that allows list and watch,
// which the Service informer of --nodeport.kubernetes needs.
func checkRBAC(t *testing.T, objects []any, serviceAccount string) {
	t.Helper()
	sa := only[*corev1.ServiceAccount](t, objects)
	role := only[*rbacv1.ClusterRole](t, objects)
	binding := only[*rbacv1.ClusterRoleBinding](t, objects)
	if sa.Name != serviceAccount {
		t.Errorf("DaemonSet runs as service account %q, the manifests create %q", serviceAccount, sa.Name)
	}
	if binding.RoleRef != (rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name}) {
		t.Errorf("ClusterRoleBinding: roleRef %+v is not ClusterRole %s", binding.RoleRef, role.Name)
	}
	if len(binding.Subjects) != 1 || binding.Subjects[0].Kind != rbacv1.ServiceAccountKind || binding.Subjects[0].Name != sa.Name ||
		binding.Subjects[0].Namespace != sa.Namespace {
		t.Errorf("ClusterRoleBinding: want the one subject ServiceAccount %s in namespace %q, got %+v", sa.Name, sa.Namespace, binding.Subjects)
	}
	if role.AggregationRule != nil {
		t.Error("ClusterRole: an aggregation rule would grant what other roles grant")
	}
	allowed := []string{"get", "list", "watch"}
	var granted []string
	for _, rule := range role.Rules {
		if !slices.Equal(rule.APIGroups, []string{""}) || !slices.Equal(rule.Resources, []string{"services"}) || len(rule.NonResourceURLs) != 0 {
			t.Errorf("ClusterRole: a rule reaches beyond services of the core group: %+v", rule)
		}
		for _, verb := range rule.Verbs {
			if !slices.Contains(allowed, verb) {
				t.Errorf("ClusterRole: verb %q is broader than %v", verb, allowed)
			}
			granted = append(granted, verb)
		}
	}
	for _, need := range []string{"list", "watch"} {
		if !slices.Contains(granted, need) {
			t.Errorf("ClusterRole: %s on services is needed by --nodeport.kubernetes", need)
		}
	}
}

func selects(selector, podLabels map[string]string) bool {
	return len(selector) > 0 && labels.SelectorFromSet(selector).Matches(labels.Set(podLabels))
}

// checkService: headless, over the DaemonSet's pods, on the exporter's port.
func checkService(t *testing.T, svc *corev1.Service, ds *appsv1.DaemonSet) {
	t.Helper()
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("Service: want headless (clusterIP None), got %q", svc.Spec.ClusterIP)
	}
	if !selects(svc.Spec.Selector, ds.Spec.Template.Labels) {
		t.Errorf("Service: selector %v does not match the pods %v", svc.Spec.Selector, ds.Spec.Template.Labels)
	}
	c := container(t, ds)
	if len(svc.Spec.Ports) != 1 || resolvePort(c, svc.Spec.Ports[0].TargetPort) != listenPort(t, c) {
		t.Errorf("Service: want one port targeting the exporter's, got %+v", svc.Spec.Ports)
	}
}

// checkPodMonitor: /metrics of every exporter pod, with the job and node
// labels the mixin's rules select on.
func checkPodMonitor(t *testing.T, pm *monitoringv1.PodMonitor, ds *appsv1.DaemonSet) {
	t.Helper()
	if !selects(pm.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) || len(pm.Spec.Selector.MatchExpressions) != 0 {
		t.Errorf("PodMonitor: selector %+v does not match the pods %v", pm.Spec.Selector, ds.Spec.Template.Labels)
	}
	if len(pm.Spec.PodMetricsEndpoints) != 1 {
		t.Fatalf("PodMonitor: want one endpoint, got %d", len(pm.Spec.PodMetricsEndpoints))
	}
	e := pm.Spec.PodMetricsEndpoints[0]
	c := container(t, ds)
	if e.Port == nil || resolvePort(c, intstr.FromString(*e.Port)) != listenPort(t, c) || e.Path != "/metrics" {
		t.Errorf("PodMonitor: want path /metrics on the exporter's port, got %v %q", e.Port, e.Path)
	}
	job, node := "", ""
	for _, r := range e.RelabelConfigs {
		switch {
		case r.TargetLabel == "job" && r.Replacement != nil && len(r.SourceLabels) == 0:
			job = *r.Replacement
		case r.TargetLabel == "node" && slices.Equal(r.SourceLabels, []monitoringv1.LabelName{"__meta_kubernetes_pod_node_name"}):
			node = "set"
		}
	}
	if node == "" {
		t.Error("PodMonitor: no relabeling sets node from __meta_kubernetes_pod_node_name")
	}
	alerts, err := os.ReadFile("../../mixin/prometheus_alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if job == "" || !strings.Contains(string(alerts), `kubeprobe_nodeports_at_risk{job="`+job+`"}`) {
		t.Errorf("PodMonitor: job label %q is not the one the mixin's alerts select", job)
	}
}

// deref prints an optional field's value, or "unset".
func deref[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
