package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/internal/netlab"
)

// probe_targets is checked on the addresses a target resolves to before
// anything is sent: a denied CIDR, a name that resolves into it (alone or
// among allowed addresses), link-local addresses and the exporter's own
// address each get a 403, and the node sends no SYN for any of them.
func TestProbeTargetsDenyBeforeAnyPacketLeaves(t *testing.T) {
	netlab.Run(t, func(t *testing.T, l *netlab.Lab) {
		// ip netns exec mounts /etc/netns/NAME/hosts over /etc/hosts.
		dir := filepath.Join("/etc/netns", l.Node)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		writeFile(t, dir, "hosts", "198.18.0.2 denied.lab.test\n198.18.0.5 mixed.lab.test\n198.18.0.2 mixed.lab.test\n")
		// A route to link-local space, so that a probe there would send.
		l.Exec(t, l.Node, "ip", "route", "add", "169.254.0.0/16", "dev", l.NodeLink)
		for _, ipt := range []string{"iptables", "ip6tables"} {
			l.Exec(t, l.Node, ipt, "-I", "OUTPUT", "-p", "tcp", "--syn")
		}
	}, func(t *testing.T, l *netlab.Lab) {
		podLinkLocal := linkLocalOf(t, l)
		cfg := writeFile(t, t.TempDir(), "kubeprobe.yml", `probe_targets:
  deny: [198.18.0.2]
modules:
  tcp: {prober: tcp, timeout: 300ms}
  link_local: {prober: tcp, timeout: 300ms, probe_targets: {allow: ["fe80::/10"]}}
`)
		e := startExporter(t, "--config.file="+cfg, "--no-nodeport.ipvs")
		// One connection to the exporter, made now: every SYN counted
		// from here on is one a probe sent.
		client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
		get := func(query string) (int, string) {
			resp, err := client.Get(e.base + "/probe?" + query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		get("module=tcp&target=198.18.0.1:1") // refused at once, and opens the connection
		zeroSYNCounters(t, l)

		own := strings.TrimPrefix(e.base, "http://")
		for _, c := range []struct{ target, want string }{
			{"198.18.0.2:80", "probe_targets does not allow this target: 198.18.0.2 matches probe_targets.deny entry 198.18.0.2"},
			{"denied.lab.test:80", "denied.lab.test (198.18.0.2) matches probe_targets.deny entry 198.18.0.2"},
			{"mixed.lab.test:80", "mixed.lab.test (198.18.0.2) matches probe_targets.deny entry 198.18.0.2"},
			{"169.254.169.254:80", "169.254.169.254 is link-local (169.254.0.0/16), where cloud metadata services answer"},
			{"[" + podLinkLocal + "%" + l.NodeLink + "]:80", "is link-local (fe80::/10)"},
			{own, "is this exporter's own listen address"},
		} {
			code, body := get("module=tcp&target=" + url.QueryEscape(c.target))
			if code != http.StatusForbidden || !strings.Contains(body, c.want) {
				t.Errorf("%s: %d %q\nwant 403 with %q", c.target, code, body, c.want)
			}
		}
		if n := countSYNs(t, l); n != 0 {
			t.Errorf("%d SYNs left the node for denied targets, want none", n)
		}
		if got := e.metricValue(t, "kubeprobe_exporter_probes_rejected_total", "reason", "target_denied"); got != 6 {
			t.Errorf(`kubeprobe_exporter_probes_rejected_total{reason="target_denied"} = %v, want 6`, got)
		}

		// A module that lists link-local space probes it, zone and all.
		code, body := get("module=link_local&target=" + url.QueryEscape("["+podLinkLocal+"%"+l.NodeLink+"]:80"))
		if code != http.StatusOK || !strings.Contains(body, `probe_tcp_handshake_outcome{outcome="refused"} 1`) {
			t.Errorf("an allowed link-local target: %d\n%s", code, body)
		}
		if n := countSYNs(t, l); n == 0 {
			t.Error("no SYN counted for an allowed probe: the counter proves nothing")
		}
	})
}

// linkLocalOf is the pod end's IPv6 link-local address, once both ends'
// have finished duplicate address detection, until which neither sends.
func linkLocalOf(t *testing.T, l *netlab.Lab) string {
	t.Helper()
	re := regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		pod := l.Exec(t, l.Pod, "ip", "-6", "-o", "addr", "show", "dev", l.PodLink, "scope", "link")
		node := l.Exec(t, l.Node, "ip", "-6", "-o", "addr", "show", "dev", l.NodeLink, "scope", "link")
		m := re.FindStringSubmatch(pod)
		ready := m != nil && re.MatchString(node) && !strings.Contains(pod+node, "tentative")
		if ready {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no usable link-local addresses after 10s:\n%s\n%s", pod, node)
		}
	}
}

func zeroSYNCounters(t *testing.T, l *netlab.Lab) {
	t.Helper()
	for _, ipt := range []string{"iptables", "ip6tables"} {
		l.Exec(t, l.Node, ipt, "-Z", "OUTPUT")
	}
}

// countSYNs is how many SYNs the node sent since the counters were zeroed.
func countSYNs(t *testing.T, l *netlab.Lab) int {
	t.Helper()
	total := 0
	for _, ipt := range []string{"iptables", "ip6tables"} {
		out := l.Exec(t, l.Node, ipt, "-L", "OUTPUT", "-v", "-x", "-n")
		for _, line := range strings.Split(out, "\n") {
			fields := strings.Fields(line)
			if len(fields) > 2 && strings.Contains(line, "flags:0x17/0x02") {
				n, _ := strconv.Atoi(fields[0])
				total += n
			}
		}
	}
	return total
}

// A module's credentials and a target's user information are sent, but
// never shown: not on /config, in the debug output, on /logs, on the
// landing page, nor in the log at debug level.
func TestSecretsAreNeverShown(t *testing.T) {
	var mu sync.Mutex
	var received []string
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		received = append(received, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), r.Header.Get("Cookie"))
		mu.Unlock()
		fmt.Fprint(w, "ok")
	}))
	defer web.Close()
	cfg := writeFile(t, t.TempDir(), "kubeprobe.yml", `modules:
  authed:
    prober: http
    http:
      http_headers:
        - {name: Authorization, value: "Bearer s3cr3t-token"}
        - {name: X-Api-Key, value: k3y-value, secret: true}
        - {name: cookie, value: "session=c00kie-value"}
        - {name: X-Plain, value: plain-value}
  web: {prober: http}
`)
	e := startExporter(t, "--config.file="+cfg, "--log.level=debug", "--no-nodeport.ipvs")
	withUser := strings.Replace(web.URL, "http://", "http://probeuser:p4ssw0rd@", 1)
	closedWithUser := "http://probeuser:p4ssw0rd@" + freeAddress(t) + "/"

	var shown []string
	for _, q := range []string{
		"module=authed&debug=true&target=" + url.QueryEscape(web.URL),
		"module=web&debug=true&target=" + url.QueryEscape(withUser),
		"module=web&debug=true&target=" + url.QueryEscape(closedWithUser),
		"module=authed&target=" + url.QueryEscape(web.URL),
	} {
		code, body := e.get(t, "/probe?"+q)
		if code != http.StatusOK {
			t.Fatalf("/probe?%s: %d %s", q, code, body)
		}
		shown = append(shown, body)
	}
	for _, path := range []string{"/config", "/", "/logs", "/logs?id=1", "/logs?id=2", "/logs?id=3", "/logs?id=4"} {
		_, body := e.get(t, path)
		shown = append(shown, body)
	}
	shown = append(shown, e.logs.String())
	all := strings.Join(shown, "\n")
	for _, secret := range []string{"s3cr3t-token", "k3y-value", "c00kie-value", "p4ssw0rd", "probeuser"} {
		if strings.Contains(all, secret) {
			i := strings.Index(all, secret)
			t.Errorf("%q is shown: …%s…", secret, all[max(i-200, 0):min(i+100, len(all))])
		}
	}
	mustContain(t, "what is shown", all, "value: <secret>", "value: plain-value", "http://<secret>@", "target=http://<secret>@")
	mu.Lock()
	defer mu.Unlock()
	mustContain(t, "what the server received", strings.Join(received, " "), "Bearer s3cr3t-token", "k3y-value", "session=c00kie-value")
}
