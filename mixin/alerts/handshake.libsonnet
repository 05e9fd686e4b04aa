// What the handshake tracer saw: a SYN-ACK reset by the probing node itself
// (the second incident), and a target refusing connections, while starting
// (the first incident) or for good.

// On alerts about /probe series: what the probing node's exporter says about
// its NodePorts right now. Needs the node label on both jobs (README).
local atRiskOnProbingNode = std.join('', [
  '{{ with $labels.%(nodeLabel)s }}',
  '{{ with printf `kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s,%(nodeLabel)s=%%q}` . | query }}',
  'That node has {{ . | first | value }} NodePorts at risk now. ',
  '{{ end }}',
  '{{ end }}',
]);

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-handshake',
        rules: [
          {
            // Sweeps probe from NodePorts on purpose: a reset there is the
            // sweep's finding, reported on the dashboard, not an incident.
            alert: 'KubeprobeProbeResetAfterSynAck',
            expr: |||
              sum_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="reset_after_synack"}[%(probeResetWindow)s]) > 0
              unless ignoring(outcome)
              probe_source_port_sweep_ports{%(probeSelector)s}
            ||| % $._config,
            'for': $._config.probeResetFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'The probing node reset the SYN-ACK of its own probe: a source-port collision with a NodePort.',
              description: std.join(' ', [
                'In the last %(probeResetWindow)s, {{ $value }} of the probes of %(probeName)s got a SYN-ACK that the probing node itself answered with a RST; the connection never opened and the probe timed out, as kubelet\'s would ("awaiting headers").',
                'Something on the probing node owns the source port the kernel picked: almost always an allocated NodePort held by IPVS or kube-proxy, because net.ipv4.ip_local_port_range overlaps the NodePort range.',
                '%(atRisk)sSee KubeprobeNodePortsAtRisk for the probing node (%(atRiskRunbook)s) and reserve the NodePort range in net.ipv4.ip_local_reserved_ports; the dashboard shows the source ports of the failing probes.',
              ]) % ($._config {
                      atRisk: atRiskOnProbingNode % $._config,
                      atRiskRunbook: $._config.runbookURLPattern % 'kubeprobenodeportsatrisk',
                    }),
            },
          },
          {
            // Refused on every probe: nothing listens, and nothing suggests
            // it is about to.
            alert: 'KubeprobeProbeRefused',
            expr: |||
              min_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="refused"}[%(probeWindow)s]) == 1
            ||| % $._config,
            'for': $._config.probeRefusedFor,
            labels: { severity: $._config.probeSeverity },
            annotations: {
              summary: 'The probed target refuses connections: nothing listens on the port.',
              description: std.join(' ', [
                'Every probe of %(probeName)s for at least %(probeRefusedFor)s was refused: its host answered the SYN with a RST, so the host is up and nothing listens on the port.',
                'The process has exited or not started, listens on another port, or binds only 127.0.0.1 instead of the pod IP.',
                "Compare the port in the probe with what the container listens on (`ss -ltn` in its network namespace) and read the container's logs; kubelet's probe of the same port fails the same way.",
              ]) % $._config,
            },
          },
          {
            // The first incident: refused until the process listens, then
            // fine. The value is how many probes were refused, which at the
            // probe interval is roughly how long start-up took.
            alert: 'KubeprobeProbeRefusedWhileStarting',
            expr: |||
              sum_over_time(probe_tcp_handshake_outcome{%(probeSelector)s, outcome="refused"}[%(probeStartingWindow)s]) > 0
              and ignoring(outcome)
              probe_tcp_handshake_outcome{%(probeSelector)s, outcome="established"} == 1
            ||| % $._config,
            'for': $._config.probeStartedFor,
            labels: { severity: $._config.probeStartingSeverity },
            annotations: {
              summary: 'The probed target refused connections while starting, then began accepting them.',
              description: std.join(' ', [
                'In the last %(probeStartingWindow)s, {{ $value }} of the probes of %(probeName)s were refused before it started accepting connections: it was not listening yet.',
                'At the probe interval that is roughly how long it takes to start.',
                "kubelet's probes of this container fail the same way during start-up, and a liveness probe that fails then restarts it: give the container a startupProbe whose failureThreshold x periodSeconds covers the start-up time, or raise initialDelaySeconds.",
              ]) % $._config,
            },
          },
        ],
      },
    ],
  },
}
