package netlab

import (
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// listenInPod opens a TCP listener in the pod namespace that accepts and
// closes connections.
func listenInPod(t *testing.T, l *Lab, addr netip.AddrPort) {
	t.Helper()
	var ln net.Listener
	err := InNamespace(l.Pod, func() (err error) {
		ln, err = net.Listen("tcp", addr.String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go testserver.AcceptAndClose(ln)
}

func TestLabConnectsNodeToPod(t *testing.T) {
	Run(t, func(t *testing.T, l *Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "40000 40010")
	}, func(t *testing.T, l *Lab) {
		rangeText, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
		if err != nil || strings.Join(strings.Fields(string(rangeText)), " ") != "40000 40010" {
			t.Fatalf("ip_local_port_range in the child = %q, %v: the child is not in the node namespace", rangeText, err)
		}
		for _, ip := range []netip.Addr{l.PodIPv4, l.PodIPv6} {
			addr := netip.AddrPortFrom(ip, 8080)
			listenInPod(t, l, addr)
			c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
			if err != nil {
				t.Fatalf("node to pod %s: %v", addr, err)
			}
			local := c.LocalAddr().(*net.TCPAddr)
			c.Close()
			if local.Port < 40000 || local.Port > 40010 {
				t.Errorf("source port %d, want one from the namespace's range 40000-40010", local.Port)
			}
		}
	})
}

func TestLabResetsSYNACKsToNodePorts(t *testing.T) {
	Run(t, func(t *testing.T, l *Lab) {
		l.ResetSYNACKsTo(t, 30000, 32767)
	}, func(t *testing.T, l *Lab) {
		addr := netip.AddrPortFrom(l.PodIPv4, 80)
		listenInPod(t, l, addr)
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: l.NodeIPv4.AsSlice(), Port: 30080}, Timeout: 1500 * time.Millisecond}
		c, err := d.Dial("tcp", addr.String())
		if err == nil {
			c.Close()
			t.Fatal("connected from NodePort 30080; the reset rule should have stopped it")
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("err = %v, want a timeout, as in the incident of docs/handshakes.md", err)
		}
	})
}

// The lab's SYN-ACK rules stand for the node's NodePort owner and apply
// to traffic from the pod side only: a test's own loopback connections
// (to the exporter, from Prometheus) must work whatever port they get.
func TestLabSYNACKRulesSpareLoopback(t *testing.T) {
	Run(t, func(t *testing.T, l *Lab) {
		l.Sysctl(t, l.Node, "net.ipv4.ip_local_port_range", "30000 30099")
		l.ResetSYNACKsTo(t, 30000, 30049)
		l.DropSYNACKsTo(t, 30050, 30099)
	}, func(t *testing.T, l *Lab) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go testserver.AcceptAndClose(ln)
		for i := range 20 {
			c, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
			if err != nil {
				t.Fatalf("loopback connection %d, every source port inside the rules' ranges: %v", i, err)
			}
			c.Close()
		}
	})
}
