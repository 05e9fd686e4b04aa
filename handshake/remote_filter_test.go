package handshake

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"golang.org/x/net/bpf"
)

// installs records the filters a remoteFilter installs, and what each
// passes of one packet per remote.
type installs struct {
	mu    sync.Mutex
	progs [][]bpf.Instruction
}

func (i *installs) install(p []bpf.Instruction) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.progs = append(i.progs, p)
	return nil
}

func (i *installs) count() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return len(i.progs)
}

// passes tells whether the last filter installed keeps a SYN to remote.
func (i *installs) passes(t *testing.T, remote netip.AddrPort) bool {
	t.Helper()
	i.mu.Lock()
	prog := i.progs[len(i.progs)-1]
	i.mu.Unlock()
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := vm.Run(packet{proto: 6, syn: true, dst: remote}.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	return kept > 0
}

func remoteN(n int) netip.AddrPort {
	return netip.MustParseAddrPort(fmt.Sprintf("198.18.%d.%d:80", n/250, n%250+1))
}

func TestRemoteFilterNamesWhatIsInFlight(t *testing.T) {
	var got installs
	f := &remoteFilter{install: got.install, log: log.NewNopLogger()}
	a, b := remoteN(1), remoteN(2)
	f.watch(a)
	if got.count() != 1 || !got.passes(t, a) || got.passes(t, b) {
		t.Fatalf("after a connect to %s: %d filters, passes %s %v, %s %v", a, got.count(), a, got.passes(t, a), b, got.passes(t, b))
	}
	f.watch(a) // a second connect to the same end needs no new filter
	if got.count() != 1 {
		t.Errorf("%d filters after a second connect to %s, want 1", got.count(), a)
	}
	f.unwatch(a)
	f.unwatch(a) // ended, but kept a while: no system call per probe
	if got.count() != 1 || !got.passes(t, a) {
		t.Errorf("a rebuilt filter at once after the connects ended: %d filters", got.count())
	}
	f.watch(b) // a new end: the filter names b, and no longer a
	if got.count() != 2 || !got.passes(t, b) || got.passes(t, a) {
		t.Errorf("after a connect to %s: %d filters, passes %s %v", b, got.count(), a, got.passes(t, a))
	}
	f.unwatch(b)
	for deadline := time.Now().Add(5 * time.Second); got.passes(t, b); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the filter still passes %s %v after its last connect ended", b, 5*time.Second)
		}
	}
}

func TestRemoteFilterDropsManyEndedAtOnce(t *testing.T) {
	var got installs
	f := &remoteFilter{install: got.install, log: log.NewNopLogger()}
	for i := range maxStale + 1 {
		f.watch(remoteN(i))
	}
	before := got.count()
	for i := range maxStale + 1 {
		f.unwatch(remoteN(i))
	}
	if got.count() != before+1 || got.passes(t, remoteN(0)) {
		t.Errorf("%d filters after %d connects ended, want one more, passing none of them", got.count()-before, maxStale+1)
	}
}

func TestRemoteFilterPassesAllBeyondWhatItCanName(t *testing.T) {
	var got installs
	f := &remoteFilter{install: got.install, log: log.NewNopLogger()}
	for i := range maxFilterRemotes + 1 {
		f.watch(remoteN(i))
	}
	if !got.passes(t, netip.MustParseAddrPort("198.19.0.9:443")) {
		t.Error("with more far ends than a filter names, a SYN to any other is dropped; want every SYN passed")
	}
}
