// Package testenv decides what a test does when this machine lacks
// something it needs: outside CI it skips and says how to get it; under
// CI=true, where .ci/run installs everything, it fails.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Missing skips the test, or fails it under CI=true, saying what is
// missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(what + "; under CI=true this is a failure, not a skip")
	}
	t.Skip(what)
}

// Tool returns the path of a program the test needs: $envVar if set,
// else name as a path or a command. how says where it comes from, e.g.
// "Debian: prometheus".
func Tool(t testing.TB, envVar, name, how string) string {
	t.Helper()
	if p := os.Getenv(envVar); envVar != "" && p != "" {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if path, err := exec.LookPath(name); err == nil {
		return path
	}
	Missing(t, name+" not found ("+how+")")
	return ""
}

// Root requires root, which why needs.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, why+" needs root; run the tests as root (sudo make test) to include it")
	}
}
