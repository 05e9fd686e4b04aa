package bench

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// The load generator makes the node's background traffic: connections
// from the node namespace to a listener in the pod namespace, at a fixed
// rate, each closed with a reset at once (SYN, SYN-ACK, ACK, RST), so
// that neither side keeps a TIME_WAIT socket and the rate can last. It
// runs in a process of its own, so its CPU is not the exporter's, and
// uses system calls directly, so that it needs as little CPU as it can.
// It prints its progress as "unix-nanoseconds connected failed" lines
// every progressEvery, and stops when its standard input closes or
// after MaxDuration, whichever comes first.

type loadSettings struct {
	PodNamespace string
	Target       netip.AddrPort // IPv4, in the pod namespace
	Rate         int            // connections a second
	Workers      int
	MaxDuration  time.Duration
}

const (
	progressEvery  = 200 * time.Millisecond
	connectTimeout = time.Second
	acceptors      = 2
	listenBacklog  = 4096
)

func runLoadRole(settings []byte) int {
	var s loadSettings
	if !decodeSettings(settings, &s) {
		return 2
	}
	ln, err := listenInNamespace(s.PodNamespace, s.Target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "listening in the pod namespace:", err)
		return 1
	}
	for range acceptors {
		go acceptAndClose(ln)
	}
	var connected, failed atomic.Int64
	start := time.Now()
	var tickets atomic.Int64
	for range s.Workers {
		go connectAtRate(s, start, &tickets, &connected, &failed)
	}
	go reportProgress(os.Stdout, &connected, &failed)
	stopped := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(s.MaxDuration):
	}
	reportFailures(os.Stderr)
	return 0
}

// failures counts the failed connects by error, for the log.
var failures sync.Map // error text → *atomic.Int64

func countFailure(err error) {
	n, _ := failures.LoadOrStore(err.Error(), new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

func reportFailures(w io.Writer) {
	failures.Range(func(k, v any) bool {
		fmt.Fprintf(w, "load generator: %d connects failed: %s\n", v.(*atomic.Int64).Load(), k)
		return true
	})
}

// listenInNamespace opens a blocking listening socket in namespace ns.
func listenInNamespace(ns string, addr netip.AddrPort) (fd int, err error) {
	err = netlab.InNamespace(ns, func() error {
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}); err != nil {
			return err
		}
		return unix.Listen(fd, listenBacklog)
	})
	return fd, err
}

// acceptAndClose empties the accept queue: a connection the client has
// reset stays queued until it is accepted.
func acceptAndClose(ln int) {
	for {
		fd, _, err := unix.Accept4(ln, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			return
		}
		unix.Close(fd)
	}
}

// connectAtRate takes tickets in turn with the other workers; ticket n is
// due n/Rate seconds after start. A worker that falls behind does not
// sleep until it has caught up, so the rate holds while the CPU allows.
func connectAtRate(s loadSettings, start time.Time, tickets, connected, failed *atomic.Int64) {
	to := &unix.SockaddrInet4{Port: int(s.Target.Port()), Addr: s.Target.Addr().As4()}
	for {
		n := tickets.Add(1)
		if wait := time.Until(start.Add(time.Duration(n) * time.Second / time.Duration(s.Rate))); wait > 0 {
			time.Sleep(wait)
		}
		if err := connectAndReset(to); err != nil {
			countFailure(err)
			failed.Add(1)
			continue
		}
		connected.Add(1)
	}
}

func connectAndReset(to unix.Sockaddr) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	// SO_SNDTIMEO bounds a blocking connect too.
	timeout := unix.NsecToTimeval(connectTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &timeout); err != nil {
		return err
	}
	if err := unix.Connect(fd, to); err != nil {
		return err
	}
	return unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
}

func reportProgress(w io.Writer, connected, failed *atomic.Int64) {
	out := bufio.NewWriter(w)
	for range time.Tick(progressEvery) {
		fmt.Fprintf(out, "%d %d %d\n", time.Now().UnixNano(), connected.Load(), failed.Load())
		out.Flush()
	}
}
