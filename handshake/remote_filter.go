package handshake

import (
	"net/netip"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"golang.org/x/net/bpf"
)

const (
	// maxStale is how many far ends the filter may still name after
	// their connects ended before it is rebuilt without them.
	maxStale = 32
	// staleFor is how long a filter naming ended connects stays when no
	// new connect comes to rebuild it.
	staleFor = time.Second
)

// remoteFilter keeps the capture's filter naming the far ends of the
// connects in flight, so that the kernel hands the reader the segments of
// the exporter's own connects and not the node's traffic. A far end is
// added before its connect sends its SYN; one whose connects have ended
// is dropped lazily, since passing a few more segments costs little and
// rebuilding on every end would cost a system call per probe.
type remoteFilter struct {
	install func([]bpf.Instruction) error // nil: no capture to filter
	log     log.Logger

	mu       sync.Mutex
	watching map[netip.AddrPort]int  // far ends of connects in flight
	named    map[netip.AddrPort]bool // those the installed filter names
	stale    int                     // named, no longer watched
	timer    *time.Timer
}

// watch counts a connect to remote, naming remote in the filter first if
// it is not yet.
func (f *remoteFilter) watch(remote netip.AddrPort) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.install == nil {
		return
	}
	if f.watching == nil {
		f.watching, f.named = map[netip.AddrPort]int{}, map[netip.AddrPort]bool{}
	}
	f.watching[remote]++
	if f.named[remote] {
		if f.watching[remote] == 1 {
			f.stale--
		}
		return
	}
	f.rebuild()
}

// unwatch ends a connect to remote.
func (f *remoteFilter) unwatch(remote netip.AddrPort) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.install == nil {
		return
	}
	if f.watching[remote]--; f.watching[remote] > 0 {
		return
	}
	delete(f.watching, remote)
	f.stale++
	switch {
	case f.stale > maxStale:
		f.rebuild()
	case f.timer == nil:
		f.timer = time.AfterFunc(staleFor, f.rebuildLater)
	}
}

// stop leaves the filter as it is from now on: the capture is closing.
func (f *remoteFilter) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.install = nil
	if f.timer != nil {
		f.timer.Stop()
	}
}

func (f *remoteFilter) rebuildLater() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.timer = nil
	if f.install != nil && f.stale > 0 {
		f.rebuild()
	}
}

// rebuild installs a filter naming exactly the far ends watched now; with
// more than a filter can name, it passes every SYN and RST. Called with
// mu held.
func (f *remoteFilter) rebuild() {
	remotes := make([]netip.AddrPort, 0, len(f.watching))
	for r := range f.watching {
		remotes = append(remotes, r)
	}
	prog := captureFilter(remotes, len(remotes) > maxFilterRemotes)
	if err := f.install(prog); err != nil {
		level.Warn(f.log).Log("msg", "Narrowing the handshake capture failed; it passes every SYN and RST", "err", err)
		if err := f.install(synOrRstFilter); err != nil {
			level.Error(f.log).Log("msg", "Resetting the handshake capture's filter failed", "err", err)
		}
	}
	f.named = make(map[netip.AddrPort]bool, len(remotes))
	for _, r := range remotes {
		f.named[r] = true
	}
	f.stale = 0
}
