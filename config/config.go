// Package config reads and validates the exporter's YAML configuration: the
// probe modules, each of which describes a probe the way a pod spec
// describes a kubelet probe.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration file.
type Config struct {
	Modules map[string]Module `yaml:"modules"`
	// ProbeTargets restricts the targets of every module; a module's own
	// probe_targets restricts its targets further.
	ProbeTargets TargetPolicy `yaml:"probe_targets,omitempty"`
	// Scheduled are targets probed on a clock of their own, as kubelet
	// probes a container.
	Scheduled []ScheduledProbe `yaml:"scheduled,omitempty"`
}

// ModuleNames returns the names of all modules, sorted.
func (c *Config) ModuleNames() []string {
	names := make([]string, 0, len(c.Modules))
	for name := range c.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// UnmarshalYAML decodes the file strictly, module by module, so that every
// error names the module it belongs to.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Modules      yaml.Node    `yaml:"modules"`
		ProbeTargets TargetPolicy `yaml:"probe_targets"`
		Scheduled    yaml.Node    `yaml:"scheduled"`
	}
	if err := decodeStrict(n, &raw); err != nil {
		return err
	}
	*c = Config{Modules: map[string]Module{}, ProbeTargets: raw.ProbeTargets}
	if raw.Modules.Kind == 0 || isNull(&raw.Modules) {
		return keyError(n, "modules", "%s", noModules)
	}
	if err := c.decodeModules(resolveAlias(&raw.Modules)); err != nil {
		return underKey("modules", err)
	}
	if len(c.Modules) == 0 {
		return keyError(n, "modules", "%s", noModules)
	}
	if raw.Scheduled.Kind == 0 || isNull(&raw.Scheduled) {
		return nil
	}
	return underKey("scheduled", c.decodeScheduled(resolveAlias(&raw.Scheduled)))
}

// noModules says what a file without modules lacks. Such a file is refused
// rather than run: every probe would fail with an unknown module, and a
// reload that emptied the file by mistake would throw away the running
// modules.
const noModules = "missing: define at least one module, e.g. modules: {tcp_connect: {prober: tcp}}"

func (c *Config) decodeModules(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a mapping of module names to modules, got %s", describeNode(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, body := resolveAlias(n.Content[i]), n.Content[i+1]
		name := key.Value
		if !validModuleName.MatchString(name) {
			return errorAt(key, "module name %q: use letters, digits, '_', '-' and '.'", name)
		}
		if _, dup := c.Modules[name]; dup {
			return errorAt(key, "module %q is defined twice", name)
		}
		if err := refuseNullTag(body); err != nil {
			return underKey(name, err)
		}
		if isNull(body) {
			// yaml would leave a null body a Module with no prober,
			// without calling Module.UnmarshalYAML to check it.
			return underKey(name, errorAt(key, "the module is empty: set at least prober: %s", proberChoice()))
		}
		var m Module
		if err := body.Decode(&m); err != nil {
			return underKey(name, err)
		}
		c.Modules[name] = m
	}
	return nil
}

// validModuleName keeps module names safe in URLs and label values.
var validModuleName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Load reads and validates a configuration file. Its errors start with
// "file:line:" and name the key that is wrong.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(data)
	if err != nil {
		return nil, withFile(path, err)
	}
	return c, nil
}

// Parse decodes and validates a configuration held in memory. The
// configuration is one YAML document that defines at least one module.
func Parse(data []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		// An empty or comments-only file.
		return nil, &Error{Line: 1, Path: []string{"modules"}, Msg: noModules}
	} else if err != nil {
		return nil, err
	}
	// A second document would be silently ignored: a file that someone
	// extended with "---" and more modules would not run them.
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, &Error{Line: next.Line, Msg: "a second YAML document: the configuration is one document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	root := &doc
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	if err := refuseNullTag(root); err != nil {
		return nil, err
	}
	if isNull(root) {
		// "---" alone or "~": yaml would not call UnmarshalYAML.
		return nil, &Error{Line: doc.Line, Path: []string{"modules"}, Msg: noModules}
	}
	c := &Config{}
	if err := root.Decode(c); err != nil {
		return nil, err
	}
	return c, nil
}

// yamlSyntaxError matches the position in yaml's own syntax errors.
var yamlSyntaxError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// withFile puts the file name in front of an error's line number.
func withFile(path string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.File = path
		return e
	}
	if m := yamlSyntaxError.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: path, Line: line, Msg: m[2]}
	}
	return fmt.Errorf("%s: %w", path, err)
}
