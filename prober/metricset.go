package prober

import (
	"cmp"
	"slices"
	"sync"

	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
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

func newMetricSet() *metricSet { return &metricSet{families: map[string]*dto.MetricFamily{}} }

// set gives the gauge name, with the label pairs given ("phase",
// "connect", …), the value v, replacing what it had.
func (s *metricSet) set(name, help string, v float64, labelPairs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mf := s.families[name]
	if mf == nil {
		mf = &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum()}
		s.families[name] = mf
	}
	labels := make([]*dto.LabelPair, 0, len(labelPairs)/2)
	for i := 0; i+1 < len(labelPairs); i += 2 {
		labels = append(labels, &dto.LabelPair{Name: proto.String(labelPairs[i]), Value: proto.String(labelPairs[i+1])})
	}
	slices.SortFunc(labels, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
	for _, m := range mf.Metric {
		if sameLabels(m.Label, labels) {
			m.Gauge.Value = proto.Float64(v)
			return
		}
	}
	mf.Metric = append(mf.Metric, &dto.Metric{Label: labels, Gauge: &dto.Gauge{Value: proto.Float64(v)}})
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
