package mixin_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	sigsjson "sigs.k8s.io/json"

	"github.com/kubeprobe/kubeprobe_exporter/internal/testenv"
)

// block is a fenced block of a README: its language and its text.
type block struct{ lang, body string }

// sectionBlocks returns the fenced blocks of file between the line start
// and the first line after it that begins with end.
func sectionBlocks(t *testing.T, file, start, end string) []block {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n"+start+"\n")
	if !ok {
		t.Fatalf("%s: no line %q", file, start)
	}
	section, _, _ = strings.Cut(section, "\n"+end)
	var blocks []block
	parts := strings.Split(section, "```")
	for i := 1; i+1 < len(parts); i += 2 {
		lang, body, _ := strings.Cut(parts[i], "\n")
		blocks = append(blocks, block{lang, body})
	}
	if len(blocks) == 0 {
		t.Fatalf("%s, %s: no blocks", file, start)
	}
	return blocks
}

// run writes each jsonnet block whose first line is `// NAME` as the file
// NAME of dir, and runs each sh block there with bash, in order, as a
// reader would.
func run(t *testing.T, where, dir string, env []string, blocks []block) {
	t.Helper()
	for _, b := range blocks {
		switch b.lang {
		case "jsonnet":
			first, _, _ := strings.Cut(b.body, "\n")
			name, ok := strings.CutPrefix(first, "// ")
			if !ok || strings.ContainsAny(name, " /") {
				t.Fatalf("%s: a jsonnet block that does not start with // FILE.jsonnet:\n%s", where, b.body)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(b.body), 0o644); err != nil {
				t.Fatal(err)
			}
		case "sh":
			cmd := exec.Command("bash", "-euo", "pipefail", "-c", b.body)
			cmd.Dir, cmd.Env = dir, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: the commands\n%s\nfail: %v\n%s", where, b.body, err, out)
			}
		}
	}
}

// copyDir copies the mixin's files (not a vendor/ directory) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == "vendor" || strings.HasSuffix(d.Name(), ".tmp") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// git runs git in dir, failing the test on error.
func git(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// bundlerEnv returns the environment the README's commands run in: jb and
// jsonnet on PATH, and git told that github.com/kubeprobe/kubeprobe_exporter
// is a repository made here from this directory's files, committed on main,
// as a push would publish them. jb first tries to download GitHub's archive
// of the repository: the proxy variables send that request to a closed
// loopback port, so that it fails at once, on this machine, and jb clones
// with git instead, as it does for any archive it cannot get.
func bundlerEnv(t *testing.T) []string {
	t.Helper()
	gitPath := testenv.Tool(t, "GIT", "git", "Debian: git")
	bin := t.TempDir()
	for name, tool := range map[string]string{
		"jb":      testenv.Tool(t, "JB", filepath.Join("..", ".build", "tools", "jb"), "make -C mixin lint installs it"),
		"jsonnet": testenv.Tool(t, "JSONNET", filepath.Join("..", ".build", "tools", "jsonnet"), "make -C mixin lint installs it"),
		"jq":      testenv.Tool(t, "JQ", "jq", "Debian: jq"),
		"git":     gitPath,
	} {
		abs, err := filepath.Abs(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	root := t.TempDir()
	gitconfig := filepath.Join(root, "gitconfig")
	env := []string{
		"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + root, "GIT_CONFIG_GLOBAL=" + gitconfig, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0", "HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1",
		"https_proxy=http://127.0.0.1:1", "http_proxy=http://127.0.0.1:1", "NO_PROXY=", "no_proxy=",
	}
	src := filepath.Join(root, "src")
	copyDir(t, ".", filepath.Join(src, "mixin"))
	git(t, src, env, "init", "-q", "-b", "main")
	git(t, src, env, "add", "-A")
	git(t, src, env, "commit", "-q", "-m", "the mixin as this checkout has it")
	git(t, root, env, "clone", "-q", "--bare", src, "kubeprobe_exporter.git")
	config := fmt.Sprintf("[url \"file://%s/kubeprobe_exporter\"]\n\tinsteadOf = https://github.com/kubeprobe/kubeprobe_exporter\n", root)
	if err := os.WriteFile(gitconfig, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return env
}

// The commands of "Installing with jsonnet-bundler and kube-prometheus"
// and of "Configuration", and those of the top-level README's "With
// jsonnet", run as written: jb vendors the mixin from its repository (its
// jsonnetfile.json makes it a package) under its path and the short name
// kubeprobe-mixin/, the kube-prometheus-style file evaluates to a
// PrometheusRule that decodes strictly and carries the _config overrides,
// and kubeprobe.jsonnet writes the rule files and the dashboard.
func TestReadmeBundlerCommands(t *testing.T) {
	env := bundlerEnv(t)
	project := t.TempDir()
	run(t, "README.md, Installing", project, env,
		sectionBlocks(t, "README.md", "## Installing with jsonnet-bundler and kube-prometheus", "## "))
	for _, p := range []string{"vendor/github.com/kubeprobe/kubeprobe_exporter/mixin/mixin.libsonnet", "vendor/kubeprobe-mixin/mixin.libsonnet"} {
		if _, err := os.Stat(filepath.Join(project, p)); err != nil {
			t.Errorf("after the README's jb commands: %v", err)
		}
	}

	data, err := os.ReadFile(filepath.Join(project, "manifests", "kubeprobe-prometheus-rules"))
	if err != nil {
		t.Fatal(err)
	}
	var rule monitoringv1.PrometheusRule
	strict, err := sigsjson.UnmarshalStrict(data, &rule, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err = errors.Join(append(strict, err)...); err != nil {
		t.Fatalf("manifests/kubeprobe-prometheus-rules does not decode strictly as a PrometheusRule: %v", err)
	}
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Kind != "PrometheusRule" || rule.Labels["role"] != "alert-rules" {
		t.Errorf("manifests/kubeprobe-prometheus-rules: %s %s, labels %v", rule.APIVersion, rule.Kind, rule.Labels)
	}
	alerts, records := 0, 0
	for _, g := range rule.Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				records++
				continue
			}
			alerts++
			if r.Alert == "KubeprobeProbeRefused" && r.Labels["severity"] != "critical" {
				t.Errorf("PrometheusRule: %s has severity %q, want the override probeSeverity: critical", r.Alert, r.Labels["severity"])
			}
		}
	}
	if want := len(loadRules(t, alertsFile)); alerts != want {
		t.Errorf("PrometheusRule: %d alerts, the mixin has %d", alerts, want)
	}
	if want := len(loadRules(t, rulesFile)); records != want {
		t.Errorf("PrometheusRule: %d recording rules, the mixin has %d", records, want)
	}
	var dashboards map[string]map[string]any
	if data, err = os.ReadFile(filepath.Join(project, "manifests", "kubeprobe-dashboards")); err != nil || json.Unmarshal(data, &dashboards) != nil {
		t.Fatalf("manifests/kubeprobe-dashboards: %v", err)
	}
	if d := dashboards["kubeprobe-overview.json"]; d == nil || d["uid"] != "kubeprobe-overview" {
		t.Errorf("manifests/kubeprobe-dashboards: no kubeprobe-overview.json with its uid, keys %v", slices.Sorted(maps.Keys(dashboards)))
	}

	// kubeprobe.jsonnet, of this README's Configuration and of the
	// top-level README's "With jsonnet" (which adds jb init and jb install,
	// run again here in a project of their own).
	for where, blocks := range map[string][]block{
		"README.md, Configuration":   sectionBlocks(t, "README.md", "## Configuration", "Or, without writing jsonnet"),
		"../README.md, With jsonnet": sectionBlocks(t, "../README.md", "## Monitoring mixin", "### Alerts"),
	} {
		dir := project
		if strings.HasPrefix(where, "../") {
			dir = t.TempDir()
		}
		run(t, where, dir, env, blocks)
		checkRuleFile(t, where, filepath.Join(dir, "out", "kubeprobe_alerts.yaml"), `job="kubeprobe-exporter"`, `job=~"kubeprobe-probe-.*"`)
		checkRuleFile(t, where, filepath.Join(dir, "out", "kubeprobe_rules.yaml"), `job="kubeprobe-exporter"`, `job=~"kubeprobe-probe-.*"`)
		var d map[string]any
		if data, err := os.ReadFile(filepath.Join(dir, "out", "dashboards", "kubeprobe-overview.json")); err != nil || json.Unmarshal(data, &d) != nil || d["uid"] != "kubeprobe-overview" {
			t.Errorf("%s: out/dashboards/kubeprobe-overview.json is not the dashboard: %v", where, err)
		}
	}
}

// checkRuleFile: a rule file the README's commands wrote loads, and its
// expressions select the overridden jobs, never the default ones.
func checkRuleFile(t *testing.T, where, path string, selectors ...string) {
	t.Helper()
	rules := loadRules(t, path)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) == 0 || bytes.Contains(text, []byte(`job="kubeprobe"`)) || bytes.Contains(text, []byte(`job="kubeprobe_probe"`)) {
		t.Errorf("%s: %s has %d rules, or still selects the default jobs", where, path, len(rules))
	}
	for _, s := range selectors {
		if !bytes.Contains(text, []byte(s)) {
			t.Errorf("%s: %s never selects %s", where, path, s)
		}
	}
}

// The commands of "Configuration" that use the build entry points run as
// written in a checkout: make -C mixin tools, then .build/tools/jsonnet with
// the overrides, which reach the output.
func TestReadmeEntryPointCommands(t *testing.T) {
	env := bundlerEnv(t)
	checkout := t.TempDir()
	copyDir(t, ".", filepath.Join(checkout, "mixin"))
	build, err := filepath.Abs(filepath.Join("..", ".build"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(build, filepath.Join(checkout, ".build")); err != nil {
		t.Fatal(err)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		testenv.Missing(t, "go is not on PATH")
	}
	// make -C mixin tools installs a missing tool with go: go on PATH, and
	// go's settings kept.
	path, _ := strings.CutPrefix(env[0], "PATH=")
	env[0] = "PATH=" + path + ":" + filepath.Dir(gobin)
	for _, v := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS", "GOPROXY", "GOTOOLCHAIN"} {
		if val, ok := os.LookupEnv(v); ok {
			env = append(env, v+"="+val)
		}
	}
	var blocks []block
	for _, b := range sectionBlocks(t, "README.md", "## Configuration", "| field") {
		if b.lang == "sh" && strings.Contains(b.body, "make -C mixin tools") {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) != 1 {
		t.Fatalf("README.md, Configuration: want one block of commands with make -C mixin tools, found %d", len(blocks))
	}
	run(t, "README.md, Configuration", checkout, env, blocks)
	for _, r := range loadRules(t, filepath.Join(checkout, "alerts.yaml")) {
		if r.Alert == "KubeprobeProbeResetAfterSynAck" && r.For != "1m" {
			t.Errorf("alerts.yaml: %s waits %q, want the override probeResetFor: 1m", r.Alert, r.For)
		}
	}
	if len(loadRules(t, filepath.Join(checkout, "rules.yaml"))) == 0 {
		t.Error("rules.yaml holds no rules")
	}
	var d map[string]any
	if data, err := os.ReadFile(filepath.Join(checkout, "dashboards", "kubeprobe-overview.json")); err != nil || json.Unmarshal(data, &d) != nil || d["refresh"] != "1m" {
		t.Errorf("dashboards/kubeprobe-overview.json: want refresh 1m from the override: %v %v", err, d["refresh"])
	}
}

// jb install of the mixin from a local path, as a checkout beside a
// jsonnet project would vendor it: jb links vendor/mixin to the directory,
// and the mixin evaluates through the link with _config overrides.
func TestJsonnetBundlerLocalPath(t *testing.T) {
	env := bundlerEnv(t)
	project := t.TempDir()
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(project, here)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "local.jsonnet"), []byte(
		"local m = (import 'mixin/mixin.libsonnet') + { _config+:: { kubeprobeSelector: 'job=\"kp\"' } };\n"+
			"{ alerts: m.prometheusAlerts, rules: m.prometheusRules, dashboards: std.objectFields(m.grafanaDashboards) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "local path", project, env, []block{{"sh", "jb init\njb install " + rel + "\njsonnet -J vendor local.jsonnet > local.json\n"}})
	var out struct {
		Alerts, Rules struct {
			Groups []struct {
				Rules []struct{ Expr string } `json:"rules"`
			} `json:"groups"`
		}
		Dashboards []string
	}
	data, err := os.ReadFile(filepath.Join(project, "local.json"))
	if err != nil || json.Unmarshal(data, &out) != nil {
		t.Fatalf("local.json: %v", err)
	}
	selected := 0
	for _, g := range append(out.Alerts.Groups, out.Rules.Groups...) {
		for _, r := range g.Rules {
			if strings.Contains(r.Expr, `job="kp"`) {
				selected++
			}
			if strings.Contains(r.Expr, `job="kubeprobe"`) {
				t.Errorf("an expression still selects the default job: %s", r.Expr)
			}
		}
	}
	if selected == 0 || !slices.Equal(out.Dashboards, []string{"kubeprobe-overview.json"}) {
		t.Errorf("through vendor/mixin: %d expressions select the overridden job, dashboards %v", selected, out.Dashboards)
	}
}

// jsonnetfile.json makes the mixin a jsonnet-bundler package with no
// dependencies, as its sources import only their own files.
func TestJsonnetfile(t *testing.T) {
	data, err := os.ReadFile("jsonnetfile.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Version       int   `json:"version"`
		Dependencies  []any `json:"dependencies"`
		LegacyImports bool  `json:"legacyImports"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || f.Version != 1 || len(f.Dependencies) != 0 || !f.LegacyImports {
		t.Errorf("jsonnetfile.json: %+v, %v; want version 1, no dependencies, legacyImports", f, err)
	}
}
