package handshake

import (
	"sync"
	"testing"
	"time"
)

func TestProgressWakesAWaiterWhenItsCountIsReached(t *testing.T) {
	p := newProgress()
	done := make(chan bool)
	go func() { done <- p.waitFor(3, 5*time.Second) }()
	for range 2 {
		p.advance(1)
	}
	select {
	case <-done:
		t.Fatal("woken after 2 segments, waiting for 3")
	case <-time.After(20 * time.Millisecond):
	}
	p.advance(1)
	if !<-done {
		t.Fatal("waitFor(3) timed out although 3 segments were handled")
	}
}

func TestProgressReturnsAtOnceForACountAlreadyReached(t *testing.T) {
	p := newProgress()
	p.advance(1)
	if !p.waitFor(1, 0) || !p.waitFor(0, 0) {
		t.Fatal("waitFor a count already reached should return true at once")
	}
}

func TestProgressTimesOutAndForgetsTheWaiter(t *testing.T) {
	p := newProgress()
	if p.waitFor(5, 10*time.Millisecond) {
		t.Fatal("waitFor(5) with no segment handled returned true")
	}
	if len(p.waiters) != 0 {
		t.Errorf("%d waiters left after a timeout", len(p.waiters))
	}
	for range 5 {
		p.advance(1) // wakes no one, and mends next
	}
	if p.waitFor(5, 0) != true {
		t.Error("waitFor(5) after 5 segments should return true")
	}
}

// Waiters for different counts are each woken at their own, however the
// reader's progress and their registrations interleave: none is lost and
// none is woken early.
func TestProgressUnderConcurrentReaderAndWaiters(t *testing.T) {
	p := newProgress()
	const segments, waiters = 20000, 64
	var wg sync.WaitGroup
	early := make(chan uint64, waiters)
	for i := range waiters {
		wg.Go(func() {
			count := uint64(1 + i*segments/waiters)
			if !p.waitFor(count, time.Minute) {
				early <- 0
				return
			}
			if got := p.handled.Load(); got < count {
				early <- got
			}
		})
	}
	for range segments {
		p.advance(1)
	}
	wg.Wait()
	close(early)
	for got := range early {
		t.Errorf("a waiter returned with %d segments handled, before its count (0: it timed out)", got)
	}
}

// The reader counts a whole batch at once: a count inside it is reached.
func TestProgressCountsABatchAtOnce(t *testing.T) {
	p := newProgress()
	done := make(chan bool)
	go func() { done <- p.waitFor(3, 5*time.Second) }()
	time.Sleep(10 * time.Millisecond)
	p.advance(5)
	if !<-done {
		t.Fatal("waitFor(3) timed out although a batch of 5 was handled")
	}
}
