package shadow

import (
	"strings"
	"testing"
	"time"
)

func TestRecommendCoversTheLongestStartup(t *testing.T) {
	liveness := Spec{Type: Liveness, Period: 5 * time.Second, FailureThreshold: 3}.WithDefaults()
	seen := []startup{{20 * time.Second, "refused"}, {18 * time.Second, "refused"}, {12 * time.Second, "other"}}
	got := recommend(liveness, seen)
	for _, want := range []string{
		"the longest start-up seen took 20.0s (3 starts, 2 of them refused until it listened); this probe allows 10.0s",
		"kubelet restarts the container before it has started",
		"a startupProbe with periodSeconds: 5 and failureThreshold: 6 (25.0s), or initialDelaySeconds: 25",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("recommendation lacks %q:\n%s", want, got)
		}
	}
	if got := recommend(liveness, []startup{{10 * time.Second, "refused"}}); !strings.HasSuffix(got, "the schedule covers it") {
		t.Errorf("a start-up inside the budget: %s", got)
	}
	if got := recommend(liveness, nil); !strings.Contains(got, "no start-up seen yet; this probe allows 10.0s") {
		t.Errorf("no start-up seen: %s", got)
	}
}
