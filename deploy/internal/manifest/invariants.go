package manifest

import (
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Linux's default net.ipv4.ip_local_port_range.
const ephemeralStart, ephemeralEnd = 32768, 60999

// The jobs the mixin's rules select by default (mixin/config.libsonnet):
// the exporters' /metrics and the probes.
const (
	MetricsJob = "kubeprobe"
	ProbeJob   = "kubeprobe_probe"
)

// Expect says which of the choices a deployment offers a set of objects
// was made with. Whatever they are, the invariants of issue 1 hold: host
// network and its DNS policy, no host path, the securityContext, probes at
// the listen port, a port outside the NodePort and ephemeral ranges,
// NODE_NAME, requests and limits, RBAC no wider than the flags need.
type Expect struct {
	// Capture: the container runs as root with NET_RAW as its only
	// capability (the DaemonSet's comment says why). Without it, the
	// exporter runs with --no-tracing.handshakes as a non-root user with no
	// capability at all (README, "Why root, with NET_RAW only").
	Capture bool
	// Kubernetes: --nodeport.kubernetes, and a ServiceAccount bound to a
	// ClusterRole that lists and watches Services. Without it there is no
	// role, no binding and no service account token in the pod.
	Kubernetes bool
	// ShadowPods: --shadow.pods, and the ClusterRole lists and watches
	// Pods, which it does not without (the service account as for
	// Kubernetes).
	ShadowPods bool
	// WebConfig: --web.config.file is set, which guards /-/healthy and
	// /-/ready too, so the probes are tcpSocket probes of the port;
	// without it, httpGet probes of /-/healthy and /-/ready.
	WebConfig bool
	// Tolerations are the pod's; nil means one toleration of every taint.
	Tolerations []corev1.Toleration
	// The objects beside the DaemonSet; each is checked when expected, and
	// its absence when not.
	Service, PodMonitor, ServiceMonitor, ScrapeConfig, PrometheusRule bool
}

// Check checks the objects of one deployment: exactly one DaemonSet and
// what e expects beside it.
func Check(t testing.TB, objects []any, e Expect) {
	t.Helper()
	ds := Only[*appsv1.DaemonSet](t, objects)
	checkPodSpec(t, ds, e)
	checkRBAC(t, objects, ds, e)
	present := func(kind string, want bool, n int) bool {
		t.Helper()
		if want && n != 1 || !want && n != 0 {
			t.Errorf("want %s %v, found %d", kind, map[bool]string{true: "exactly once", false: "not at all"}[want], n)
			return false
		}
		return want
	}
	if present("a Service", e.Service, len(All[*corev1.Service](objects))) {
		checkService(t, Only[*corev1.Service](t, objects), ds)
	}
	if present("a PodMonitor", e.PodMonitor, len(All[*monitoringv1.PodMonitor](objects))) {
		checkPodMonitor(t, Only[*monitoringv1.PodMonitor](t, objects), ds)
	}
	if present("a ServiceMonitor", e.ServiceMonitor, len(All[*monitoringv1.ServiceMonitor](objects))) {
		checkServiceMonitor(t, Only[*monitoringv1.ServiceMonitor](t, objects), objects, ds)
	}
	if present("a ScrapeConfig", e.ScrapeConfig, len(All[*monitoringv1alpha1.ScrapeConfig](objects))) {
		CheckScrapeConfig(t, Only[*monitoringv1alpha1.ScrapeConfig](t, objects), ds)
	}
	if present("a PrometheusRule", e.PrometheusRule, len(All[*monitoringv1.PrometheusRule](objects))) {
		rule := Only[*monitoringv1.PrometheusRule](t, objects)
		if !reflect.DeepEqual(rule.Spec.Groups, MixinGroups(t)) {
			t.Errorf("PrometheusRule %s: its groups differ from mixin/prometheus_alerts.yaml's and mixin/prometheus_rules.yaml's", rule.Name)
		}
	}
}

// MixinGroups are the rule groups of the mixin's generated files, alerts
// first.
func MixinGroups(t testing.TB) []monitoringv1.RuleGroup {
	t.Helper()
	var groups []monitoringv1.RuleGroup
	for _, f := range []string{"mixin/prometheus_alerts.yaml", "mixin/prometheus_rules.yaml"} {
		var file struct {
			Groups []monitoringv1.RuleGroup `json:"groups"`
		}
		if err := UnmarshalStrict(ReadFile(t, Repo(t, f)), &file); err != nil {
			t.Fatalf("%s does not fit a PrometheusRule's groups: %v", f, err)
		}
		groups = append(groups, file.Groups...)
	}
	if len(groups) == 0 {
		t.Fatal("the mixin has no rule groups")
	}
	return groups
}

// Container returns the DaemonSet's only container.
func Container(t testing.TB, ds *appsv1.DaemonSet) corev1.Container {
	t.Helper()
	spec := ds.Spec.Template.Spec
	if len(spec.Containers) != 1 || len(spec.InitContainers) != 0 {
		t.Fatalf("DaemonSet: want one container and no init container, got %d and %d", len(spec.Containers), len(spec.InitContainers))
	}
	return spec.Containers[0]
}

// FlagValue returns the value of --name=value in args, or def.
func FlagValue(args []string, name, def string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return def
}

// hasFlag reports whether args hold the boolean flag --name.
func hasFlag(args []string, name string) bool {
	return slices.Contains(args, "--"+name) || slices.Contains(args, "--"+name+"=true")
}

// ListenPort is the port of the container's --web.listen-address.
func ListenPort(t testing.TB, c corev1.Container) int32 {
	t.Helper()
	_, port, err := net.SplitHostPort(FlagValue(c.Args, "web.listen-address", ":9878"))
	if err != nil {
		t.Fatalf("DaemonSet: --web.listen-address: %v", err)
	}
	n, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		t.Fatalf("DaemonSet: --web.listen-address: %v", err)
	}
	return int32(n)
}

// NodePortRange is the container's --nodeport.range, as it is written.
func NodePortRange(c corev1.Container) string {
	return FlagValue(c.Args, "nodeport.range", "30000-32767")
}

// ResolvePort returns the container port that p names or numbers.
func ResolvePort(c corev1.Container, p intstr.IntOrString) int32 {
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

func checkPodSpec(t testing.TB, ds *appsv1.DaemonSet, e Expect) {
	t.Helper()
	spec := ds.Spec.Template.Spec
	if !spec.HostNetwork || spec.DNSPolicy != corev1.DNSClusterFirstWithHostNet {
		t.Errorf("DaemonSet: want hostNetwork with dnsPolicy ClusterFirstWithHostNet, got %v and %q", spec.HostNetwork, spec.DNSPolicy)
	}
	if spec.HostPID || spec.HostIPC {
		t.Errorf("DaemonSet: hostPID or hostIPC is not needed")
	}
	if e.Tolerations == nil {
		if !slices.ContainsFunc(spec.Tolerations, func(tol corev1.Toleration) bool {
			return tol.Operator == corev1.TolerationOpExists && tol.Key == "" && tol.Effect == ""
		}) {
			t.Errorf("DaemonSet: no toleration of every taint (operator Exists, no key, no effect): %+v", spec.Tolerations)
		}
	} else if !reflect.DeepEqual(spec.Tolerations, e.Tolerations) {
		t.Errorf("DaemonSet: tolerations %+v, want %+v", spec.Tolerations, e.Tolerations)
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("DaemonSet: volume %s mounts a host path", v.Name)
		}
	}
	if !Selects(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Errorf("DaemonSet: selector %v does not match the pod's labels %v", ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels)
	}
	c := Container(t, ds)
	if len(c.Command) != 0 {
		t.Errorf("DaemonSet: command %v replaces the image's entrypoint", c.Command)
	}
	checkSecurityContext(t, spec.SecurityContext, c, e.Capture)
	checkPorts(t, c, e.WebConfig)
	checkResources(t, c.Resources)
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
		return e.Name == "NODE_NAME" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "spec.nodeName"
	}) {
		t.Errorf("DaemonSet: no NODE_NAME from the downward API's spec.nodeName")
	}
}

// checkSecurityContext holds the decision the DaemonSet's comment explains:
// root with every capability dropped but NET_RAW, no privilege escalation, a
// read-only root filesystem; or, without the capture, the image's non-root
// user with no capability. deploy/kubernetes's TestSecurityContextGrantsCapture
// proves on the kernel that the first gives the capture its capability.
func checkSecurityContext(t testing.TB, pod *corev1.PodSecurityContext, c corev1.Container, capture bool) {
	t.Helper()
	sc := c.SecurityContext
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
	tracing := !slices.Contains(c.Args, "--no-tracing.handshakes")
	if capture {
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
			!slices.Equal(sc.Capabilities.Add, []corev1.Capability{"NET_RAW"}) {
			t.Errorf("DaemonSet: want capabilities drop [ALL] add [NET_RAW], got %+v", sc.Capabilities)
		}
		// The image's user is not root: the choice of root is explicit here.
		if sc.RunAsUser == nil || *sc.RunAsUser != 0 || sc.RunAsNonRoot == nil || *sc.RunAsNonRoot {
			t.Errorf("DaemonSet: want runAsUser 0 and runAsNonRoot false, as the comment explains; got %s and %s", deref(sc.RunAsUser), deref(sc.RunAsNonRoot))
		}
		if !tracing {
			t.Error("DaemonSet: NET_RAW is granted for the capture, which --no-tracing.handshakes turns off")
		}
	} else {
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
			t.Errorf("DaemonSet: without the capture, want capabilities drop [ALL] and none added, got %+v", sc.Capabilities)
		}
		if sc.RunAsUser == nil || *sc.RunAsUser == 0 || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			t.Errorf("DaemonSet: without the capture, want a non-root runAsUser and runAsNonRoot true; got %s and %s", deref(sc.RunAsUser), deref(sc.RunAsNonRoot))
		}
		if tracing {
			t.Error("DaemonSet: without NET_RAW the exporter must run with --no-tracing.handshakes, or KubeprobeHandshakeTracingUnavailable fires")
		}
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil && pod != nil {
		seccomp = pod.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("DaemonSet: want the RuntimeDefault seccomp profile, got %+v", seccomp)
	}
}

func checkPorts(t testing.TB, c corev1.Container, webConfig bool) {
	t.Helper()
	port := ListenPort(t, c)
	if http := ResolvePort(c, intstr.FromString("http")); http != port {
		t.Errorf("DaemonSet: container port http is %d, the exporter listens on %d", http, port)
	}
	// In the node's network namespace the port is the node's: neither a
	// NodePort nor one the kernel may hand out as a source port.
	start, end := 30000, 32767
	if r := strings.SplitN(NodePortRange(c), "-", 2); len(r) == 2 {
		start, _ = strconv.Atoi(r[0])
		end, _ = strconv.Atoi(r[1])
	}
	if int(port) >= start && int(port) <= end {
		t.Errorf("DaemonSet: port %d is inside the NodePort range %d-%d", port, start, end)
	}
	if port >= ephemeralStart && port <= ephemeralEnd {
		t.Errorf("DaemonSet: port %d is inside the default ephemeral range", port)
	}
	if got := FlagValue(c.Args, "web.config.file", "") != ""; got != webConfig {
		t.Errorf("DaemonSet: --web.config.file set: %v, want %v", got, webConfig)
	}
	for name, want := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{"livenessProbe": {c.LivenessProbe, "/-/healthy"}, "readinessProbe": {c.ReadinessProbe, "/-/ready"}} {
		p := want.probe
		switch {
		case p == nil:
			t.Errorf("DaemonSet: no %s", name)
		case webConfig:
			// The web configuration guards every path: a tcpSocket probe
			// passes whatever it says (TestProbesPassWithBasicAuth).
			if p.TCPSocket == nil || p.HTTPGet != nil || ResolvePort(c, p.TCPSocket.Port) != port {
				t.Errorf("DaemonSet: with --web.config.file, %s must be a tcpSocket probe of port %d: %+v", name, port, p.ProbeHandler)
			}
		case p.HTTPGet == nil:
			t.Errorf("DaemonSet: no httpGet %s: %+v", name, p.ProbeHandler)
		case p.HTTPGet.Path != want.path || ResolvePort(c, p.HTTPGet.Port) != port ||
			(p.HTTPGet.Scheme != "" && p.HTTPGet.Scheme != corev1.URISchemeHTTP):
			t.Errorf("DaemonSet: %s gets %s %s on port %s; want %s on %d", name, p.HTTPGet.Scheme, p.HTTPGet.Path, p.HTTPGet.Port.String(), want.path, port)
		}
	}
}

func checkResources(t testing.TB, r corev1.ResourceRequirements) {
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

// checkRBAC: with --nodeport.kubernetes, the service account is bound to a
// ClusterRole that may get, list and watch Services and nothing else, and
// that allows list and watch, which the Service informer needs. Without
// it, no role is granted and the pod gets no token.
func checkRBAC(t testing.TB, objects []any, ds *appsv1.DaemonSet, e Expect) {
	t.Helper()
	spec := ds.Spec.Template.Spec
	c := Container(t, ds)
	if got := hasFlag(c.Args, "nodeport.kubernetes"); got != e.Kubernetes {
		t.Errorf("DaemonSet: --nodeport.kubernetes given: %v, want %v", got, e.Kubernetes)
	}
	if got := hasFlag(c.Args, "shadow.pods"); got != e.ShadowPods {
		t.Errorf("DaemonSet: --shadow.pods given: %v, want %v", got, e.ShadowPods)
	}
	if !e.Kubernetes && !e.ShadowPods {
		checkNoAPI(t, objects, spec)
		return
	}
	if spec.AutomountServiceAccountToken != nil && !*spec.AutomountServiceAccountToken {
		t.Error("DaemonSet: --nodeport.kubernetes and --shadow.pods need the service account token, and automountServiceAccountToken is false")
	}
	sa := Only[*corev1.ServiceAccount](t, objects)
	role := Only[*rbacv1.ClusterRole](t, objects)
	binding := Only[*rbacv1.ClusterRoleBinding](t, objects)
	if sa.Name != spec.ServiceAccountName {
		t.Errorf("DaemonSet runs as service account %q, the manifests create %q", spec.ServiceAccountName, sa.Name)
	}
	if sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken && spec.AutomountServiceAccountToken == nil {
		t.Error("ServiceAccount: automountServiceAccountToken false keeps the token the exporter needs from the pod")
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
	checkGrants(t, role, map[string]bool{"services": e.Kubernetes, "pods": e.ShadowPods})
}

// checkNoAPI: without a flag that uses the Kubernetes API, no RBAC object
// and no token.
func checkNoAPI(t testing.TB, objects []any, spec corev1.PodSpec) {
	t.Helper()
	if n := len(All[*rbacv1.ClusterRole](objects)) + len(All[*rbacv1.ClusterRoleBinding](objects)); n != 0 {
		t.Errorf("without --nodeport.kubernetes or --shadow.pods the exporter uses no API, yet %d RBAC objects grant it some", n)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("DaemonSet: without --nodeport.kubernetes or --shadow.pods, automountServiceAccountToken must be false: the exporter needs no token")
	}
	for _, sa := range All[*corev1.ServiceAccount](objects) {
		if sa.Name != spec.ServiceAccountName {
			t.Errorf("ServiceAccount %s is not the DaemonSet's %q", sa.Name, spec.ServiceAccountName)
		}
	}
}

// checkGrants: the role grants list and watch (get at most) on the core
// group's resources that want says are needed, and nothing else: Services
// for --nodeport.kubernetes, Pods for --shadow.pods.
func checkGrants(t testing.TB, role *rbacv1.ClusterRole, want map[string]bool) {
	t.Helper()
	allowed := []string{"get", "list", "watch"}
	granted := map[string][]string{}
	for _, rule := range role.Rules {
		if !slices.Equal(rule.APIGroups, []string{""}) || len(rule.NonResourceURLs) != 0 || len(rule.ResourceNames) != 0 {
			t.Errorf("ClusterRole: a rule reaches beyond the core group's resources: %+v", rule)
		}
		for _, res := range rule.Resources {
			if !want[res] {
				t.Errorf("ClusterRole: %s granted, which no flag given needs (%+v)", res, rule)
			}
			for _, verb := range rule.Verbs {
				if !slices.Contains(allowed, verb) {
					t.Errorf("ClusterRole: verb %q on %s is broader than %v", verb, res, allowed)
				}
				granted[res] = append(granted[res], verb)
			}
		}
	}
	flags := map[string]string{"services": "--nodeport.kubernetes", "pods": "--shadow.pods"}
	for res, needed := range want {
		for _, need := range []string{"list", "watch"} {
			if needed && !slices.Contains(granted[res], need) {
				t.Errorf("ClusterRole: %s on %s is needed by %s", need, res, flags[res])
			}
		}
	}
}

// Selects reports whether a non-empty label selector matches the labels.
func Selects(selector, podLabels map[string]string) bool {
	return len(selector) > 0 && labels.SelectorFromSet(selector).Matches(labels.Set(podLabels))
}

// checkService: headless, over the DaemonSet's pods, on the exporter's port.
func checkService(t testing.TB, svc *corev1.Service, ds *appsv1.DaemonSet) {
	t.Helper()
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("Service: want headless (clusterIP None), got %q", svc.Spec.ClusterIP)
	}
	if !Selects(svc.Spec.Selector, ds.Spec.Template.Labels) {
		t.Errorf("Service: selector %v does not match the pods %v", svc.Spec.Selector, ds.Spec.Template.Labels)
	}
	c := Container(t, ds)
	if len(svc.Spec.Ports) != 1 || ResolvePort(c, svc.Spec.Ports[0].TargetPort) != ListenPort(t, c) {
		t.Errorf("Service: want one port targeting the exporter's, got %+v", svc.Spec.Ports)
	}
}

// checkMetricsRelabeling: the job and node labels the mixin's rules select
// on, set by an endpoint's relabelings.
func checkMetricsRelabeling(t testing.TB, kind string, relabelings []monitoringv1.RelabelConfig) {
	t.Helper()
	job, node := "", false
	for _, r := range relabelings {
		switch {
		case r.TargetLabel == "job" && r.Replacement != nil && len(r.SourceLabels) == 0:
			job = *r.Replacement
		case r.TargetLabel == "node" && slices.Equal(r.SourceLabels, []monitoringv1.LabelName{"__meta_kubernetes_pod_node_name"}):
			node = true
		}
	}
	if !node {
		t.Errorf("%s: no relabeling sets node from __meta_kubernetes_pod_node_name", kind)
	}
	if !dropsTargetLabels(relabelings, "namespace", "pod", "container") {
		t.Errorf("%s: the operator's namespace, pod and container target labels are kept, so the shadowed pod's labels of kubeprobe_shadow_* become exported_namespace and so on: labeldrop them", kind)
	}
	if job != MetricsJob || !strings.Contains(string(ReadFile(t, Repo(t, "mixin/prometheus_alerts.yaml"))), `kubeprobe_nodeports_at_risk{job="`+job+`"}`) {
		t.Errorf("%s: job label %q is not the one the mixin's alerts select", kind, job)
	}
}

// dropsTargetLabels reports whether a labeldrop of the relabelings drops
// every one of names.
func dropsTargetLabels(relabelings []monitoringv1.RelabelConfig, names ...string) bool {
	return slices.ContainsFunc(relabelings, func(r monitoringv1.RelabelConfig) bool {
		if strings.ToLower(r.Action) != "labeldrop" {
			return false
		}
		re, err := regexp.Compile("^(?:" + r.Regex + ")$")
		return err == nil && !slices.ContainsFunc(names, func(n string) bool { return !re.MatchString(n) })
	})
}

// checkPodMonitor: /metrics of every exporter pod, with the job and node
// labels the mixin's rules select on.
func checkPodMonitor(t testing.TB, pm *monitoringv1.PodMonitor, ds *appsv1.DaemonSet) {
	t.Helper()
	if !Selects(pm.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) || len(pm.Spec.Selector.MatchExpressions) != 0 {
		t.Errorf("PodMonitor: selector %+v does not match the pods %v", pm.Spec.Selector, ds.Spec.Template.Labels)
	}
	if len(pm.Spec.PodMetricsEndpoints) != 1 {
		t.Fatalf("PodMonitor: want one endpoint, got %d", len(pm.Spec.PodMetricsEndpoints))
	}
	e := pm.Spec.PodMetricsEndpoints[0]
	c := Container(t, ds)
	if e.Port == nil || ResolvePort(c, intstr.FromString(*e.Port)) != ListenPort(t, c) || e.Path != "/metrics" {
		t.Errorf("PodMonitor: want path /metrics on the exporter's port, got %v %q", e.Port, e.Path)
	}
	checkMetricsRelabeling(t, "PodMonitor", e.RelabelConfigs)
}

// checkServiceMonitor: /metrics through the headless Service's endpoints,
// one per exporter pod, with the same labels.
func checkServiceMonitor(t testing.TB, sm *monitoringv1.ServiceMonitor, objects []any, ds *appsv1.DaemonSet) {
	t.Helper()
	services := All[*corev1.Service](objects)
	if len(services) != 1 || !Selects(sm.Spec.Selector.MatchLabels, services[0].Labels) {
		t.Fatalf("ServiceMonitor: selector %+v selects no Service of the deployment", sm.Spec.Selector)
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("ServiceMonitor: want one endpoint, got %d", len(sm.Spec.Endpoints))
	}
	e := sm.Spec.Endpoints[0]
	svc := services[0]
	if len(svc.Spec.Ports) != 1 || e.Port != svc.Spec.Ports[0].Name || e.Path != "/metrics" {
		t.Errorf("ServiceMonitor: want path /metrics on the Service's port %+v, got %q %q", svc.Spec.Ports, e.Port, e.Path)
	}
	checkMetricsRelabeling(t, "ServiceMonitor", e.RelabelConfigs)
}

// deref prints an optional field's value, or "unset".
func deref[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// Config returns the exporter configuration a ConfigMap's key holds, as a
// generic document, and the path of a copy written for the exporter.
func Config(t testing.TB, cm *corev1.ConfigMap, key string) (map[string]any, string) {
	t.Helper()
	data, ok := cm.Data[key]
	if !ok {
		t.Fatalf("ConfigMap %s has no key %s", cm.Name, key)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(data), &doc); err != nil {
		t.Fatalf("ConfigMap %s: %s: %v", cm.Name, key, err)
	}
	path := t.TempDir() + "/config.yml"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return doc, path
}
