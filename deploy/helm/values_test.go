package helm_test

import (
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubeprobe/kubeprobe_exporter/deploy/internal/manifest"
)

// valuePaths are the dotted paths of values.yaml's values: maps are
// descended into unless empty, config is one value.
func valuePaths(prefix string, v any, out *[]string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 || prefix == "config" || prefix == "resources" {
		*out = append(*out, prefix)
		return
	}
	for k, e := range m {
		valuePaths(strings.TrimPrefix(prefix+"."+k, "."), e, out)
	}
}

// Every value of values.yaml is in the chart's README table, and every row
// of the table is a value.
func TestValuesDocumented(t *testing.T) {
	var values map[string]any
	if err := yaml.Unmarshal(manifest.ReadFile(t, filepath.Join(chart, "values.yaml")), &values); err != nil {
		t.Fatal(err)
	}
	var paths []string
	valuePaths("", values, &paths)
	sort.Strings(paths)
	readme := string(manifest.ReadFile(t, filepath.Join(chart, "README.md")))
	var rows []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllStringSubmatch(readme, -1) {
		rows = append(rows, m[1])
	}
	for _, p := range paths {
		if !slices.Contains(rows, p) {
			t.Errorf("value %s is not in %s/README.md's table", p, chart)
		}
	}
	for _, r := range rows {
		if !slices.Contains(paths, r) {
			t.Errorf("%s/README.md documents %s, which values.yaml does not have", chart, r)
		}
	}
}
