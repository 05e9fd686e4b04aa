package main

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"

	"github.com/kubeprobe/kubeprobe_exporter/shadow"
)

// Every flag of every command is in README's tables, as `--flag` or
// `command --flag`: kingpin's help is the list, so a new flag without a
// row fails here.
func TestReadmeDocumentsEveryFlag(t *testing.T) {
	readme := readReadme(t)
	flagRE := regexp.MustCompile(`--(?:\[no-\])?([a-z][a-z0-9.-]+)`)
	builtin := []string{"help", "help-long", "help-man", "version"}
	for _, cmd := range []string{"serve", "probe", "check", "shadow"} {
		out, err := exec.Command(binary, cmd, "--help").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --help: %v\n%s", cmd, err, out)
		}
		for _, m := range flagRE.FindAllStringSubmatch(string(out), -1) {
			flag := "--" + m[1]
			if slices.Contains(builtin, m[1]) {
				continue
			}
			if !strings.Contains(readme, "`"+flag+"`") && !strings.Contains(readme, "`"+cmd+" "+flag+"`") {
				t.Errorf("%s %s is not in README's flag table", cmd, flag)
			}
		}
	}
}

// Every kubeprobe_shadow_* series is in README's table of the shadow's
// metrics.
func TestReadmeDocumentsEveryShadowMetric(t *testing.T) {
	readme := readReadme(t)
	m := shadow.NewManager(context.Background(), clock.RealClock{})
	descs := make(chan *prometheus.Desc, 64)
	m.Describe(descs)
	close(descs)
	nameRE := regexp.MustCompile(`fqName: "([^"]+)"`)
	n := 0
	for d := range descs {
		name := nameRE.FindStringSubmatch(d.String())[1]
		n++
		if !strings.Contains(readme, "| `"+name+"`") && !strings.Contains(readme, "| `"+name+"{") {
			t.Errorf("%s is not in README's table of the shadow's metrics", name)
		}
	}
	if n == 0 {
		t.Fatal("the shadow describes no metric")
	}
}

func readReadme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
