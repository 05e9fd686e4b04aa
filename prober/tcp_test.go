package prober

import (
	"net"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

func TestTCPConnectsAndClosesWithoutSending(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	received := make(chan int, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 16)
		n, _ := c.Read(buf) // returns at the prober's FIN
		received <- n
	}()
	r := runProbe(t, l.Addr().String(), mustModule(t, "prober: tcp"))
	assertOutcome(t, r, Success, "")
	if n := <-received; n != 0 {
		t.Errorf("the server read %d bytes; a tcp probe sends none", n)
	}
	if got := metric(t, r, "probe_ip_protocol"); got != 4 {
		t.Errorf("probe_ip_protocol = %v, want 4", got)
	}
}

func TestTCPRefusedReadsLikeKubelet(t *testing.T) {
	addr := closedPort(t)
	r := runProbe(t, addr, mustModule(t, "prober: tcp"))
	assertOutcome(t, r, Failure, "dial tcp "+addr+": connect: connection refused")
}

func TestTCPOverIPv6Loopback(t *testing.T) {
	r := runProbe(t, testserver.Accepting(t, "tcp6", "[::1]:0"), mustModule(t, "prober: tcp"))
	assertOutcome(t, r, Success, "")
	if got := metric(t, r, "probe_ip_protocol"); got != 6 {
		t.Errorf("probe_ip_protocol = %v, want 6", got)
	}
}

func TestTCPResolvesHostNames(t *testing.T) {
	_, port, _ := net.SplitHostPort(testserver.Accepting(t, "tcp", "127.0.0.1:0"))
	r := runProbe(t, "localhost:"+port, mustModule(t, "prober: tcp\nsource_ip_address: 127.0.0.1"))
	assertOutcome(t, r, Success, "")
	if got := metric(t, r, "probe_dns_lookup_time_seconds"); got <= 0 {
		t.Errorf("probe_dns_lookup_time_seconds = %v, want the lookup of localhost timed", got)
	}
}
