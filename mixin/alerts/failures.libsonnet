// Probes that connect-or-not and still fail, split by cause: running out of
// time (the network, or a slow answer) is not the same fault as answering
// with a failing status (the application's own verdict).
{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-probe-failures',
        rules: [
          {
            // stage="connect": no SYN-ACK, or one the probing node dropped.
            // stage="response": connected, then no answer before the
            // timeout: kubelet's "awaiting headers", or a gRPC deadline.
            alert: 'KubeprobeProbeTimingOut',
            expr: |||
              label_replace(
                probe_tcp_handshake_outcome{%(probeSelector)s, outcome=~"timeout|synack_dropped"} == 1,
                "stage", "connect", "", ""
              )
              or
              label_replace(
                probe_success{%(probeSelector)s} == 0
                and ignoring(outcome)
                probe_tcp_handshake_outcome{%(probeSelector)s, outcome="established"} == 1
                and
                probe_duration_seconds{%(probeSelector)s} >= %(probeTimeoutFraction)g * probe_timeout_seconds{%(probeSelector)s},
                "stage", "response", "", ""
              )
            ||| % $._config,
            'for': $._config.probeFailingFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'Probes of the target run out of time.',
              description: std.join('', [
                'Probes of %(probeName)s have timed out for %(probeFailingFor)s. ',
                '{{ if eq $labels.stage "response" }}',
                'They connect, then get no answer before the probe\'s timeout: kubelet logs this as "context deadline exceeded (Client.Timeout exceeded while awaiting headers)". ',
                'The process accepts connections but answers too slowly: it is overloaded or blocked, or its health endpoint does work that takes longer than timeoutSeconds. Make the endpoint cheap, or raise timeoutSeconds if the latency is expected.',
                '{{ else if eq $labels.outcome "synack_dropped" }}',
                'The target answered the SYN, but the probing node never answered its SYN-ACK: a firewall or conntrack rule on the probing node drops it. ',
                'Look for DROP rules and conntrack INVALID drops on that node (iptables-save, nft list ruleset, conntrack -S).',
                '{{ else }}',
                "The SYN got no SYN-ACK: the target's host or the path drops it. ",
                'Check that the pod and its node are up, and for a NetworkPolicy or firewall that drops the probe. ',
                'Without packet tracing (KubeprobeHandshakeTracingUnavailable) a SYN-ACK reset or dropped by the probing node also reads as this timeout.',
                '{{ end }}',
              ]) % $._config,
            },
          },
          {
            // Answered in time, and the answer failed the probe. The value
            // is the HTTP status; gRPC probes have none, so `or` falls back
            // to probe_success, 0.
            alert: 'KubeprobeProbeFailingOnStatus',
            expr: |||
              (probe_http_status_code{%(probeSelector)s} or probe_success{%(probeSelector)s})
              and
              probe_success{%(probeSelector)s} == 0
              and ignoring(outcome)
              probe_tcp_handshake_outcome{%(probeSelector)s, outcome="established"} == 1
              and
              probe_duration_seconds{%(probeSelector)s} < %(probeTimeoutFraction)g * probe_timeout_seconds{%(probeSelector)s}
            ||| % $._config,
            'for': $._config.probeFailingFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'The probed target answers, and its answer fails the probe.',
              description: std.join('', [
                'Probes of %(probeName)s have failed for %(probeFailingFor)s although the target answered in time: ',
                '{{ if gt $value 0.0 }}',
                'it answered with HTTP status {{ $value }}; kubelet passes only 200-399. ',
                '{{ else }}',
                'it closed the HTTP connection without a status, or its gRPC health service answered other than SERVING. ',
                '{{ end }}',
                "The network is fine; the application reports itself unhealthy. Read its logs, and check the probe's port, path, scheme and Host header (for gRPC, its service name) against what the application serves (`kubeprobe_exporter probe` prints the exchange).",
              ]) % $._config,
            },
          },
        ],
      },
    ],
  },
}
