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

// advice is what the start-ups seen of a probe say about its schedule.
// The /shadow page writes it for a person and the metrics export it, so
// that an alert says what the page does.
type advice struct {
	spec    Spec
	seen    []startup
	longest time.Duration // the longest start-up seen, when seen is not empty
	// Set when the schedule does not cover the longest start-up: the
	// initialDelaySeconds, or the startupProbe's failureThreshold at the
	// probe's periodSeconds, that would, with the margin.
	initialDelay     int
	failureThreshold int
}

func newAdvice(spec Spec, seen []startup) advice {
	a := advice{spec: spec, seen: seen}
	a.longest, _ = longestStartup(seen)
	if !a.covered() {
		want := math.Ceil(a.longest.Seconds() * margin)
		a.initialDelay = int(want)
		// One more than the periods it covers: the last failure in a row
		// comes failureThreshold − 1 periods after the first (Budget).
		a.failureThreshold = int(math.Ceil(want/spec.Period.Seconds())) + 1
	}
	return a
}

// covered is whether the probe's budget covers every start-up seen; with
// none seen there is nothing to cover.
func (a advice) covered() bool { return a.longest <= a.spec.Budget() }

// recommend says, for a probe whose start-ups have been seen, whether its
// schedule covers them, and if not, what would: an initialDelaySeconds, or
// a startupProbe of (failureThreshold − 1) × periodSeconds, in seconds.
func recommend(spec Spec, seen []startup) string { return newAdvice(spec, seen).String() }

func (a advice) String() string {
	spec := a.spec
	if len(a.seen) == 0 {
		return fmt.Sprintf("no start-up seen yet; this probe allows %s (initialDelaySeconds %d + (failureThreshold %d − 1) × periodSeconds %d)",
			seconds(spec.Budget()), int(spec.InitialDelay.Seconds()), spec.FailureThreshold, int(spec.Period.Seconds()))
	}
	covered := fmt.Sprintf("the longest start-up seen took %s (%s); this probe allows %s", seconds(a.longest), startCounts(a.seen), seconds(spec.Budget()))
	if a.covered() {
		return covered + ": the schedule covers it"
	}
	period := int(spec.Period.Seconds())
	consequence := "the container is not ready for longer than its probe expects"
	if spec.Type != Readiness {
		consequence = "kubelet restarts the container before it has started"
	}
	return fmt.Sprintf("%s: %s. Cover it, with a quarter to spare: a startupProbe with periodSeconds: %d and failureThreshold: %d (%s), "+
		"or initialDelaySeconds: %d", covered, consequence, period, a.failureThreshold, seconds(time.Duration((a.failureThreshold-1)*period)*time.Second), a.initialDelay)
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
