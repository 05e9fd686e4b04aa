package main

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// quickStartBlocks returns the sh blocks of README's Quick start, each as
// its command lines (comments and blank lines left out).
func quickStartBlocks(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Quick start\n")
	if !ok {
		t.Fatal("README.md: no Quick start")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks [][]string
	for i, part := range strings.Split(section, "```") {
		body, isSh := strings.CutPrefix(part, "sh\n")
		if i%2 == 0 || !isSh {
			continue
		}
		var lines []string
		for line := range strings.Lines(body) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				lines = append(lines, line)
			}
		}
		blocks = append(blocks, lines)
	}
	if len(blocks) != 3 {
		t.Fatalf("README's Quick start has %d sh blocks, want 3 (run and test; the demo; a probe of your own)", len(blocks))
	}
	return blocks
}

// The quick start's commands, run as written but for `go run .`, which is
// the binary built for these tests, and the listen address, a free one
// (9878 may be taken on the machine running the tests). `make test` is
// checked to be what .ci/run runs, not run from inside the tests.
func TestReadmeQuickStart(t *testing.T) {
	blocks := quickStartBlocks(t)
	run, test := blocks[0], blocks[1:]
	if len(run) != 2 || run[1] != "make test" {
		t.Fatalf("README's first block: %q, want the exporter's command, then make test", run)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil || !regexp.MustCompile(`(?m)^make test$`).Match(ci) {
		t.Errorf(".ci/run does not run the README's make test (%v)", err)
	}
	args, ok := strings.CutPrefix(run[0], "go run . ")
	if !ok || !strings.Contains(args, "--web.listen-address=127.0.0.1:9878") {
		t.Fatalf("README's first command %q: want go run . with --web.listen-address=127.0.0.1:9878", run[0])
	}
	addr := freeAddress(t)
	e := startExporter(t, strings.Fields(strings.ReplaceAll(args, "127.0.0.1:9878", addr))...)

	// The demo itself is TestDemo's.
	demo := test[0]
	if len(demo) != 2 || !strings.HasPrefix(demo[0], "go run . demo") || !strings.HasSuffix(demo[1], "sudo ./kubeprobe_exporter demo") {
		t.Errorf("README's demo block: %q, want go run . demo, then the root variant", demo)
	}
	if mk, _ := os.ReadFile("Makefile"); !regexp.MustCompile(`(?m)^demo:`).Match(mk) {
		t.Error("README says make demo; the Makefile has no demo target")
	}

	// A probe of your own: the README's module on a listener of the test's.
	own := test[1]
	target := acceptAll(t)
	curl := regexp.MustCompile(`^curl '([^']+)'$`).FindStringSubmatch(own[0])
	if curl == nil {
		t.Fatalf("README's probe block: %q, want a curl of /probe", own[0])
	}
	u, err := url.Parse(curl[1])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("target", target)
	code, body := e.get(t, u.Path+"?"+q.Encode())
	if code != http.StatusOK || !strings.Contains(body, "Kubelet's verdict: success") {
		t.Errorf("README's curl, of %s: %d\n%s", target, code, body)
	}
	probe, ok := strings.CutPrefix(own[1], "go run . ")
	if !ok {
		t.Fatalf("README's probe command %q: want go run . probe …", own[1])
	}
	fields := strings.Fields(probe)
	fields[len(fields)-1] = target
	if out, err := exec.Command(binary, fields...).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "SUCCESS: ") {
		t.Errorf("README's probe command, of %s: %v\n%s", target, err, out)
	}
}

// The probe command's example output in README's Command line section is
// what the command prints, but for the address, its port and the time.
func TestReadmeProbeCommandOutput(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prompt = "$ kubeprobe_exporter probe --config.file=config.example.yml --module=kafka_readiness 10.0.0.5:9092\n"
	_, example, ok := strings.Cut(string(data), prompt)
	if !ok {
		t.Fatalf("README.md: no example %q", prompt)
	}
	example, _, _ = strings.Cut(example, "```")
	target := freeAddress(t) // nothing listens there: refused, as in the example
	_, port, _ := strings.Cut(target, ":")
	out, _ := exec.Command(binary, "probe", "--config.file=config.example.yml", "--module=kafka_readiness", target).Output()
	got := strings.SplitN(string(out), "\n", 3)
	for i, want := range strings.Split(strings.TrimSpace(example), "\n") {
		pattern := regexp.QuoteMeta(want)
		pattern = strings.ReplaceAll(pattern, regexp.QuoteMeta("10.0.0.5:9092"), regexp.QuoteMeta(target))
		pattern = strings.ReplaceAll(pattern, "port 9092", "port "+port)
		pattern = regexp.MustCompile(`\d+\\\.\d{3}s`).ReplaceAllString(pattern, `\d+\.\d{3}s`)
		if i >= len(got) || !regexp.MustCompile("^"+pattern+"$").MatchString(got[i]) {
			t.Errorf("README's probe output, line %d:\n  %s\nthe command printed:\n%s", i+1, want, out)
		}
	}
}
