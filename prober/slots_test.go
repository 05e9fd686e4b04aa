package prober

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestSlotsWaitWithinTheDeadlineThenRefuse(t *testing.T) {
	s := NewSlots(2, prometheus.NewRegistry())
	ctx := context.Background()
	releaseA, err := s.acquire(ctx, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	releaseB, err := s.acquire(ctx, 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(s.inFlight); got != 2 {
		t.Errorf("in flight = %v, want 2", got)
	}
	if _, err := s.acquire(ctx, 1, time.Now()); !errors.Is(err, ErrBusy) {
		t.Errorf("a third slot without waiting: %v, want ErrBusy", err)
	}
	start := time.Now()
	if _, err := s.acquire(ctx, 1, start.Add(50*time.Millisecond)); !errors.Is(err, ErrBusy) || time.Since(start) < 50*time.Millisecond {
		t.Errorf("a third slot after waiting %v: %v, want ErrBusy after the deadline", time.Since(start), err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		releaseA()
	}()
	releaseC, err := s.acquire(ctx, 1, time.Now().Add(5*time.Second))
	if err != nil {
		t.Fatalf("a slot freed while waiting: %v", err)
	}
	// A sweep asks for more than there are: it gets them all.
	releaseB()
	releaseC()
	releaseSweep, err := s.acquire(ctx, 16, time.Now())
	if err != nil {
		t.Fatalf("a sweep wider than the limit: %v", err)
	}
	releaseSweep()
}

func TestSlotsBoundTheWaiters(t *testing.T) {
	s := NewSlots(1, prometheus.NewRegistry())
	release, _ := s.acquire(context.Background(), 1, time.Now())
	defer release()
	waiting := make(chan error, 1)
	go func() {
		_, err := s.acquire(context.Background(), 1, time.Now().Add(time.Second))
		waiting <- err
	}()
	for s.waiting.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := s.acquire(context.Background(), 1, time.Now().Add(time.Second)); !errors.Is(err, ErrBusy) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("a second waiter on one slot: %v after %v, want ErrBusy at once", err, time.Since(start))
	}
	<-waiting
}

// A full exporter answers 503 with Retry-After and closes the connection,
// and counts the refusal.
func TestHandlerAnswersBusyWhenEverySlotIsTaken(t *testing.T) {
	var hold sync.WaitGroup
	hold.Add(1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hold.Wait() }))
	defer slow.Close()
	defer hold.Done()
	h, reg := newTestHandler(t, "modules:\n  web: {prober: http, timeout: 3s}\n")
	h.Slots = NewSlots(1, prometheus.NewRegistry())
	go get(t, h, "/probe?module=web&target="+slow.URL, nil)
	for testutil.ToFloat64(h.Slots.inFlight) == 0 {
		time.Sleep(time.Millisecond)
	}
	header := http.Header{"X-Prometheus-Scrape-Timeout-Seconds": {"1"}} // no time to wait for a slot
	req := httptest.NewRequest(http.MethodGet, "/probe?module=web&target="+slow.URL, nil)
	req.Header = header
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Connection") != "close" ||
		!strings.Contains(rec.Body.String(), "1 probe sockets are in use (--probe.max-concurrent)") {
		t.Errorf("a probe beyond the limit: %d %v %q", rec.Code, rec.Header(), rec.Body.String())
	}
	if got := testutil.ToFloat64(h.rejected.WithLabelValues(reasonBusy)); got != 1 {
		t.Errorf(`kubeprobe_exporter_probes_rejected_total{reason="busy"} = %v, want 1`, got)
	}
	_ = reg
}
