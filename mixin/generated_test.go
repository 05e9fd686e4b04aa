package mixin_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// The committed files are what the sources generate. Only go-jsonnet at the
// Makefile's pinned version (which make -C mixin lint installs, and which
// JSONNET may name) is used: another jsonnet may lay out the same YAML
// differently.
func TestGeneratedFilesAreFresh(t *testing.T) {
	jsonnet := testenv.Tool(t, "JSONNET", filepath.Join("..", ".build", "tools", "jsonnet"),
		"make -C mixin lint installs it")
	run := func(args ...string) []byte {
		t.Helper()
		var stderr bytes.Buffer
		cmd := exec.Command(jsonnet, args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("jsonnet %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	const fix = "run make -C mixin build and commit the result"
	for file, source := range map[string]string{alertsFile: "lib/alerts.jsonnet", rulesFile: "lib/rules.jsonnet"} {
		committed, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(committed, run("-S", source)) {
			t.Errorf("%s is stale: %s", file, fix)
		}
	}

	dir := t.TempDir()
	run("-S", "-m", dir, "lib/dashboards.jsonnet")
	generated, _ := filepath.Glob(filepath.Join(dir, "*"))
	committed, _ := filepath.Glob(filepath.Join(dashboardsDir, "*"))
	names := map[string]bool{}
	for _, p := range append(generated, committed...) {
		names[filepath.Base(p)] = true
	}
	for _, name := range sortedKeys(names) {
		want, errW := os.ReadFile(filepath.Join(dir, name))
		got, errG := os.ReadFile(filepath.Join(dashboardsDir, name))
		switch {
		case errW != nil:
			t.Errorf("%s/%s is no longer generated: %s", dashboardsDir, name, fix)
		case errG != nil:
			t.Errorf("%s/%s is not committed: %s", dashboardsDir, name, fix)
		case !bytes.Equal(got, want):
			t.Errorf("%s/%s is stale: %s", dashboardsDir, name, fix)
		}
	}
}

// Dashboard queries are valid PromQL: promtool parses them as recording
// rules, with Grafana's variables replaced by values of the same shape.
func TestDashboardQueriesParse(t *testing.T) {
	promtool := testenv.Tool(t, "PROMTOOL", "promtool", "Debian's prometheus package has it")
	variable := regexp.MustCompile(`\$\{?\w+\}?`)
	type recording struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []recording
	for _, where := range sortedKeys(dashboardExprs(t)) {
		for _, e := range dashboardExprs(t)[where] {
			e = strings.ReplaceAll(e, "$__rate_interval", "5m")
			e = variable.ReplaceAllString(e, ".+")
			rules = append(rules, recording{Record: fmt.Sprintf("dashboard_query_%d", len(rules)), Expr: e})
		}
	}
	file := map[string]any{"groups": []any{map[string]any{"name": "dashboard-queries", "rules": rules}}}
	data, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard-queries.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", path).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules on the dashboards' queries: %v\n%s\n%s", err, out, data)
	}
}

// Every alert has a promtool test that expects it to fire and one that
// expects it not to; every recording rule is queried by one.
func TestEveryRuleHasUnitTests(t *testing.T) {
	type unitTests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
			PromqlExprTest []struct {
				Expr string `yaml:"expr"`
			} `yaml:"promql_expr_test"`
		} `yaml:"tests"`
	}
	firing, silent := map[string]int{}, map[string]int{}
	var queried []string
	paths, _ := filepath.Glob(filepath.Join("tests", "*.yaml"))
	if len(paths) == 0 {
		t.Fatal("no promtool tests in tests/")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f unitTests
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, test := range f.Tests {
			for _, a := range test.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname]++
				} else {
					silent[a.Alertname]++
				}
			}
			for _, q := range test.PromqlExprTest {
				queried = append(queried, q.Expr)
			}
		}
	}
	for _, a := range loadRules(t, alertsFile) {
		if firing[a.Alert] == 0 || silent[a.Alert] == 0 {
			t.Errorf("%s: %d tests expect it to fire and %d not to; it needs both", a.Alert, firing[a.Alert], silent[a.Alert])
		}
	}
	for _, r := range loadRules(t, rulesFile) {
		found := false
		for _, q := range queried {
			found = found || strings.Contains(q, r.Record)
		}
		if !found {
			t.Errorf("%s: no promql_expr_test queries it", r.Record)
		}
	}
}
