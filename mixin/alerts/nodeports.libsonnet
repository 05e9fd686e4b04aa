// The root cause of the second incident, read from the node's configuration:
// allocated NodePorts that the kernel may hand out as source ports.

// " 30000-32767": the alerting exporter's NodePort range, read back from its
// own gauges so that the fix can be pasted; empty when they cannot be read.
local nodePortRange = std.join('', [
  '{{ with printf `kubeprobe_nodeport_range_start{job=%q,instance=%q}` $labels.job $labels.instance | query }}',
  '{{ $start := . | first | value }}',
  '{{ with printf `kubeprobe_nodeport_range_end{job=%q,instance=%q}` $labels.job $labels.instance | query }}',
  ' {{ $start }}-{{ . | first | value }}',
  '{{ end }}{{ end }}',
]);

// The chance that one connection draws a NodePort at risk: those of the
// parity connect() picks first over the ports it picks from.
local collisionChance = std.join('', [
  '{{ with printf `kubeprobe_nodeports_at_risk_for_connect{job=%q,instance=%q}` $labels.job $labels.instance | query }}{{ $n := . | first | value }}',
  "connect() picks first from the ports of the ephemeral range start's parity, and {{ $n }} of these NodePorts {{ if eq $n 1.0 }}is{{ else }}are{{ end }} among them",
  '{{ with printf `kubeprobe_nodeports_at_risk_for_connect{job=%[1]q,instance=%[2]q} / kubeprobe_ephemeral_connect_ports{job=%[1]q,instance=%[2]q}` $labels.job $labels.instance | query }}',
  ": each connection from this node, kubelet's probes among them, draws one with a chance of {{ . | first | value | humanizePercentage }}, however much the node churns",
  '{{ end }}; bind() to port 0 picks the others first. ',
  '{{ end }}',
]);

// "The exporter's own listen port 9878 can be handed out too...".
local listenPort = std.join('', [
  '{{ range printf `kubeprobe_exporter_listen_port_pickable{job=%q,instance=%q} == 1` $labels.job $labels.instance | query }}',
  "The exporter's own listen port {{ .Labels.port }} can be handed out too: a connection holding it keeps the exporter from starting, and the fix `check` prints reserves it. ",
  '{{ end }}',
]);

{
  prometheusAlerts+:: {
    groups+: [
      {
        name: 'kubeprobe-nodeports',
        rules: [
          {
            alert: 'KubeprobeNodePortsAtRisk',
            expr: |||
              kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s} > 0
            ||| % $._config,
            'for': $._config.nodePortsAtRiskFor,
            labels: { severity: $._config.nodePortsAtRiskSeverity },
            annotations: {
              summary: 'Allocated NodePorts can be picked as source ports, so connections from this node can be reset by its own NodePort rules.',
              // The fix names the node's NodePort range, read back from the
              // exporter's own gauges, so it can be pasted.
              description: std.join(' ', [
                'On node %(nodeName)s, allocated NodePorts lie inside the ephemeral port range (net.ipv4.ip_local_port_range) and are neither reserved nor held by a listener: {{ $value }} of them.',
                'The kernel may pick one as the source port of a connection from this node, a kubelet probe among them; IPVS or kube-proxy owns that port, so the SYN-ACK is reset and the connection times out (kubelet logs "context deadline exceeded (Client.Timeout exceeded while awaiting headers)").',
                '%(collisionChance)s%(listenPort)sFix: run `kubeprobe_exporter check` on the node and apply the sysctl it prints: it reserves the NodePort range%(nodePortRange)s and every NodePort at risk in net.ipv4.ip_local_reserved_ports, keeping the ports already listed there,',
                'and gives the line for %(persistFile)s.',
                'Alternatively move net.ipv4.ip_local_port_range off the NodePort range.',
              ]) % ($._config { nodePortRange: nodePortRange, collisionChance: collisionChance, listenPort: listenPort }),
            },
          },
          {
            // A smell, not yet a fault: nothing allocated sits in the
            // overlap. Once something does, KubeprobeNodePortsAtRisk takes
            // over, so the two never fire together.
            alert: 'KubeprobeNodePortRangeOverlapsEphemeral',
            expr: |||
              kubeprobe_nodeport_range_ephemeral_overlap_ports{%(kubeprobeSelector)s} > 0
              unless
              kubeprobe_nodeports_at_risk{%(kubeprobeSelector)s} > 0
            ||| % $._config,
            'for': $._config.nodePortOverlapFor,
            labels: { severity: $._config.nodePortOverlapSeverity },
            annotations: {
              summary: 'The NodePort range overlaps the ephemeral port range.',
              description: std.join(' ', [
                '{{ $value }} ports of the NodePort range%(nodePortRange)s on node %(nodeName)s can be picked by the kernel as source ports: they are inside net.ipv4.ip_local_port_range and not in net.ipv4.ip_local_reserved_ports.',
                'No allocated NodePort is there yet; the first Service allocated there will make connections from this node fail at random.',
                '%(listenPort)sReserve the NodePort range in net.ipv4.ip_local_reserved_ports now: `kubeprobe_exporter check` on the node prints the command and the line for %(persistFile)s, and exits 3 until it is done.',
              ]) % ($._config { nodePortRange: nodePortRange, listenPort: listenPort }),
            },
          },
        ],
      },
    ],
  },
}
