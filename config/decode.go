package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/kubeprobe/kubeprobe_exporter/internal/ports"
)

// Error is a configuration mistake at a known place: the line of the YAML
// file and the path of keys that leads to the value, e.g.
// "modules.kafka.timeout". Load prefixes the file name.
type Error struct {
	File string
	Line int
	Path []string
	Msg  string
}

func (e *Error) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.File != "" {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if len(e.Path) == 0 {
		return fmt.Sprintf("%s: %s", where, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.key(), e.Msg)
}

// key joins the path as a user writes it: modules.web.http.http_headers[1].name.
func (e *Error) key() string {
	var b strings.Builder
	for i, p := range e.Path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// errorAt reports msg for the value held by node n.
func errorAt(n *yaml.Node, format string, args ...any) *Error {
	return &Error{Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

// underKey prepends key to the path of a configuration error, so that a
// mistake deep in the tree names every key above it.
func underKey(key string, err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.Path = append([]string{key}, e.Path...)
		return e
	}
	return err
}

// decodeStrict decodes the mapping node n into the struct pointed to by out,
// one key at a time. Unlike yaml's own decoding of nested values, it rejects
// keys the struct does not declare at every level, names the known keys, and
// reports bad values with their line and key.
func decodeStrict(n *yaml.Node, out any) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a mapping of keys to values, got %s", describeNode(n))
	}
	v := reflect.ValueOf(out).Elem()
	fields := yamlFields(v.Type())
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolveAlias(n.Content[i]), n.Content[i+1]
		idx, ok := fields[key.Value]
		if !ok {
			return errorAt(key, "unknown key %q (known keys: %s)", key.Value, strings.Join(fieldNames(v.Type()), ", "))
		}
		if seen[key.Value] {
			return errorAt(key, "key %q is given twice", key.Value)
		}
		seen[key.Value] = true
		if err := decodeValue(value, v.Field(idx)); err != nil {
			return underKey(key.Value, err)
		}
	}
	return nil
}

// decodeValue decodes one value, turning yaml's type errors into a sentence
// that says what was expected.
func decodeValue(n *yaml.Node, field reflect.Value) error {
	if err := refuseNullTag(n); err != nil {
		return err
	}
	if r, ok := field.Addr().Interface().(*ports.Range); ok {
		return decodePortRange(n, r)
	}
	if err := checkScalarTag(n, field.Type()); err != nil {
		return err
	}
	err := n.Decode(field.Addr().Interface())
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return errorAt(n, "want %s, got %s", describeType(field.Type()), describeNode(n))
}

// checkScalarTag refuses a value whose YAML type is not the field's, for the
// fields of a plain bool or number type. yaml itself is lenient there: it
// decodes the strings "yes", "on", "no" and "off" (quoted or not) into a
// bool for YAML 1.1's sake, truncates 80.5 into the int 80, and reads 0700
// as the octal 448. Under YAML 1.2, which other tools reading the same file
// follow, those are a string, a fraction and 700, so the file would mean
// one thing to the exporter and another to everything else. The message
// says "the string" when the value looks right but is one: quoted ("8080")
// or a YAML 1.1 word. Named types (durations, ports, versions) parse their
// own text in their UnmarshalYAML and are left to it; a null is an absent
// value, as for every other key.
func checkScalarTag(n *yaml.Node, t reflect.Type) error {
	if t.PkgPath() != "" {
		return nil
	}
	var tags []string
	switch t.Kind() {
	case reflect.Bool:
		tags = []string{boolTag}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		tags = []string{intTag}
	case reflect.Float32, reflect.Float64:
		tags = []string{floatTag, intTag}
	default:
		return nil
	}
	n = resolveAlias(n)
	if tags[0] == intTag && n.Kind == yaml.ScalarNode && n.Style == 0 && leadingZero.MatchString(n.Value) {
		sign, digits := "", n.Value
		if digits[0] == '-' || digits[0] == '+' {
			sign, digits = digits[:1], digits[1:]
		}
		digits = strings.TrimLeft(strings.ReplaceAll(digits, "_", ""), "0")
		if digits == "" {
			sign, digits = "", "0"
		}
		return errorAt(n, "want a whole number, got %q: YAML 1.1 reads a leading 0 as octal, YAML 1.2 does not; write %s%s", n.Value, strings.TrimPrefix(sign, "+"), digits)
	}
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == nullTag || slices.Contains(tags, n.ShortTag())) {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == strTag && (n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 || isYAML11Bool(n.Value)) {
		return errorAt(n, "want %s, got the string %q", describeType(t), n.Value)
	}
	return errorAt(n, "want %s, got %s", describeType(t), describeNode(n))
}

// leadingZero matches a number such as 0700 that yaml.v3 reads as octal, as
// YAML 1.1 did, and YAML 1.2 as decimal (or, as 08080, as a float).
var leadingZero = regexp.MustCompile(`^[-+]?0[0-9_]+$`)

// The YAML 1.2 core schema's tags, as yaml.Node.ShortTag reports them.
const (
	nullTag  = "!!null"
	boolTag  = "!!bool"
	intTag   = "!!int"
	floatTag = "!!float"
	strTag   = "!!str"
)

// isYAML11Bool reports the words YAML 1.1 read as booleans and YAML 1.2
// reads as strings; yaml.v3 still turns them into a bool when the field is
// one.
func isYAML11Bool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}

// resolveAlias follows *alias to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// isNull reports an absent value: nothing after the colon, ~ or null.
// yaml does not call UnmarshalYAML for one, so a type's own checks never
// see it.
func isNull(n *yaml.Node) bool {
	n = resolveAlias(n)
	return n.Kind == yaml.ScalarNode && n.ShortTag() == nullTag && isNullWord(n.Value)
}

// isNullWord reports the ways YAML writes null.
func isNullWord(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return true
	}
	return false
}

// refuseNullTag refuses a value tagged !!null that is not null, such as
// "http: !!null {port: 0}". yaml decodes such a mapping field by field
// without calling its type's UnmarshalYAML, which would skip the strict
// decoding and every check of the value; treating it as null instead would
// silently drop what it holds, a probe_targets deny list for one.
func refuseNullTag(n *yaml.Node) error {
	n = resolveAlias(n)
	if n.ShortTag() == nullTag && !isNull(n) {
		return errorAt(n, "%s tagged !!null: remove the tag", describeNode(n))
	}
	return nil
}

// decodeList decodes the sequence node n into out entry by entry, so that
// an error names its entry ("[2]") and an empty entry ("- " or "- ~") is an
// error instead of a zero value that skipped the entry type's checks. list
// describes the whole list and entry one entry, for the errors.
func decodeList[T any](n *yaml.Node, out *[]T, list, entry string) error {
	if err := refuseNullTag(n); err != nil {
		return err
	}
	if n.Kind != yaml.SequenceNode {
		return errorAt(n, "want %s, got %s", list, describeNode(n))
	}
	*out = make([]T, len(n.Content))
	for i, item := range n.Content {
		if err := decodeEntry(item, &(*out)[i], entry); err != nil {
			return underKey(fmt.Sprintf("[%d]", i), err)
		}
	}
	return nil
}

func decodeEntry[T any](item *yaml.Node, out *T, entry string) error {
	if err := refuseNullTag(item); err != nil {
		return err
	}
	if isNull(item) {
		return errorAt(item, "the entry is empty: want %s", entry)
	}
	return item.Decode(out)
}

// yamlFields maps each yaml key of struct type t to its field index.
func yamlFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if name := yamlName(t.Field(i)); name != "" {
			fields[name] = i
		}
	}
	return fields
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name := yamlName(t.Field(i)); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// describeType names what a value of type t looks like in YAML.
func describeType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[model.Duration]():
		return "a duration such as 1s or 500ms"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping of keys to values"
	}
	return t.String()
}

func describeNode(n *yaml.Node) string {
	if isNull(n) {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// keyLine returns the line of key in mapping node n, or the mapping's own
// line when the key is absent (a missing key is reported where it belongs).
func keyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}

// keyError reports msg for key of mapping node n.
func keyError(n *yaml.Node, key, format string, args ...any) *Error {
	return &Error{Line: keyLine(n, key), Path: []string{key}, Msg: fmt.Sprintf(format, args...)}
}
