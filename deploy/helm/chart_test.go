// Package helm_test proves the chart of deploy/helm/kubeprobe-exporter
// without a cluster: helm lint passes and helm template's output decodes
// strictly into the k8s.io/api and Prometheus Operator types and holds the
// invariants deploy/kubernetes's manifests hold (deploy/internal/manifest),
// with the default values, with every option on, and with every option
// off; the exporter accepts the DaemonSet's arguments and configuration
// and, started with them, passes the DaemonSet's own probes; the values
// the chart cannot honour are refused with a message that says why.
package helm_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	monitoringv1alpha1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

const (
	release   = "kp"
	namespace = "kubeprobe"
	fullname  = release + "-" + chart
)

func TestMain(m *testing.M) {
	code := m.Run()
	manifest.Cleanup()
	os.Exit(code)
}

func helmTool(t *testing.T) string {
	return testenv.Tool(t, "HELM", filepath.Join("..", "..", ".build", "tools", "helm"),
		"make test installs it into .build/tools")
}

// helm runs helm with a values file holding values, and returns its
// standard output and error.
func helm(t *testing.T, values string, args ...string) ([]byte, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(path, []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(helmTool(t), append(args, "--values", path)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}

// render lints the chart with values, then renders it as release kp in
// namespace kubeprobe and decodes the output strictly.
func render(t *testing.T, values string) []any {
	t.Helper()
	if out, stderr, err := helm(t, values, "lint", "--strict", "--namespace", namespace, chart); err != nil {
		t.Fatalf("helm lint --strict: %v\n%s%s", err, out, stderr)
	}
	out, stderr, err := helm(t, values, "template", release, chart, "--namespace", namespace)
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, stderr)
	}
	objects, err := manifest.DecodeStrict("helm template", out)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		m := o.(metav1.Object)
		switch o.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			continue // cluster-scoped
		}
		if m.GetNamespace() != namespace {
			t.Errorf("%T %s is in namespace %q, want the release's %q", o, m.GetName(), m.GetNamespace(), namespace)
		}
	}
	return objects
}

// files writes the ConfigMap's configuration, and the web configuration's
// Secret if there is one, where the DaemonSet's arguments can find them:
// the map LocalArgs and Serve take.
func files(t *testing.T, objects []any, ds *appsv1.DaemonSet) (map[string]any, map[string]string) {
	t.Helper()
	cm := manifest.Only[*corev1.ConfigMap](t, objects)
	var mounted bool
	for _, v := range ds.Spec.Template.Spec.Volumes {
		mounted = mounted || v.ConfigMap != nil && v.ConfigMap.Name == cm.Name
	}
	if !mounted {
		t.Errorf("DaemonSet: ConfigMap %s is not mounted", cm.Name)
	}
	cfg, path := manifest.Config(t, cm, "config.yml")
	if _, err := config.Load(path); err != nil {
		t.Errorf("ConfigMap %s: the configuration does not load: %v", cm.Name, err)
	}
	out := map[string]string{"/etc/kubeprobe/config.yml": path}
	for _, s := range manifest.All[*corev1.Secret](objects) {
		p := filepath.Join(t.TempDir(), "web-config.yml")
		if err := os.WriteFile(p, []byte(s.StringData["web-config.yml"]), 0o644); err != nil {
			t.Fatal(err)
		}
		out[manifest.FlagValue(manifest.Container(t, ds).Args, "web.config.file", "")] = p
	}
	return cfg, out
}

// The default values: the exporter alone, as deploy/kubernetes's base has
// it, with nothing that needs the Prometheus Operator's CRDs; the
// configuration is config.example.yml; the exporter takes the arguments
// and passes the DaemonSet's probes.
func TestChartDefaults(t *testing.T) {
	objects := render(t, "")
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	c := manifest.Container(t, ds)
	if c.Image != "kubeprobe_exporter:latest" || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("DaemonSet: image %s (%s), want kubeprobe_exporter:latest (IfNotPresent)", c.Image, c.ImagePullPolicy)
	}
	if ds.Name != fullname {
		t.Errorf("DaemonSet: name %s, want %s", ds.Name, fullname)
	}
	if sa := manifest.Only[*corev1.ServiceAccount](t, objects); sa.Namespace != namespace {
		t.Errorf("ServiceAccount in %q", sa.Namespace)
	}
	cfg, f := files(t, objects, ds)
	manifest.CheckConfigFollows(t, "ConfigMap", cfg, manifest.DefaultNodePortRange)
	manifest.CheckArgs(t, ds, f)
	manifest.CheckProbesPass(t, ds, manifest.Serve(t, ds, f))
	// The DaemonSet's arguments are deploy/kubernetes's, and more flags
	// with their defaults.
	kustomize := manifest.Container(t, manifest.Only[*appsv1.DaemonSet](t, manifest.DecodeFile(t, "../kubernetes/daemonset.yaml")))
	for _, a := range kustomize.Args {
		if !slices.Contains(c.Args, a) {
			t.Errorf("DaemonSet: argument %s of deploy/kubernetes is missing", a)
		}
	}
	if !reflect.DeepEqual(c.Resources, kustomize.Resources) {
		t.Errorf("DaemonSet: resources %+v, deploy/kubernetes's are %+v", c.Resources, kustomize.Resources)
	}
}

const everythingOn = `
image:
  repository: registry.example.com/kubeprobe_exporter
  tag: v0.1.0
  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  pullPolicy: Always
imagePullSecrets: [{name: regcred}]
listenPort: 9100
nodePorts:
  range: 20000-22767
  kubernetes: true
  ipvs: "on"
  static: 20080,21000-21010
collector:
  procfs: /host/proc
  timeWaitTop: 10
tracingHandshakes: true
exporter:
  logLevel: debug
  logFormat: json
  timeoutOffset: 0.25
  probeMaxConcurrent: 64
  historyLimit: 50
  historyMaxBytes: 8MiB
  shutdownGracePeriod: 20s
extraArgs: [--no-web.systemd-socket]
webConfig:
  basic_auth_users:
    prometheus: $2a$10$YUW3cjz7MNrZaT3PUtPOceGeUUog4l7kr/TgdnPfGPC9JLzw.yqcO
config:
  modules:
    grpc_health: null
    kafka_9093:
      prober: tcp
      timeout: 2s
resources:
  requests: {cpu: 50m, memory: 100Mi}
  limits: {cpu: "1", memory: 512Mi}
tolerations:
  - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}
nodeSelector: {kubernetes.io/os: linux}
affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
        - matchExpressions: [{key: pool, operator: NotIn, values: [gpu]}]
priorityClassName: system-node-critical
podAnnotations: {team: platform}
podLabels: {team: platform}
updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 10%}}
terminationGracePeriodSeconds: 40
serviceAccount:
  create: true
  name: kubeprobe
  annotations: {owner: platform}
rbac:
  create: true
service:
  enabled: true
  annotations: {owner: platform}
podMonitor:
  enabled: true
  labels: {release: kube-prometheus-stack}
  interval: 30s
  scrapeTimeout: 10s
  endpoint:
    basicAuth:
      username: {name: kubeprobe-scrape, key: username}
      password: {name: kubeprobe-scrape, key: password}
prometheusRule:
  enabled: true
  labels: {release: kube-prometheus-stack}
perNodeProbes:
  enabled: true
  labels: {release: kube-prometheus-stack}
  namespaces: [kafka, web]
  interval: 15s
  scrapeTimeout: 5s
  scrapeConfig:
    basicAuth:
      username: {name: kubeprobe-scrape, key: username}
      password: {name: kubeprobe-scrape, key: password}
`

// Every option on, each value taken where it belongs: the image by digest,
// another port and NodePort range (which the configuration's range modules
// and the ScrapeConfig follow), every NodePort source, the collector and
// exporter flags, basic auth (with tcpSocket probes that pass against the
// exporter started with it, which answers 401 to an httpGet of
// /-/healthy), scheduling, and every Prometheus Operator object.
func TestChartEverythingOn(t *testing.T) {
	objects := render(t, everythingOn)
	tolerations := []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, WebConfig: true, Tolerations: tolerations,
		Service: true, PodMonitor: true, ScrapeConfig: true, PrometheusRule: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	spec := ds.Spec.Template.Spec
	c := manifest.Container(t, ds)
	if want := "registry.example.com/kubeprobe_exporter@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"; c.Image != want || c.ImagePullPolicy != corev1.PullAlways {
		t.Errorf("DaemonSet: image %s (%s), want %s (Always): the digest wins over the tag", c.Image, c.ImagePullPolicy, want)
	}
	for _, want := range []string{
		"--web.listen-address=:9100", "--nodeport.range=20000-22767", "--nodeport.kubernetes", "--nodeport.ipvs",
		"--nodeport.static=20080,21000-21010", "--path.procfs=/host/proc", "--collector.timewait.top=10",
		"--log.level=debug", "--log.format=json", "--timeout-offset=0.25", "--probe.max-concurrent=64",
		"--history.limit=50", "--history.max-bytes=8MiB", "--shutdown.grace-period=20s", "--no-web.systemd-socket",
	} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("DaemonSet: no argument %s in %v", want, c.Args)
		}
	}
	if slices.Contains(c.Args, "--no-tracing.handshakes") {
		t.Error("DaemonSet: tracingHandshakes is on")
	}
	wantResources := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("100Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
	if !reflect.DeepEqual(c.Resources, wantResources) {
		t.Errorf("DaemonSet: resources %+v, want %+v", c.Resources, wantResources)
	}
	if spec.NodeSelector["kubernetes.io/os"] != "linux" || spec.Affinity == nil || spec.Affinity.NodeAffinity == nil ||
		spec.PriorityClassName != "system-node-critical" || len(spec.ImagePullSecrets) != 1 || spec.ImagePullSecrets[0].Name != "regcred" ||
		spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds != 40 {
		t.Errorf("DaemonSet: nodeSelector, affinity, priorityClassName, imagePullSecrets or terminationGracePeriodSeconds not as given: %+v", spec)
	}
	if ds.Spec.Template.Annotations["team"] != "platform" || ds.Spec.Template.Labels["team"] != "platform" ||
		ds.Spec.Template.Annotations["checksum/config"] == "" || ds.Spec.Template.Annotations["checksum/web-config"] == "" {
		t.Errorf("DaemonSet: pod annotations %v, labels %v: want team=platform and the checksums", ds.Spec.Template.Annotations, ds.Spec.Template.Labels)
	}
	if ds.Spec.UpdateStrategy.RollingUpdate == nil || ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.String() != "10%" {
		t.Errorf("DaemonSet: updateStrategy %+v", ds.Spec.UpdateStrategy)
	}
	if sa := manifest.Only[*corev1.ServiceAccount](t, objects); sa.Name != "kubeprobe" || sa.Annotations["owner"] != "platform" {
		t.Errorf("ServiceAccount %s %v, want kubeprobe with owner=platform", sa.Name, sa.Annotations)
	}
	if svc := manifest.Only[*corev1.Service](t, objects); svc.Spec.Ports[0].Port != 9100 || svc.Annotations["owner"] != "platform" {
		t.Errorf("Service: port %d, annotations %v", svc.Spec.Ports[0].Port, svc.Annotations)
	}

	pm := manifest.Only[*monitoringv1.PodMonitor](t, objects)
	e := pm.Spec.PodMetricsEndpoints[0]
	if pm.Labels["release"] != "kube-prometheus-stack" || e.Interval != "30s" || e.ScrapeTimeout != "10s" || e.BasicAuth == nil ||
		e.BasicAuth.Username.Name != "kubeprobe-scrape" {
		t.Errorf("PodMonitor: labels %v, interval %q, timeout %q, basicAuth %+v: not as given", pm.Labels, e.Interval, e.ScrapeTimeout, e.BasicAuth)
	}
	if rule := manifest.Only[*monitoringv1.PrometheusRule](t, objects); rule.Labels["release"] != "kube-prometheus-stack" {
		t.Errorf("PrometheusRule: labels %v", rule.Labels)
	}
	sc := manifest.Only[*monitoringv1alpha1.ScrapeConfig](t, objects)
	if sc.Labels["release"] != "kube-prometheus-stack" || sc.Spec.BasicAuth == nil || sc.Spec.ScrapeInterval == nil || *sc.Spec.ScrapeInterval != "15s" ||
		sc.Spec.ScrapeTimeout == nil || *sc.Spec.ScrapeTimeout != "5s" || sc.Spec.KubernetesSDConfigs[0].Namespaces == nil ||
		!slices.Equal(sc.Spec.KubernetesSDConfigs[0].Namespaces.Names, []string{"kafka", "web"}) {
		t.Errorf("ScrapeConfig: labels %v, basicAuth %+v, interval, timeout or namespaces not as given: %+v", sc.Labels, sc.Spec.BasicAuth, sc.Spec)
	}

	cfg, f := files(t, objects, ds)
	modules := cfg["modules"].(map[string]any)
	if _, ok := modules["grpc_health"]; ok {
		t.Error("config: grpc_health: null leaves the module in")
	}
	if _, ok := modules["kafka_9093"]; !ok {
		t.Error("config: the added module kafka_9093 is missing")
	}
	delete(modules, "kafka_9093")
	modules["grpc_health"] = manifest.ParseConfig(t, "config.example.yml", manifest.ReadFile(t, manifest.Repo(t, "config.example.yml")))["modules"].(map[string]any)["grpc_health"]
	manifest.CheckConfigFollows(t, "ConfigMap", cfg, "20000-22767")
	manifest.CheckArgs(t, ds, f)
	addr := manifest.Serve(t, ds, f)
	manifest.CheckBasicAuth(t, addr)
	manifest.CheckProbesPass(t, ds, addr)
}

// Every option off: no Kubernetes API (so no role, no binding, no token),
// no capture (so a non-root user without any capability), no IPVS, no
// Service, no service account of the chart's own.
func TestChartEverythingOff(t *testing.T) {
	objects := render(t, `
nodePorts: {kubernetes: false, ipvs: "off"}
tracingHandshakes: false
serviceAccount: {create: false}
rbac: {create: false}
service: {enabled: false}
podMonitor: {enabled: false}
serviceMonitor: {enabled: false}
prometheusRule: {enabled: false}
perNodeProbes: {enabled: false}
`)
	manifest.Check(t, objects, manifest.Expect{})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	c := manifest.Container(t, ds)
	if !slices.Contains(c.Args, "--no-nodeport.ipvs") || !slices.Contains(c.Args, "--no-tracing.handshakes") {
		t.Errorf("DaemonSet: want --no-nodeport.ipvs and --no-tracing.handshakes in %v", c.Args)
	}
	if n := len(manifest.All[*corev1.ServiceAccount](objects)); n != 0 || ds.Spec.Template.Spec.ServiceAccountName != "default" {
		t.Errorf("serviceAccount.create false: %d service accounts, the pod runs as %q", n, ds.Spec.Template.Spec.ServiceAccountName)
	}
	_, f := files(t, objects, ds)
	manifest.CheckArgs(t, ds, f)
	manifest.CheckProbesPass(t, ds, manifest.Serve(t, ds, f))

	// rbac.create false with the Kubernetes API on: no role from the chart
	// (you bind one yourself), the token still mounted.
	objects = render(t, "rbac: {create: false}\n")
	if n := len(manifest.All[*rbacv1.ClusterRole](objects)) + len(manifest.All[*rbacv1.ClusterRoleBinding](objects)); n != 0 {
		t.Errorf("rbac.create false: %d RBAC objects", n)
	}
	if ds := manifest.Only[*appsv1.DaemonSet](t, objects); ds.Spec.Template.Spec.AutomountServiceAccountToken == nil || !*ds.Spec.Template.Spec.AutomountServiceAccountToken {
		t.Error("rbac.create false with nodePorts.kubernetes: the pod still needs its token")
	}
}

// shadow.pods: --shadow.pods and --shadow.kubelet-version, and Pods in
// the ClusterRole; with nodePorts.kubernetes off, Pods alone, the token
// still mounted. The exporter accepts the arguments.
func TestChartShadowPods(t *testing.T) {
	objects := render(t, "shadow: {pods: true, kubeletVersion: \"1.31\"}\n")
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, ShadowPods: true, Service: true})
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	if got := manifest.FlagValue(manifest.Container(t, ds).Args, "shadow.kubelet-version", ""); got != "1.31" {
		t.Errorf("DaemonSet: --shadow.kubelet-version=%q, want 1.31", got)
	}
	_, f := files(t, objects, ds)
	manifest.CheckArgs(t, ds, f)

	objects = render(t, "shadow: {pods: true}\nnodePorts: {kubernetes: false}\n")
	manifest.Check(t, objects, manifest.Expect{Capture: true, ShadowPods: true, Service: true})
	if v := manifest.FlagValue(manifest.Container(t, manifest.Only[*appsv1.DaemonSet](t, objects)).Args, "shadow.kubelet-version", "unset"); v != "unset" {
		t.Errorf("DaemonSet: --shadow.kubelet-version=%s without shadow.kubeletVersion", v)
	}
}

// A ServiceMonitor instead of the PodMonitor, through the headless Service.
func TestChartServiceMonitor(t *testing.T) {
	objects := render(t, "serviceMonitor: {enabled: true, labels: {release: prom}, interval: 1m}\n")
	manifest.Check(t, objects, manifest.Expect{Capture: true, Kubernetes: true, Service: true, ServiceMonitor: true})
	if sm := manifest.Only[*monitoringv1.ServiceMonitor](t, objects); sm.Labels["release"] != "prom" || sm.Spec.Endpoints[0].Interval != "1m" {
		t.Errorf("ServiceMonitor: labels %v, interval %q", sm.Labels, sm.Spec.Endpoints[0].Interval)
	}
}

// configFile replaces config, and is rendered with tpl too.
func TestChartConfigFile(t *testing.T) {
	const file = "modules:\n  sweep:\n    prober: tcp\n    source_port_sweep: {range: '{{ .Values.nodePorts.range }}', count: 8, parallelism: 2}\n"
	objects := render(t, "nodePorts: {range: 20000-20999}\nconfigFile: |\n  "+strings.ReplaceAll(strings.TrimSuffix(file, "\n"), "\n", "\n  ")+"\n")
	ds := manifest.Only[*appsv1.DaemonSet](t, objects)
	cfg, f := files(t, objects, ds)
	if got, _ := manifest.Lookup(cfg, "modules.sweep.source_port_sweep.range"); got != "20000-20999" || len(cfg["modules"].(map[string]any)) != 1 {
		t.Errorf("configFile: the configuration is %v, want the one module with the range 20000-20999", cfg)
	}
	manifest.CheckArgs(t, ds, f)
}

// What the chart cannot honour is refused, saying what is wrong and what
// would be right.
func TestChartRefuses(t *testing.T) {
	for values, want := range map[string]string{
		"podMonitor: {enabled: true}\nserviceMonitor: {enabled: true}\n": "enable one of them",
		"serviceMonitor: {enabled: true}\nservice: {enabled: false}\n":   "serviceMonitor.enabled needs service.enabled",
		"listenPort: 30080\n":                               "listenPort 30080 is inside nodePorts.range 30000-32767",
		"listenPort: 9878\nnodePorts: {range: 9000+1000}\n": "listenPort 9878 is inside nodePorts.range 9000+1000",
		"listenPort: 40000\n":                               "inside the default ephemeral port range",
		"nodePorts: {range: 30000:32767}\n":                 `nodePorts.range "30000:32767": want the API server's --service-node-port-range`,
		"nodePorts: {ipvs: maybe}\n":                        `nodePorts.ipvs "maybe": want auto, on or off`,
		"image: {repository: ''}\n":                         "no image of kubeprobe_exporter is published",
		"config: null\n":                                    "config is empty",
	} {
		out, stderr, err := helm(t, values, "template", release, chart, "--namespace", namespace)
		if err == nil || !strings.Contains(stderr, want) {
			t.Errorf("values %q: helm template gives %v, want an error saying %q:\n%s%s", values, err, want, stderr, out)
		}
	}
}
