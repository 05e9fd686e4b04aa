package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

const (
	profileSeconds     = 8
	profileConcurrency = 32
	profileNodes       = 25 // lines of go tool pprof -top kept
)

// cpuProfile is where kubeprobe's CPU went under wrk for one probe.
type cpuProfile struct {
	Probe            string
	Flat, Cumulative string // go tool pprof -top, and with -cum
}

// BenchmarkProfile takes a CPU profile of kubeprobe_exporter, capture on,
// under wrk at c=32 for a tcp and an http probe, and keeps the top of
// go tool pprof's report: where the exporter's CPU goes.
func BenchmarkProfile(b *testing.B) {
	requireLoadTools(b)
	netlab.RunBenchmark(b, func(tb testing.TB, l *netlab.Lab) {
		reuseTimeWait(tb, l)
		harness.handOut(tb, "profile")
	}, func(b *testing.B, _ *netlab.Lab) {
		p := childPlan(b)
		var out []cpuProfile
		for _, probe := range probes {
			prof, err := profileUnderWrk(b, p, probe)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, prof)
		}
		writeSection(b, p, out)
	})
	if !netlab.InChild() {
		var out []cpuProfile
		readSection(b, "profile", &out)
		results.Profiles = out
	}
}

func profileUnderWrk(b *testing.B, p plan, probe string) (cpuProfile, error) {
	prof := cpuProfile{Probe: probe}
	target := loopbackTCPTarget(b).Target
	if probe == "http" {
		target = httpTarget(b).Target
	}
	pprofAddr, err := unusedLoopback()
	if err != nil {
		return prof, err
	}
	dir := b.TempDir()
	spec, err := kubeprobeBinarySpec(p.ProfiledKubeprobe, dir, true, "KUBEPROBE_BENCH_PPROF="+pprofAddr)
	if err != nil {
		return prof, err
	}
	c, err := spec.start(dir)
	if err != nil {
		return prof, err
	}
	defer c.stop()
	profile := filepath.Join(dir, "cpu.pprof")
	if err := profileDuringWrk(c, "http://"+pprofAddr, probe, target, profile); err != nil {
		return prof, err
	}
	if prof.Flat, err = pprofTop(p.ProfiledKubeprobe, profile); err != nil {
		return prof, err
	}
	prof.Cumulative, err = pprofTop(p.ProfiledKubeprobe, profile, "-cum")
	return prof, err
}

// profileDuringWrk runs wrk a little longer than the profile, so that
// the profile sees the load only.
func profileDuringWrk(c *competitor, pprofBase, probe, target, path string) error {
	wrkDone := make(chan error, 1)
	go func() {
		_, err := runWrk(c.probeURL(probe, target), profileConcurrency, (profileSeconds+2)*time.Second)
		wrkDone <- err
	}()
	time.Sleep(time.Second)
	resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", pprofBase, profileSeconds))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, copyErr := io.Copy(f, resp.Body)
	f.Close()
	if err := <-wrkDone; err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	return copyErr
}

// pprofTop is go tool pprof -top's report without its File and Build ID
// lines, which name a scratch binary.
func pprofTop(binary, profile string, flags ...string) (string, error) {
	args := append(append([]string{"tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", profileNodes)}, flags...), binary, profile)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var kept []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(line, "File: ") && !strings.HasPrefix(line, "Build ID: ") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n"), nil
}
