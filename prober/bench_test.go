package prober

import (
	"context"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// BenchmarkProbeTCP runs whole tcp probes on loopback, with and without
// the handshake capture; compare the two in one run:
//
//	go test -run '^$' -bench ProbeTCP -count 6 ./prober | benchstat -col /trace -
func BenchmarkProbeTCP(b *testing.B) {
	target := testserver.Accepting(b, "tcp", "127.0.0.1:0")
	m := mustModule(b, "prober: tcp\ntimeout: 2s")
	runners := map[string]*Runner{"off": NewRunner(nil, log.NewNopLogger())}
	if os.Geteuid() == 0 {
		tracer, err := NewTracer(log.NewNopLogger())
		if err != nil {
			b.Fatal(err)
		}
		defer tracer.Close()
		runners["on"] = NewRunner(tracer, log.NewNopLogger())
	}
	for _, trace := range []string{"off", "on"} {
		runner, ok := runners[trace]
		if !ok {
			continue // the capture needs root
		}
		b.Run("trace="+trace, func(b *testing.B) {
			req := Request{Target: target, ModuleName: "m", Module: m, Timeout: 2 * time.Second}
			for b.Loop() {
				if r := runner.Run(context.Background(), req); r.Outcome.Result != Success {
					b.Fatal(r.Outcome.Output)
				}
			}
		})
	}
}

// BenchmarkDispatch is the capture's cost per segment with many connects
// in flight at once.
func BenchmarkDispatch(b *testing.B) {
	tr := newTestTracer()
	for port := uint16(30000); port < 31000; port++ {
		tr.Begin(testRemote).Bound(netip.AddrPortFrom(testLocal.Addr(), port))
	}
	s := seg(netip.AddrPortFrom(testLocal.Addr(), 30500), testRemote, tcpSYN, true, 2)
	unrelated := seg(netip.MustParseAddrPort("10.1.2.3:40000"), netip.MustParseAddrPort("10.9.9.9:443"), tcpSYN, true, 2)
	b.Run("attributed", func(b *testing.B) {
		for b.Loop() {
			tr.dispatch(s)
			tr.handshakes[fourTuple{s.src, s.dst}].segments = nil
		}
	})
	b.Run("unrelated", func(b *testing.B) {
		for b.Loop() {
			tr.dispatch(unrelated)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	d := newSegmentDecoder()
	data := packet{proto: 6, syn: true, ack: true}.bytes(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.decode(data, 0x0800); !ok {
			b.Fatal("not decoded")
		}
	}
}
