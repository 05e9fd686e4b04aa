package prober

import (
	"cmp"
	"slices"
	"sync"

	dto "github.com/prometheus/client_model/go"
)

// metricSet is one probe's metrics, kept as the metric families promhttp
// writes out. A probe's metrics are gauges set once, so a registry's work
// (a descriptor checked and hashed per gauge, collection through
// channels) bought nothing here and cost a quarter of a probe's CPU. It
// is a prometheus.Gatherer, and gathers what a registry of the same
// gauges would: families by name, series by label values.
type metricSet struct {
	mu       sync.Mutex
	families map[string]*dto.MetricFamily
}

func newMetricSet() *metricSet {
	return &metricSet{families: make(map[string]*dto.MetricFamily, 32)}
}

// set gives the gauge name, with the label pairs given ("phase",
// "connect", …), the value v, replacing what it had.
func (s *metricSet) set(name, help string, v float64, labelPairs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mf := s.families[name]
	if mf == nil {
		mf = newFamily(name, help)
		s.families[name] = mf
	}
	labels := newLabels(labelPairs)
	for _, m := range mf.Metric {
		if sameLabels(m.Label, labels) {
			*m.Gauge.Value = v
			return
		}
	}
	mf.Metric = append(mf.Metric, newGauge(labels, v))
}

// A probe sets a few dozen gauges, each once; allocating each of their
// protobuf fields on its own was most of what set cost, and of the
// collector's work after every probe. So what does not change between
// probes (names, help texts, label names) is kept once for the process,
// and what makes up one series is allocated together.
var (
	gaugeType = dto.MetricType_GAUGE.Enum()
	interned  sync.Map // string → *string
)

// intern returns the one copy of s. It is only ever given this package's
// constants (metric names, help texts, label names), never a label value,
// which may come from a target.
func intern(s string) *string {
	if p, ok := interned.Load(s); ok {
		return p.(*string)
	}
	one := new(string) // not &s, which would put every s on the heap
	*one = s
	p, _ := interned.LoadOrStore(s, one)
	return p.(*string)
}

// gaugeFamily is a family and room for its first series in a single
// allocation: most of a probe's families have one series.
type gaugeFamily struct {
	family dto.MetricFamily
	first  [1]*dto.Metric
}

func newFamily(name, help string) *dto.MetricFamily {
	f := &gaugeFamily{}
	f.family.Name, f.family.Help, f.family.Type = intern(name), intern(help), gaugeType
	f.family.Metric = f.first[:0]
	return &f.family
}

// gaugeSeries is one series' protobuf messages in a single allocation.
type gaugeSeries struct {
	metric dto.Metric
	gauge  dto.Gauge
	value  float64
}

func newGauge(labels []*dto.LabelPair, v float64) *dto.Metric {
	g := &gaugeSeries{value: v}
	g.gauge.Value = &g.value
	g.metric.Gauge = &g.gauge
	g.metric.Label = labels
	return &g.metric
}

// labelBlock is the label pairs of one series, with their values, in a
// single allocation for the usual one or two labels.
type labelBlock struct {
	ptrs   [2]*dto.LabelPair
	pairs  [2]dto.LabelPair
	values [2]string
}

// newLabels makes the label pairs of "name", "value", … sorted by name,
// as a registry would give them.
func newLabels(labelPairs []string) []*dto.LabelPair {
	n := len(labelPairs) / 2
	if n == 0 {
		return nil
	}
	var ptrs []*dto.LabelPair
	var pairs []dto.LabelPair
	var values []string
	if n <= 2 {
		b := &labelBlock{}
		ptrs, pairs, values = b.ptrs[:n], b.pairs[:n], b.values[:n]
	} else {
		ptrs, pairs, values = make([]*dto.LabelPair, n), make([]dto.LabelPair, n), make([]string, n)
	}
	for i := range n {
		values[i] = labelPairs[2*i+1]
		pairs[i].Name, pairs[i].Value = intern(labelPairs[2*i]), &values[i]
		ptrs[i] = &pairs[i]
	}
	if n > 1 {
		slices.SortFunc(ptrs, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
	}
	return ptrs
}

// drop removes the named families: facts an earlier try wrote that the
// last one did not see.
func (s *metricSet) drop(names ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range names {
		delete(s.families, n)
	}
}

// Gather returns the families sorted as a registry sorts them.
func (s *metricSet) Gather() ([]*dto.MetricFamily, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*dto.MetricFamily, 0, len(s.families))
	for _, mf := range s.families {
		slices.SortFunc(mf.Metric, func(a, b *dto.Metric) int { return compareLabels(a.Label, b.Label) })
		out = append(out, mf)
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return out, nil
}

func sameLabels(a, b []*dto.LabelPair) bool {
	return len(a) == len(b) && compareLabels(a, b) == 0
}

// compareLabels orders series by their label values, label by label.
func compareLabels(a, b []*dto.LabelPair) int {
	for i := range min(len(a), len(b)) {
		if c := cmp.Or(cmp.Compare(a[i].GetName(), b[i].GetName()), cmp.Compare(a[i].GetValue(), b[i].GetValue())); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}
