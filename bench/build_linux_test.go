package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// debianBlackbox is Debian's blackbox_exporter (package
// prometheus-blackbox-exporter), 0.23 in trixie.
const debianBlackbox = "/usr/bin/prometheus-blackbox-exporter"

const blackboxModule = "github.com/prometheus/blackbox_exporter"

// repoRoot is the directory of the module this package belongs to.
func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// buildKubeprobe builds the exporter from the working tree as it is now,
// as make build does, so the harness measures whatever the tree holds.
func buildKubeprobe(root, dir string) (string, error) {
	bin := filepath.Join(dir, "kubeprobe_exporter")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kubeprobe_exporter from %s: %v\n%s", root, err, out)
	}
	return bin, nil
}

// pprofOverlay is a file added to the exporter's main package, for the
// profiled build only, through go build -overlay: the tree is not
// touched, and the binary measured side by side stays the tree's own.
const pprofOverlay = `package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof on http.DefaultServeMux
	"os"
)

// The harness's profiled build serves pprof on $KUBEPROBE_BENCH_PPROF.
func init() {
	if addr := os.Getenv("KUBEPROBE_BENCH_PPROF"); addr != "" {
		go http.ListenAndServe(addr, nil)
	}
}
`

// buildProfiledKubeprobe builds the exporter as buildKubeprobe does, with
// pprof served on $KUBEPROBE_BENCH_PPROF.
func buildProfiledKubeprobe(root, dir string) (string, error) {
	added := filepath.Join(dir, "zz_bench_pprof.go")
	overlay := filepath.Join(dir, "overlay.json")
	replace, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, "zz_bench_pprof.go"): added}})
	if err := os.WriteFile(added, []byte(pprofOverlay), 0o600); err != nil {
		return "", err
	}
	if err := os.WriteFile(overlay, replace, 0o600); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "kubeprobe_exporter-pprof")
	cmd := exec.Command("go", "build", "-trimpath", "-overlay", overlay, "-o", bin, ".")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kubeprobe_exporter with pprof: %v\n%s", err, out)
	}
	return bin, nil
}

// buildBlackbox builds a blackbox_exporter release from the Go module
// proxy with this machine's Go (GOTOOLCHAIN=local) into .build/tools.
// `go install module@version` would be the one-liner, but it asks the
// proxy for the module's list of versions (to check for a deprecation),
// which the proxy reachable here refuses; downloading that one version
// and building in its directory builds the same source with its own
// go.sum. The go build cache makes the second run quick.
func buildBlackbox(root, version string) (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", blackboxModule+"@"+version)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if err != nil || json.Unmarshal(out, &mod) != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v %s%s", blackboxModule, version, err, mod.Error, stderrOf(err))
	}
	bin := filepath.Join(root, ".build", "tools", "blackbox_exporter-"+version)
	ldflags := "-X github.com/prometheus/common/version.Version=" + strings.TrimPrefix(version, "v")
	cmd = exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", bin, ".")
	cmd.Dir = mod.Dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building %s@%s with GOTOOLCHAIN=local: %v\n%s", blackboxModule, version, err, out)
	}
	return bin, nil
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// versions names what was measured, with what.
func versions(root string, p plan) [][2]string {
	v := [][2]string{
		{"Go", firstLine("go", "version")},
		{"kubeprobe_exporter", "built from the working tree at " + gitDescribe(root)},
	}
	for _, bb := range p.Blackbox {
		v = append(v, [2]string{bb.Name, bb.Path + ": " + blackboxVersionLine(bb.Path)})
	}
	return append(v, [][2]string{
		{"wrk", wrkVersion()},
		{"ss", firstLine("ss", "-V")},
	}...)
}

// blackboxVersionLine is "version X" and the Go it was built with.
func blackboxVersionLine(path string) string {
	out, _ := exec.Command(path, "--version").CombinedOutput()
	var parts []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "blackbox_exporter, version") || strings.HasPrefix(line, "go version:") {
			parts = append(parts, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(parts, "; ")
}

func gitDescribe(root string) string {
	cmd := exec.Command("git", "describe", "--always", "--dirty", "--tags")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "(no git: " + err.Error() + ")"
	}
	return strings.TrimSpace(string(out))
}

func firstLine(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return "(" + err.Error() + ")"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
