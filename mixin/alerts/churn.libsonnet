// What connection churn really does (docs/collector.md, "Connection
// churn", has the lab's measurements): it does not make NodePort
// collisions likelier, since connect(2) draws each connection's source
// port afresh and shares ports between destinations; it uses up the ports
// for its own destination, one per connection for the 60s of TIME_WAIT.
// This replaces KubeprobeEphemeralPortsWrappingFast, whose wrap-around
// premise the lab disproved.

// The alerting node's busiest destination among those whose TIME_WAIT
// ports may not be reused, and the pool they draw from; printf's indexed
// arguments put the alert's job and instance in every selector.
local scoped = { kubeprobeSelector: 'job=%[1]q,instance=%[2]q' };
local busiest(c) = std.join('', [
  '{{ with printf `topk(1, %(unreusable)s)` $labels.job $labels.instance | query }}{{ with . | first }}',
  'The TIME_WAIT sockets to {{ .Labels.destination }}, {{ .Value }} of them, ',
  '{{ end }}{{ end }}',
]) % { unreusable: std.strReplace(c.unreusableTimeWait % scoped, '\n', ' ') };
local connectPorts = std.join('', [
  '{{ with printf `kubeprobe_ephemeral_connect_ports{job=%q,instance=%q}` $labels.job $labels.instance | query }}',
  " ({{ . | first | value }} ports: those of net.ipv4.ip_local_port_range of its first port's parity, less the reserved ones)",
  '{{ end }}',
]);

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-churn',
        rules: [
          {
            alert: 'KubeprobeSourcePortsExhausting',
            expr: |||
              instance:kubeprobe_connect_ports_held_by_top_destination:ratio{%(kubeprobeSelector)s} > %(sourcePortsExhaustingThreshold)g
            ||| % $._config,
            'for': $._config.sourcePortsExhaustingFor,
            labels: { severity: $._config.sourcePortsExhaustingSeverity },
            annotations: {
              summary: 'Connections to one destination are using up the source ports connect() can give it.',
              description: std.join(' ', [
                '%(busiest)shold {{ $value | humanizePercentage }} of the source ports connect() picks from first on node %(nodeName)s%(connectPorts)s.',
                'Each connection to a destination needs a port no other connection to it holds, and a closed one keeps its port for 60s in TIME_WAIT:',
                'past 100%% new connections to it take ports of the other parity, past 200%% they fail with "cannot assign requested address" (EADDRNOTAVAIL).',
                'Connections to other destinations share these ports and are not short of any, and the churn does not make NodePort collisions likelier (that is KubeprobeNodePortsAtRisk).',
                'Find the client that opens a new connection to that destination for every request and give it keep-alive or a longer interval,',
                'or set net.ipv4.tcp_tw_reuse=1, with which new connections reuse TIME_WAIT ports older than about a second.',
              ]) % ($._config { busiest: busiest($._config), connectPorts: connectPorts }),
            },
          },
        ],
      },
    ],
  },
}
