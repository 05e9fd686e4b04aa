package bench

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

var (
	resultsDir = flag.String("results", "",
		"write the results to DIR/YYYY-MM-DD.md and quote their summary in README.md; empty: print them only")
	rounds          = flag.Int("rounds", 5, "rounds of every measurement; medians are taken over them")
	wrkDurationFlag = flag.Duration("wrk.duration", 3*time.Second, "how long each wrk run lasts")
	blackboxVersion = flag.String("blackbox.version", "v0.28.0",
		"the blackbox_exporter release to build from the Go module proxy, beside Debian's")
)

// TestMain runs a helper role when this binary was started as one, and
// otherwise the benchmarks, then writes what they measured. A lab child
// (netlab.RunBenchmark) hands its section to the parent in a file
// instead; only the parent writes the results.
func TestMain(m *testing.M) {
	if code, ok := runRole(); ok {
		os.Exit(code)
	}
	flag.Parse()
	results.begin()
	code := m.Run()
	if code == 0 && !netlab.InChild() && results.measured() {
		if err := writeResults(*resultsDir); err != nil {
			fmt.Fprintln(os.Stderr, "writing the results:", err)
			code = 1
		}
	}
	harness.cleanup()
	os.Exit(code)
}
