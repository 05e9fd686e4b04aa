// Package netlab builds the real-kernel test lab (docs/lab.md): two
// network namespaces, "node" and "pod", joined by a veth pair, with
// addresses from the benchmarking range 198.18.0.0/15 and the
// documentation range 2001:db8::/32 only.
//
// A test's body runs inside the node namespace in a child process: Run
// builds the lab, applies the test's setup from outside, then re-executes
// the test binary under `ip netns exec` with only that test selected. Every
// thread of the child is then in the node namespace, so sockets the code
// under test opens, and the sysctls it reads, are the node's.
package netlab

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// Lab describes the namespaces of one test.
type Lab struct {
	Node, Pod         string // namespace names
	NodeIPv4, PodIPv4 netip.Addr
	NodeIPv6, PodIPv6 netip.Addr
	NodeLink, PodLink string // the veth ends, inside their namespaces
}

const (
	envLab  = "KUBEPROBE_NETLAB"      // the child's Lab, as JSON
	envTest = "KUBEPROBE_NETLAB_TEST" // the test the child runs the body of
)

var labCount atomic.Int32

// Require skips the test when it cannot build namespaces here (not root,
// or iproute2/iptables missing), and fails it instead under CI=true,
// where a missing privilege or tool is a broken environment.
func Require(t testing.TB) {
	t.Helper()
	if inChild() {
		return
	}
	var missing []string
	if runtime.GOOS != "linux" {
		missing = append(missing, "Linux")
	}
	if os.Geteuid() != 0 {
		missing = append(missing, "root (network namespaces, iptables, AF_PACKET)")
	}
	for _, tool := range []string{"ip", "iptables", "ip6tables"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool+" (Debian: iproute2, iptables)")
		}
	}
	if len(missing) == 0 {
		return
	}
	testenv.Missing(t, "the network-namespace lab needs "+strings.Join(missing, ", ")+
		"; run the tests as root (sudo make test) to include it")
}

// Run builds a lab for t, calls setup in the test process (outside the
// namespaces: use Exec and Sysctl), then runs body in a child process
// inside the node namespace. In the child, Run calls only body.
func Run(t *testing.T, setup func(t *testing.T, l *Lab), body func(t *testing.T, l *Lab)) {
	t.Helper()
	run(t, setup, body, nil)
}

// RunWithoutNetRaw is Run with the child stripped of CAP_NET_RAW, as an
// exporter that was not granted it runs: it can open TCP sockets but no
// packet capture.
func RunWithoutNetRaw(t *testing.T, setup func(t *testing.T, l *Lab), body func(t *testing.T, l *Lab)) {
	t.Helper()
	run(t, setup, body, []string{"net_raw"})
}

// RunWithoutCapabilities is Run with the child stripped of the named
// capabilities (setpriv's names: net_raw, net_bind_service), as a process
// that was not granted them runs, root or not.
func RunWithoutCapabilities(t *testing.T, caps []string, setup func(t *testing.T, l *Lab), body func(t *testing.T, l *Lab)) {
	t.Helper()
	run(t, setup, body, caps)
}

func run(t *testing.T, setup, body func(t *testing.T, l *Lab), dropCaps []string) {
	t.Helper()
	if l := childLab(t); l != nil {
		body(t, l)
		return
	}
	Require(t)
	l := create(t)
	if setup != nil {
		setup(t, l)
	}
	out := l.runChild(t, childArgs(t.Name(), false), dropCaps)
	if !strings.Contains(out, "--- PASS: "+t.Name()) {
		t.Fatalf("the test did not run inside namespace %s (pattern %q)", l.Node, runPattern(t.Name()))
	}
}

// RunBenchmark is Run for a benchmark: body is the benchmark, run in the
// child inside the node namespace, and the parent reports the child's
// results (ns/op and every custom metric) as its own.
func RunBenchmark(b *testing.B, setup func(tb testing.TB, l *Lab), body func(b *testing.B, l *Lab)) {
	b.Helper()
	if l := childLab(b); l != nil {
		body(b, l)
		return
	}
	// The framework calls a benchmark more than once (b.N = 1 first);
	// the lab's results stand for every call.
	if line, ok := benchResults.Load(b.Name()); ok {
		reportChildResults(b, line.(string))
		return
	}
	Require(b)
	l := create(b)
	if setup != nil {
		setup(b, l)
	}
	line := resultLine(b.Name(), l.runChild(b, childArgs(b.Name(), true), nil))
	if line == "" {
		b.Fatalf("the benchmark did not run inside namespace %s", l.Node)
	}
	benchResults.Store(b.Name(), line)
	reportChildResults(b, line)
}

// benchResults keeps each benchmark's result line from its child.
var benchResults sync.Map

// resultLine finds the child's result line for the benchmark name, e.g.
// "BenchmarkX-2  5  123 ns/op  45.6 ss-ns/op".
func resultLine(name, out string) string {
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Fields(line); len(fields) >= 4 && strings.HasPrefix(fields[0], name) {
			return line
		}
	}
	return ""
}

// reportChildResults reports the metrics of a result line as b's own.
func reportChildResults(b *testing.B, line string) {
	fields := strings.Fields(line)
	for i := 2; i+1 < len(fields); i += 2 {
		if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
			b.ReportMetric(v, fields[i+1])
		}
	}
}

func inChild() bool { return os.Getenv(envLab) != "" }

// InChild tells whether this process is a lab child, re-executed inside
// a node namespace to run one test's or benchmark's body; a harness that
// gathers its children's results does so in the parent only.
func InChild() bool { return inChild() }

// childLab returns the lab when this process is the child running t.
func childLab(t testing.TB) *Lab {
	if !inChild() || os.Getenv(envTest) != t.Name() {
		return nil
	}
	var l Lab
	if err := json.Unmarshal([]byte(os.Getenv(envLab)), &l); err != nil {
		t.Fatalf("decoding %s: %v", envLab, err)
	}
	return &l
}

// create makes the namespaces and the veth pair, and removes them when
// the test ends.
func create(t testing.TB) *Lab {
	t.Helper()
	id := fmt.Sprintf("%d-%d", os.Getpid(), labCount.Add(1))
	l := &Lab{
		Node: "kpnode-" + id, Pod: "kppod-" + id,
		NodeIPv4: netip.MustParseAddr("198.18.0.1"), PodIPv4: netip.MustParseAddr("198.18.0.2"),
		NodeIPv6: netip.MustParseAddr("2001:db8::1"), PodIPv6: netip.MustParseAddr("2001:db8::2"),
		NodeLink: "vnode", PodLink: "vpod",
	}
	hostNode, hostPod := "kn"+strings.ReplaceAll(id, "-", "x"), "kp"+strings.ReplaceAll(id, "-", "x")
	for _, ns := range []string{l.Node, l.Pod} {
		command(t, "ip", "netns", "add", ns)
		t.Cleanup(func() {
			// Deleting the namespace also removes its end of the veth pair.
			if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
				t.Logf("removing namespace %s: %v %s", ns, err, out)
			}
		})
	}
	command(t, "ip", "link", "add", hostNode, "type", "veth", "peer", "name", hostPod)
	command(t, "ip", "link", "set", hostNode, "netns", l.Node, "name", l.NodeLink)
	command(t, "ip", "link", "set", hostPod, "netns", l.Pod, "name", l.PodLink)
	for _, side := range []struct {
		ns, link string
		v4, v6   netip.Addr
	}{{l.Node, l.NodeLink, l.NodeIPv4, l.NodeIPv6}, {l.Pod, l.PodLink, l.PodIPv4, l.PodIPv6}} {
		l.Exec(t, side.ns, "ip", "addr", "add", side.v4.String()+"/24", "dev", side.link)
		// nodad: usable at once, without waiting for duplicate detection.
		l.Exec(t, side.ns, "ip", "-6", "addr", "add", side.v6.String()+"/64", "dev", side.link, "nodad")
		l.Exec(t, side.ns, "ip", "link", "set", side.link, "up")
		l.Exec(t, side.ns, "ip", "link", "set", "lo", "up")
	}
	return l
}

// Exec runs a command inside namespace ns and returns its output.
func (l *Lab) Exec(t testing.TB, ns string, args ...string) string {
	t.Helper()
	return command(t, append([]string{"ip", "netns", "exec", ns}, args...)...)
}

// Sysctl sets a sysctl inside namespace ns, e.g.
// Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30000 30100").
func (l *Lab) Sysctl(t testing.TB, ns, key, value string) {
	t.Helper()
	l.Exec(t, ns, "sysctl", "-q", "-w", key+"="+value)
}

// ResetSYNACKsTo installs the lab's NodePort-like owner: SYN-ACKs
// arriving at the node for ports lo-hi are answered with a reset, as IPVS
// does for a NodePort that is also the client's source port.
func (l *Lab) ResetSYNACKsTo(t testing.TB, lo, hi int) {
	t.Helper()
	l.synACKRule(t, lo, hi, "REJECT", "--reject-with", "tcp-reset")
}

// DropSYNACKsTo drops SYN-ACKs arriving at the node for ports lo-hi.
func (l *Lab) DropSYNACKsTo(t testing.TB, lo, hi int) {
	t.Helper()
	l.synACKRule(t, lo, hi, "DROP")
}

// synACKRule applies target to SYN-ACKs arriving from the pod side for
// ports lo-hi. Loopback is exempt: the tests' own connections (a client to
// the exporter, Prometheus scraping it) take ephemeral ports that may fall
// in lo-hi, and resetting those made them fail at random.
func (l *Lab) synACKRule(t testing.TB, lo, hi int, target ...string) {
	t.Helper()
	ports := fmt.Sprintf("%d:%d", lo, hi)
	for _, ipt := range []string{"iptables", "ip6tables"} {
		rule := []string{ipt, "-A", "INPUT", "!", "-i", "lo", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK",
			"--dport", ports, "-j"}
		l.Exec(t, l.Node, append(rule, target...)...)
	}
}

// runChild re-executes the test binary inside the node namespace with
// args, without the capabilities dropCaps, and returns its output; a
// failing child fails t.
func (l *Lab) runChild(t testing.TB, args []string, dropCaps []string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	encoded, _ := json.Marshal(l)
	argv := []string{"netns", "exec", l.Node}
	if len(dropCaps) > 0 {
		// Out of the bounding set, a capability is gone after exec even
		// for root. setpriv is util-linux's, on every Debian system.
		drop := "-" + strings.Join(dropCaps, ",-")
		argv = append(argv, "setpriv", "--bounding-set="+drop, "--inh-caps="+drop)
	}
	cmd := exec.Command("ip", append(append(argv, self), args...)...)
	cmd.Env = append(os.Environ(), envLab+"="+string(encoded), envTest+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("inside namespace %s:\n%s", l.Node, out)
	if err != nil {
		t.Fatalf("failed inside namespace %s: %v", l.Node, err)
	}
	return string(out)
}

// childArgs selects exactly the named test or benchmark in the child,
// with the parent's -test.benchtime for a benchmark.
func childArgs(name string, benchmark bool) []string {
	if benchmark {
		args := []string{"-test.run", "^$", "-test.bench", runPattern(name), "-test.count=1", "-test.benchmem"}
		if f := flag.Lookup("test.benchtime"); f != nil {
			args = append(args, "-test.benchtime="+f.Value.String())
		}
		return args
	}
	return append([]string{"-test.run", runPattern(name), "-test.v", "-test.count=1"}, passedTestFlags()...)
}

// runPattern selects exactly the test (or subtest) named name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// passedTestFlags carries the parent's -test.short over.
func passedTestFlags() []string {
	var flags []string
	if testing.Short() {
		flags = append(flags, "-test.short")
	}
	return flags
}

func command(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
