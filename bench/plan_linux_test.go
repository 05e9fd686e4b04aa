package bench

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// plan is what a lab child needs from the parent: the binaries the parent
// built (the child's namespace has no route to the module proxy), how long
// to measure, and the file to write its section to.
type plan struct {
	Kubeprobe string
	// ProfiledKubeprobe is the same exporter serving pprof, for
	// BenchmarkProfile alone.
	ProfiledKubeprobe string
	Blackbox          []namedBinary // Debian's, and the one built here where it built
	Rounds            int
	Duration          time.Duration
	Out               string
}

type namedBinary struct{ Name, Path string }

const envPlan = "KUBEPROBE_BENCH_PLAN"

// harnessState is the parent's: what it built, once for every benchmark.
type harnessState struct {
	once sync.Once
	err  error
	dir  string // scratch: binaries, configurations, logs
	plan plan
}

var harness harnessState

// prepare builds the competitors once, and fails tb if kubeprobe_exporter
// does not build; a blackbox_exporter release that does not build is
// left out, and the results say why.
func (h *harnessState) prepare(tb testing.TB) plan {
	tb.Helper()
	h.once.Do(func() { h.err = h.build() })
	if h.err != nil {
		tb.Fatal(h.err)
	}
	return h.plan
}

func (h *harnessState) build() error {
	var err error
	if h.dir, err = os.MkdirTemp("", "kubeprobe-bench"); err != nil {
		return err
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	h.plan = plan{Rounds: *rounds, Duration: *wrkDurationFlag}
	if h.plan.Kubeprobe, err = buildKubeprobe(root, h.dir); err != nil {
		return err
	}
	if h.plan.ProfiledKubeprobe, err = buildProfiledKubeprobe(root, h.dir); err != nil {
		return err
	}
	h.plan.Blackbox = []namedBinary{{blackbox023, debianBlackbox}}
	built, err := buildBlackbox(root, *blackboxVersion)
	if err != nil {
		results.note("%s was left out: %v", builtBlackbox(), err)
	} else {
		h.plan.Blackbox = append(h.plan.Blackbox, namedBinary{builtBlackbox(), built})
	}
	return nil
}

// handOut passes the plan to the lab child about to run section, which
// writes its results to a file of that name.
func (h *harnessState) handOut(tb testing.TB, section string) {
	tb.Helper()
	p := h.prepare(tb)
	p.Out = filepath.Join(h.dir, section+".json")
	encoded, err := json.Marshal(p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Setenv(envPlan, string(encoded))
}

// childPlan is the plan the parent handed this lab child.
func childPlan(tb testing.TB) plan {
	tb.Helper()
	var p plan
	if err := json.Unmarshal([]byte(os.Getenv(envPlan)), &p); err != nil {
		tb.Fatalf("%s: %v", envPlan, err)
	}
	return p
}

// writeSection is the child's side of the hand-over, readSection the
// parent's.
func writeSection(tb testing.TB, p plan, v any) {
	tb.Helper()
	encoded, err := json.MarshalIndent(v, "", "  ")
	if err == nil {
		err = os.WriteFile(p.Out, encoded, 0o600)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

func readSection(tb testing.TB, section string, into any) {
	tb.Helper()
	encoded, err := os.ReadFile(filepath.Join(harness.dir, section+".json"))
	if err == nil {
		err = json.Unmarshal(encoded, into)
	}
	if err != nil {
		tb.Fatalf("the %s section's results: %v", section, err)
	}
}

func (h *harnessState) cleanup() {
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}
