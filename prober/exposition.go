package prober

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
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
	format := expfmt.NegotiateAccept(r.Header, expfmt.DefaultAcceptedFormats()...)
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Type", string(format))
	enc := expfmt.NewEncoder(w, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return // the client is gone or the family unwritable: as promhttp, stop
		}
	}
	if closer, ok := enc.(expfmt.Closer); ok {
		_ = closer.Close()
	}
}
