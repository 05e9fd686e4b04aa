package mixin_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The rules of mixtool lint (monitoring-mixins/mixtool pkg/mixer/lint.go),
// re-implemented because mixtool cannot be installed here.
var (
	alertNameRE   = regexp.MustCompile(`^([A-Z]+[a-z0-9]+)+$`)
	summaryRE     = regexp.MustCompile(`^[A-Z].+\.$`)
	templatedRE   = regexp.MustCompile(`\{\{.+\}\}`)
	firstWordRE   = regexp.MustCompile(`^[A-Z]+[a-z0-9]+`)
	severities    = map[string]bool{"critical": true, "warning": true, "info": true}
	recordNameRE  = regexp.MustCompile(`^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$`) // level:metric:operations
	leftoverFmtRE = regexp.MustCompile(`%\(|%!`)                          // a jsonnet or Go format slip
)

func TestAlertsFollowMixtoolRules(t *testing.T) {
	alerts := loadRules(t, alertsFile)
	prefixes := map[string][]string{}
	seen := map[string]bool{}
	for _, a := range alerts {
		if a.Alert == "" {
			t.Errorf("%s holds a rule that is not an alert: %q", alertsFile, a.Record)
			continue
		}
		name := a.Alert
		if seen[name] {
			t.Errorf("%s: defined twice", name)
		}
		seen[name] = true
		if !alertNameRE.MatchString(name) {
			t.Errorf("%s: name is not CamelCase (%s)", name, alertNameRE)
		}
		prefix := firstWordRE.FindString(name)
		prefixes[prefix] = append(prefixes[prefix], name)

		if !severities[a.Labels["severity"]] {
			t.Errorf("%s: severity %q is not critical, warning or info", name, a.Labels["severity"])
		}
		summary, ok := a.Annotations["summary"]
		switch {
		case !ok:
			t.Errorf("%s: no summary", name)
		case strings.Contains(summary, "{{"):
			t.Errorf("%s: summary must be static: %q", name, summary)
		case !summaryRE.MatchString(summary):
			t.Errorf("%s: summary must start with a capital and end with a period: %q", name, summary)
		}
		if d, ok := a.Annotations["description"]; !ok || !templatedRE.MatchString(d) {
			t.Errorf("%s: description missing or not templated: %q", name, d)
		}
		// Beyond mixtool: every alert waits (the unit tests prove it), and
		// no format directive leaked through.
		if a.For == "" || a.For == "0s" {
			t.Errorf("%s: no for duration", name)
		}
		for key, text := range a.Annotations {
			if leftoverFmtRE.MatchString(text) {
				t.Errorf("%s: annotation %s has an unexpanded format directive: %q", name, key, text)
			}
		}
	}
	if len(prefixes) != 1 {
		t.Errorf("alert names must share one prefix, found %d: %v", len(prefixes), prefixes)
	}
}

// Every runbook_url points at a section of runbook.md that exists.
func TestRunbookLinksResolve(t *testing.T) {
	runbook, err := os.ReadFile("runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(runbook), "\n") {
		if heading, ok := strings.CutPrefix(line, "## "); ok {
			anchors[githubAnchor(heading)] = true
		}
	}
	for _, a := range loadRules(t, alertsFile) {
		url := a.Annotations["runbook_url"]
		base, anchor, ok := strings.Cut(url, "#")
		if !ok || !strings.HasSuffix(base, "/mixin/runbook.md") {
			t.Errorf("%s: runbook_url %q does not point into mixin/runbook.md", a.Alert, url)
			continue
		}
		if anchor != strings.ToLower(a.Alert) {
			t.Errorf("%s: runbook_url anchor %q is not the alert's name", a.Alert, anchor)
		}
		if !anchors[anchor] {
			t.Errorf("%s: runbook.md has no section %q", a.Alert, anchor)
		}
	}
}

// githubAnchor is the fragment GitHub gives a heading: lower case, spaces
// to dashes, punctuation dropped.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('0' <= r && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestRecordingRuleNames(t *testing.T) {
	for _, r := range loadRules(t, rulesFile) {
		if r.Record == "" {
			t.Errorf("%s holds a rule that is not a recording rule: %q", rulesFile, r.Alert)
			continue
		}
		if !recordNameRE.MatchString(r.Record) {
			t.Errorf("%s: not level:metric:operations", r.Record)
		}
	}
}

// Every selector of the exporter's metrics carries a job matcher, so that
// the mixin's _config selectors reach every query; dashboard queries also
// name the instance variable their panel is about.
func TestSelectorsAreScoped(t *testing.T) {
	check := func(where, expr string) {
		for _, s := range ownSelectors(expr) {
			if !jobMatcherRE.MatchString(s.matchers) {
				t.Errorf("%s: %s{%s} has no job matcher", where, s.metric, s.matchers)
			}
		}
	}
	for _, r := range append(loadRules(t, alertsFile), loadRules(t, rulesFile)...) {
		check(r.Alert+r.Record, r.Expr)
	}
	for where, exprs := range dashboardExprs(t) {
		for _, e := range exprs {
			check(where, e)
			if !strings.Contains(e, `instance=~"$instance"`) && !strings.Contains(e, `instance=~"$target"`) {
				t.Errorf("%s: %q selects no $instance or $target", where, e)
			}
		}
	}
}

var jobMatcherRE = regexp.MustCompile(`(^|,)\s*job\s*(=|=~)\s*"`)

type selector struct{ metric, matchers string }

// ownSelectors finds the selectors of this exporter's series in a PromQL
// expression: probe_*, kubeprobe_* and up, and recorded series of them.
// Quoted strings are skipped, so label values cannot be mistaken for names.
func ownSelectors(expr string) []selector {
	var out []selector
	isName := func(c byte) bool {
		return c == '_' || c == ':' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
	}
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(expr, i)
		case c == '$': // a Grafana variable such as $__rate_interval
			i++
			for i < len(expr) && isName(expr[i]) {
				i++
			}
		case isName(c) && (c < '0' || c > '9'):
			start := i
			for i < len(expr) && isName(expr[i]) {
				i++
			}
			name := expr[start:i]
			if groupings[name] {
				// The labels of by (...), on (...) and the like, such as
				// probe_type, are not series.
				i = skipGrouping(expr, i)
				continue
			}
			metric := name
			if parts := strings.Split(name, ":"); len(parts) == 3 {
				metric = parts[1] // level:metric:operations
			}
			if !isOwnMetric(metric) {
				continue
			}
			j := i
			for j < len(expr) && expr[j] == ' ' {
				j++
			}
			if j == len(expr) || expr[j] != '{' {
				out = append(out, selector{metric: name})
				continue
			}
			end := j + 1
			for end < len(expr) && expr[end] != '}' {
				if q := expr[end]; q == '"' || q == '\'' || q == '`' {
					end = skipString(expr, end)
					continue
				}
				end++
			}
			out = append(out, selector{metric: name, matchers: expr[j+1 : min(end, len(expr))]})
			i = end
		default:
			i++
		}
	}
	return out
}

// groupings are the PromQL keywords followed by a list of labels.
var groupings = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// skipGrouping returns the index after the label list that follows a
// grouping keyword ending at i, or i if none follows.
func skipGrouping(expr string, i int) int {
	j := i
	for j < len(expr) && expr[j] == ' ' {
		j++
	}
	if j == len(expr) || expr[j] != '(' {
		return i
	}
	if end := strings.IndexByte(expr[j:], ')'); end >= 0 {
		return j + end + 1
	}
	return len(expr)
}

func isOwnMetric(name string) bool {
	return strings.HasPrefix(name, "probe_") || strings.HasPrefix(name, "kubeprobe_") || name == "up"
}

// skipString returns the index after the string literal starting at i.
func skipString(s string, i int) int {
	quote := s[i]
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if quote != '`' {
				i++
			}
		case quote:
			return i + 1
		}
	}
	return i
}

func TestOwnSelectors(t *testing.T) {
	got := ownSelectors(`sum by (job, probe_type) (rate(kubeprobe_tcp_active_opens_total{job="kubeprobe", instance=~"$instance"}[$__rate_interval]))` +
		` / instance:kubeprobe_tcp_active_opens:rate5m and on (probe_type) probe_success{outcome="up{x}"} and node_load1 or up`)
	want := []selector{
		{"kubeprobe_tcp_active_opens_total", `job="kubeprobe", instance=~"$instance"`},
		{"instance:kubeprobe_tcp_active_opens:rate5m", ""},
		{"probe_success", `outcome="up{x}"`},
		{"up", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("selector %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// The dashboard conventions of mixtool and grafana/dashboard-linter: uid,
// title, a Prometheus datasource variable used by every panel, job and
// instance variables, and $__rate_interval for every range.
func TestDashboardsFollowConventions(t *testing.T) {
	rangeRE := regexp.MustCompile(`\[([^\]]*)\]`)
	for name, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" {
			t.Errorf("%s: uid %q, title %q: both are required", name, d.UID, d.Title)
		}
		vars := map[string]string{}
		for _, v := range d.Templating.List {
			vars[v.Name] = v.Type
			if v.Type == "datasource" && string(v.Query) != `"prometheus"` {
				t.Errorf("%s: datasource variable %s is of %s, not prometheus", name, v.Name, v.Query)
			}
			if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != "${datasource}") {
				t.Errorf("%s: variable %s does not query ${datasource}", name, v.Name)
			}
		}
		if vars["datasource"] != "datasource" {
			t.Errorf("%s: no datasource variable named datasource", name)
		}
		for _, v := range []string{"job", "instance"} {
			if vars[v] != "query" {
				t.Errorf("%s: no %s query variable", name, v)
			}
		}
		ids := map[int]string{}
		for _, p := range allPanels(d.Panels) {
			if prev, dup := ids[p.ID]; dup {
				t.Errorf("%s: panels %q and %q share id %d", name, prev, p.Title, p.ID)
			}
			ids[p.ID] = p.Title
			if p.GridPos.W <= 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: panel %q does not fit the 24-column grid: %+v", name, p.Title, p.GridPos)
			}
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s: panel %q does not use ${datasource}", name, p.Title)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no queries", name, p.Title)
			}
			for _, target := range p.Targets {
				if target.Datasource == nil || target.Datasource.UID != "${datasource}" {
					t.Errorf("%s: a query of panel %q does not use ${datasource}", name, p.Title)
				}
				for _, m := range rangeRE.FindAllStringSubmatch(target.Expr, -1) {
					if m[1] != "$__rate_interval" {
						t.Errorf("%s: panel %q uses range [%s], not [$__rate_interval]", name, p.Title, m[1])
					}
				}
			}
		}
	}
}
