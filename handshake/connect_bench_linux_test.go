package handshake

import (
	"context"
	"net"
	"net/netip"
	"testing"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// BenchmarkConnect is one connect and close of a loopback listener, by
// Go's dialer and by the traced connect (with no capture), each with and
// without kubelet's SO_LINGER of 1 s (a close that waits for its FIN to
// be acknowledged); compare them in one run:
//
//	go test -run '^$' -bench Connect -count 6 ./handshake | benchstat -col /dialer -
func BenchmarkConnect(b *testing.B) {
	remote := netip.MustParseAddrPort(testserver.Accepting(b, "tcp", "127.0.0.1:0"))
	dialers := []struct {
		name string
		dial func(linger bool) (net.Conn, error)
	}{
		{"go", func(linger bool) (net.Conn, error) {
			c, err := net.Dial("tcp", remote.String())
			if err == nil && linger {
				err = c.(*net.TCPConn).SetLinger(1)
			}
			return c, err
		}},
		{"traced", func(linger bool) (net.Conn, error) {
			c, _, err := connect(context.Background(), remote, Options{Linger: linger}, nil)
			return c, err
		}},
	}
	for _, linger := range []bool{false, true} {
		for _, d := range dialers {
			name := "dialer=" + d.name + "/linger=off"
			if linger {
				name = "dialer=" + d.name + "/linger=1s"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					c, err := d.dial(linger)
					if err != nil {
						b.Fatal(err)
					}
					c.Close()
				}
			})
		}
	}
}
