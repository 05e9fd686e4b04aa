package collector

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseKernelRange: net.ipv4.ip_local_port_range as /proc holds it.
func FuzzParseKernelRange(f *testing.F) {
	for _, s := range []string{
		"32768\t60999\n", "32768 60999", "1024\t65535\n", "0 0", "60999\t32768\n", "32768\n",
		"32768\t60999\t61000\n", "", "\n", "32768\t65536\n", "-1 5", "+1 5", "0x10 0x20", "1\v2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := parseKernelRange(text)
		if err != nil {
			return
		}
		if r.First > r.Last {
			t.Fatalf("parseKernelRange(%q) = %v: First > Last", text, r)
		}
		kernel := fmt.Sprintf("%d\t%d\n", r.First, r.Last)
		if back, err := parseKernelRange(kernel); err != nil || back != r {
			t.Errorf("parseKernelRange(%q) = %v, but the kernel's %q parses as %v, %v", text, r, kernel, back, err)
		}
	})
}

// FuzzParseIPVSServices: /proc/net/ip_vs, seeded with the fixtures.
func FuzzParseIPVSServices(f *testing.F) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "ip_vs_*"))
	if err != nil || len(fixtures) == 0 {
		f.Fatalf("no ip_vs fixtures: %v", err)
	}
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"TCP  C6120001 rr", "TCP  C6120001:XYZ rr", "TCP  [2001:db8::zz]:1 rr", "TCP  [198.18.0.1]:1 rr",
		"UDP  [::ffff:198.18.0.1]:0035 rr", "SCTP [fe80::1%eth0]:7A6A rr", "TCP  :7530 rr", "TCP  C6120001: rr",
		"TCP  FFFFFFFF:FFFF rr", "TCP  C6120001:10000 rr", "TCP  []:1 rr", "TCP  [:1 rr", "FWM  00000010 wlc",
		"tcp  C6120001:7530 rr", "  -> TCP C6120001:7530", "TCP\tC6120001:7530\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// On an error the caller drops the services; they are checked
		// all the same.
		services, _ := parseIPVSServices(strings.NewReader(text))
		for _, s := range services {
			switch s.Protocol {
			case "TCP", "UDP", "SCTP":
			default:
				t.Errorf("service %v: protocol %q is not TCP, UDP or SCTP", s.Addr, s.Protocol)
			}
			if !s.Addr.IsValid() {
				t.Errorf("%s service: invalid address %v", s.Protocol, s.Addr)
			}
		}
	})
}
