package prober

import (
	"sync"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

// History keeps recent probes for the landing page and /logs. Failures
// are kept longer: a failed probe stays until limit newer failures have
// replaced it, however many successes come after it. Whatever the
// counts, the kept probes take at most maxBytes; the oldest go first.
type History struct {
	mu       sync.Mutex
	nextID   int64
	limit    int
	maxBytes int64
	bytes    int64
	recent   []*HistoryEntry
	failed   []*HistoryEntry // failures pushed out of recent
}

// HistoryEntry is one probe as the landing page lists it. The report is
// kept, not its text: most are never looked at, so the debug output is
// rendered only when someone asks for it.
type HistoryEntry struct {
	ID      int64
	Time    time.Time
	Module  string
	Target  string
	Success bool
	// Result is kubelet's: a warning passes, and is shown as one.
	Result Result
	// Handshake is the last TCP handshake's outcome, "" if none was tried.
	Handshake handshake.Outcome
	report    *Report
	size      int64
}

// DebugOutput is the probe's debug output, as debug=true shows it.
func (e *HistoryEntry) DebugOutput() string { return e.report.DebugOutput() }

// NewHistory keeps up to limit recent probes and limit older failures,
// in at most maxBytes.
func NewHistory(limit int, maxBytes int64) *History {
	// Ids start at 1, so that 0, a parameter left empty, is never one.
	return &History{limit: limit, maxBytes: maxBytes, nextID: 1}
}

// Add records a finished probe.
func (h *History) Add(r *Report) {
	size := r.memorySize()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limit <= 0 || size > h.maxBytes {
		return
	}
	e := &HistoryEntry{
		ID: h.nextID, Time: time.Now(), Module: r.ModuleName, Target: r.Target,
		Success: r.Success(), Result: r.Verdict.Result, report: r, size: size,
	}
	if n := len(r.Attempts); n > 0 {
		e.Handshake = r.Attempts[n-1].Outcome
	}
	h.nextID++
	h.recent = append(h.recent, e)
	h.bytes += size
	if len(h.recent) > h.limit {
		h.retire()
	}
	for h.bytes > h.maxBytes {
		h.dropOldest()
	}
}

// retire moves the oldest recent probe out: into the failures if it
// failed, else away.
func (h *History) retire() {
	oldest := h.recent[0]
	h.recent = h.recent[1:]
	if oldest.Success {
		h.bytes -= oldest.size
		return
	}
	h.failed = append(h.failed, oldest)
	if len(h.failed) > h.limit {
		h.bytes -= h.failed[0].size
		h.failed = h.failed[1:]
	}
}

// dropOldest forgets the oldest probe kept, which is the oldest failure
// when there is one: every kept failure is older than every recent probe.
func (h *History) dropOldest() {
	if len(h.failed) > 0 {
		h.bytes -= h.failed[0].size
		h.failed = h.failed[1:]
		return
	}
	h.bytes -= h.recent[0].size
	h.recent = h.recent[1:]
}

// List returns every kept probe, newest first.
func (h *History) List() []*HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	all := make([]*HistoryEntry, 0, len(h.recent)+len(h.failed))
	for i := len(h.recent) - 1; i >= 0; i-- {
		all = append(all, h.recent[i])
	}
	for i := len(h.failed) - 1; i >= 0; i-- {
		all = append(all, h.failed[i])
	}
	return all
}

// LastID is the id of the newest probe recorded, 0 before the first:
// an id above it was never issued.
func (h *History) LastID() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nextID - 1
}

// Get returns the probe with the given id, or nil if it is no longer kept.
func (h *History) Get(id int64) *HistoryEntry {
	for _, e := range h.List() {
		if e.ID == id {
			return e
		}
	}
	return nil
}
