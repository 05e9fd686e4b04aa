// Package collector exports the node's port-range signals: the ephemeral
// port range against the NodePort range, the allocated NodePorts the
// kernel may hand out as source ports, TIME_WAIT sockets and connection
// churn. One file per signal, each a scraper with one job, as in
// node_exporter's collector package.
package collector

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	namespace     = "kubeprobe"
	selfNamespace = "kubeprobe_exporter"
)

var (
	successDesc = prometheus.NewDesc(selfNamespace+"_collector_success",
		"1 if the collector's source answered on this scrape, 0 if it failed (the log says why).", []string{"collector"}, nil)
	durationDesc = prometheus.NewDesc(selfNamespace+"_collector_duration_seconds",
		"How long the collector took on this scrape.", []string{"collector"}, nil)
)

// scraper is one signal: a name for kubeprobe_exporter_collector_success
// and a function that reads the signal from the scrape's snapshot.
type scraper struct {
	name   string
	descs  []*prometheus.Desc
	update func(s *snapshot, ch chan<- prometheus.Metric) error
}

// Collector is the prometheus.Collector of the node's port-range signals.
type Collector struct {
	cfg      Config
	node     *procNode
	sources  []source
	scrapers []scraper
	logger   log.Logger
}

// ErrUnsupported is New's error on systems other than Linux, which have
// none of the sysctls, procfs files and sock_diag dumps it reads.
var ErrUnsupported = errors.New("the node collector reads Linux's procfs and sock_diag, which this system lacks")

// New builds the collector from the configuration. With
// --nodeport.kubernetes it starts watching Services until ctx ends.
func New(ctx context.Context, cfg Config, logger log.Logger) (*Collector, error) {
	if runtime.GOOS != "linux" {
		return nil, ErrUnsupported
	}
	node, err := newProcNode(cfg.ProcPath)
	if err != nil {
		return nil, err
	}
	sources, err := newSources(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	return newCollector(cfg, node, sources, logger), nil
}

func newCollector(cfg Config, node *procNode, sources []source, logger log.Logger) *Collector {
	c := &Collector{cfg: cfg, node: node, sources: sources, logger: logger}
	c.scrapers = []scraper{
		ephemeralRangeScraper,
		reservedPortsScraper,
		connectPortsScraper,
		nodePortRangeScraper,
		listenPortsScraper,
	}
	for _, src := range sources {
		c.scrapers = append(c.scrapers, allocatedScraper(src))
	}
	c.scrapers = append(c.scrapers,
		atRiskScraper,
		timeWaitScraper,
		timeWaitBreakdownScraper,
		activeOpensScraper,
		reuseSysctlsScraper,
	)
	return c
}

func newSources(ctx context.Context, cfg Config, logger log.Logger) ([]source, error) {
	var sources []source
	if cfg.Kubernetes {
		k, err := newKubernetesSourceFromConfig(cfg.Kubeconfig)
		if err != nil {
			return nil, err
		}
		k.Start(ctx, logger)
		sources = append(sources, k)
	}
	if cfg.IPVS != IPVSOff {
		sources = append(sources, newIPVSSource(cfg.ProcPath, cfg.IPVS == IPVSOn))
	}
	if cfg.Static.Len() > 0 {
		sources = append(sources, staticSource{ports: cfg.Static})
	}
	return sources, nil
}

// WaitForSources waits until the Kubernetes source, when on, has listed
// the Services once, or ctx ends.
func (c *Collector) WaitForSources(ctx context.Context) error {
	for _, src := range c.sources {
		if err := src.WaitForSync(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Describe sends every metric the collector may export.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- successDesc
	ch <- durationDesc
	seen := map[*prometheus.Desc]bool{}
	for _, s := range c.scrapers {
		for _, d := range s.descs {
			if !seen[d] {
				seen[d] = true
				ch <- d
			}
		}
	}
}

// Collect runs every scraper on one snapshot of the node. A scraper that
// fails is reported and logged; the others still export.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.snapshot()
	for _, sc := range c.scrapers {
		start := time.Now()
		err := sc.update(s, ch)
		ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, time.Since(start).Seconds(), sc.name)
		success := 1.0
		if err != nil {
			success = 0
			level.Error(c.logger).Log("msg", "Collector failed", "collector", sc.name, "err", err)
		}
		ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, success, sc.name)
	}
}

func (c *Collector) snapshot() *snapshot {
	return newSnapshot(c.node, c.cfg, c.sources)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
}

// sourceScraperName is the collector label of a NodePort source.
func sourceScraperName(src source) string { return fmt.Sprintf("nodeports_%s", src.Name()) }
