// The incident's accelerant: a process churning short connections (there,
// node-local-dns health-checking itself every second) makes the kernel roll
// through the ephemeral range, leaving TIME_WAIT behind and passing over
// every unreserved NodePort on each cycle.

// The alerting node's top TIME_WAIT destination, from the exporter's gauge.
local topTimeWait = std.join('', [
  '{{ with printf `topk(1, kubeprobe_tcp_time_wait_top_destinations{job=%q,instance=%q})` $labels.job $labels.instance | query }}',
  '{{ range . }}The most TIME_WAIT sockets, {{ .Value }}, are connections to {{ .Labels.destination }}: ',
  'find the client that opens a new connection to it for every request and give it keep-alive or a longer interval. {{ end }}',
  '{{ end }}',
]);

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-churn',
        rules: [
          {
            alert: 'KubeprobeEphemeralPortsWrappingFast',
            expr: |||
              instance:kubeprobe_ephemeral_port_wraparound_seconds:rate5m{%(kubeprobeSelector)s} < %(ephemeralWraparoundThresholdSeconds)g
            ||| % $._config,
            'for': $._config.ephemeralWraparoundFor,
            labels: { severity: $._config.ephemeralWraparoundSeverity },
            annotations: {
              summary: 'Connection churn cycles through the ephemeral port range fast.',
              description: std.join(' ', [
                'Node %(nodeName)s opens connections fast enough to cycle through its whole ephemeral port range every {{ $value | humanizeDuration }}.',
                'Closed connections wait 60s in TIME_WAIT, so below a minute new connections to a busy destination run out of ports, and every cycle hands out each unreserved NodePort in the range as a source port.',
                '%(topTimeWait)sReserve the NodePort range in net.ipv4.ip_local_reserved_ports so the churn cannot reach it (KubeprobeNodePortsAtRisk).',
              ]) % ($._config { topTimeWait: topTimeWait }),
            },
          },
        ],
      },
    ],
  },
}
