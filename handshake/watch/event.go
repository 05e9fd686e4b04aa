package watch

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/kubeprobe/kubeprobe_exporter/handshake"
)

const (
	// maxTimeline bounds the resets an event keeps: a connect that keeps
	// retransmitting its SYN into a reset adds one per retransmission.
	maxTimeline = 16
	// sameConnect is how long after its last reset a reset of the same
	// 4-tuple still belongs to the same event: longer than kubelet's
	// probe timeouts, shorter than the port's next use in practice.
	sameConnect = 30 * time.Second
)

// Owner is the container probe a handshake's far end is the target of.
// Where several probes share the target (a readiness and a liveness probe
// of one port), Container and Probe list each of theirs, comma-separated:
// the handshake cannot tell which of them it was.
type Owner struct {
	Namespace, Pod, Container, Probe string
}

// Event is one connect's resets after SYN-ACK, as the landing page shows
// it.
type Event struct {
	ID            int64
	Outcome       handshake.Outcome // ResetAfterSYNACK or SYNACKDropped
	Local, Remote netip.AddrPort
	Owner         Owner // zero when the far end is no probe target of this node
	PortClass     string
	NodePort      NodePortState
	Owners        []string // the allocated NodePort's owners, as the collector names them
	Resets        []handshake.Reset
	More          int // resets past maxTimeline
}

// First and Last are when the event's first and latest reset left.
func (e *Event) First() time.Time { return e.Resets[0].At }
func (e *Event) Last() time.Time  { return e.Resets[len(e.Resets)-1].At }

// Attributed tells whether the event is a probe's of this node.
func (e *Event) Attributed() bool { return e.Owner != Owner{} }

// Count is how many resets the event holds.
func (e *Event) Count() int { return len(e.Resets) + e.More }

func (e *Event) add(r handshake.Reset) {
	if len(e.Resets) < maxTimeline {
		e.Resets = append(e.Resets, r)
	} else {
		e.More++
	}
}

// NodePortState says what the collector knows of a source port.
type NodePortState string

// The states, as the nodeport label of the last source port reads.
const (
	NodePortAllocated NodePortState = "true"
	NodePortFree      NodePortState = "false"
	NodePortUnknown   NodePortState = "unknown" // no NodePort source
)

// merge joins the probes that share a target into one owner.
func merge(owners []Owner) Owner {
	if len(owners) == 0 {
		return Owner{}
	}
	join := func(field func(Owner) string) string {
		var values []string
		for _, o := range owners {
			if v := field(o); !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		slices.Sort(values)
		return strings.Join(values, ",")
	}
	return Owner{
		Namespace: join(func(o Owner) string { return o.Namespace }),
		Pod:       join(func(o Owner) string { return o.Pod }),
		Container: join(func(o Owner) string { return o.Container }),
		Probe:     join(func(o Owner) string { return o.Probe }),
	}
}

// Port classes of a far end that is no probe target: IANA's three ranges,
// so that the node-wide counter has three series at most.
const (
	WellKnown  = "well_known" // 0-1023
	Registered = "registered" // 1024-49151
	Dynamic    = "dynamic"    // 49152-65535
)

// PortClasses lists the classes in the order metrics show them.
var PortClasses = []string{WellKnown, Registered, Dynamic}

func portClass(p uint16) string {
	switch {
	case p < 1024:
		return WellKnown
	case p < 49152:
		return Registered
	}
	return Dynamic
}
