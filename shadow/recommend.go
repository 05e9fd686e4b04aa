package shadow

import (
	"fmt"
	"math"
	"time"
)

// margin is how much longer than the longest start-up seen a recommended
// schedule allows: start-ups vary, and a restart during one costs the
// whole start-up again.
const margin = 1.25

// recommend says, for a probe whose start-ups have been seen, whether its
// schedule covers them, and if not, what would: an initialDelaySeconds, or
// a startupProbe of failureThreshold × periodSeconds, in seconds.
func recommend(spec Spec, seen []startup) string {
	longest, ok := longestStartup(seen)
	if !ok {
		return fmt.Sprintf("no start-up seen yet; this probe allows %s (initialDelaySeconds %d + failureThreshold %d × periodSeconds %d)",
			seconds(spec.Budget()), int(spec.InitialDelay.Seconds()), spec.FailureThreshold, int(spec.Period.Seconds()))
	}
	budget := spec.Budget()
	covered := fmt.Sprintf("the longest start-up seen took %s (%s); this probe allows %s", seconds(longest), startCounts(seen), seconds(budget))
	if longest <= budget {
		return covered + ": the schedule covers it"
	}
	want := time.Duration(math.Ceil(longest.Seconds()*margin)) * time.Second
	period := int(spec.Period.Seconds())
	threshold := int(math.Ceil(want.Seconds() / spec.Period.Seconds()))
	consequence := "the container is not ready for longer than its probe expects"
	if spec.Type != Readiness {
		consequence = "kubelet restarts the container before it has started"
	}
	return fmt.Sprintf("%s: %s. Cover it, with a quarter to spare: a startupProbe with periodSeconds: %d and failureThreshold: %d (%s), "+
		"or initialDelaySeconds: %d", covered, consequence, period, threshold, seconds(time.Duration(threshold*period)*time.Second), int(want.Seconds()))
}

// startCounts says how many start-ups were seen and how many only
// refused before they succeeded: not listening yet.
func startCounts(seen []startup) string {
	refused := 0
	for _, st := range seen {
		if st.before == "refused" {
			refused++
		}
	}
	starts := "starts"
	if len(seen) == 1 {
		starts = "start"
	}
	return fmt.Sprintf("%d %s, %d of them refused until it listened", len(seen), starts, refused)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
