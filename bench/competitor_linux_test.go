package bench

import (
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
	"syscall"
	"time"
)

// Names of the competitors, as the tables show them.
const (
	kubeprobeOn  = "kubeprobe"
	kubeprobeOff = "kubeprobe, capture off"
	blackbox023  = "blackbox 0.23" // Debian's
	floorName    = "floor"
	// floorLingerName is the floor with kubelet's sockets (SO_LINGER 1 s).
	floorLingerName = "floor, SO_LINGER 1s"
)

// builtBlackbox is the name of the blackbox_exporter release built here,
// "blackbox 0.28" for -blackbox.version=v0.28.0.
func builtBlackbox() string {
	parts := strings.SplitN(strings.TrimPrefix(*blackboxVersion, "v"), ".", 3)
	return "blackbox " + strings.Join(parts[:min(2, len(parts))], ".")
}

// competitor is a process serving /probe on loopback: an exporter or the
// floor. Every one of them serves the modules "tcp" and "http".
type competitor struct {
	Name     string
	cmd      *exec.Cmd
	base     string
	log      string  // the file its output goes to
	StartMiB float64 // resident memory once ready, before any probe
}

// competitorSpec says how to start one: the command, given the loopback
// address to listen on, and the path that answers 200 once it is ready.
type competitorSpec struct {
	Name    string
	Ready   string
	Command func(listen string) (*exec.Cmd, error)
}

// settleAfterStart lets a process finish what it does at start (the Go
// runtime's first GC, lazy initialisation) before its memory is read.
const settleAfterStart = time.Second

// start runs the competitor with its output in dir and waits until it is
// ready.
func (s competitorSpec) start(dir string) (*competitor, error) {
	addr, err := unusedLoopback()
	if err != nil {
		return nil, err
	}
	c := &competitor{Name: s.Name, base: "http://" + addr, log: filepath.Join(dir, fileName(s.Name)+".log")}
	if c.cmd, err = s.Command(addr); err != nil {
		return nil, err
	}
	out, err := os.Create(c.log)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	c.cmd.Stdout, c.cmd.Stderr = out, out
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.Name, err)
	}
	if err := c.waitReady(s.Ready); err != nil {
		c.stop()
		return nil, err
	}
	time.Sleep(settleAfterStart)
	c.StartMiB, err = memoryMiB(c.pid(), "VmRSS")
	return c, err
}

func (c *competitor) waitReady(path string) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(c.base + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	logs, _ := os.ReadFile(c.log)
	return fmt.Errorf("%s did not answer 200 on %s within 30s:\n%s", c.Name, path, logs)
}

func (c *competitor) pid() int { return c.cmd.Process.Pid }

// probeURL is the competitor's /probe of target with module.
func (c *competitor) probeURL(module, target string) string {
	return c.base + "/probe?module=" + module + "&target=" + url.QueryEscape(target)
}

// verify probes once, plainly, and fails unless the probe succeeded: a
// competitor whose probes fail would be measured doing something else.
func (c *competitor) verify(probeURL string) error {
	resp, err := http.Get(probeURL)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "probe_success 1\n") {
		return fmt.Errorf("%s: %s answered %s:\n%s", c.Name, probeURL, resp.Status, body)
	}
	return nil
}

// metric reads one series from the competitor's /metrics, named as the
// text format writes it: name{label="value",...} with the labels sorted.
func (c *competitor) metric(name string) (float64, error) {
	resp, err := http.Get(c.base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(value, 64)
		}
	}
	return 0, fmt.Errorf("%s's /metrics has no %s", c.Name, name)
}

// pause stops the process (SIGSTOP) while the others are measured, so
// that nothing it does then (a capture seeing their packets, its GC)
// takes CPU from them; resume continues it.
func (c *competitor) pause() error  { return c.cmd.Process.Signal(syscall.SIGSTOP) }
func (c *competitor) resume() error { return c.cmd.Process.Signal(syscall.SIGCONT) }

func (c *competitor) stop() {
	c.cmd.Process.Signal(syscall.SIGCONT)
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// unusedLoopback is a loopback address nothing listens on now.
func unusedLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// fileName turns a competitor's name into a file name.
func fileName(name string) string {
	return strings.NewReplacer(" ", "-", ",", "", ".", "").Replace(name)
}
