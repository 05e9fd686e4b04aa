package prober

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// maxTargetLength bounds a target. kubelet's own are a pod IP and port, or
// a short URL; a long one only costs memory in every log line and report.
const maxTargetLength = 1024

// checkTarget says what is wrong with a target for a module, in words a
// user can act on, before anything is sent.
func checkTarget(target string, m config.Module) error {
	if target == "" {
		return fmt.Errorf("the target parameter is missing: %s", targetForm(m))
	}
	if len(target) > maxTargetLength {
		return fmt.Errorf("the target is %d bytes long, more than the %d a target may have: %s", len(target), maxTargetLength, targetForm(m))
	}
	if bad := unprintable(target); bad != "" {
		return fmt.Errorf("target %q: %s, which no host, port or URL has: %s", target, bad, targetForm(m))
	}
	var err error
	switch m.Prober {
	case config.ProberHTTP:
		_, err = httpURL(target, m.HTTP)
	case config.ProberGRPC:
		var named namedPortError
		if _, err = dialTarget(target, m); errors.As(err, &named) {
			err = fmt.Errorf("port %q: a grpc probe's port is a number, never a name", string(named))
		}
	default:
		_, err = dialTarget(target, m)
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
	return fmt.Sprintf("the %s prober takes host:port, e.g. 10.0.0.5:9092 or [2001:db8::5]:9092, "+
		"or just the host when the module sets %s.port", m.Prober, m.Prober)
}

// dialTarget is the host:port a tcp or grpc probe connects to: the
// target's, or its host with the module's port (tcpSocket.port,
// grpc.port, as kubelet adds them to the pod IP); a module's tcp.host
// replaces the host, as tcpSocket.host does.
func dialTarget(target string, m config.Module) (string, error) {
	host, port, err := splitHostPort(target)
	hostOverride := m.TCP != nil && m.TCP.Host != ""
	switch {
	case errors.Is(err, errNotHostPort):
		host, port, err = hostWithModulePort(target, m)
	case err == nil && !hostOverride:
		return target, nil // as given: what the scrape asked for
	}
	if err != nil {
		return "", err
	}
	if hostOverride {
		host = m.TCP.Host
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// hostWithModulePort takes a bare host, [IPv6] or not, and the module's
// port.
func hostWithModulePort(target string, m config.Module) (string, int, error) {
	var p config.Port
	switch {
	case m.TCP != nil:
		p = m.TCP.Port
	case m.GRPC != nil:
		p = m.GRPC.Port
	}
	if p.IsZero() {
		return "", 0, errNotHostPort
	}
	host := strings.TrimSuffix(strings.TrimPrefix(target, "["), "]")
	if err := checkHost(host); err != nil {
		return "", 0, err
	}
	if p.IsNamed() {
		return "", 0, namedPortError(p.Name)
	}
	return host, p.Number, nil
}

// errNotHostPort is a target without a port.
var errNotHostPort = errors.New("not host:port")

// splitHostPort accepts host:port with a numeric port, brackets around IPv6.
func splitHostPort(target string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(target)
	if err != nil {
		return "", 0, errNotHostPort
	}
	if err := checkHost(host); err != nil {
		return "", 0, err
	}
	port, err = parsePort(p)
	if err != nil && len(validation.IsValidPortName(p)) == 0 {
		return "", 0, namedPortError(p)
	}
	return host, port, err
}

// checkHost accepts an IP address (an IPv6 one with its zone, as in
// fe80::1%eth0) or a DNS name, as kubelet's dialer would resolve it.
func checkHost(host string) error {
	switch {
	case host == "":
		return fmt.Errorf("the host is empty")
	case validIP(host), config.ValidHostname(host):
		return nil
	}
	return fmt.Errorf("host %q is neither an IP address nor a DNS name", host)
}

func validIP(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// unprintable describes the first character of s that has no place in a
// target (white space, a control character, invalid UTF-8), or is "".
func unprintable(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return fmt.Sprintf("byte %d is not valid UTF-8", i)
		case r == ' ':
			return fmt.Sprintf("byte %d is a space", i)
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return fmt.Sprintf("byte %d is the control character %U", i, r)
		}
	}
	return ""
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
	if err := checkHost(u.Hostname()); err != nil {
		return nil, err
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
func hostAndPort(target string, modulePort config.Port) (string, int, error) {
	if _, _, err := net.SplitHostPort(target); err == nil {
		return splitHostPort(target)
	}
	if modulePort.IsNamed() {
		return "", 0, fmt.Errorf("http.port: %w", namedPortError(modulePort.Name))
	}
	if modulePort.IsZero() {
		return "", 0, fmt.Errorf("no port, and the module sets no http.port")
	}
	host := strings.TrimSuffix(strings.TrimPrefix(target, "["), "]")
	if strings.ContainsAny(host, "/?#@ []") {
		return "", 0, fmt.Errorf("not a host name or address")
	}
	if err := checkHost(host); err != nil {
		return "", 0, err
	}
	return host, modulePort.Number, nil
}

// connectAddress is the host and port a probe's first connect goes to: a
// module's http.host replaces the target's host, as httpGet.host does.
func connectAddress(target string, m config.Module) (string, uint16) {
	if m.Prober == config.ProberHTTP {
		u, err := httpURL(target, m.HTTP)
		if err != nil {
			return "", 0
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		n, _ := strconv.Atoi(port)
		return u.Hostname(), uint16(n)
	}
	host, port, _ := splitHostPort(target)
	return host, uint16(port)
}
