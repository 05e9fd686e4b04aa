package handshake

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassifyHandshake(t *testing.T) {
	opErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	reset := wireCounts{synSent: 2, synAckReceived: 2, rstSent: 2, rstSentAfterSYNACK: 2}
	dropped := wireCounts{synSent: 2, synAckReceived: 2}
	silent := wireCounts{synSent: 2}
	cases := []struct {
		name   string
		err    error
		wire   wireCounts
		traced bool
		want   Outcome
	}{
		{"connected", nil, wireCounts{synSent: 1, synAckReceived: 1}, true, Established},
		{"refused", opErr("connect", syscall.ECONNREFUSED), wireCounts{synSent: 1, rstReceived: 1}, true, Refused},
		{"no route", opErr("connect", syscall.ENETUNREACH), wireCounts{}, true, Unreachable},
		{"icmp", opErr("connect", syscall.EHOSTUNREACH), silent, false, Unreachable},
		{"port taken", opErr("bind", syscall.EADDRINUSE), wireCounts{}, true, SourcePortUnavailable},
		{"tuple taken", opErr("connect", syscall.EADDRNOTAVAIL), wireCounts{}, false, SourcePortUnavailable},
		{"reset, deadline", errDialTimeout, reset, true, ResetAfterSYNACK},
		{"reset, canceled by net/http", errCanceled, reset, true, ResetAfterSYNACK},
		{"reset, sweep gave up", errAbandoned, reset, true, ResetAfterSYNACK},
		{"reset, kernel gave up", opErr("connect", syscall.ETIMEDOUT), reset, true, ResetAfterSYNACK},
		{"reset, untraced", errDialTimeout, wireCounts{}, false, Timeout},
		{"dropped", errDialTimeout, dropped, true, SYNACKDropped},
		{"silent", context.DeadlineExceeded, silent, true, Timeout},
		{"refused on the wire, reset lost", errDialTimeout, wireCounts{synSent: 2, rstReceived: 2}, true, Refused},
		{"other", errors.New("socket: too many open files"), wireCounts{}, true, Errored},
		// The kernel's ECONNREFUSED for an ICMP port unreachable: no reset on the wire.
		{"icmp port unreachable", &icmpError{err: opErr("connect", syscall.ECONNREFUSED), icmp: ICMPMessage{Type: 3, Code: 3}}, wireCounts{synSent: 1}, true, Unreachable},
		{"icmp port unreachable, untraced", &icmpError{err: opErr("connect", syscall.ECONNREFUSED), icmp: ICMPMessage{Type: 3, Code: 3}}, wireCounts{}, false, Unreachable},
		{"privileged port", opErr("bind", syscall.EACCES), wireCounts{}, false, SourcePortUnavailable},
		{"firewall at connect", opErr("connect", syscall.EPERM), wireCounts{}, true, Errored},
	}
	for _, c := range cases {
		if got := classify(c.err, c.wire, c.traced); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
