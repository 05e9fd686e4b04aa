package prober

import (
	"context"

	"github.com/go-kit/log/level"
)

// probeTCP is kubelet's tcpSocket probe: connect, close at once, send
// nothing. It succeeds if and only if the connection was established.
func probeTCP(ctx context.Context, p *probe) Verdict {
	conn, err := p.dialer.DialContext(ctx, "tcp", p.Target)
	if err != nil {
		return failure(err.Error())
	}
	if err := conn.Close(); err != nil {
		level.Warn(p.Log).Log("msg", "Unexpected error closing TCP probe socket", "err", err)
	}
	return success("")
}
