package manifest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// DefaultNodePortRange is the API server's default
// --service-node-port-range, and the exporter's default --nodeport.range.
const DefaultNodePortRange = "30000-32767"

// NodePortRangeFields are the values of config.example.yml that are the
// NodePort range, as dotted paths: the modules that probe from it. A
// changed --nodeport.range must change them too; deploy/kubernetes's
// nodeport-range component and the chart's values.yaml set exactly these.
var NodePortRangeFields = []string{
	"modules.from_nodeport_range.source_port",
	"modules.nodeport_sweep.source_port_sweep.range",
}

// ParseConfig reads an exporter configuration as a generic document.
func ParseConfig(t testing.TB, where string, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	return doc
}

// Lookup returns the value at a dotted path of a document.
func Lookup(doc map[string]any, path string) (any, bool) {
	var v any = doc
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// set sets the value at a dotted path that exists.
func set(doc map[string]any, path string, value any) {
	keys := strings.Split(path, ".")
	m := doc
	for _, key := range keys[:len(keys)-1] {
		m = m[key].(map[string]any)
	}
	m[keys[len(keys)-1]] = value
}

// FieldsEqualTo returns the dotted paths of the scalars of doc equal to
// value, sorted.
func FieldsEqualTo(doc map[string]any, value string) []string {
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(strings.TrimPrefix(prefix+"."+k, "."), e)
			}
		case []any:
			for _, e := range v {
				walk(prefix+".[]", e)
			}
		case string:
			if v == value {
				out = append(out, prefix)
			}
		}
	}
	walk("", doc)
	slices.Sort(out)
	return out
}

// CheckNodePortRangeFields: every value of config.example.yml that is the
// default NodePort range is one of NodePortRangeFields, and each of those is.
// A new module that probes from the range must be added to the list (and so
// to the component and the chart), or a changed range would leave it behind.
func CheckNodePortRangeFields(t testing.TB) {
	t.Helper()
	example := ParseConfig(t, "config.example.yml", ReadFile(t, Repo(t, "config.example.yml")))
	if got := FieldsEqualTo(example, DefaultNodePortRange); !slices.Equal(got, NodePortRangeFields) {
		t.Errorf("config.example.yml: the values %v are the NodePort range %s; want exactly %v (deploy/internal/manifest.NodePortRangeFields, "+
			"deploy/kubernetes/nodeport-range and the chart's values.yaml follow that list)", got, DefaultNodePortRange, NodePortRangeFields)
	}
}

// CheckConfigFollows: cfg is config.example.yml with every field of
// NodePortRangeFields set to nodePortRange, and nothing else changed.
func CheckConfigFollows(t testing.TB, where string, cfg map[string]any, nodePortRange string) {
	t.Helper()
	for _, f := range NodePortRangeFields {
		if v, ok := Lookup(cfg, f); !ok || v != nodePortRange {
			t.Errorf("%s: %s is %v, want the NodePort range %s", where, f, v, nodePortRange)
		} else {
			set(cfg, f, DefaultNodePortRange)
		}
	}
	example := ParseConfig(t, "config.example.yml", ReadFile(t, Repo(t, "config.example.yml")))
	if !reflect.DeepEqual(cfg, example) {
		t.Errorf("%s: the configuration differs from config.example.yml beyond the NodePort range", where)
	}
}
