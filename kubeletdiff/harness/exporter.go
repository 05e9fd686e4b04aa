package harness

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// exporter is the exporter's binary, serving /probe with one module per
// case.
type exporter struct {
	addr string
}

// startExporter builds the exporter from this repository, with the race
// detector (make test's go test -race has then compiled every package it
// needs already), and serves the modules of cases for release rel.
func startExporter(t *testing.T, rel string, cases []Case) *exporter {
	dir := t.TempDir()
	binary := filepath.Join(dir, "kubeprobe_exporter")
	build := exec.Command("go", "build", "-race", "-o", binary, ".")
	build.Dir, build.Env = repoRoot(t), append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the exporter: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(configFor(rel, cases)), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(binary, "--config.file="+cfg, "--web.listen-address="+addr, "--no-tracing.handshakes", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	e := &exporter{addr: addr}
	e.waitReady(t)
	return e
}

func (e *exporter) waitReady(t *testing.T) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get("http://" + e.addr + "/-/ready"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the exporter did not become ready on %s", e.addr)
}

// probe runs module against target through /probe and reads kubelet's
// verdict and output from its debug output, or the 400's reason.
func (e *exporter) probe(t *testing.T, module, target string) (Outcome, int) {
	q := url.Values{"module": {module}, "target": {target}, "debug": {"true"}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.addr+"/probe?"+q.Encode(), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return Outcome{"refused", strings.TrimSpace(string(body))}, 0
	}
	return parseDebug(t, string(body))
}

// parseDebug reads "Kubelet's verdict: " and "Kubelet's output: " (or
// "Kubelet's output (the first N of M bytes): "); shownOf is M for a
// shortened output, else 0.
func parseDebug(t *testing.T, debug string) (Outcome, int) {
	const verdict, output, metrics = "\nKubelet's verdict: ", "Kubelet's output", "\n\n\nMetrics that would have been returned:"
	i := strings.Index(debug, verdict)
	end := strings.Index(debug, metrics)
	if i < 0 || end < i {
		t.Fatalf("no verdict in the debug output:\n%s", debug)
	}
	rest := debug[i+len(verdict) : end]
	result, rest, _ := strings.Cut(rest, "\n")
	o := Outcome{Result: result}
	j := strings.Index(rest, output)
	if j < 0 {
		return o, 0
	}
	rest = rest[j+len(output):]
	shownOf := 0
	if strings.HasPrefix(rest, " (the first ") {
		var shown int
		if _, err := fmt.Sscanf(rest, " (the first %d of %d bytes): ", &shown, &shownOf); err != nil {
			t.Fatalf("unreadable output line: %.80q", rest)
		}
		rest = rest[strings.Index(rest, "): ")+1:]
	}
	o.Output = strings.TrimPrefix(rest, ": ")
	return o, shownOf
}

// configFor is the exporter's configuration: module cNNN for case NNN.
func configFor(rel string, cases []Case) string {
	var b strings.Builder
	b.WriteString("modules:\n")
	for i, c := range cases {
		fmt.Fprintf(&b, "  %s:\n%s", moduleName(i), moduleFor(rel, c.Probe))
	}
	return b.String()
}

func moduleName(i int) string { return fmt.Sprintf("c%03d", i) }

func moduleFor(rel string, p Probe) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    prober: %s\n    timeout: %dms\n    kubelet_version: %q\n", p.Kind, p.Timeout.Milliseconds(), rel)
	gates := map[string]bool{}
	for k, v := range p.Gates {
		gates[k] = v
	}
	if p.Kind == "grpc" && strings.HasPrefix(rel, "1.23.") {
		gates["GRPCContainerProbe"] = true // alpha: the node's kubelet runs grpc probes only with it on
	}
	if len(gates) > 0 {
		b.WriteString("    feature_gates:\n")
		for k, v := range gates {
			fmt.Fprintf(&b, "      %s: %v\n", k, v)
		}
	}
	switch p.Kind {
	case "http":
		fmt.Fprintf(&b, "    http:\n      path: %s\n      scheme: %s\n", strconv.Quote(p.Path), p.Scheme)
		if p.PortName != "" {
			fmt.Fprintf(&b, "      port: %s\n", p.PortName)
		}
		if p.Protocol != "" {
			fmt.Fprintf(&b, "      protocol: %s\n", p.Protocol)
		}
		if len(p.Headers) > 0 {
			b.WriteString("      http_headers:\n")
			for _, hh := range p.Headers {
				fmt.Fprintf(&b, "        - {name: %s, value: %s}\n", strconv.Quote(hh.Name), strconv.Quote(hh.Value))
			}
		}
	case "grpc":
		fmt.Fprintf(&b, "    grpc:\n      service: %q\n", p.Service)
		if p.Mode != "" {
			fmt.Fprintf(&b, "      mode: %s\n", p.Mode)
		}
	}
	return b.String()
}

// repoRoot is the exporter's module, above this one.
func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module github.com/kubeprobe/kubeprobe_exporter\n") {
			return dir
		}
	}
	t.Fatal("the exporter's module is not above this directory")
	return ""
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
