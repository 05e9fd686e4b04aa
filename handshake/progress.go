package handshake

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts the segments the capture's reader has handled, and
// wakes each connect waiting at its end for the reader to reach a count
// once the reader has: once per connect, not once per segment. A
// condition variable broadcast per segment woke every waiting connect
// for every segment, which under load (dozens of connects waiting, and
// any other traffic to their targets passing the filter) made the
// waiting cost more than the reading.
type progress struct {
	handled atomic.Uint64
	// next is the smallest count a connect waits for, MaxUint64 when none
	// does; the reader takes mu only once handled reaches it.
	next atomic.Uint64

	mu      sync.Mutex
	waiters map[*waiter]struct{}
}

type waiter struct {
	count   uint64
	reached chan struct{}
}

func newProgress() *progress {
	p := &progress{waiters: map[*waiter]struct{}{}}
	p.next.Store(math.MaxUint64)
	return p
}

// advance counts n more segments handled.
func (p *progress) advance(n uint64) {
	if n := p.handled.Add(n); n >= p.next.Load() {
		p.wake(n)
	}
}

// wake releases the connects waiting for n segments or fewer.
func (p *progress) wake(n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	next := uint64(math.MaxUint64)
	for w := range p.waiters {
		if w.count <= n {
			close(w.reached)
			delete(p.waiters, w)
		} else {
			next = min(next, w.count)
		}
	}
	p.next.Store(next)
}

// waitFor returns true once count segments have been handled, false if
// timeout passes first.
func (p *progress) waitFor(count uint64, timeout time.Duration) bool {
	if p.handled.Load() >= count {
		return true
	}
	w := &waiter{count: count, reached: make(chan struct{})}
	p.mu.Lock()
	p.waiters[w] = struct{}{}
	if count < p.next.Load() {
		p.next.Store(count)
	}
	p.mu.Unlock()
	// The reader may have passed count after the check above but before
	// it could see next: then it did not wake us, and we must.
	if n := p.handled.Load(); n >= count {
		p.wake(n)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-w.reached:
		return true
	case <-timer.C:
		p.mu.Lock()
		delete(p.waiters, w) // next may stay at count: the next wake mends it
		p.mu.Unlock()
		return false
	}
}
