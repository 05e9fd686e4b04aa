package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ScheduledProbe is an entry of the scheduled section: a target probed on
// a clock of its own with kubelet's worker rules (start jitter, the initial
// delay, thresholds in a row, errors retried and discarded, liveness held
// until a restart, startup gating the others), as kubelet would probe the
// container it stands for. The schedule's keys are a pod spec's.
type ScheduledProbe struct {
	// Name is the container the entry stands for: entries of one name are
	// one container, whose startup probe gates its readiness and liveness.
	Name   string `yaml:"name"`
	Module string `yaml:"module"`
	Target string `yaml:"target"`
	// Type is readiness (the default), liveness or startup.
	Type                string `yaml:"type,omitempty"`
	InitialDelaySeconds *int   `yaml:"initialDelaySeconds,omitempty"`
	PeriodSeconds       *int   `yaml:"periodSeconds,omitempty"`
	TimeoutSeconds      *int   `yaml:"timeoutSeconds,omitempty"`
	SuccessThreshold    *int   `yaml:"successThreshold,omitempty"`
	FailureThreshold    *int   `yaml:"failureThreshold,omitempty"`
	// Line is where the entry is in the file, for errors found later.
	Line int `yaml:"-"`
}

// The probe types of a scheduled entry.
const (
	TypeReadiness = "readiness"
	TypeLiveness  = "liveness"
	TypeStartup   = "startup"
)

// UnmarshalYAML decodes an entry strictly and validates its fields as the
// API server validates a probe's.
func (s *ScheduledProbe) UnmarshalYAML(n *yaml.Node) error {
	type plain ScheduledProbe
	*s = ScheduledProbe{}
	if err := decodeStrict(n, (*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	if s.Type == "" {
		s.Type = TypeReadiness
	}
	switch {
	case s.Name == "":
		return keyError(n, "name", "missing: name the container the entry stands for, e.g. kafka-0")
	case !validModuleName.MatchString(s.Name):
		return keyError(n, "name", "%q: use letters, digits, '_', '-' and '.'", s.Name)
	case s.Module == "":
		return keyError(n, "module", "missing: give the module to probe with")
	case s.Target == "":
		return keyError(n, "target", "missing: give what to probe, as /probe's target parameter takes it")
	case s.Type != TypeReadiness && s.Type != TypeLiveness && s.Type != TypeStartup:
		return keyError(n, "type", "%q: use readiness, liveness or startup", s.Type)
	}
	return s.validateSchedule(n)
}

func (s *ScheduledProbe) validateSchedule(n *yaml.Node) error {
	for _, f := range []struct {
		key   string
		value *int
		min   int
	}{
		{"initialDelaySeconds", s.InitialDelaySeconds, 0}, {"periodSeconds", s.PeriodSeconds, 1},
		{"timeoutSeconds", s.TimeoutSeconds, 1}, {"successThreshold", s.SuccessThreshold, 1}, {"failureThreshold", s.FailureThreshold, 1},
	} {
		if f.value != nil && *f.value < f.min {
			return keyError(n, f.key, "%d must be greater than or equal to %d", *f.value, f.min)
		}
	}
	if s.SuccessThreshold != nil && *s.SuccessThreshold != 1 && s.Type != TypeReadiness {
		return keyError(n, "successThreshold", "must be 1 for %s probes, as the API server requires", s.Type)
	}
	return nil
}

// Schedule is the entry's: its own keys, else its module's
// kubernetes_probe's; what neither gives is left for kubelet's defaults.
func (s ScheduledProbe) Schedule(m Module) Schedule {
	var base Schedule
	if m.KubernetesProbe != nil {
		base = m.KubernetesProbe.Schedule()
	}
	pick := func(own *int, fallback int) int {
		if own != nil {
			return *own
		}
		return fallback
	}
	return Schedule{
		InitialDelaySeconds: pick(s.InitialDelaySeconds, base.InitialDelaySeconds),
		PeriodSeconds:       pick(s.PeriodSeconds, base.PeriodSeconds),
		TimeoutSeconds:      pick(s.TimeoutSeconds, base.TimeoutSeconds),
		SuccessThreshold:    pick(s.SuccessThreshold, base.SuccessThreshold),
		FailureThreshold:    pick(s.FailureThreshold, base.FailureThreshold),
	}
}

// decodeScheduled reads the scheduled section, once the modules are known.
func (c *Config) decodeScheduled(n *yaml.Node) error {
	if err := decodeList(n, &c.Scheduled, "a list of scheduled probes", "a scheduled probe such as {name: kafka-0, module: kafka_readiness, target: 10.0.0.5:9092}"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, s := range c.Scheduled {
		at := func(key, format string, args ...any) error {
			return &Error{Line: s.Line, Path: []string{fmt.Sprintf("[%d]", i), key}, Msg: fmt.Sprintf(format, args...)}
		}
		if _, ok := c.Modules[s.Module]; !ok {
			return at("module", "unknown module %q: use one of %s", s.Module, strings.Join(c.ModuleNames(), ", "))
		}
		if seen[s.Name+"/"+s.Type] {
			return at("type", "%s already has a %s probe: a container has one of each type", s.Name, s.Type)
		}
		seen[s.Name+"/"+s.Type] = true
	}
	return nil
}
