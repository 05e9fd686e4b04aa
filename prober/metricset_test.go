package prober

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// A metricSet writes out exactly what a registry of the same gauges
// would, in the same order, whatever order they were set in.
func TestMetricSetGathersAsARegistry(t *testing.T) {
	type series struct {
		name, help string
		value      float64
		labels     []string
	}
	all := []series{
		{"probe_success", "ok", 1, nil},
		{"probe_http_duration_seconds", "phases", 0.25, []string{"phase", "transfer"}},
		{"probe_http_duration_seconds", "phases", 0.5, []string{"phase", "connect"}},
		{"probe_duration_seconds", "took", 1.5, nil},
		{"probe_http_duration_seconds", "phases", 0.125, []string{"phase", "resolve"}},
		{"probe_kubelet_result", "result", 0, []string{"result", "warning"}},
		{"probe_kubelet_result", "result", 1, []string{"result", "success"}},
		// Two labels and five, given out of order: sorted by name.
		{"probe_pair", "two", 3, []string{"zone", "b", "area", "x"}},
		{"probe_pair", "two", 4, []string{"zone", "a", "area", "y"}},
		{"probe_chain_info", "five", 1, []string{"subject", "CN=s", "issuer", "CN=i", "fingerprint", "ab", "serial", "01", "alt", "a,b"}},
	}
	set := newMetricSet()
	reg := prometheus.NewPedanticRegistry()
	vecs := map[string]*prometheus.GaugeVec{}
	for _, s := range all {
		set.set(s.name, s.help, s.value, s.labels...)
		if s.labels == nil {
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: s.name, Help: s.help})
			g.Set(s.value)
			reg.MustRegister(g)
			continue
		}
		v := vecs[s.name]
		if v == nil {
			v = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: s.name, Help: s.help}, everyOther(s.labels, 0))
			vecs[s.name] = v
			reg.MustRegister(v)
		}
		v.WithLabelValues(everyOther(s.labels, 1)...).Set(s.value)
	}
	// A later set replaces the value, whatever the order of its labels.
	set.set("probe_success", "ok", 0)
	set.set("probe_pair", "two", 5, "area", "x", "zone", "b")
	vecs["probe_pair"].WithLabelValues("b", "x").Set(5)
	text := func(g prometheus.Gatherer) string {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
				t.Fatal(err)
			}
		}
		return b.String()
	}
	want := text(reg)
	want = string(bytes.Replace([]byte(want), []byte("probe_success 1"), []byte("probe_success 0"), 1))
	if got := text(set); got != want {
		t.Errorf("metricSet writes\n%s\na registry writes\n%s", got, want)
	}
}

// everyOther is the names (from 0) or the values (from 1) of label pairs.
func everyOther(pairs []string, from int) []string {
	var out []string
	for i := from; i < len(pairs); i += 2 {
		out = append(out, pairs[i])
	}
	return out
}
