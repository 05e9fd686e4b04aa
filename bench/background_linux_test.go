package bench

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// backgroundLoad is a running load generator (loadgen_linux_test.go), as
// the harness sees it: the latest progress it printed.
type backgroundLoad struct {
	Rate  int
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu     sync.Mutex
	latest loadProgress
	seen   chan struct{} // closed at the first progress line
}

// loadProgress is one progress line: the connections made and failed so
// far, at a time.
type loadProgress struct {
	At                time.Time
	Connected, Failed int64
}

// loadWorkers: enough blocking connects in flight for 20k a second on two
// cores, few enough not to crowd them.
const loadWorkers = 4

// startBackgroundLoad starts the load generator in this process's
// namespace (the node's), connecting at rate to target in podNamespace.
func startBackgroundLoad(podNamespace string, target netip.AddrPort, rate int, limit time.Duration) (*backgroundLoad, error) {
	cmd, err := roleCommand("load", loadSettings{PodNamespace: podNamespace, Target: target, Rate: rate, Workers: loadWorkers, MaxDuration: limit})
	if err != nil {
		return nil, err
	}
	// The generator's connects block in the kernel; the signals Go
	// preempts goroutines with would interrupt them (EINTR) mid-handshake.
	cmd.Env = append(cmd.Env, "GODEBUG=asyncpreemptoff=1")
	l := &backgroundLoad{Rate: rate, cmd: cmd, seen: make(chan struct{})}
	cmd.Stderr = os.Stderr
	if l.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go l.follow(stdout)
	select {
	case <-l.seen:
		return l, nil
	case <-time.After(10 * time.Second):
		l.stop()
		return nil, fmt.Errorf("the load generator printed no progress in 10s")
	}
}

// follow keeps the latest progress line.
func (l *backgroundLoad) follow(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	for first := true; sc.Scan(); first = false {
		p, ok := parseProgress(sc.Text())
		if !ok {
			continue
		}
		l.mu.Lock()
		l.latest = p
		l.mu.Unlock()
		if first {
			close(l.seen)
		}
	}
}

func parseProgress(line string) (loadProgress, bool) {
	f := strings.Fields(line)
	if len(f) != 3 {
		return loadProgress{}, false
	}
	at, err1 := strconv.ParseInt(f[0], 10, 64)
	connected, err2 := strconv.ParseInt(f[1], 10, 64)
	failed, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return loadProgress{}, false
	}
	return loadProgress{At: time.Unix(0, at), Connected: connected, Failed: failed}, true
}

// progress is the latest progress the generator printed; nil-safe, so
// that the harness can treat "no background load" alike.
func (l *backgroundLoad) progress() loadProgress {
	if l == nil {
		return loadProgress{At: time.Now()}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.latest
}

// reached is the rate the generator kept between two progress lines.
func reached(from, to loadProgress) (connectedPerSecond, failedPerSecond float64) {
	seconds := to.At.Sub(from.At).Seconds()
	if seconds <= 0 {
		return 0, 0
	}
	return float64(to.Connected-from.Connected) / seconds, float64(to.Failed-from.Failed) / seconds
}

// pidOrZero is the generator's process, or 0 when there is no load.
func (l *backgroundLoad) pidOrZero() int {
	if l == nil {
		return 0
	}
	return l.cmd.Process.Pid
}

// stop closes the generator's input, which ends it, and waits.
func (l *backgroundLoad) stop() {
	if l == nil {
		return
	}
	l.stdin.Close()
	done := make(chan struct{})
	go func() { l.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		l.cmd.Process.Kill()
		<-done
	}
}
