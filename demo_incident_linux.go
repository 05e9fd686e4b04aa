package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"golang.org/x/sys/unix"
)

// The incident's lab, as docs/lab.md builds it: a node and a pod
// namespace joined by a veth pair, on addresses of the benchmarking range
// 198.18.0.0/15 only, and on the node a NodePort-like owner of
// 30000-32767 that resets SYN-ACKs arriving for those ports.
const (
	demoNodeIP   = "198.18.0.1"
	demoPodIP    = "198.18.0.2"
	demoPodPort  = "8080"
	demoNodePort = "30080"
)

// demoLab is the throwaway namespaces; remove deletes them, and the veth
// pair with them.
type demoLab struct {
	node, pod string
	listener  net.Listener
}

// runDemoIncident replays the second incident as root and returns what
// removes its lab; without root it says how to see it.
func runDemoIncident(ctx context.Context, out io.Writer, configFile string, logger log.Logger) func() {
	if os.Geteuid() != 0 {
		fmt.Fprintln(out, "\nThe NodePort reset incident needs root (network namespaces, iptables) and the packet timeline CAP_NET_RAW:\n"+
			"run the demo with sudo to see it replayed in a throwaway network namespace.")
		return func() {}
	}
	lab, err := newDemoLab(ctx)
	if err != nil {
		level.Error(logger).Log("msg", "The incident's lab could not be built; the rest of the demo runs", "err", err)
		if lab != nil {
			lab.remove()
		}
		return func() {}
	}
	self, err := os.Executable()
	if err != nil {
		lab.remove()
		return func() {}
	}
	args := []string{"ip", "netns", "exec", lab.node, self, "probe", "--config.file=" + configFile, "--module=incident",
		"--nodeport.static=" + demoNodePort, "--no-nodeport.ipvs", "--source-port=" + demoNodePort, demoPodIP + ":" + demoPodPort}
	fmt.Fprintf(out, "\nThe second incident, in namespace %s: a tcpSocket probe of a pod's listener from source port %s, an allocated NodePort:\n  %s\n\n",
		lab.node, demoNodePort, strings.Join(args, " "))
	probeOut, _ := exec.CommandContext(ctx, args[0], args[1:]...).Output() // it fails: that is the incident
	writeIncidentSummary(out, string(probeOut))
	fmt.Fprintf(out, "\nThe same probe from a port the kernel chooses is established: the same command with --source-port=ephemeral.\n")
	return lab.remove
}

// writeIncidentSummary keeps the probe's verdict lines and its packet
// timeline, not the whole debug output.
func writeIncidentSummary(out io.Writer, probeOut string) {
	s := bufio.NewScanner(strings.NewReader(probeOut))
	inTimeline := false
	for n := 0; s.Scan(); n++ {
		line := s.Text()
		switch {
		case n < 2, strings.HasPrefix(line, "Handshake ") && strings.Contains(line, " of "):
			inTimeline = n >= 2
			fmt.Fprintln(out, "  "+line)
		case inTimeline && line == "":
			inTimeline = false
		case inTimeline:
			fmt.Fprintln(out, "  "+line)
		}
	}
}

func newDemoLab(ctx context.Context) (*demoLab, error) {
	id := os.Getpid()
	lab := &demoLab{node: fmt.Sprintf("kpdemo-node-%d", id), pod: fmt.Sprintf("kpdemo-pod-%d", id)}
	vnode, vpod := fmt.Sprintf("kpdn%d", id), fmt.Sprintf("kpdp%d", id)
	nodeExec := []string{"ip", "netns", "exec", lab.node}
	podExec := []string{"ip", "netns", "exec", lab.pod}
	steps := [][]string{
		{"ip", "netns", "add", lab.node},
		{"ip", "netns", "add", lab.pod},
		{"ip", "link", "add", vnode, "type", "veth", "peer", "name", vpod},
		{"ip", "link", "set", vnode, "netns", lab.node, "name", "vnode"},
		{"ip", "link", "set", vpod, "netns", lab.pod, "name", "vpod"},
		append(nodeExec, "ip", "addr", "add", demoNodeIP+"/24", "dev", "vnode"),
		append(podExec, "ip", "addr", "add", demoPodIP+"/24", "dev", "vpod"),
		append(nodeExec, "ip", "link", "set", "vnode", "up"),
		append(podExec, "ip", "link", "set", "vpod", "up"),
		append(nodeExec, "ip", "link", "set", "lo", "up"),
		append(podExec, "ip", "link", "set", "lo", "up"),
		// Loopback is spared, as in the tests' lab.
		append(nodeExec, "iptables", "-A", "INPUT", "!", "-i", "lo", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN,ACK",
			"--dport", "30000:32767", "-j", "REJECT", "--reject-with", "tcp-reset"),
	}
	for _, step := range steps {
		if out, err := exec.CommandContext(ctx, step[0], step[1:]...).CombinedOutput(); err != nil {
			return lab, fmt.Errorf("%s: %v: %s", strings.Join(step, " "), err, strings.TrimSpace(string(out)))
		}
	}
	l, err := listenInNamespace(lab.pod, demoPodIP+":"+demoPodPort)
	if err != nil {
		return lab, err
	}
	lab.listener = l
	go acceptAndClose(l)
	return lab, nil
}

func (l *demoLab) remove() {
	if l.listener != nil {
		l.listener.Close()
	}
	for _, ns := range []string{l.node, l.pod} {
		if _, err := os.Stat("/run/netns/" + ns); err != nil {
			continue // building the lab failed before it
		}
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "removing namespace %s: %v %s; remove it with: ip netns del %s\n", ns, err, out, ns)
		}
	}
}

// listenInNamespace opens a listener in namespace ns: a socket belongs to
// the namespace its thread was in when it was made, for its whole life.
// It runs on a goroutine of its own, whose thread Go retires if it cannot
// return to the exporter's namespace.
func listenInNamespace(ns, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		l, back, err := listenOnThisThread(ns, addr)
		if back {
			runtime.UnlockOSThread()
		}
		done <- result{l, err}
	}()
	r := <-done
	return r.l, r.err
}

// listenOnThisThread enters ns, listens, and returns to the thread's own
// namespace; back says whether it did.
func listenOnThisThread(ns, addr string) (l net.Listener, back bool, err error) {
	own, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return nil, true, err
	}
	defer own.Close()
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return nil, true, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return nil, true, fmt.Errorf("entering namespace %s: %w", ns, err)
	}
	l, err = net.Listen("tcp", addr)
	if backErr := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); backErr != nil {
		if l != nil {
			l.Close()
		}
		return nil, false, fmt.Errorf("returning from namespace %s: %w", ns, backErr)
	}
	return l, true, err
}
