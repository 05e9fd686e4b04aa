package config

import (
	"net/netip"
	"testing"
)

func TestParseTargetPattern(t *testing.T) {
	for in, want := range map[string]struct {
		pattern TargetPattern
		str     string
	}{
		"10.244.0.0/16":        {TargetPattern{Prefix: netip.MustParsePrefix("10.244.0.0/16")}, "10.244.0.0/16"},
		"fd00::/8":             {TargetPattern{Prefix: netip.MustParsePrefix("fd00::/8")}, "fd00::/8"},
		"0.0.0.0/0":            {TargetPattern{Prefix: netip.MustParsePrefix("0.0.0.0/0")}, "0.0.0.0/0"},
		"10.0.0.5":             {TargetPattern{Prefix: netip.MustParsePrefix("10.0.0.5/32")}, "10.0.0.5"},
		"10.0.0.5/32":          {TargetPattern{Prefix: netip.MustParsePrefix("10.0.0.5/32")}, "10.0.0.5"},
		"FD00::0001":           {TargetPattern{Prefix: netip.MustParsePrefix("fd00::1/128")}, "fd00::1"},
		"::ffff:10.0.0.5":      {TargetPattern{Prefix: netip.MustParsePrefix("10.0.0.5/32")}, "10.0.0.5"},
		"::ffff:10.0.0.0/104":  {TargetPattern{Prefix: netip.MustParsePrefix("10.0.0.0/8")}, "10.0.0.0/8"},
		"db.example.com":       {TargetPattern{Host: "db.example.com"}, "db.example.com"},
		"DB.Example.COM.":      {TargetPattern{Host: "db.example.com"}, "db.example.com"},
		"localhost":            {TargetPattern{Host: "localhost"}, "localhost"},
		"*.svc.cluster.local":  {TargetPattern{Host: "*.svc.cluster.local"}, "*.svc.cluster.local"},
		"*.SVC.cluster.local.": {TargetPattern{Host: "*.svc.cluster.local"}, "*.svc.cluster.local"},
		"1password.com":        {TargetPattern{Host: "1password.com"}, "1password.com"},
	} {
		got, err := ParseTargetPattern(in)
		if err != nil || got != want.pattern {
			t.Errorf("ParseTargetPattern(%q) = %+v, %v; want %+v", in, got, err, want.pattern)
			continue
		}
		if s := got.String(); s != want.str {
			t.Errorf("ParseTargetPattern(%q).String() = %q, want %q", in, s, want.str)
		}
		if again, err := ParseTargetPattern(got.String()); err != nil || again != got {
			t.Errorf("String() %q parses as %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
	for in, want := range map[string]string{
		"10.0.0.0/33":         `"10.0.0.0/33" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"10.0.0.5/8":          `"10.0.0.5/8" has bits set after its /8 prefix: write the network, 10.0.0.0/8, or the one address, 10.0.0.5`,
		"fd00::1/8":           `"fd00::1/8" has bits set after its /8 prefix: write the network, fd00::/8, or the one address, fd00::1`,
		"fe80::1%eth0/64":     `"fe80::1%eth0/64" has a zone, which a pattern cannot hold: write fe80::1/64, which matches the address on every interface`,
		"":                    `"" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"*":                   `"*" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"*.":                  `"*." is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"*.*.example.com":     `"*.*.example.com" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"db*.example.com":     `"db*.example.com" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"010.0.0.1":           `"010.0.0.1" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"0x7f000001":          `"0x7f000001" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"db.example.com:5432": `"db.example.com:5432" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"http://db":           `"http://db" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"db..example.com":     `"db..example.com" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"db%eth0":             `"db%eth0" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)`,
		"\u212Aube.local":     "\"\u212Aube.local\" is neither a CIDR, an IP address nor a host name (10.244.0.0/16, 10.0.0.5, db.example.com or *.svc.cluster.local)",
	} {
		if got, err := ParseTargetPattern(in); err == nil || err.Error() != want {
			t.Errorf("ParseTargetPattern(%q) = %+v, %v; want the error %s", in, got, err, want)
		}
	}
}

func TestTargetPatternMatches(t *testing.T) {
	addrs := []struct {
		pattern, addr string
		want          bool
	}{
		{"10.244.0.0/16", "10.244.3.7", true},
		{"10.244.0.0/16", "10.245.0.1", false},
		{"10.244.0.0/16", "::ffff:10.244.3.7", true}, // unmapped before matching
		{"10.0.0.5", "10.0.0.5", true},
		{"10.0.0.5", "10.0.0.6", false},
		{"::ffff:169.254.169.254", "169.254.169.254", true},
		{"fd00::/8", "fd12::1", true},
		{"fd00::/8", "fe80::1", false},
		{"fe80::/10", "fe80::1%eth0", true}, // the zone is ignored
		{"0.0.0.0/0", "::1", false},
		{"::/0", "127.0.0.1", false},
		{"db.example.com", "10.0.0.5", false}, // a host pattern matches no address
	}
	for _, c := range addrs {
		p, err := ParseTargetPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MatchesAddr(netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("%s.MatchesAddr(%s) = %v, want %v", c.pattern, c.addr, got, c.want)
		}
	}
	if (TargetPattern{Prefix: netip.MustParsePrefix("0.0.0.0/0")}).MatchesAddr(netip.Addr{}) {
		t.Error("0.0.0.0/0 matches the zero Addr")
	}

	hosts := []struct {
		pattern, host string
		want          bool
	}{
		{"db.example.com", "db.example.com", true},
		{"db.example.com", "DB.EXAMPLE.com.", true},
		{"db.example.com", "db.example.com.evil", false},
		{"db.example.com", "xdb.example.com", false},
		{"db.example.com", "a.db.example.com", false},
		{"*.svc.cluster.local", "web.default.svc.cluster.local", true},
		{"*.svc.cluster.local", "WEB.svc.Cluster.Local.", true},
		{"*.svc.cluster.local", "svc.cluster.local", false}, // not the name itself
		{"*.svc.cluster.local", ".svc.cluster.local", false},
		{"*.svc.cluster.local", "a..svc.cluster.local", false},
		{"*.svc.cluster.local", "evilsvc.cluster.local", false},
		{"*.svc.cluster.local", "a.svc.cluster.local.evil.com", false},
		{"kube.local", "\u212Aube.local", false}, // the Kelvin sign is not k
		{"10.0.0.5", "10.0.0.5", false},          // a prefix pattern matches no host
		{"db.example.com", "", false},
	}
	for _, c := range hosts {
		p, err := ParseTargetPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.MatchesHost(c.host); got != c.want {
			t.Errorf("%s.MatchesHost(%q) = %v, want %v", c.pattern, c.host, got, c.want)
		}
	}
}

func TestTargetPolicyIsZero(t *testing.T) {
	if !(TargetPolicy{}).IsZero() || !(TargetPolicy{Allow: []TargetPattern{}}).IsZero() {
		t.Error("an empty policy is not zero")
	}
	if (TargetPolicy{Deny: []TargetPattern{{Host: "x"}}}).IsZero() {
		t.Error("a policy with a deny entry is zero")
	}
}
