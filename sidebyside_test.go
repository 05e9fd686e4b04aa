package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/procfs"
)

// BenchmarkSideBySide is the side-by-side harness: the same targets probed
// through kubeprobe_exporter and Debian's blackbox_exporter, alternately,
// in one run, so that machine noise hits both alike. It reports each
// exporter's wall time and CPU time per probe and their ratios:
//
//	apt-get install prometheus-blackbox-exporter
//	go test -run '^$' -bench SideBySide -benchtime 2000x .
func BenchmarkSideBySide(b *testing.B) {
	blackbox, err := exec.LookPath("prometheus-blackbox-exporter")
	if err != nil {
		b.Skip("the comparison needs Debian's prometheus-blackbox-exporter")
	}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	defer web.Close()
	tcpTarget := acceptAll(b)

	kp := startExporter(b, "--config.file=config.example.yml")
	bb := startBlackbox(b, blackbox)
	cases := []struct {
		name, kpModule, bbModule, target string
	}{
		{"tcp", "kafka_readiness", "tcp_connect", tcpTarget},
		{"http", "http_get", "http_2xx", web.URL},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			kpURL := kp.base + "/probe?module=" + c.kpModule + "&target=" + url.QueryEscape(c.target)
			bbURL := bb.base + "/probe?module=" + c.bbModule + "&target=" + url.QueryEscape(c.target)
			var kpWall, bbWall time.Duration
			kpCPU, bbCPU := cpuSeconds(b, kp.cmd.Process.Pid), cpuSeconds(b, bb.cmd.Process.Pid)
			n := 0
			for b.Loop() {
				kpWall += timedProbe(b, kpURL)
				bbWall += timedProbe(b, bbURL)
				n++
			}
			kpCPU, bbCPU = cpuSeconds(b, kp.cmd.Process.Pid)-kpCPU, cpuSeconds(b, bb.cmd.Process.Pid)-bbCPU
			perProbe := func(d float64) float64 { return d / float64(n) * 1e6 }
			b.ReportMetric(perProbe(kpWall.Seconds()), "kubeprobe-µs/probe")
			b.ReportMetric(perProbe(bbWall.Seconds()), "blackbox-µs/probe")
			b.ReportMetric(kpWall.Seconds()/bbWall.Seconds(), "wall-ratio")
			b.ReportMetric(perProbe(kpCPU), "kubeprobe-cpu-µs/probe")
			b.ReportMetric(perProbe(bbCPU), "blackbox-cpu-µs/probe")
			if bbCPU > 0 {
				b.ReportMetric(kpCPU/bbCPU, "cpu-ratio")
			}
		})
	}
}

// startBlackbox runs blackbox_exporter with the two modules compared.
func startBlackbox(b *testing.B, path string) *exporter {
	b.Helper()
	cfg := filepath.Join(b.TempDir(), "blackbox.yml")
	const modules = "modules:\n  tcp_connect: {prober: tcp, timeout: 2s}\n  http_2xx: {prober: http, timeout: 2s}\n"
	if err := os.WriteFile(cfg, []byte(modules), 0o600); err != nil {
		b.Fatal(err)
	}
	addr := freeAddress(b)
	e := &exporter{base: "http://" + addr, logs: &syncBuffer{}}
	e.cmd = exec.Command(path, "--config.file="+cfg, "--web.listen-address="+addr)
	e.cmd.Stdout, e.cmd.Stderr = e.logs, e.logs
	if err := e.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.cmd.Process.Kill(); e.cmd.Wait() })
	waitReady(b, e, "/-/healthy")
	return e
}

func timedProbe(b *testing.B, u string) time.Duration {
	start := time.Now()
	resp, err := http.Get(u)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %s", u, resp.Status)
	}
	return time.Since(start)
}

// cpuSeconds is the user and system CPU time a process has used.
func cpuSeconds(b *testing.B, pid int) float64 {
	p, err := procfs.NewProc(pid)
	if err != nil {
		b.Fatal(err)
	}
	stat, err := p.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return stat.CPUTime()
}
