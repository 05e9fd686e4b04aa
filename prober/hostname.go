package prober

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/kubeprobe/kubeprobe_exporter/config"
)

// withHostname is module m with blackbox_exporter's hostname parameter
// applied the way a pod spec would write it: a Host entry in httpHeaders,
// replacing any the module has. kubelet sends such a Host line but still
// connects to the target, and takes the TLS server name (SNI) from the
// target's host, not from the Host header; so does this probe, which is
// where it differs from blackbox_exporter (whose hostname also sets SNI).
func withHostname(m config.Module, given, hostname string) (config.Module, error) {
	if m.Prober != config.ProberHTTP {
		return m, requestError("hostname", "%s: the module's prober is %s; a Host header is sent by http modules only", given, m.Prober)
	}
	if err := checkHostHeader(hostname); err != nil {
		return m, requestError("hostname", "%s: %s; give a host name or IP, with an optional :port, e.g. example.com or example.com:8443", given, err)
	}
	headers := slices.DeleteFunc(slices.Clone(m.HTTP.HTTPHeaders), func(h config.HTTPHeader) bool {
		return strings.EqualFold(h.Name, "Host")
	})
	http := *m.HTTP
	http.HTTPHeaders = append(headers, config.HTTPHeader{Name: "Host", Value: hostname})
	m.HTTP = &http
	return m, nil
}

// checkHostHeader accepts what a Host line may carry: a host, or a
// host:port.
func checkHostHeader(hostname string) error {
	if len(hostname) > maxTargetLength {
		return fmt.Errorf("it is %d bytes long, more than the %d a host may have", len(hostname), maxTargetLength)
	}
	if u := unprintable(hostname); u != "" {
		return errors.New(u)
	}
	if host, port, err := net.SplitHostPort(hostname); err == nil {
		if _, err := parsePort(port); err != nil {
			return err
		}
		return checkHost(host)
	}
	return checkHost(strings.TrimSuffix(strings.TrimPrefix(hostname, "["), "]"))
}
