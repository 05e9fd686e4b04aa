package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
	"github.com/kubeprobe/kubeprobe_exporter/internal/testserver"
)

// peak records the highest values of some of the exporter's own metrics,
// and whether its health endpoints kept answering, while a load runs.
type peak struct {
	mu                           sync.Mutex
	goroutines, fds, rss, flight float64
	healthFailures               []string
	slowestHealth                time.Duration
}

// watch samples the exporter every 100ms until stop is closed.
func (p *peak) watch(t *testing.T, e *exporter, stop <-chan struct{}) {
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
		for _, path := range []string{"/-/healthy", "/metrics"} {
			start := time.Now()
			resp, err := client.Get(e.base + path)
			took := time.Since(start)
			p.mu.Lock()
			p.slowestHealth = max(p.slowestHealth, took)
			if err != nil || resp.StatusCode != http.StatusOK {
				p.healthFailures = append(p.healthFailures, fmt.Sprintf("%s: %v %v", path, err, statusOf(resp)))
			}
			p.mu.Unlock()
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		p.mu.Lock()
		p.goroutines = max(p.goroutines, e.metricValue(t, "go_goroutines"))
		p.fds = max(p.fds, e.metricValue(t, "process_open_fds"))
		p.rss = max(p.rss, e.metricValue(t, "process_resident_memory_bytes"))
		p.flight = max(p.flight, e.metricValue(t, "kubeprobe_exporter_probes_in_flight"))
		p.mu.Unlock()
	}
}

func statusOf(resp *http.Response) any {
	if resp == nil {
		return "no response"
	}
	return resp.StatusCode
}

// flood asks for n probes at once and returns how many got each status,
// "error" counting those that got no answer within the client's timeout.
func flood(e *exporter, n int, path string, timeout time.Duration) map[string]int {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: n, DisableKeepAlives: true}}
	var mu sync.Mutex
	statuses := map[string]int{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			status := "error"
			if resp, err := client.Get(e.base + path); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = fmt.Sprint(resp.StatusCode)
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return statuses
}

// 3,000 probes at once against a target that drops SYNs: the exporter
// holds at most --probe.max-concurrent of them, answers the rest 503
// right away, keeps /-/healthy and /metrics answering throughout, and
// stays within its descriptors, goroutines and memory; also with a
// descriptor limit of 1024.
func TestFloodStaysBounded(t *testing.T) {
	for _, tc := range []struct {
		name   string
		nofile int
	}{{"default", 0}, {"ulimit-n-1024", 1024}} {
		t.Run(tc.name, func(t *testing.T) {
			netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
				l.Exec(t, l.Pod, "iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", "81", "-j", "DROP")
			}, func(t *testing.T, l *netlab.Lab) {
				floodOnce(t, l, tc.nofile)
			})
		})
	}
}

func floodOnce(t *testing.T, l *netlab.Lab, nofile int) {
	cfg := writeFile(t, t.TempDir(), "kubeprobe.yml", "modules:\n  silent: {prober: tcp, timeout: 2s}\n")
	var wrapper []string
	if nofile > 0 {
		wrapper = []string{testenv.Tool(t, "", "prlimit", "Debian: util-linux"), fmt.Sprintf("--nofile=%d:%d", nofile, nofile)}
	}
	e := startExporterWith(t, wrapper, "--config.file="+cfg, "--no-nodeport.ipvs")
	limit := e.metricValue(t, "kubeprobe_exporter_probes_max_concurrent")
	var p peak
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() { defer close(watched); p.watch(t, e, stop) }()
	statuses := flood(e, 3000, "/probe?module=silent&target="+netip.AddrPortFrom(l.PodIPv4, 81).String(), 30*time.Second)
	close(stop)
	<-watched

	t.Logf("limit %v probes; answers %v; peak: %v goroutines, %v fds, %.1f MB RSS, %v in flight; slowest health answer %v",
		limit, statuses, p.goroutines, p.fds, p.rss/1e6, p.flight, p.slowestHealth)
	if statuses["error"] > 0 || statuses["200"]+statuses["503"] != 3000 || statuses["200"] < int(limit) || statuses["503"] == 0 {
		t.Errorf("answers %v: want every request answered, at least %v probes run and the rest refused with 503", statuses, limit)
	}
	if len(p.healthFailures) > 0 {
		t.Errorf("/-/healthy or /metrics failed during the flood: %v", p.healthFailures)
	}
	if p.flight > limit {
		t.Errorf("%v probes in flight, more than the limit %v", p.flight, limit)
	}
	// The client connections accepted at once (4 per probe slot, and 64
	// more), the probes' own sockets and the descriptors a connect holds
	// for a moment, and the exporter's own: bounded by the limit, not by
	// how many ask, and always under the descriptor limit.
	if bound := (4*limit + 64) + 4*limit + 100; p.fds > bound || (nofile > 0 && p.fds >= float64(nofile)) {
		t.Errorf("peak %v open descriptors, want at most %v and under the limit %d", p.fds, bound, nofile)
	}
	if bound := 12*limit + 300; p.goroutines > bound {
		t.Errorf("peak %v goroutines, want at most %v for a limit of %v", p.goroutines, bound, limit)
	}
	if p.rss > 150e6 {
		t.Errorf("peak RSS %.1f MB, want under 150 MB (the DaemonSet's limit is 256 MiB)", p.rss/1e6)
	}
}

// 20,000 probes of every outcome, then 2,000 clients that give up
// mid-probe: goroutines and descriptors come back to where they were.
func TestNoLeakAfterManyProbesAndAbandonedOnes(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		l.Exec(t, l.Pod, "iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", "81", "-j", "DROP")
		l.ResetSYNACKsTo(t, 30000, 30099)
	}, func(t *testing.T, l *netlab.Lab) {
		pod := func(port uint16) string { return netip.AddrPortFrom(l.PodIPv4, port).String() }
		servePodTargets(t, l, pod)
		cfg := writeFile(t, t.TempDir(), "kubeprobe.yml", `modules:
  established: {prober: tcp, timeout: 200ms}
  timeout: {prober: tcp, timeout: 200ms}
  reset: {prober: tcp, timeout: 200ms, source_port: 30000-30099}
  http: {prober: http, timeout: 200ms}
  silent_http: {prober: http, timeout: 5s}
  silent_tcp: {prober: tcp, timeout: 5s}
`)
		e := startExporter(t, "--config.file="+cfg, "--no-nodeport.ipvs")
		mix := []string{
			"module=established&target=" + pod(80),
			"module=established&target=" + pod(83), // refused
			"module=timeout&target=" + pod(81),
			"module=reset&target=" + pod(80),
			"module=http&target=http://" + pod(8080) + "/",
			"module=http&target=http://" + pod(8081) + "/",
		}
		client := &http.Client{Timeout: 10 * time.Second}
		probeAll(t, e, client, mix, len(mix)) // warm up: every code path once
		client.CloseIdleConnections()
		baseGoroutines, baseFDs := settled(t, e)

		probeAll(t, e, client, mix, 20000)
		abandoned := abandon(e, 2000, []string{"module=silent_http&target=http://" + pod(8082) + "/", "module=silent_tcp&target=" + pod(81)})
		// Their probes had 5s to run; ended with their clients, none is
		// left a second after the last client gave up.
		if left := inFlightAfter(t, e, time.Second); left > 0 {
			t.Errorf("%v probes still running a second after their clients went away (their timeout is 5s)", left)
		}
		client.CloseIdleConnections()
		goroutines, fds := settledAt(t, e, baseGoroutines+3, baseFDs+3)
		t.Logf("baseline %v goroutines, %v fds; after: %v goroutines, %v fds; %d clients gave up, %v probes abandoned",
			baseGoroutines, baseFDs, goroutines, fds, abandoned, e.metricValue(t, "kubeprobe_exporter_probes_abandoned_total"))
		if goroutines > baseGoroutines+3 || fds > baseFDs+3 {
			t.Errorf("goroutines %v (baseline %v), fds %v (baseline %v): something leaked", goroutines, baseGoroutines, fds, baseFDs)
		}
		// A client may give up before its request reached a handler (the
		// machine is shared): no probe started then, none is abandoned.
		if got := e.metricValue(t, "kubeprobe_exporter_probes_abandoned_total"); got < 1 || got > float64(abandoned) {
			t.Errorf("%v probes counted abandoned, want from 1 to the %d clients that gave up mid-probe", got, abandoned)
		}
	})
}

// servePodTargets starts, in the pod namespace, what the mixed probes hit:
// an accepting port 80, HTTP 200 on 8080, 500 on 8081, and on 8082 an
// HTTP server that never answers.
func servePodTargets(t *testing.T, l *netlab.Lab, pod func(uint16) string) {
	t.Helper()
	listen := func(port uint16) net.Listener {
		var ln net.Listener
		if err := netlab.InNamespace(l.Pod, func() (err error) { ln, err = net.Listen("tcp", pod(port)); return err }); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return ln
	}
	go testserver.AcceptAndClose(listen(80))
	for port, code := range map[uint16]int{8080: 200, 8081: 500} {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })}
		go srv.Serve(listen(port))
		t.Cleanup(func() { srv.Close() })
	}
	silent := listen(8082)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
}

// probeAll runs n probes, 64 at a time, cycling through the queries;
// every one must be answered 200.
func probeAll(t *testing.T, e *exporter, client *http.Client, queries []string, n int) {
	t.Helper()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				resp, err := client.Get(e.base + "/probe?" + queries[i%int64(len(queries))])
				if err != nil || resp.StatusCode != http.StatusOK {
					if failed.Add(1) <= 5 {
						t.Errorf("probe %d (%s): %v %v", i, queries[i%int64(len(queries))], err, statusOf(resp))
					}
				}
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
}

// abandon sends n probes of targets that never answer from clients that
// give up after 100ms, 100 at a time, and returns how many gave up.
func abandon(e *exporter, n int, queries []string) int {
	var gaveUp atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			client := &http.Client{Timeout: 100 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if resp, err := client.Get(e.base + "/probe?" + queries[i%int64(len(queries))]); err == nil {
					resp.Body.Close()
				} else {
					gaveUp.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(gaveUp.Load())
}

// inFlightAfter is the probes running once d has passed, or as soon as
// none is.
func inFlightAfter(t *testing.T, e *exporter, d time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		left := e.metricValue(t, "kubeprobe_exporter_probes_in_flight")
		if left <= 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settled waits for the exporter to be idle and returns its goroutines and
// open descriptors.
func settled(t *testing.T, e *exporter) (goroutines, fds float64) {
	t.Helper()
	time.Sleep(time.Second)
	return e.metricValue(t, "go_goroutines"), e.metricValue(t, "process_open_fds")
}

// settledAt waits up to 15s for the goroutines and descriptors to come
// down to the given counts, and returns the last ones seen.
func settledAt(t *testing.T, e *exporter, maxGoroutines, maxFDs float64) (goroutines, fds float64) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		goroutines, fds = e.metricValue(t, "go_goroutines"), e.metricValue(t, "process_open_fds")
		if (goroutines <= maxGoroutines && fds <= maxFDs) || time.Now().After(deadline) {
			return goroutines, fds
		}
	}
}

// Hundreds of probes with the longest targets the exporter takes, and
// hundreds more with far longer ones it refuses, leave its memory small:
// the history is bounded in bytes, and a target longer than 1 KiB never
// gets that far.
func TestHistoryMemoryStaysBounded(t *testing.T) {
	e := startExporter(t, "--config.file=config.example.yml", "--no-nodeport.ipvs")
	closed := freeAddress(t)
	path := "/" + strings.Repeat("p", 1024-len("http://"+closed+"/"))
	longest := "http://" + closed + path
	if len(longest) != 1024 {
		t.Fatalf("target of %d bytes", len(longest))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := range 600 {
		resp, err := client.Get(e.base + "/probe?module=http_get&debug=true&target=" + longest)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("probe %d with a 1024-byte target: %v %v", i, err, statusOf(resp))
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Refused ones, 50 at a time: the server waits half a second after
	// each refusal for the client to read it, as net/http does.
	huge := strings.Repeat("a", 900<<10)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for i := next.Add(1); i <= 300; i = next.Add(1) {
				resp, err := client.Get(e.base + "/probe?module=kafka_readiness&target=" + huge + ":9092")
				if err != nil {
					t.Errorf("probe %d with a 900 KB target: %v", i, err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
					t.Errorf("a 900 KB target got %d, want 431", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
	rss := e.metricValue(t, "process_resident_memory_bytes")
	t.Logf("RSS after 600 probes of 1 KiB targets and 300 refused 900 KB ones: %.1f MB", rss/1e6)
	if rss > 100e6 {
		t.Errorf("RSS %.1f MB, want under 100 MB", rss/1e6)
	}
}
