package main

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
	"github.com/kubeprobe/kubeprobe_exporter/handshake/watch"
	"github.com/kubeprobe/kubeprobe_exporter/prober"
)

// The landing page lists the node's resets after SYN-ACK, and /logs shows
// each one's timeline.
func TestLandingPageListsTheWatchedResets(t *testing.T) {
	w := watch.New(watch.Options{Keep: 5})
	local, remote := netip.MustParseAddrPort("198.18.0.1:30004"), netip.MustParseAddrPort("198.18.0.2:8080")
	w.Observe(handshake.Reset{At: time.Unix(1700000000, 0), Local: local, Remote: remote, Segment: "198.18.0.1:30004 > 198.18.0.2:8080 [R] seq 1"})
	mux := newMux(routes{registry: prometheus.NewRegistry(), history: prober.NewHistory(10, 1<<20), watch: w, logger: log.NewNopLogger()})
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}
	code, page := get("/")
	if code != http.StatusOK || !strings.Contains(page, "198.18.0.1:30004 &gt; 198.18.0.2:8080") || !strings.Contains(page, `href="logs?handshake=1"`) {
		t.Fatalf("landing page (%d) lacks the reset:\n%s", code, page)
	}
	code, text := get("/logs?handshake=1")
	if code != http.StatusOK || !strings.Contains(text, "Timeline (1 resets):") || !strings.Contains(text, "[R] seq 1") {
		t.Errorf("/logs?handshake=1 (%d):\n%s", code, text)
	}
	for _, id := range []string{"0", "2"} {
		if code, text := get("/logs?handshake=" + id); code != http.StatusBadRequest || !strings.Contains(text, "ids run from 1 to 1") {
			t.Errorf("/logs?handshake=%s, never issued: %d %q, want 400 with the range", id, code, text)
		}
	}
}

// A reset pushed out by newer ones is a 404, not a 400: it was there.
func TestWatchedResetNoLongerKept(t *testing.T) {
	w := watch.New(watch.Options{Keep: 1})
	remote := netip.MustParseAddrPort("198.18.0.2:8080")
	for i, local := range []string{"198.18.0.1:30004", "198.18.0.1:30005"} {
		l := netip.MustParseAddrPort(local)
		w.Observe(handshake.Reset{At: time.Unix(1700000000+int64(i), 0), Local: l, Remote: remote, Segment: local + " > 198.18.0.2:8080 [R] seq 1"})
	}
	mux := newMux(routes{registry: prometheus.NewRegistry(), history: prober.NewHistory(10, 1<<20), watch: w, logger: log.NewNopLogger()})
	for id, want := range map[string]int{"1": http.StatusNotFound, "2": http.StatusOK} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/logs?handshake="+id, nil))
		if rec.Code != want {
			t.Errorf("/logs?handshake=%s: %d %q, want %d", id, rec.Code, rec.Body.String(), want)
		}
	}
}
