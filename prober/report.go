package prober

import (
	"bytes"
	"fmt"
	"io"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// Report is everything one probe produced.
type Report struct {
	ModuleName string
	Module     config.Module
	Target     string
	Verdict    Verdict
	// Tries is how often the probe ran: kubelet retries an error.
	Tries    int
	Duration time.Duration
	metrics  *metricSet
	// Attempts are the probe's connects, oldest first.
	Attempts []*handshake.Attempt
	// Traced: the handshakes were judged from their packets.
	Traced bool
	// Sweep: the probe was a source-port sweep.
	Sweep bool
	// Denied is why probe_targets refused the target; nothing was sent.
	Denied error
	// Abandoned: whoever asked for the probe went away before it ended,
	// so its verdict is not one kubelet would reach.
	Abandoned bool
	log       probeLog
}

// Gather returns the probe's metrics, as a registry of them would: a
// Report is the prometheus.Gatherer /probe serves.
func (r *Report) Gather() ([]*dto.MetricFamily, error) { return r.metrics.Gather() }

// Success is probe_success: kubelet's result was success or warning.
func (r *Report) Success() bool { return r.Verdict.Result == Success || r.Verdict.Result == Warning }

// DebugOutput is the plain-text account of the probe that debug=true,
// the landing page and the probe command show.
func (r *Report) DebugOutput() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Logs for the probe:\n%s\n", r.log.String())
	r.writeHandshakes(&b)
	fmt.Fprintf(&b, "Kubelet's verdict: %s\n", r.Verdict.Result)
	if r.Verdict.Result == Error {
		fmt.Fprintf(&b, "Kubelet's error (after %d of %d tries; kubelet discards the result): %s\n", r.Tries, maxTries, r.Verdict.Err)
	}
	if out := r.Verdict.Output; len(out) > maxShownOutput {
		fmt.Fprintf(&b, "Kubelet's output (the first %d of %d bytes): %s\n", maxShownOutput, len(out), out[:maxShownOutput])
	} else if out != "" {
		fmt.Fprintf(&b, "Kubelet's output: %s\n", out)
	}
	fmt.Fprintf(&b, "\n\nMetrics that would have been returned:\n")
	mfs, err := r.Gather()
	if err != nil {
		fmt.Fprintf(&b, "Error gathering metrics: %s\n", err)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			fmt.Fprintf(&b, "Error writing metric %s: %s\n", mf.GetName(), err)
		}
	}
	fmt.Fprintf(&b, "\n\nModule configuration (%s):\n%s", r.ModuleName, r.Module)
	return b.String()
}

// maxShownOutput bounds how much of kubelet's output (for a success, up
// to 10 KiB of the body) the debug output shows: whoever can reach /probe
// can read it, and the start of a body is what tells a health endpoint's
// answer.
const maxShownOutput = 1024

// maxSweepTimelines bounds the timelines a sweep's debug output shows.
const maxSweepTimelines = 10

// writeHandshakes prints each connect's packet timeline and verdict; for a
// sweep, only those of failing ports.
func (r *Report) writeHandshakes(w io.Writer) {
	if !r.Traced {
		fmt.Fprintln(w, "Handshake tracing is off (no CAP_NET_RAW, or --no-tracing.handshakes): verdicts come from the connect errors alone.")
	}
	shown := 0
	for i, a := range r.Attempts {
		if r.Sweep && (a.Outcome == handshake.Established || shown == maxSweepTimelines) {
			continue
		}
		shown++
		fmt.Fprintf(w, "Handshake %d of %d, %s > %s:\n", i+1, len(r.Attempts), describeSource(a), a.Remote)
		if r.Traced {
			a.WriteTimeline(w)
		}
		fmt.Fprintf(w, "Verdict: %s\n\n", a.Explain())
	}
}

// describeSource names where a connect came from.
func describeSource(a *handshake.Attempt) string {
	switch {
	case a.Local.IsValid():
		return a.Local.String()
	case a.Requested.Port() != 0:
		return fmt.Sprintf("port %d", a.Requested.Port())
	}
	return "a port the kernel chooses"
}

// LastHandshake explains the last connect in a sentence, or says there
// was none.
func (r *Report) LastHandshake() string {
	if len(r.Attempts) == 0 {
		return "no TCP connection was attempted"
	}
	return r.Attempts[len(r.Attempts)-1].Explain()
}

// reportOverhead is what a kept report takes beyond its texts and
// segments: its registry with the probe's metric families, its attempts
// and bookkeeping (TestReportMemorySizeIsAnUpperBound measures it).
const reportOverhead = 24 << 10

// memorySize estimates, from above, the memory a kept report holds.
func (r *Report) memorySize() int64 {
	n := reportOverhead + len(r.ModuleName) + len(r.Target) + len(r.Verdict.Output) + r.log.size()
	for _, a := range r.Attempts {
		p := a.Packets()
		n += 512 + 96*(p.SYNSent+p.SYNACKReceived+p.RSTSent+p.RSTReceived)
	}
	return int64(n)
}
