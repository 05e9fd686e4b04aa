package bench

import (
	"os"
	"os/exec"
	"path/filepath"
)

// Every competitor serves the modules tcp and http, with the same
// timeout; kubeprobe's probe as kubelet 1.37 does (SO_LINGER on close),
// blackbox's with its defaults.
const (
	kubeprobeConfig = "modules:\n  tcp: {prober: tcp, timeout: 2s}\n  http: {prober: http, timeout: 2s}\n"
	blackboxConfig  = "modules:\n  tcp: {prober: tcp, timeout: 2s}\n  http: {prober: http, timeout: 2s}\n"
)

// kubeprobeSpec runs the exporter built from the tree, with the capture
// on or off.
func kubeprobeSpec(p plan, dir string, capture bool) (competitorSpec, error) {
	return kubeprobeBinarySpec(p.Kubeprobe, dir, capture)
}

func kubeprobeBinarySpec(binary, dir string, capture bool, env ...string) (competitorSpec, error) {
	config := filepath.Join(dir, "kubeprobe.yml")
	if err := os.WriteFile(config, []byte(kubeprobeConfig), 0o600); err != nil {
		return competitorSpec{}, err
	}
	name, extra := kubeprobeOn, []string{}
	if !capture {
		name, extra = kubeprobeOff, []string{"--no-tracing.handshakes"}
	}
	return competitorSpec{Name: name, Ready: "/-/ready", Command: func(listen string) (*exec.Cmd, error) {
		args := append([]string{"--config.file=" + config, "--web.listen-address=" + listen}, extra...)
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), env...)
		return cmd, nil
	}}, nil
}

func blackboxSpec(bb namedBinary, dir string) (competitorSpec, error) {
	config := filepath.Join(dir, "blackbox.yml")
	if err := os.WriteFile(config, []byte(blackboxConfig), 0o600); err != nil {
		return competitorSpec{}, err
	}
	return competitorSpec{Name: bb.Name, Ready: "/-/healthy", Command: func(listen string) (*exec.Cmd, error) {
		return exec.Command(bb.Path, "--config.file="+config, "--web.listen-address="+listen), nil
	}}, nil
}

func floorSpec(name string, linger bool) competitorSpec {
	return competitorSpec{Name: name, Ready: "/-/healthy", Command: func(listen string) (*exec.Cmd, error) {
		return roleCommand("floor", floorSettings{Listen: listen, Linger: linger})
	}}
}

// allSpecs is every competitor of the side-by-side, kubeprobe first.
func allSpecs(p plan, dir string) ([]competitorSpec, error) {
	on, err := kubeprobeSpec(p, dir, true)
	if err != nil {
		return nil, err
	}
	off, _ := kubeprobeSpec(p, dir, false)
	specs := []competitorSpec{on, off}
	for _, bb := range p.Blackbox {
		spec, err := blackboxSpec(bb, dir)
		if err != nil {
			return nil, err
		}
		specs = append(specs, spec)
	}
	return append(specs, floorSpec(floorName, false), floorSpec(floorLingerName, true)), nil
}

// startAll starts every spec, stopping those already started if one fails.
func startAll(specs []competitorSpec, dir string) ([]*competitor, error) {
	var started []*competitor
	for _, s := range specs {
		c, err := s.start(dir)
		if err != nil {
			stopAll(started)
			return nil, err
		}
		started = append(started, c)
	}
	return started, nil
}

func stopAll(cs []*competitor) {
	for _, c := range cs {
		c.stop()
	}
}
