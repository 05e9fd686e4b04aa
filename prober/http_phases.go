package prober

import (
	"crypto/tls"
	"net/http/httptrace"
	"sync"
	"time"
)

// httpPhases times the stages of an HTTP probe, summed over redirects.
// Resolve and connect times come from the Dialer, which does both.
type httpPhases struct {
	mu                        sync.Mutex
	tlsStart, wroteRequest    time.Time
	firstByte                 time.Time
	tls, processing, transfer time.Duration
}

func (p *httpPhases) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		TLSHandshakeStart: func() { p.mark(&p.tlsStart) },
		TLSHandshakeDone: func(tls.ConnectionState, error) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.tls += time.Since(p.tlsStart)
		},
		WroteRequest: func(httptrace.WroteRequestInfo) { p.mark(&p.wroteRequest) },
		GotFirstResponseByte: func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.firstByte = time.Now()
			p.processing += p.firstByte.Sub(p.wroteRequest)
		},
	}
}

func (p *httpPhases) mark(t *time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	*t = time.Now()
}

// bodyRead ends the transfer phase of the final response.
func (p *httpPhases) bodyRead() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.firstByte.IsZero() {
		p.transfer = time.Since(p.firstByte)
	}
}

// seconds returns each phase's duration by its label value.
func (p *httpPhases) seconds(d *dialer) map[string]float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var connect time.Duration
	for _, a := range d.Attempts() {
		connect += a.Duration
	}
	return map[string]float64{
		"resolve":    d.DNSLookupSeconds(),
		"connect":    connect.Seconds(),
		"tls":        p.tls.Seconds(),
		"processing": p.processing.Seconds(),
		"transfer":   p.transfer.Seconds(),
	}
}
