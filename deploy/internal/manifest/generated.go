package manifest

import (
	"bytes"
	"os"
	"testing"
)

// RegenerateHint says how to bring the deploy copies of config.example.yml
// and the mixin's rules back in step with their sources.
const RegenerateHint = "run make kubernetes-manifests and commit the result"

// CheckGenerated compares a committed file with what its sources make, or
// rewrites it when update is set (make kubernetes-manifests runs the
// deploy tests with -update).
func CheckGenerated(t testing.TB, path string, want []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s is not in step with its source: %s", path, RegenerateHint)
	}
}
