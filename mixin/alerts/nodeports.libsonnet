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
                'Fix: reserve the NodePort range%(nodePortRange)s in net.ipv4.ip_local_reserved_ports, keeping the ports already listed there, and persist it in /etc/sysctl.d/; `kubeprobe_exporter check` on the node prints the exact command.',
                'Alternatively move net.ipv4.ip_local_port_range off the NodePort range.',
              ]) % ($._config { nodePortRange: nodePortRange }),
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
                'Reserve the NodePort range in net.ipv4.ip_local_reserved_ports now (`kubeprobe_exporter check` prints the command).',
              ]) % ($._config { nodePortRange: nodePortRange }),
            },
          },
        ],
      },
    ],
  },
}
