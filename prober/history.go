package prober

import (
	"sync"
	"time"
)

// History keeps the debug output of recent probes for the landing page.
// Failures are kept longer: a failed probe stays until limit newer
// failures have replaced it, however many successes come after it.
type History struct {
	mu     sync.Mutex
	nextID int64
	limit  int
	recent []*HistoryEntry
	failed []*HistoryEntry // failures pushed out of recent
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
	report  *Report
}

// DebugOutput is the probe's debug output, as debug=true shows it.
func (e *HistoryEntry) DebugOutput() string { return e.report.DebugOutput() }

// NewHistory keeps up to limit recent probes and limit older failures.
func NewHistory(limit int) *History {
	return &History{limit: limit}
}

// Add records a finished probe.
func (h *History) Add(r *Report) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.limit <= 0 {
		return
	}
	e := &HistoryEntry{
		ID: h.nextID, Time: time.Now(), Module: r.ModuleName, Target: r.Target,
		Success: r.Success(), report: r,
	}
	h.nextID++
	h.recent = append(h.recent, e)
	if len(h.recent) <= h.limit {
		return
	}
	oldest := h.recent[0]
	h.recent = h.recent[1:]
	if !oldest.Success {
		h.failed = append(h.failed, oldest)
		if len(h.failed) > h.limit {
			h.failed = h.failed[1:]
		}
	}
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

// Get returns the probe with the given id, or nil if it is no longer kept.
func (h *History) Get(id int64) *HistoryEntry {
	for _, e := range h.List() {
		if e.ID == id {
			return e
		}
	}
	return nil
}
