package prober

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// checkTarget says what is wrong with a target for a module, in words a
// user can act on, before anything is sent.
func checkTarget(target string, m config.Module) error {
	if target == "" {
		return fmt.Errorf("the target parameter is missing: %s", targetForm(m))
	}
	var err error
	if m.Prober == config.ProberHTTP {
		_, err = httpURL(target, m.HTTP)
	} else {
		_, _, err = splitHostPort(target)
	}
	if err != nil {
		return fmt.Errorf("target %q: %s: %s", target, err, targetForm(m))
	}
	return nil
}

// targetForm describes the targets a module's prober takes.
func targetForm(m config.Module) string {
	switch m.Prober {
	case config.ProberHTTP:
		return "the http prober takes a URL (http://10.0.0.5:8080/healthz) or host:port (10.0.0.5:8080), " +
			"or just the host when the module sets http.port"
	}
	return fmt.Sprintf("the %s prober takes host:port, e.g. 10.0.0.5:9092 or [2001:db8::5]:9092", m.Prober)
}

// splitHostPort accepts host:port with a numeric port, brackets around IPv6.
func splitHostPort(target string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(target)
	if err != nil {
		return "", 0, fmt.Errorf("not host:port")
	}
	if host == "" {
		return "", 0, fmt.Errorf("the host is empty")
	}
	port, err = parsePort(p)
	return host, port, err
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 1 to 65535", p)
	}
	return n, nil
}

// httpURL builds the URL kubelet would request. A target with a scheme is
// taken as the whole URL; otherwise it gives the host (and port) and the
// module's httpGet fields the rest, as kubelet's formatURL does with the
// pod IP.
func httpURL(target string, h *config.HTTPProbe) (*url.URL, error) {
	if strings.Contains(target, "://") {
		return parseTargetURL(target)
	}
	host, port, err := hostAndPort(target, h.Port)
	if err != nil {
		return nil, err
	}
	if h.Host != "" {
		host = h.Host
	}
	u, err := url.Parse(h.Path)
	if err != nil {
		// kubelet passes a path url.Parse rejects along as it is.
		u = &url.URL{Path: h.Path}
	}
	u.Scheme = h.Scheme
	u.Host = net.JoinHostPort(host, strconv.Itoa(port))
	return u, nil
}

func parseTargetURL(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("not a URL (%s)", strings.TrimPrefix(err.Error(), "parse "+strconv.Quote(target)+": "))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is neither http nor https", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("the URL has no host")
	}
	if p := u.Port(); p != "" {
		if _, err := parsePort(p); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// hostAndPort splits host:port, or takes a bare host when the module
// supplies the port.
func hostAndPort(target string, modulePort int) (string, int, error) {
	if _, _, err := net.SplitHostPort(target); err == nil {
		return splitHostPort(target)
	}
	if modulePort == 0 {
		return "", 0, fmt.Errorf("no port, and the module sets no http.port")
	}
	host := strings.TrimSuffix(strings.TrimPrefix(target, "["), "]")
	if strings.ContainsAny(host, "/?#@ []") {
		return "", 0, fmt.Errorf("not a host name or address")
	}
	return host, modulePort, nil
}
