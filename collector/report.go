package collector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// Report is the check command's view of this node: the same facts as the
// metrics, with the NodePorts at risk named and the fix worked out.
type Report struct {
	// Verdict sums the report up; check's exit code follows from it.
	Verdict        Verdict     `json:"verdict"`
	EphemeralRange ports.Range `json:"ephemeral_port_range"`
	// ReservedPorts is net.ipv4.ip_local_reserved_ports as the kernel
	// writes it; ReservedCount its number of ports.
	ReservedPorts string `json:"reserved_ports"`
	ReservedCount int    `json:"reserved_port_count"`
	// ConnectPorts is how many ports connect(2) picks from first: those of
	// the ephemeral range start's parity, not reserved.
	ConnectPorts  int            `json:"connect_ports"`
	NodePortRange ports.Range    `json:"nodeport_range"`
	OverlapPorts  int            `json:"nodeport_range_ephemeral_overlap_ports"`
	Allocated     map[string]int `json:"nodeports_allocated"`
	// Absent is the sources left on by default that this node does not
	// have (ipvs without /proc/net/ip_vs), with why: they count nothing.
	Absent map[string]string `json:"nodeport_sources_absent"`
	AtRisk []KnownPort       `json:"nodeports_at_risk"`
	// AtRiskForConnect is how many of AtRisk connect(2) picks from first:
	// over ConnectPorts, the chance that a connection draws one.
	AtRiskForConnect int `json:"nodeports_at_risk_for_connect"`
	// OutsideRange is allocated NodePorts outside --nodeport.range: the
	// flag is then narrower than the API server's range.
	OutsideRange []KnownPort `json:"nodeports_outside_range"`
	// ListenPorts are the exporter's listen ports (--web.listen-address).
	ListenPorts []ListenPort    `json:"listen_ports"`
	TimeWait    *TimeWaitReport `json:"time_wait"`
	// TWReuse is net.ipv4.tcp_tw_reuse; nil if it could not be read.
	TWReuse *int64 `json:"tcp_tw_reuse"`
	Churn   *Churn `json:"churn"`
	Fix     Fix    `json:"fix"`
	// Errors is every source that could not be read, by collector name.
	Errors map[string]string `json:"errors"`
	// sourceFailed: a NodePort source is among Errors.
	sourceFailed bool
}

// ListenPort is one of the exporter's TCP listen ports; Pickable when the
// kernel may hand it out as a connection's source port, so that a
// connection may hold it when the exporter starts.
type ListenPort struct {
	Port     uint16 `json:"port"`
	Pickable bool   `json:"pickable"`
}

// TimeWaitReport is the TIME_WAIT sockets, counted and broken down.
type TimeWaitReport struct {
	Sockets         int              `json:"sockets"`
	ByRange         *TimeWaitByRange `json:"by_range"`
	TopDestinations []Destination    `json:"top_destinations"`
}

// Churn is the rate of new outgoing connections over a sampled interval.
// It does not make a NodePort collision likelier (each connection's port
// is drawn afresh); what it uses up is the ports for one destination,
// which the TIME_WAIT sockets to it show against ConnectPorts.
type Churn struct {
	IntervalSeconds float64 `json:"interval_seconds"`
	OpensPerSecond  float64 `json:"active_opens_per_second"`
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
		ConnectPorts:   k.connectPorts(),
		NodePortRange:  c.cfg.NodePortRange,
		OverlapPorts:   overlap.Len(),
		Allocated:      map[string]int{},
		Absent:         map[string]string{},
		ListenPorts:    listenPorts(k, c.cfg.ListenPorts),
		Errors:         map[string]string{},
	}
	c.checkSources(s, r)
	r.AtRiskForConnect = len(k.forConnect(r.AtRisk))
	c.checkTimeWait(s, r)
	if churnInterval > 0 {
		r.Churn, err = c.sampleChurn(ctx, churnInterval)
		if err != nil {
			r.Errors[activeOpensScraper.name] = err.Error()
		}
	}
	r.Fix = planFix(k, c.cfg.NodePortRange, r.AtRisk, k.pickableListenPorts(c.cfg.ListenPorts))
	r.Verdict = r.verdict()
	return r, nil
}

func listenPorts(k *kernelPorts, listen ports.Set) []ListenPort {
	out := []ListenPort{} // [] rather than null in JSON
	for _, p := range portList(listen) {
		out = append(out, ListenPort{Port: p, Pickable: k.mayPick(p)})
	}
	return out
}

func (c *Collector) checkSources(s *snapshot, r *Report) {
	for _, src := range c.sources {
		allocs, err := s.Allocations(src)
		var absent *absentError
		if errors.As(err, &absent) {
			r.Absent[src.Name()] = absent.reason
			continue
		}
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
	if reuse, err := s.node.IntSysctl(sysctlTWReuse); err == nil {
		r.TWReuse = &reuse
	} else {
		r.Errors[reuseSysctlsScraper.name] = err.Error()
	}
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
func (c *Collector) sampleChurn(ctx context.Context, interval time.Duration) (*Churn, error) {
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
	return &Churn{IntervalSeconds: elapsed.Seconds(), OpensPerSecond: (after - before) / elapsed.Seconds()}, nil
}
