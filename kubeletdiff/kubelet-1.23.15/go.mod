module github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/kubelet-1.23.15

// kubelet 1.23.15's pkg/probe, for the differential test (see
// ../harness/kubelet.go). k8s.io/kubernetes requires its staging modules at v0.0.0,
// so each is replaced by its release; the few the module proxy does not
// serve, which pkg/probe never imports, by a release it does serve.

go 1.26.0

require (
	github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/harness v0.0.0
	k8s.io/component-base v0.23.17
	k8s.io/kubernetes v1.23.15
)

require (
	github.com/go-logr/logr v1.4.4 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	k8s.io/apimachinery v0.23.17 // indirect
	k8s.io/klog/v2 v2.30.0 // indirect
	k8s.io/utils v0.0.0-20211116205334-6203023598ed // indirect
)

replace github.com/kubeprobe/kubeprobe_exporter/kubeletdiff/harness => ../harness

replace k8s.io/api => k8s.io/api v0.23.15

replace k8s.io/apiextensions-apiserver => k8s.io/apiextensions-apiserver v0.23.15

replace k8s.io/apimachinery => k8s.io/apimachinery v0.23.15

replace k8s.io/apiserver => k8s.io/apiserver v0.23.15

replace k8s.io/cli-runtime => k8s.io/cli-runtime v0.23.17

replace k8s.io/client-go => k8s.io/client-go v0.23.15

replace k8s.io/cloud-provider => k8s.io/cloud-provider v0.23.17

replace k8s.io/cluster-bootstrap => k8s.io/cluster-bootstrap v0.23.17

replace k8s.io/code-generator => k8s.io/code-generator v0.23.15

replace k8s.io/component-base => k8s.io/component-base v0.23.15

replace k8s.io/component-helpers => k8s.io/component-helpers v0.23.17

replace k8s.io/controller-manager => k8s.io/controller-manager v0.23.17

replace k8s.io/cri-api => k8s.io/cri-api v0.23.17

replace k8s.io/csi-translation-lib => k8s.io/csi-translation-lib v0.23.17

replace k8s.io/kube-aggregator => k8s.io/kube-aggregator v0.23.17

replace k8s.io/kube-controller-manager => k8s.io/kube-controller-manager v0.23.17

replace k8s.io/kube-proxy => k8s.io/kube-proxy v0.23.17

replace k8s.io/kube-scheduler => k8s.io/kube-scheduler v0.23.17

replace k8s.io/kubectl => k8s.io/kubectl v0.23.17

replace k8s.io/kubelet => k8s.io/kubelet v0.23.15

replace k8s.io/legacy-cloud-providers => k8s.io/legacy-cloud-providers v0.23.17

replace k8s.io/metrics => k8s.io/metrics v0.23.17

replace k8s.io/mount-utils => k8s.io/mount-utils v0.23.17

replace k8s.io/pod-security-admission => k8s.io/pod-security-admission v0.23.15

replace k8s.io/sample-apiserver => k8s.io/sample-apiserver v0.23.17

replace k8s.io/sample-cli-plugin => k8s.io/sample-cli-plugin v0.26.1

replace k8s.io/sample-controller => k8s.io/sample-controller v0.26.1
