package shadow

import (
	"context"
	"fmt"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// Runner runs one probe: prober.Runner.
type Runner interface {
	Run(ctx context.Context, req prober.Request) *prober.Report
}

// Keeper keeps the report of a failing probe, for the landing page.
type Keeper interface {
	Add(*prober.Report)
}

// Configured is the configuration's scheduled entries as probes; an
// error names the entry's line and what is wrong with it.
func Configured(cfg *config.Config, path string, run Runner, keep Keeper) ([]Probe, error) {
	var probes []Probe
	for i, e := range cfg.Scheduled {
		m := cfg.Modules[e.Module]
		req, err := prober.NewRequest(cfg, prober.FromCommandLine, prober.Params{Module: e.Module, Target: e.Target})
		if err != nil {
			return nil, fmt.Errorf("%s:%d: scheduled[%d].target: %s", path, e.Line, i, err)
		}
		typ, _ := ParseProbeType(e.Type) // validated with the config
		spec := specOf(typ, e.Schedule(m), time.Duration(m.Timeout))
		req.ModuleName = fmt.Sprintf("%s (scheduled %s, %s)", e.Module, e.Name, typ)
		probes = append(probes, Probe{
			Key:      Key{Container: e.Name},
			Spec:     spec,
			Run:      probeFunc(run, req, keep),
			Identity: fmt.Sprintf("%s|%+v|%s", req.Target, spec, m),
		})
	}
	return probes, nil
}

// specOf is a schedule with the module's timeout when it gives none.
func specOf(t ProbeType, s config.Schedule, moduleTimeout time.Duration) Spec {
	spec := Spec{
		Type:             t,
		InitialDelay:     time.Duration(s.InitialDelaySeconds) * time.Second,
		Period:           time.Duration(s.PeriodSeconds) * time.Second,
		Timeout:          time.Duration(s.TimeoutSeconds) * time.Second,
		SuccessThreshold: s.SuccessThreshold,
		FailureThreshold: s.FailureThreshold,
	}
	if spec.Timeout == 0 {
		spec.Timeout = moduleTimeout
	}
	return spec.WithDefaults()
}

// probeFunc runs req once per call, with the worker's timeout: the worker
// retries errors itself, each try with a whole timeout, as kubelet does.
func probeFunc(run Runner, req prober.Request, keep Keeper) ProbeFunc {
	req.SingleTry = true
	return func(ctx context.Context, timeout time.Duration) Run {
		r := req
		r.Timeout = timeout
		rep := run.Run(ctx, r)
		result := runOf(rep)
		if !result.Success && keep != nil && !rep.Abandoned {
			keep.Add(rep)
		}
		return result
	}
}

// runOf is what the worker needs of a probe's report: kubelet's result,
// and the outcome to count it under.
func runOf(rep *prober.Report) Run {
	run := Run{
		Success: rep.Success(),
		Errored: rep.Verdict.Result == prober.Error,
		Outcome: rep.Verdict.Result.String(),
		Output:  rep.Verdict.Output,
	}
	if run.Errored {
		run.Output = rep.Verdict.Err
	}
	if n := len(rep.Attempts); n > 0 && rep.Attempts[n-1].Outcome != handshake.Established {
		run.Outcome = string(rep.Attempts[n-1].Outcome)
	}
	return run
}
