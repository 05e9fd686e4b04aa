package bench

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// countingTarget is a probe target that counts what reached it. A probe
// that succeeded reached it once (a tcp probe's connection, an http
// probe's request), so its hits against wrk's requests tell the probes
// that failed, which an exporter still answers with 200.
type countingTarget struct {
	Target string // host:port for tcp, a URL for http
	hits   atomic.Int64
}

func (t *countingTarget) successes() (float64, error) { return float64(t.hits.Load()), nil }

// tcpTarget accepts and closes connections on ln, counting them, until
// the benchmark ends.
func tcpTarget(b *testing.B, ln net.Listener) *countingTarget {
	b.Cleanup(func() { ln.Close() })
	t := &countingTarget{Target: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.hits.Add(1)
			c.Close()
		}
	}()
	return t
}

// loopbackTCPTarget is tcpTarget on loopback.
func loopbackTCPTarget(b *testing.B) *countingTarget {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return tcpTarget(b, ln)
}

// httpTarget answers every request with 200 and a short body, as a health
// endpoint does, counting them.
func httpTarget(b *testing.B) *countingTarget {
	t := &countingTarget{}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.hits.Add(1)
		io.WriteString(w, "ok")
	}))
	b.Cleanup(web.Close)
	t.Target = web.URL + "/"
	return t
}
