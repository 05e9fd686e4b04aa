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
		Modules yaml.Node `yaml:"modules"`
	}
	if err := decodeStrict(n, &raw); err != nil {
		return err
	}
	c.Modules = map[string]Module{}
	if raw.Modules.Kind == 0 || raw.Modules.Tag == "!!null" {
		return nil
	}
	return underKey("modules", c.decodeModules(&raw.Modules))
}

func (c *Config) decodeModules(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a mapping of module names to modules, got %s", describeNode(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, body := n.Content[i].Value, n.Content[i+1]
		if !validModuleName.MatchString(name) {
			return errorAt(n.Content[i], "module name %q: use letters, digits, '_', '-' and '.'", name)
		}
		if _, dup := c.Modules[name]; dup {
			return errorAt(n.Content[i], "module %q is defined twice", name)
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

// Parse decodes and validates a configuration held in memory.
func Parse(data []byte) (*Config, error) {
	c := &Config{Modules: map[string]Module{}}
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(c)
	if errors.Is(err, io.EOF) {
		return c, nil // an empty file configures no modules
	}
	if err != nil {
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
