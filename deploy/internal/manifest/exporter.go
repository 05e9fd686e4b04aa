package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// built is the exporter, built once per test binary for the tests that run
// it, in a directory any user may enter: deploy/kubernetes's capability
// tests run it as the image's non-root user.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Cleanup removes the built exporter; call it from TestMain after m.Run.
func Cleanup() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// Exporter returns the path of the exporter built from this repository.
func Exporter(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "kubeprobe-deploy"); built.err != nil {
			return
		}
		if built.err = os.Chmod(built.dir, 0o755); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "kubeprobe_exporter")
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = Repo(t, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("building the exporter: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// LocalArgs are the DaemonSet's arguments with the files it mounts
// replaced by local ones: files maps a mounted path to a local path.
func LocalArgs(t testing.TB, ds *appsv1.DaemonSet, files map[string]string) []string {
	t.Helper()
	var args []string
	for _, a := range Container(t, ds).Args {
		for _, flag := range []string{"config.file", "web.config.file"} {
			if v, ok := strings.CutPrefix(a, "--"+flag+"="); ok {
				local, ok := files[v]
				if !ok {
					t.Fatalf("DaemonSet: --%s=%s: no local copy of that file given", flag, v)
				}
				a = "--" + flag + "=" + local
			}
		}
		args = append(args, a)
	}
	return args
}

// CheckArgs: the exporter accepts every argument the DaemonSet gives it,
// and the files it mounts. --config.check parses the whole command line (an
// unknown flag or a bad value is refused before anything runs), then loads
// the configuration file.
func CheckArgs(t testing.TB, ds *appsv1.DaemonSet, files map[string]string) {
	t.Helper()
	args := append(LocalArgs(t, ds, files), "--config.check")
	if out, err := exec.Command(Exporter(t), args...).CombinedOutput(); err != nil {
		t.Errorf("kubeprobe_exporter %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// FreeAddress returns a loopback address with a port free a moment ago.
func FreeAddress(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Serve starts the exporter with the DaemonSet's arguments (files as
// LocalArgs takes them), listening on a free loopback port instead of the
// node's, with this machine's /proc, without the Kubernetes API (a static
// NodePort instead) and without the capture, which these tests do not need. It returns the address once the port accepts
// connections; the exporter is stopped when the test ends.
func Serve(t testing.TB, ds *appsv1.DaemonSet, files map[string]string) string {
	t.Helper()
	addr := FreeAddress(t)
	var args []string
	for _, a := range LocalArgs(t, ds, files) {
		switch {
		case strings.HasPrefix(a, "--web.listen-address="):
			a = "--web.listen-address=" + addr
		case strings.HasPrefix(a, "--path.procfs="):
			a = "--path.procfs=/proc" // the node's /proc is this machine's
		case a == "--nodeport.kubernetes":
			// No API here: a static NodePort stands in for the Services,
			// so that a NodePort source still exports its series, as the
			// DaemonSet's does in a cluster (a node without IPVS has none).
			a = "--nodeport.static=30080"
		case a == "--shadow.pods" || a == "--tracing.handshakes" || a == "--no-tracing.handshakes":
			continue
		}
		args = append(args, a)
	}
	args = append(args, "--no-tracing.handshakes")
	cmd := exec.Command(Exporter(t), args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// It may have exited already; either way Wait has reaped it when
		// exited yields.
		_ = cmd.Process.Kill()
		t.Logf("exporter ended: %v", <-exited)
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("kubeprobe_exporter %s exited: %v\n%s", strings.Join(args, " "), err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("kubeprobe_exporter %s: nothing listens on %s after 15s\n%s", strings.Join(args, " "), addr, logs.String())
	return ""
}

// KubeletProbe runs a container probe against addr the way kubelet's
// prober does (pkg/probe/tcp and pkg/probe/http): tcpSocket connects and
// closes; httpGet sends one GET with kubelet's headers on a new connection,
// follows no redirect, and passes on a status from 200 to 399. The port is
// addr's: the invariants check that the probe names the listen port.
func KubeletProbe(p *corev1.Probe, addr string) error {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	switch {
	case p.TCPSocket != nil:
		c, err := net.DialTimeout("tcp", addr, timeout)
		if err != nil {
			return err
		}
		return c.Close()
	case p.HTTPGet != nil:
		scheme := strings.ToLower(string(p.HTTPGet.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		req, err := http.NewRequest(http.MethodGet, scheme+"://"+addr+p.HTTPGet.Path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("User-Agent", "kube-probe/1.37")
		req.Header.Set("Accept", "*/*")
		for _, h := range p.HTTPGet.HTTPHeaders {
			req.Header.Add(h.Name, h.Value)
		}
		client := &http.Client{
			Timeout:       timeout,
			Transport:     &http.Transport{DisableKeepAlives: true, Proxy: nil},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 10<<10))
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe failed with statuscode: %d (%s)", resp.StatusCode, bytes.TrimSpace(body))
		}
		return nil
	}
	return errors.New("neither a tcpSocket nor an httpGet probe")
}

// CheckProbesPass: the DaemonSet's liveness and readiness probes pass
// against the exporter at addr.
func CheckProbesPass(t testing.TB, ds *appsv1.DaemonSet, addr string) {
	t.Helper()
	c := Container(t, ds)
	for name, p := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
		if p == nil {
			t.Errorf("DaemonSet: no %s", name)
			continue
		}
		if err := KubeletProbe(p, addr); err != nil {
			t.Errorf("DaemonSet: %s fails against the exporter started with its arguments: %v", name, err)
		}
	}
}

// BasicAuthWebConfig is an exporter-toolkit web configuration that asks
// for basic auth: user prometheus, password BasicAuthPassword (bcrypt,
// cost 10).
const (
	BasicAuthWebConfig = "basic_auth_users:\n  prometheus: $2a$10$YUW3cjz7MNrZaT3PUtPOceGeUUog4l7kr/TgdnPfGPC9JLzw.yqcO\n"
	BasicAuthPassword  = "kubeprobe-test"
)

// CheckBasicAuth: the exporter at addr asks for basic auth on the health
// endpoints (so an httpGet probe of them would fail) and lets the right
// credentials through: the web configuration is in force.
func CheckBasicAuth(t testing.TB, addr string) {
	t.Helper()
	for _, path := range []string{"/-/healthy", "/-/ready", "/metrics"} {
		get := func(user, password string) int {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
			if user != "" {
				req.SetBasicAuth(user, password)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := get("", ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d, want 401: the web configuration is not in force", path, code)
		}
		if code := get("prometheus", BasicAuthPassword); code != http.StatusOK {
			t.Errorf("GET %s with the credentials: %d, want 200", path, code)
		}
	}
	// An httpGet probe of /-/healthy, as the manifests send without a web
	// configuration, fails here: the reason for the tcpSocket probes.
	if err := KubeletProbe(&corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/-/healthy"}}}, addr); err == nil {
		t.Error("an httpGet probe of /-/healthy passes under basic auth; the tcpSocket probes would not be needed")
	}
}
