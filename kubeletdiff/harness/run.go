package harness

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// RequireVersion fails the test unless kubelet's version, as
// component-base reports it (major, minor), is release's: the User-Agent
// kubelet sends carries it, and only a release build's -ldflags set it.
func RequireVersion(t *testing.T, release, major, minor string) {
	t.Helper()
	if major+"."+minor != release[:strings.LastIndex(release, ".")] {
		t.Fatalf("kubelet's version is %q.%q: run with -ldflags '-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=N' (make kubelet-diff does)", major, minor)
	}
}

// Run runs every case that applies to k's release through kubelet's code
// and through the exporter, and fails on every difference that is not a
// known one.
func Run(t *testing.T, k Kubelet) {
	rel := k.Release()
	cases := applicable(rel, append(upstreamCases(), ownCases()...))
	e := startExporter(t, rel, cases)
	var agree, known int
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			host, port := where(t, c)
			kubelet := kubeletSide(k, c, host, port)
			if c.Want != "" && kubelet.Result != c.Want {
				t.Errorf("kubelet %s's own test expects %s, its code gave %s %q: the harness does not run it as the test does", rel, c.Want, kubelet.Result, kubelet.Output)
			}
			got, shownOf := e.probe(t, moduleName(i), target(c, host, port))
			switch {
			case c.Refused != "":
				if got.Result != "refused" || !strings.HasPrefix(got.Output, c.Refused) {
					t.Errorf("the exporter gave %s %q, want the known refusal %q (kubelet: %s %q)", got.Result, got.Output, c.Refused, kubelet.Result, kubelet.Output)
				}
				known++
			case !same(kubelet, got, shownOf):
				t.Errorf("kubelet %s and the exporter differ\n kubelet:  %s %q\n exporter: %s %q", rel, kubelet.Result, kubelet.Output, got.Result, got.Output)
			default:
				agree++
			}
		})
	}
	fmt.Printf("kubelet %s: %d cases: %d agree, %d known differences, %d differ\n", rel, len(cases), agree, known, len(cases)-agree-known)
}

// same compares outcomes; the exporter's debug output shows at most the
// start of a long output, and how long it was. The kernel's choice of a
// source port, which Go's errors name, is no difference.
func same(kubelet, exporter Outcome, shownOf int) bool {
	kubelet.Output, exporter.Output = anySourcePort(kubelet.Output), anySourcePort(exporter.Output)
	if shownOf > 0 {
		return kubelet.Result == exporter.Result && len(kubelet.Output) == shownOf && strings.HasPrefix(kubelet.Output, exporter.Output)
	}
	return kubelet == exporter
}

// kubeletSide runs the case through kubelet's code.
func kubeletSide(k Kubelet, c Case, host string, port int) Outcome {
	return kubeletOutcome(func() (string, string, error) {
		switch c.Probe.Kind {
		case "tcp":
			return k.TCP(c.Probe, host, port)
		case "grpc":
			return k.GRPC(c.Probe, host, port)
		}
		return k.HTTP(c.Probe, host, port)
	})
}

// target names the case's server as /probe's target parameter.
func target(c Case, host string, port int) string {
	switch {
	case c.Probe.PortName != "" && c.Probe.Kind == "http":
		return host
	case c.Probe.PortName != "":
		return net.JoinHostPort(host, c.Probe.PortName)
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// where starts the case's server and says where to probe it.
func where(t *testing.T, c Case) (string, int) {
	host, port := c.Server(t)
	switch c.Host {
	case "":
	case emptyHost:
		host = ""
	default:
		host = c.Host
	}
	if c.Port != nil {
		port = *c.Port
	}
	return host, port
}

// applicable keeps the cases for release rel.
func applicable(rel string, cases []Case) []Case {
	var out []Case
	for _, c := range cases {
		if c.Since == "" || !versionLess(rel, c.Since) {
			out = append(out, c)
		}
	}
	return out
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range pa {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return false
}

// sourcePort is the local address of "read tcp 127.0.0.1:40060->…".
var sourcePort = regexp.MustCompile(`(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+->`)

func anySourcePort(s string) string { return sourcePort.ReplaceAllString(s, "$1:*->") }
