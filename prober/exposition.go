package prober

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// writeMetrics answers r with what g gathers, byte for byte as
// promhttp.HandlerFor(g, HandlerOpts{DisableCompression: true}) would:
// the format negotiated from Accept among promhttp's defaults, the same
// headers, the same encoder. promhttp builds a counter vector with every
// handler it makes, and /probe's gatherer is new with every probe: making
// a handler per probe was 4% of the exporter's CPU.
//
// Uncompressed: a probe's answer is a few KB, which gzip made cost a
// fifth of the exporter's CPU when Prometheus asks for it, as it does.
func writeMetrics(w http.ResponseWriter, r *http.Request, g prometheus.Gatherer) {
	mfs, err := g.Gather()
	if err != nil {
		http.Error(w, "An error has occurred while serving metrics:\n\n"+err.Error(), http.StatusInternalServerError)
		return
	}
	n := negotiate(r.Header)
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Type", string(n.format))
	encoding := n.format
	if !needEscaping(mfs) {
		encoding = n.unescaped
	}
	enc := expfmt.NewEncoder(w, encoding)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return // the client is gone or the family unwritable: as promhttp, stop
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		_ = closer.Close()
	}
}

// negotiation is the format answered to one Accept header, and the same
// format without escaping.
type negotiation struct {
	accept    string
	format    expfmt.Format
	unescaped expfmt.Format
}

// lastNegotiation is the last Accept header's: a scraper sends the same
// one every time, and negotiating anew parsed it and every format offered
// (16 allocations a probe). One entry, so that hostile headers cannot
// make it grow.
var lastNegotiation atomic.Pointer[negotiation]

func negotiate(h http.Header) *negotiation {
	accept := h.Get("Accept")
	if n := lastNegotiation.Load(); n != nil && n.accept == accept {
		return n
	}
	format := expfmt.NegotiateAccept(h, expfmt.DefaultAcceptedFormats()...)
	n := &negotiation{accept: accept, format: format, unescaped: format.WithEscapingScheme(model.NoEscaping)}
	lastNegotiation.Store(n)
	return n
}

// needEscaping tells whether escaping names for a scraper that does not
// accept UTF-8 ones would change any of mfs. When it would not, the
// families are written unescaped, which is the same bytes: the encoder
// copies every family it escapes, changed or not (35 allocations a
// probe). The test is model.EscapeMetricFamily's own, which checks label
// names as metric names too.
func needEscaping(mfs []*dto.MetricFamily) bool {
	for _, mf := range mfs {
		if !legacyName(mf.GetName()) {
			return true
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if !legacyName(l.GetName()) ||
					(l.GetName() == model.MetricNameLabel && !legacyName(l.GetValue())) {
					return true
				}
			}
		}
	}
	return false
}

func legacyName(n string) bool { return model.LegacyValidation.IsValidMetricName(n) }
