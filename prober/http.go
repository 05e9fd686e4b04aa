package prober

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/go-kit/log/level"
	utilio "k8s.io/utils/io"

	"github.com/kubeprobe/kubeprobe_exporter/config"
	"github.com/kubeprobe/kubeprobe_exporter/internal/kubelet"
)

// maxBodyBytes is how much of a response body kubelet reads (since 1.16);
// more is not an error, it is left unread.
const maxBodyBytes = 10 << 10

// probeHTTP is kubelet's httpGet probe (pkg/probe/http): one GET, 2xx is
// success, 3xx not followed is a warning (which passes), anything else
// fails; a body that cannot be read is an error.
func probeHTTP(ctx context.Context, p *probe) Verdict {
	k := kubeletOf(p.Module)
	u, err := httpURL(p.Target, p.Module.HTTP)
	if err != nil {
		return failure(err.Error())
	}
	req, err := newKubeletRequest(u, p.Module.HTTP.HTTPHeaders, k)
	if err != nil {
		return failure(err.Error())
	}
	m := p.httpMetrics()
	phases := &httpPhases{}
	redirects := &redirectRecord{}
	transport := newKubeletTransport(p.dialer, k)
	defer transport.CloseIdleConnections()
	logProtocol(p, k)
	client := newKubeletClient(transport, timeLeft(ctx), redirects)
	// The client's own Timeout ends the request at the deadline, not the
	// context, so that a timeout reads exactly as kubelet logs it
	// ("Client.Timeout exceeded"); the context still ends it at once when
	// the scrape that asked for it goes away.
	reqCtx, cancel := withoutDeadline(ctx)
	defer cancel()
	req = req.WithContext(httptrace.WithClientTrace(reqCtx, phases.clientTrace()))
	level.Debug(p.Log).Log("msg", "Sending request", "url", u, "headers", fmt.Sprint(req.Header))

	res, err := client.Do(req)
	defer func() { m.observe(p.metrics, phases.seconds(p.dialer), redirects) }()
	if err != nil {
		// The last response seen, a redirect's when the redirects
		// stopped, is still the status that arrived.
		m.statusCode = float64(redirects.lastStatus)
		return failure(err.Error())
	}
	defer res.Body.Close()
	m.response(res)
	body, err := utilio.ReadAtMost(res.Body, maxBodyBytes)
	phases.bodyRead()
	switch {
	case errors.Is(err, utilio.ErrLimitReached):
		level.Debug(p.Log).Log("msg", "Non fatal body truncation: kubelet reads the first 10 KiB only")
	case err != nil:
		level.Warn(p.Log).Log("msg", "Reading the body failed: kubelet's result is an error, with no output", "err", err)
		return probeError(err)
	}
	return judgeStatus(res.StatusCode, body, k)
}

// logProtocol says when a module's protocol: HTTP2 has no effect, as in
// kubelet, whose feature gate is off by default.
func logProtocol(p *probe, k kubeletBehaviour) {
	if p.Module.HTTP.Protocol == config.ProtocolHTTP2 && !k.h2c {
		level.Warn(p.Log).Log("msg", "protocol: HTTP2 is ignored, as kubelet ignores it, while the feature gate "+
			kubelet.H2CContainerProbe+" is off: probing over HTTP/1.1; set feature_gates: {"+kubelet.H2CContainerProbe+": true} for h2c")
	}
}

// judgeStatus is kubelet's reading of a response status.
func judgeStatus(code int, body []byte, k kubeletBehaviour) Verdict {
	switch {
	case code >= 200 && code < 300:
		return success(string(body))
	case code >= 300 && code < 400 && k.redirectPrefix:
		return warning(fmt.Sprintf("Probe terminated redirects, Response body: %s", body))
	case code >= 300 && code < 400:
		return warning(string(body))
	}
	// kubelet leaves the body out on purpose (kubernetes issue #99425).
	return failure(fmt.Sprintf("HTTP probe failed with statuscode: %d", code))
}

// withoutDeadline is ctx without its deadline: it ends when ctx is
// cancelled (the client went away, the exporter stops), but not when the
// deadline passes.
func withoutDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel()
		}
	})
	return out, func() { stop(); cancel() }
}

// timeLeft is the time until ctx's deadline.
func timeLeft(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0 // no limit: only for callers that set none
	}
	return time.Until(deadline)
}

// httpMetrics are the values of the probe's HTTP metrics, written to the
// probe's metrics at the end of each try, so that they show the last's.
type httpMetrics struct {
	statusCode, contentLength, version, ssl, redirects float64
	// tls is the final response's handshake, nil over cleartext.
	tls *tls.ConnectionState
}

// httpMetrics starts a try's HTTP metrics afresh.
func (p *probe) httpMetrics() *httpMetrics {
	p.http = &httpMetrics{}
	return p.http
}

func (m *httpMetrics) response(res *http.Response) {
	m.statusCode = float64(res.StatusCode)
	m.contentLength = float64(res.ContentLength)
	m.version = float64(res.ProtoMajor) + float64(res.ProtoMinor)/10
	m.tls = res.TLS
	if res.TLS != nil {
		m.ssl = 1
	}
}

func (m *httpMetrics) observe(s *metricSet, phases map[string]float64, r *redirectRecord) {
	for phase, seconds := range phases {
		s.set("probe_http_duration_seconds", "Duration of each phase of the HTTP probe, summed over redirects.", seconds, "phase", phase)
	}
	m.redirects = float64(r.followed)
	s.set("probe_http_status_code", "The last HTTP status code that arrived (a redirect's, when redirects stopped the probe), 0 when none did.", m.statusCode)
	s.set("probe_http_content_length", "Length of the response body as the server declared it, -1 when unknown.", m.contentLength)
	s.set("probe_http_version", "HTTP version of the response, e.g. 1.1 or 2.", m.version)
	s.set("probe_http_ssl", "1 if the final response came over TLS.", m.ssl)
	s.set("probe_http_redirects", "The number of redirects followed.", m.redirects)
	observeTLS(s, m.tls)
}
