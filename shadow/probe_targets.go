package shadow

import (
	"net/netip"
	"sort"
	"sync"
)

// ProbeRef names one container probe of this node's pods.
type ProbeRef struct {
	Key  Key
	Type ProbeType
}

// probeTargets indexes the probes of this node's pods by the address
// kubelet connects to, so that a handshake seen on the node can be told
// to be a probe's: pods come and go through the watch while the index is
// read from the packet capture's goroutine.
type probeTargets struct {
	mu      sync.RWMutex
	byGroup map[string][]Probe
	byAddr  map[netip.AddrPort][]ProbeRef

	notifyMu sync.Mutex // one notification at a time, each with the latest set
	notify   func([]netip.AddrPort)
}

// set replaces a pod's probes; nil removes the pod.
func (x *probeTargets) set(group string, probes []Probe) {
	x.rebuild(group, probes)
	x.notifyLatest()
}

func (x *probeTargets) rebuild(group string, probes []Probe) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byGroup == nil {
		x.byGroup = map[string][]Probe{}
	}
	if len(probes) == 0 {
		delete(x.byGroup, group)
	} else {
		x.byGroup[group] = probes
	}
	// Pods change far less often than the index is read: rebuild whole.
	x.byAddr = map[netip.AddrPort][]ProbeRef{}
	for _, ps := range x.byGroup {
		for _, p := range ps {
			if p.Target.IsValid() {
				x.byAddr[p.Target] = append(x.byAddr[p.Target], ProbeRef{Key: p.Key, Type: p.Spec.Type})
			}
		}
	}
	for _, refs := range x.byAddr {
		sortRefs(refs)
	}
}

// notifyLatest hands the subscriber the targets as they are now.
func (x *probeTargets) notifyLatest() {
	x.notifyMu.Lock()
	defer x.notifyMu.Unlock()
	if x.notify != nil {
		x.notify(x.addresses())
	}
}

func (x *probeTargets) addresses() []netip.AddrPort {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]netip.AddrPort, 0, len(x.byAddr))
	for a := range x.byAddr {
		out = append(out, a)
	}
	return out
}

func (x *probeTargets) at(remote netip.AddrPort) []ProbeRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return append([]ProbeRef(nil), x.byAddr[remote]...)
}

func sortRefs(refs []ProbeRef) {
	sort.Slice(refs, func(i, j int) bool {
		if refs[i].Key != refs[j].Key {
			return refs[i].Key.String() < refs[j].Key.String()
		}
		return refs[i].Type < refs[j].Type
	})
}

// ProbesAt lists the probes of this node's pods that connect to remote
// (pod IP and port; IPv4 as four bytes): more than one where a container's
// readiness and liveness probes share a port. None for any other address.
func (p *Pods) ProbesAt(remote netip.AddrPort) []ProbeRef {
	return p.targets.at(netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port()))
}

// OnTargets calls fn with the addresses every probe of this node's pods
// connects to, at once and again whenever they change; fn runs on the
// pod watch's goroutine, one call at a time.
func (p *Pods) OnTargets(fn func([]netip.AddrPort)) {
	p.targets.notifyMu.Lock()
	p.targets.notify = fn
	p.targets.notifyMu.Unlock()
	p.targets.notifyLatest()
}
