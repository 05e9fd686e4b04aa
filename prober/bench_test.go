package prober

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// BenchmarkProbeTCP runs whole tcp probes on loopback, with and without
// the handshake capture; compare the two in one run:
//
//	go test -run '^$' -bench ProbeTCP -count 6 ./prober | benchstat -col /trace -
func BenchmarkProbeTCP(b *testing.B) {
	target := testserver.Accepting(b, "tcp", "127.0.0.1:0")
	m := mustModule(b, "prober: tcp\ntimeout: 2s")
	runners := map[string]*Runner{"off": NewRunner(nil, nil, log.NewNopLogger())}
	if os.Geteuid() == 0 {
		tracer, err := handshake.Open(log.NewNopLogger())
		if err != nil {
			b.Fatal(err)
		}
		defer tracer.Close()
		runners["on"] = NewRunner(tracer, nil, log.NewNopLogger())
	}
	for _, trace := range []string{"off", "on"} {
		runner, ok := runners[trace]
		if !ok {
			continue // the capture needs root
		}
		b.Run("trace="+trace, func(b *testing.B) {
			req := Request{Target: target, ModuleName: "m", Module: m, Timeout: 2 * time.Second}
			for b.Loop() {
				if r := runner.Run(context.Background(), req); r.Verdict.Result != Success {
					b.Fatal(r.Verdict.Output)
				}
			}
		})
	}
}
