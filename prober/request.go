package prober

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// Request is one probe to run, built by NewRequest.
type Request struct {
	Target     string
	ModuleName string
	Module     config.Module
	Timeout    time.Duration
	// SourcePort, if set, replaces the module's source_port.
	SourcePort *config.SourcePort
	// SingleTry runs the probe once even if it errors: for callers that
	// retry as kubelet does, each try with a whole timeout (the shadow).
	SingleTry bool
	// policy is the target policy a /probe request is held to; the probe
	// command's operator is not.
	policy *targetPolicy
}

// sockets is how many sockets the probe holds at once at the most: one,
// or a sweep's parallelism.
func (r Request) sockets() int {
	if s := r.Module.SourcePortSweep; s != nil {
		return min(s.Parallelism, s.PortsPerScrape())
	}
	return 1
}

// Origin is where a probe is asked for. It decides how errors name the
// parameters, and who may choose a source port.
type Origin int

const (
	// FromQuery is /probe: anyone who can reach the exporter. A source
	// port is taken only by a module with source_port_override.
	FromQuery Origin = iota
	// FromCommandLine is the probe command, run by the node's operator,
	// who may probe from any source port.
	FromCommandLine
)

// Params are a probe as a user asks for it, in /probe's query string or
// on the probe command's line.
type Params struct {
	Module, Target string
	// SourcePort, when HasSourcePort, replaces the module's source_port:
	// ephemeral, a port or a range.
	SourcePort    string
	HasSourcePort bool
	// Timeout, when positive, replaces the module's timeout.
	Timeout time.Duration
	// Hostname, when HasHostname, is blackbox_exporter's hostname
	// parameter: the Host header of an http probe.
	Hostname    string
	HasHostname bool
}

// RequestError is a probe that cannot be run as asked. Param names what
// is wrong: "module", "target", "source_port" or "hostname".
type RequestError struct {
	Param string
	Msg   string
	// unknownModule is a module named that does not exist; a module not
	// named at all is not one, so that blackbox_exporter's
	// module_unknown count keeps its meaning.
	unknownModule bool
}

func (e *RequestError) Error() string { return e.Msg }

func requestError(param, format string, args ...any) *RequestError {
	return &RequestError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// NewRequest checks what a user asked for against the configuration and
// returns the probe to run: the one path from /probe and from the probe
// command to a probe.
func NewRequest(cfg *config.Config, o Origin, p Params) (Request, error) {
	m, ok := cfg.Modules[p.Module]
	if !ok {
		return Request{}, unknownModule(cfg, o, p.Module)
	}
	if err := checkTarget(p.Target, m); err != nil {
		return Request{}, &RequestError{Param: "target", Msg: err.Error()}
	}
	if p.HasHostname {
		var err error
		if m, err = withHostname(m, hostnameGiven(o, p.Hostname), p.Hostname); err != nil {
			return Request{}, err
		}
	}
	req := Request{Target: p.Target, ModuleName: p.Module, Module: m, Timeout: time.Duration(m.Timeout)}
	if m.Prober != config.ProberHTTP {
		req.Target, _ = dialTarget(p.Target, m) // checked above
	}
	if o == FromQuery {
		req.policy = &targetPolicy{file: cfg.ProbeTargets, module: m.ProbeTargets, moduleName: p.Module}
	}
	if p.Timeout > 0 {
		req.Timeout = p.Timeout
	}
	if p.HasSourcePort {
		sp, err := sourcePortOverride(o, p, m)
		if err != nil {
			return Request{}, err
		}
		req.SourcePort = &sp
	}
	return req, nil
}

// hostnameGiven names the hostname as the user wrote it.
func hostnameGiven(o Origin, hostname string) string {
	if o == FromCommandLine {
		return "--hostname=" + truncate(hostname, 64)
	}
	return fmt.Sprintf("hostname %q", truncate(hostname, 64))
}

func unknownModule(cfg *config.Config, o Origin, name string) error {
	known := strings.Join(cfg.ModuleNames(), ", ")
	switch {
	case name != "":
		err := requestError("module", "unknown module %q: use one of %s", truncate(name, 64), known)
		err.unknownModule = true
		return err
	case o == FromQuery:
		return requestError("module", "the module parameter is missing: use one of %s", known)
	}
	return requestError("module", "--module is missing: use one of %s", known)
}

// sourcePortOverride reads a source port that replaces the module's.
func sourcePortOverride(o Origin, p Params, m config.Module) (config.SourcePort, error) {
	given := fmt.Sprintf("source_port %q", p.SourcePort)
	if o == FromCommandLine {
		given = "--source-port=" + p.SourcePort
	}
	switch {
	case o == FromCommandLine && m.SourcePortSweep != nil:
		return config.SourcePort{}, requestError("source_port",
			"--source-port: module %q sweeps source ports; probe with a module without source_port_sweep", p.Module)
	case o == FromQuery && !m.SourcePortOverride:
		return config.SourcePort{}, requestError("source_port",
			"module %q does not take a source_port parameter: set source_port_override: true in its configuration", p.Module)
	}
	sp, err := config.ParseSourcePort(p.SourcePort)
	if err != nil {
		return config.SourcePort{}, requestError("source_port", "%s: %s", given, err)
	}
	if o == FromQuery {
		if err := overrideAllowed(sp, m); err != nil {
			return config.SourcePort{}, requestError("source_port", "%s: %s", given, err)
		}
	}
	return sp, nil
}

// lowestOverridePort is where an override of a module that lets the
// kernel choose may start: the ports below belong to the node's services
// (sshd's 22 among them), which a probe must not bind by a URL's word.
const lowestOverridePort = 1024

// overrideAllowed keeps a source_port parameter inside what the module
// declares: its source_port range, or 1024-65535 when that is ephemeral.
// The kernel's own choice is always allowed.
func overrideAllowed(sp config.SourcePort, m config.Module) error {
	if sp.IsEphemeral() {
		return nil
	}
	if m.SourcePort.IsEphemeral() {
		if sp.Ports.First < lowestOverridePort {
			return fmt.Errorf("ports below %d are the node's services: this module takes ports %d-65535; "+
				"declare a source_port range in the module to allow lower ones", lowestOverridePort, lowestOverridePort)
		}
		return nil
	}
	if declared := m.SourcePort.Ports; sp.Ports.First < declared.First || sp.Ports.Last > declared.Last {
		return fmt.Errorf("outside the module's source_port %s, which an override must stay inside", declared)
	}
	return nil
}
