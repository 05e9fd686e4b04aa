package config

import (
	"fmt"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"
)

// TargetPolicy lists which targets may be probed.
//
// The target of a probe comes from the scrape's URL (/probe?target=...),
// so whoever can reach the exporter can make it connect anywhere the node
// can: to the cloud's metadata service at 169.254.169.254, to the node's
// own localhost ports, or across the cluster network. A policy limits that
// to what the operator means to probe. It is written at the top of the
// file, for every module, and in a module, for that module alone; package
// prober enforces both.
type TargetPolicy struct {
	// Allow, when not empty, lists the only targets that may be probed.
	Allow []TargetPattern `yaml:"allow,omitempty"`
	// Deny lists targets that may not be probed, even if Allow has them.
	Deny []TargetPattern `yaml:"deny,omitempty"`
}

// IsZero reports an empty policy (so omitempty leaves it out).
func (p TargetPolicy) IsZero() bool { return len(p.Allow) == 0 && len(p.Deny) == 0 }

// UnmarshalYAML decodes the policy strictly and each list entry by entry,
// so that an error names the entry, as in probe_targets.allow[1].
func (p *TargetPolicy) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Allow yaml.Node `yaml:"allow"`
		Deny  yaml.Node `yaml:"deny"`
	}
	*p = TargetPolicy{}
	if err := decodeStrict(n, &raw); err != nil {
		return err
	}
	for _, l := range []struct {
		key  string
		node *yaml.Node
		out  *[]TargetPattern
	}{{"allow", &raw.Allow, &p.Allow}, {"deny", &raw.Deny, &p.Deny}} {
		if l.node.Kind == 0 || isNull(l.node) {
			continue
		}
		if err := decodeList(resolveAlias(l.node), l.out, "a list such as [10.244.0.0/16, db.example.com]", "a CIDR, an IP address or a host name"); err != nil {
			return underKey(l.key, err)
		}
	}
	return nil
}

// TargetPattern is one entry: a CIDR ("10.244.0.0/16", "fd00::/8"), one IP
// address (kept as a /32 or /128 prefix), a host name ("db.example.com",
// matched case-insensitively, a trailing dot ignored) or a wildcard host
// ("*.svc.cluster.local", matching every name below it but not the name itself).
//
// Addresses and host names are matched separately, not through DNS: a host
// pattern matches the name a target is written with, an address pattern
// the address it is written with or resolves to. An IPv4-mapped IPv6
// pattern (::ffff:10.0.0.5) is kept as the IPv4 address it maps, because
// MatchesAddr unmaps the address it is given: otherwise a deny entry
// written that way would never match.
type TargetPattern struct {
	Prefix netip.Prefix // valid for CIDRs and addresses
	Host   string       // lower case, no trailing dot; "*.x" for wildcards
}

// targetPatternExamples ends the message for an entry that is none of the
// forms.
const targetPatternExamples = "(10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)"

// ParseTargetPattern reads a CIDR, an IP address, a host name or a wildcard
// host.
func ParseTargetPattern(s string) (TargetPattern, error) {
	if addr, zone, ok := strings.Cut(s, "%"); ok {
		if _, err := netip.ParseAddr(addr); err == nil {
			// A zone (fe80::1%eth0) names an interface, not a target;
			// a pattern matches the address whatever the zone.
			if _, bits, isPrefix := strings.Cut(zone, "/"); isPrefix {
				addr += "/" + bits
			}
			return TargetPattern{}, fmt.Errorf("%q has a zone, which a pattern cannot hold: write %s, which matches the address on every interface", s, addr)
		}
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return TargetPattern{}, fmt.Errorf("%q is neither a CIDR, an IP address nor a host name %s", s, targetPatternExamples)
		}
		if m := p.Masked(); m != p {
			// 10.0.0.5/8: did the user mean the network or the address?
			return TargetPattern{}, fmt.Errorf("%q has bits set after its /%d prefix: write the network, %s, or the one address, %s", s, p.Bits(), m, p.Addr())
		}
		return TargetPattern{Prefix: unmapPrefix(p)}, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return TargetPattern{Prefix: unmapPrefix(netip.PrefixFrom(a, a.BitLen()))}, nil
	}
	host := asciiLower(strings.TrimSuffix(s, "."))
	name, wildcard := strings.CutPrefix(host, "*.")
	if !validTargetName(name) {
		return TargetPattern{}, fmt.Errorf("%q is neither a CIDR, an IP address nor a host name %s", s, targetPatternExamples)
	}
	if wildcard {
		return TargetPattern{Host: "*." + name}, nil
	}
	return TargetPattern{Host: name}, nil
}

// unmapPrefix turns a prefix of IPv4-mapped IPv6 addresses into the IPv4
// prefix it covers.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// validTargetName reports a host name as a target may name it: an RFC 1123
// name without a trailing dot, of at most 253 characters, whose last label
// is not a number. A name such as 10.0.0.300 or 010.0.0.1 is a mistyped
// IPv4 address that some resolvers read as an address (010 in octal), not a
// host name.
func validTargetName(name string) bool {
	if len(name) > 253 || strings.HasSuffix(name, ".") || !validHostname.MatchString(name) {
		return false
	}
	last := name[strings.LastIndexByte(name, '.')+1:]
	return strings.Trim(last, "0123456789") != "" && !strings.HasPrefix(last, "0x")
}

// asciiLower lowers A-Z only. strings.ToLower would also fold non-ASCII
// letters into ASCII ones (the Kelvin sign into k), making a name that is
// not the pattern's match it.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// MatchesAddr reports whether the pattern's prefix holds a, an IPv4-mapped
// IPv6 address counting as the IPv4 address and a zone ignored. It is false
// for host patterns.
func (p TargetPattern) MatchesAddr(a netip.Addr) bool {
	if !p.Prefix.IsValid() || !a.IsValid() {
		return false
	}
	return p.Prefix.Contains(a.Unmap().WithZone(""))
}

// MatchesHost reports whether host is the pattern's name, or a name below
// it for a wildcard, ignoring ASCII case and a trailing dot. It is false
// for prefix patterns, and for a host that is not a valid name.
func (p TargetPattern) MatchesHost(host string) bool {
	if p.Host == "" {
		return false
	}
	host = asciiLower(strings.TrimSuffix(host, "."))
	if !validTargetName(host) {
		return false
	}
	if suffix, wildcard := strings.CutPrefix(p.Host, "*"); wildcard {
		return len(host) > len(suffix) && strings.HasSuffix(host, suffix)
	}
	return host == p.Host
}

// String is the pattern as the file writes it, in canonical form: a prefix
// of one address is written as the address.
func (p TargetPattern) String() string {
	switch {
	case p.Host != "":
		return p.Host
	case !p.Prefix.IsValid():
		return ""
	case p.Prefix.IsSingleIP():
		return p.Prefix.Addr().String()
	}
	return p.Prefix.String()
}

// MarshalYAML writes the pattern as String does.
func (p TargetPattern) MarshalYAML() (any, error) { return p.String(), nil }

// UnmarshalYAML takes one scalar, as written.
func (p *TargetPattern) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want a CIDR, an IP address or a host name, got %s", describeNode(n))
	}
	parsed, err := ParseTargetPattern(n.Value)
	if err != nil {
		return errorAt(n, "%s", err)
	}
	*p = parsed
	return nil
}
