package collector

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

var allocatedDesc = newDesc("nodeports_allocated",
	"Allocated NodePorts (distinct protocol and port) known from each source: kubernetes, ipvs or static.", "source")

// allocatedScraper exports what one source knows. A source that fails
// exports nothing and reports the failure as nodeports_<source>; one that
// is absent from the node (ipvs by default) exports nothing and is no
// failure.
func allocatedScraper(src source) scraper {
	return scraper{
		name:  sourceScraperName(src),
		descs: []*prometheus.Desc{allocatedDesc},
		update: func(s *snapshot, ch chan<- prometheus.Metric) error {
			allocs, err := s.Allocations(src)
			var absent *absentError
			if errors.As(err, &absent) {
				return nil
			}
			if err != nil {
				return err
			}
			gauge(ch, allocatedDesc, float64(len(distinctNodePorts(allocs))), src.Name())
			return nil
		},
	}
}
