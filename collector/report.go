package collector

import (
	"context"
	"fmt"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// Report is the check command's view of this node: the same facts as the
// metrics, with the NodePorts at risk named and the fix worked out.
type Report struct {
	EphemeralRange ports.Range `json:"ephemeral_port_range"`
	// ReservedPorts is net.ipv4.ip_local_reserved_ports as the kernel
	// writes it; ReservedCount its number of ports.
	ReservedPorts string         `json:"reserved_ports"`
	ReservedCount int            `json:"reserved_port_count"`
	NodePortRange ports.Range    `json:"nodeport_range"`
	OverlapPorts  int            `json:"nodeport_range_ephemeral_overlap_ports"`
	Allocated     map[string]int `json:"nodeports_allocated"`
	AtRisk        []KnownPort    `json:"nodeports_at_risk"`
	// OutsideRange is allocated NodePorts outside --nodeport.range: the
	// flag is then narrower than the API server's range.
	OutsideRange []KnownPort     `json:"nodeports_outside_range"`
	TimeWait     *TimeWaitReport `json:"time_wait"`
	Churn        *Churn          `json:"churn"`
	Fix          Fix             `json:"fix"`
	// Errors is every source that could not be read, by collector name.
	Errors map[string]string `json:"errors"`
	// sourceFailed: a NodePort source is among Errors.
	sourceFailed bool
}

// TimeWaitReport is the TIME_WAIT sockets, counted and broken down.
type TimeWaitReport struct {
	Sockets         int              `json:"sockets"`
	ByRange         *TimeWaitByRange `json:"by_range"`
	TopDestinations []Destination    `json:"top_destinations"`
}

// Churn is the rate of new outgoing connections over a sampled interval,
// and how long the kernel takes at that rate to go through every source
// port it may pick: the shorter, the sooner a NodePort at risk is picked.
type Churn struct {
	IntervalSeconds   float64  `json:"interval_seconds"`
	OpensPerSecond    float64  `json:"active_opens_per_second"`
	PickablePorts     int      `json:"pickable_ports"`
	WrapAroundSeconds *float64 `json:"wrap_around_seconds"`
}

// WrapAround is the time to go through every pickable port, 0 without churn.
func (c *Churn) WrapAround() time.Duration {
	if c.WrapAroundSeconds == nil {
		return 0
	}
	return time.Duration(*c.WrapAroundSeconds * float64(time.Second))
}

// Incomplete tells whether some NodePort source failed, so that an empty
// at-risk list does not prove that nothing is at risk.
func (r *Report) Incomplete() bool { return r.sourceFailed }

// Check reads this node once and reports on it, sampling the churn over
// churnInterval (none if 0). The error is for a node whose port ranges
// cannot be read at all; a failing source is listed in Report.Errors.
func (c *Collector) Check(ctx context.Context, churnInterval time.Duration) (*Report, error) {
	s := c.snapshot()
	k, err := s.KernelPorts()
	if err != nil {
		return nil, err
	}
	overlap := k.pickableIn(c.cfg.NodePortRange)
	r := &Report{
		EphemeralRange: k.Ephemeral,
		ReservedPorts:  k.Reserved.String(),
		ReservedCount:  k.Reserved.Len(),
		NodePortRange:  c.cfg.NodePortRange,
		OverlapPorts:   overlap.Len(),
		Allocated:      map[string]int{},
		Errors:         map[string]string{},
	}
	c.checkSources(s, r)
	c.checkTimeWait(s, r)
	if churnInterval > 0 {
		r.Churn, err = c.sampleChurn(ctx, churnInterval, k.pickable())
		if err != nil {
			r.Errors[activeOpensScraper.name] = err.Error()
		}
	}
	r.Fix = planFix(k, c.cfg.NodePortRange, r.OverlapPorts, r.AtRisk)
	return r, nil
}

func (c *Collector) checkSources(s *snapshot, r *Report) {
	for _, src := range c.sources {
		allocs, err := s.Allocations(src)
		if err != nil {
			r.Errors[sourceScraperName(src)] = err.Error()
			r.sourceFailed = true
		}
		if allocs != nil || err == nil {
			r.Allocated[src.Name()] = len(distinctNodePorts(allocs))
		}
	}
	risky, err := s.AtRisk()
	if err != nil {
		r.Errors[atRiskScraper.name] = err.Error()
	}
	r.AtRisk = append([]KnownPort{}, risky...) // [] rather than null in JSON
	r.OutsideRange = []KnownPort{}
	for _, k := range s.Known() {
		if !c.cfg.NodePortRange.Contains(k.Port) {
			r.OutsideRange = append(r.OutsideRange, k)
		}
	}
}

func (c *Collector) checkTimeWait(s *snapshot, r *Report) {
	total, err := s.node.TimeWaitSockets()
	if err != nil {
		r.Errors[timeWaitScraper.name] = err.Error()
		return
	}
	r.TimeWait = &TimeWaitReport{Sockets: total}
	tw, err := s.TimeWait()
	if err != nil {
		r.Errors[timeWaitBreakdownScraper.name] = err.Error()
		return
	}
	r.TimeWait.ByRange = &tw.byRange
	r.TimeWait.TopDestinations = tw.Top(c.cfg.TimeWaitTop)
}

// sampleChurn counts the connections opened over interval.
func (c *Collector) sampleChurn(ctx context.Context, interval time.Duration, pickable int) (*Churn, error) {
	before, err := c.node.ActiveOpens()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	select {
	case <-time.After(interval):
	case <-ctx.Done():
		return nil, fmt.Errorf("sampling the churn: %w", ctx.Err())
	}
	after, err := c.node.ActiveOpens()
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	ch := &Churn{IntervalSeconds: elapsed.Seconds(), OpensPerSecond: (after - before) / elapsed.Seconds(), PickablePorts: pickable}
	if ch.OpensPerSecond > 0 {
		secs := float64(pickable) / ch.OpensPerSecond
		ch.WrapAroundSeconds = &secs
	}
	return ch, nil
}
